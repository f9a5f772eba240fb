import re

import pytest
from django.test import override_settings

from accounts.models import AuditLogEntry
from accounts.roles import Role
from accounts.services import user_update
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_renders_for_anonymous_visitors(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_good_credentials_sign_in_and_land_on_the_dashboard(client, planner) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/accounts/login/", {"username": planner.username, "password": TEST_PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/"
    assert "Good to see you" in response.content.decode()


def test_wrong_password_is_refused_with_a_message(client, planner) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/accounts/login/", {"username": planner.username, "password": "nope"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


OPERATIONS = {
    "nav-inventorystock_list",
    "nav-forecastingruns",
    "nav-optimizationpolicies",
    "nav-optimizationworklist",
    "nav-supplierspurchase_orders",
    "nav-suppliersperformance",
    "nav-alertsinbox",
    "nav-alertsdashboard",
}
NAVIGATION_BY_ROLE = {
    Role.ADMIN: {
        "nav-home",
        "nav-audit_trail",
        "nav-api_docs",
        "nav-adminindex",
        "nav-inventoryimports",
        "nav-warehousetoday",
        "nav-demobusiness_case",
        *OPERATIONS,
    },
    Role.PLANNER: {"nav-home", "nav-api_docs", "nav-demobusiness_case", *OPERATIONS},
    Role.QUALITY: {"nav-home", "nav-audit_trail", "nav-api_docs", *OPERATIONS},
    Role.SUPPLIER: {"nav-home", "nav-api_docs", "nav-portalhome"},
    Role.VIEWER: {"nav-home", "nav-api_docs", "nav-demobusiness_case", *OPERATIONS},
    Role.WAREHOUSE: {"nav-home", "nav-api_docs", "nav-warehousetoday", *OPERATIONS},
}


@pytest.mark.parametrize("role", list(NAVIGATION_BY_ROLE))
def test_navigation_shows_exactly_what_the_role_may_open(client, make_user, role) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(role))

    page = client.get("/").content.decode()

    assert set(re.findall(r'data-testid="(nav-[^"]+)"', page)) == NAVIGATION_BY_ROLE[role]


def test_supplier_dashboard_describes_the_supplier_portal(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.SUPPLIER))

    page = client.get("/").content.decode()

    assert 'data-testid="home-supplier"' in page
    assert 'data-testid="home-placeholder"' not in page


def test_user_without_role_sees_a_page_saying_so(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user())

    response = client.get("/")

    assert response.status_code == 403
    assert "Your account has no role yet" in response.content.decode()
    assert 'data-testid="nav-home"' not in response.content.decode()


def test_user_with_a_role_but_not_this_one_is_told_the_role_does_not_allow_it(
    client, planner
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    response = client.get("/audit/")

    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


class TestAuditTrailPage:
    @pytest.fixture
    def changes(self, make_user, admin_user):  # type: ignore[no-untyped-def]
        quality = make_user(Role.QUALITY, username="qa")
        target = make_user(Role.VIEWER, username="target", full_name="Old Name")
        user_update(actor=admin_user, user=target, full_name="Admin Name", reason="by admin")
        user_update(actor=quality, user=target, full_name="Quality Name", reason="by quality")
        return {"quality": quality, "admin": admin_user, "target": target}

    def test_lists_changes_with_old_and_new_values_and_reason(self, client, changes) -> None:  # type: ignore[no-untyped-def]
        client.force_login(changes["quality"])

        page = client.get("/audit/").content.decode()

        assert "<del>Admin Name</del> → Quality Name" in page
        assert "by quality" in page

    def test_filters_by_user(self, client, changes) -> None:  # type: ignore[no-untyped-def]
        client.force_login(changes["quality"])

        page = client.get("/audit/", {"actor": changes["admin"].pk}).content.decode()

        assert "by admin" in page
        assert "by quality" not in page

    def test_filters_by_record_type_and_dates(self, client, changes) -> None:  # type: ignore[no-untyped-def]
        client.force_login(changes["quality"])
        content_type = AuditLogEntry.objects.filter(reason="by admin").get().content_type_id

        page = client.get(
            "/audit/",
            {"content_type": content_type, "date_from": "2000-01-01", "date_to": "2000-01-02"},
        ).content.decode()

        assert "No trail entries match these filters." in page

    def test_end_date_before_start_date_is_explained(self, client, changes) -> None:  # type: ignore[no-untyped-def]
        client.force_login(changes["quality"])

        page = client.get(
            "/audit/", {"date_from": "2026-02-01", "date_to": "2026-01-01"}
        ).content.decode()

        assert "The end date is before the start date." in page

    def test_htmx_request_gets_only_the_results_fragment(self, client, changes) -> None:  # type: ignore[no-untyped-def]
        client.force_login(changes["quality"])

        response = client.get(
            "/audit/", {"actor": changes["admin"].pk}, headers={"HX-Request": "true"}
        )

        body = response.content.decode()
        assert body.lstrip().startswith('<div id="trail-results"')
        assert "<html" not in body
        assert "HX-Request" in response["Vary"]

    def test_paginates_long_trails(self, client, changes, admin_user) -> None:  # type: ignore[no-untyped-def]
        for number in range(60):
            user_update(actor=admin_user, user=changes["target"], full_name=f"Name {number}")
        client.force_login(changes["quality"])

        page = client.get("/audit/").content.decode()

        assert "1 / 2" in page
        assert "Next" in page


def test_healthz_reports_database_cache_and_broker(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")

    report = response.json()
    assert response.status_code == 200
    assert report["status"] == "ok"
    assert {name for name, check in report["checks"].items() if check["ok"]} == {
        "database",
        "cache",
        "broker",
    }


def test_healthz_answers_503_when_a_check_fails(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken_cache() -> dict:
        raise ConnectionError("redis://secret-host:6379 refused")

    monkeypatch.setattr("accounts.health.check_cache", broken_cache)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": response.json()["checks"]["cache"]["ms"],
    }
    assert "secret-host" not in response.content.decode()


def test_pages_send_the_csrf_token_on_htmx_requests(client, planner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    page = client.get("/").content.decode()

    assert 'hx-headers=\'{"X-CSRFToken": "' in page


def test_pages_load_no_asset_from_the_internet(client, planner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    for url in ["/", "/api/docs/", "/accounts/login/"]:
        page = client.get(url).content.decode()
        assert "https://" not in page.replace("https://www.w3.org", ""), url


class TestDemoUsers:
    def test_are_refused_outside_the_demo(self) -> None:
        from django.core.management import CommandError, call_command

        with pytest.raises(CommandError, match="only created for the demo"):
            call_command("create_demo_users")

    @override_settings(DEBUG=True)
    def test_one_per_role_with_the_documented_password(self, client) -> None:  # type: ignore[no-untyped-def]
        from django.core.management import call_command

        call_command("create_demo_users")

        for role in Role:
            assert client.login(username=role.value, password=f"pharma-demo-{role.value}")
        assert client.login(username="planner2", password="pharma-demo-planner2")


def test_htmx_request_without_a_session_redirects_the_whole_page_to_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        "/audit/",
        {"actor": 1},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/audit/?actor=1"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/audit/%3Factor%3D1"


def test_role_groups_cannot_be_edited_in_the_admin(admin_client) -> None:  # type: ignore[no-untyped-def]
    assert admin_client.get("/admin/auth/group/").status_code == 404


def test_the_section_entry_stays_active_below_it_and_the_longest_match_wins(make_user) -> None:  # type: ignore[no-untyped-def]
    from accounts.navigation import navigation_for

    admin = make_user(Role.ADMIN)

    def active(path: str) -> list[str]:
        return [item.label for item in navigation_for(admin, path) if item.active]

    assert active("/inventory/lots/") == ["Inventory"]
    assert active("/inventory/imports/3/") == ["Imports"]
    assert active("/optimization/plan/orders/3/") == ["Replenishment"]
    assert active("/") == ["Home"]
    assert active("/alerts/dashboard/") == ["Overview"]
    assert active("/nowhere/") == []


def test_the_warehouse_entry_stays_active_on_the_pages_it_gathers(make_user) -> None:  # type: ignore[no-untyped-def]
    from accounts.navigation import navigation_for

    admin = make_user(Role.ADMIN)

    def active(path: str) -> list[str]:
        return [item.label for item in navigation_for(admin, path) if item.active]

    assert active("/warehouse/") == ["Warehouse"]
    assert active("/suppliers/receiving/notices/4/") == ["Warehouse"]
    assert active("/inventory/dispense/") == ["Warehouse"]
    assert active("/inventory/transfers/7/") == ["Warehouse"]
    assert active("/inventory/counts/") == ["Warehouse"]
    assert active("/suppliers/purchase-orders/") == ["Purchase orders"]
