"""The overview dashboard page (alerts:dashboard) and its Refresh now button
(alerts:dashboard_refresh): what it shows, how few queries it makes, and who may do what."""

import json
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from alerts.models import Alert, DashboardSnapshot
from alerts.services.alerts import Condition, alert_raise
from inventory.models import DailyDemand
from inventory.services.stock import stock_issue, stock_positions_refresh
from reporting.services import dashboard_snapshot_refresh
from tests.factories import LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db
URL = "/alerts/dashboard/"
REFRESH_URL = "/alerts/dashboard/refresh/"


@pytest.fixture
def stock() -> dict:
    """One SKU at one site: 100 units received, 2 units a day asked over the last 10 days and
    12 of them issued today. Figures as of tomorrow cover today."""
    today = timezone.localdate()
    sku = SkuFactory(code="DASH-1", unit_cost=5)
    site = SiteFactory(code="DASH-SITE")
    LotFactory(sku=sku, site=site, expiry_date=today + timedelta(days=400), quantity=100)
    DailyDemand.objects.bulk_create(
        DailyDemand(sku=sku, site=site, date=today - timedelta(days=i), quantity=2)
        for i in range(10)
    )
    stock_issue(actor=None, sku=sku, site=site, quantity=12)
    stock_positions_refresh()
    return {"sku": sku, "site": site, "as_of": today + timedelta(days=1)}


def test_urls_are_named() -> None:
    assert reverse("alerts:dashboard") == URL
    assert reverse("alerts:dashboard_refresh") == REFRESH_URL


def test_without_a_snapshot_the_page_says_how_figures_come(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    response = client.get(URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="empty-state"' in page
    assert "No figures yet" in page
    assert 'data-testid="dashboard-refresh"' not in page  # viewers cannot refresh
    assert 'id="dashboard-data"' not in page


def test_the_page_shows_the_latest_snapshot(client, make_user, stock: dict) -> None:  # type: ignore[no-untyped-def]
    dashboard_snapshot_refresh(as_of=stock["as_of"] - timedelta(days=5))
    dashboard_snapshot_refresh(as_of=stock["as_of"])
    alert_raise(Condition(kind="po_late", key="po:1", severity="high", title="Late", message="."))
    client.force_login(make_user(Role.PLANNER))

    page = client.get(URL).content.decode()

    assert f"Figures as of {stock['as_of']:%Y-%m-%d}" in page
    assert 'data-testid="kpi-inventory-value">440<' in page  # 88 units held x 5
    assert re.search(r'data-testid="kpi-open-alerts">1<', page)
    for window in (30, 90):
        assert f'data-testid="kpi-window-{window}"' in page
    # 12 of the 20 units asked were served: 60.0 %, and 10 SKU-site-days with 4 short
    assert "60.0 %" in page
    assert "12 / 20 units" in page
    assert 'data-testid="site-DASH-SITE"' in page
    assert 'data-testid="dashboard-refresh"' in page
    data = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert data["trend"][-1]["units_issued"] == 12
    assert data["trend"][-1]["units_asked"] == 14
    assert {s["key"] for s in data["statuses"]} == {
        "stockout",
        "below_safety",
        "stockout_risk",
        "expiring",
        "excess",
        "ok",
    }
    assert "js/dashboard.js" in page
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert "cdn" not in page.lower()


def test_the_page_reads_a_handful_of_small_queries(
    client, make_user, stock: dict, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    dashboard_snapshot_refresh(as_of=stock["as_of"])
    client.force_login(make_user(Role.VIEWER))
    client.get(URL)  # warm the session and caches

    with django_assert_max_num_queries(8):
        response = client.get(URL)

    assert response.status_code == 200


@pytest.mark.parametrize("role", [Role.PLANNER, Role.ADMIN])
def test_planners_and_admins_refresh_now(
    client, make_user, stock: dict, role: Role, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(role))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REFRESH_URL)

    assert response.status_code == 302
    assert response["Location"] == URL
    snapshot = DashboardSnapshot.objects.get()
    assert snapshot.as_of == timezone.localdate()
    assert snapshot.kpis.count() == 2
    page = client.get(URL).content.decode()
    assert "being recomputed" in page


@pytest.mark.parametrize("role", [Role.VIEWER, Role.QUALITY, Role.SUPPLIER])
def test_other_roles_cannot_refresh(client, make_user, role: Role) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(role))

    response = client.post(REFRESH_URL)

    assert response.status_code == 403
    assert not DashboardSnapshot.objects.exists()


def test_refresh_is_post_only(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.PLANNER))

    assert client.get(REFRESH_URL).status_code == 405


def test_suppliers_cannot_see_the_dashboard(client, make_user, stock: dict) -> None:  # type: ignore[no-untyped-def]
    dashboard_snapshot_refresh(as_of=stock["as_of"])
    client.force_login(make_user(Role.SUPPLIER))

    response = client.get(URL)

    assert response.status_code == 403
    assert "440" not in response.content.decode()


def test_anonymous_visitors_go_to_the_login_page(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_home_page_leads_operations_users_to_the_overview(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    page = client.get("/").content.decode()

    assert f'href="{URL}" data-testid="home-overview-link"' in page
    client.force_login(make_user(Role.SUPPLIER))
    assert "home-overview-link" not in client.get("/").content.decode()


def test_open_alerts_are_counted_live(client, make_user) -> None:  # type: ignore[no-untyped-def]
    dashboard_snapshot_refresh(as_of=date(2026, 1, 1))
    for n in range(3):
        alert_raise(
            Condition(kind="po_late", key=f"po:{n}", severity="low", title="Late", message=".")
        )
    Alert.objects.filter(key="po:0").update(status="resolved", resolved_at=timezone.now())
    client.force_login(make_user(Role.QUALITY))

    page = client.get(URL).content.decode()

    assert re.search(r'data-testid="kpi-open-alerts">2<', page)
