"""Supplier performance pages: every supplier compared for a month (table, sorting, charts),
one supplier over time with the lines behind its figures (late lines, rejected receipts), and
the planners' "Recompute now"."""

import json
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from suppliers.models import SupplierScorecard
from suppliers.selectors import purchase_orders as selectors
from suppliers.services.purchase_orders import purchase_order_line_receive
from tests.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SkuFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/suppliers/performance/"
JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


def card(supplier, month: date, **measures: object) -> SupplierScorecard:  # type: ignore[no-untyped-def]
    return SupplierScorecard.objects.create(supplier=supplier, month=month, **measures)


@pytest.fixture
def viewer_client(client, make_user):  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))
    return client


@pytest.fixture
def planner_client(client, planner):  # type: ignore[no-untyped-def]
    client.force_login(planner)
    return client


@pytest.fixture
def suppliers():  # type: ignore[no-untyped-def]
    """Two suppliers with January and February scorecards; ACME is better in February."""
    acme = SupplierFactory(code="ACME", name="Acme Pharma")
    beta = SupplierFactory(code="BETA", name="Beta Labs")
    card(acme, JAN, otif_rate=0.5, lines_due=4, lines_otif=2, score=60.0, grade="C")
    card(beta, JAN, otif_rate=0.75, lines_due=4, lines_otif=3, score=80.0, grade="B")
    card(
        acme,
        FEB,
        otif_rate=0.9,
        on_time_rate=0.95,
        in_full_rate=0.92,
        quality_acceptance_rate=0.985,
        lines_due=10,
        lines_otif=9,
        lead_time_mean=12.5,
        lead_time_std=2.25,
        lead_time_trend=3.0,
        agreed_lead_time=10.0,
        price_variance=0.021,
        acknowledgement_hours=5.5,
        score=91.2,
        grade="A",
    )
    card(beta, FEB, otif_rate=0.6, lines_due=5, lines_otif=3, score=70.0, grade="C")
    return {"acme": acme, "beta": beta}


def rows(page: str) -> list[str]:
    return re.findall(r'data-testid="performance-row" data-supplier="([^"]+)"', page)


def chart_data(page: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page)
    assert found, f"no {element_id} on the page"
    return json.loads(found.group(1))


# ---- the comparison -------------------------------------------------------------------------


def test_the_latest_month_is_shown_best_score_first(viewer_client, suppliers) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get(LIST_URL).content.decode()

    assert "February 2026" in page
    assert rows(page) == ["ACME", "BETA"]
    acme_row = page[page.index('data-supplier="ACME"') : page.index('data-supplier="BETA"')]
    for shown in ("90.0 %", "95.0 %", "92.0 %", "98.5 %", "12.5", "2.3", "+3.0", "10.0"):
        assert shown in acme_row, shown
    assert "+2.1 %" in acme_row and "5.5" in acme_row and "91.2" in acme_row
    assert 'data-testid="grade">A<' in acme_row
    assert "9/10 lines" in acme_row


def test_another_month_can_be_chosen(viewer_client, suppliers) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get(LIST_URL, {"month": "2026-01-01"}).content.decode()

    assert "January 2026" in page
    assert rows(page) == ["BETA", "ACME"]


def test_an_unknown_month_falls_back_to_the_latest(viewer_client, suppliers) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get(LIST_URL, {"month": "1999-01-01"}).content.decode()

    assert "February 2026" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"sort": "supplier"}, ["ACME", "BETA"]),
        ({"sort": "supplier", "desc": "on"}, ["BETA", "ACME"]),
        ({"sort": "otif"}, ["BETA", "ACME"]),
        ({"sort": "score", "desc": "on"}, ["ACME", "BETA"]),
        ({"sort": "lead_time"}, ["ACME", "BETA"]),  # BETA has none: empty values last
    ],
)
def test_the_table_sorts_and_answers_htmx_with_the_table_alone(  # type: ignore[no-untyped-def]
    viewer_client, suppliers, query, expected
) -> None:
    response = viewer_client.get(LIST_URL, {"month": "2026-02-01", **query}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert rows(body) == expected
    assert body.lstrip().startswith('<div id="results"') and "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_charts_get_the_scores_and_twelve_months_of_otif(viewer_client, suppliers) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get(LIST_URL).content.decode()

    data = chart_data(page, "performance-data")
    assert data["score"]["labels"] == ["ACME", "BETA"]
    assert data["score"]["scores"] == [91.2, 70.0]
    otif = data["otif"]
    assert len(otif["labels"]) == 12 and otif["labels"][-2:] == ["2026-01", "2026-02"]
    assert otif["labels"][0] == "2025-03"
    by_supplier = {series["label"]: series["data"] for series in otif["series"]}
    assert by_supplier["ACME"][-2:] == [50.0, 90.0]
    assert by_supplier["BETA"][-2:] == [75.0, 60.0]
    assert by_supplier["ACME"][0] is None
    assert "vendor/chartjs/chart.umd.min.js" in page and "js/supplier_performance.js" in page
    assert "cdn" not in page.lower()


def test_without_scorecards_the_page_says_so(viewer_client) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get(LIST_URL).content.decode()

    assert "No scorecards have been computed yet" in page
    assert "performance-data" not in page


def test_the_navigation_leads_here(viewer_client) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get(LIST_URL).content.decode()

    assert re.search(
        r'class="nav-link[^"]* active"[^>]*\n?\s*[^>]*data-testid="nav-suppliersperformance"', page
    )


# ---- recompute ------------------------------------------------------------------------------


def test_recompute_is_for_planners_and_starts_the_job(planner_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from suppliers import tasks

    started = []
    monkeypatch.setattr(
        tasks.compute_scorecards, "delay_on_commit", lambda *a, **k: started.append(a)
    )
    page = planner_client.get(LIST_URL).content.decode()
    assert 'data-testid="recompute"' in page

    response = planner_client.post("/suppliers/performance/recompute/", follow=True)

    assert started == [()]
    assert response.redirect_chain[-1][0] == LIST_URL
    assert "being recomputed" in response.content.decode()


def test_viewers_see_no_recompute_and_may_not_post_it(viewer_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from suppliers import tasks

    started = []
    monkeypatch.setattr(
        tasks.compute_scorecards, "delay_on_commit", lambda *a, **k: started.append(a)
    )

    assert 'data-testid="recompute"' not in viewer_client.get(LIST_URL).content.decode()
    assert viewer_client.post("/suppliers/performance/recompute/").status_code == 403
    assert started == []


def test_supplier_users_may_not_open_the_comparison(client, make_user, suppliers) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.SUPPLIER))

    assert client.get(LIST_URL).status_code == 403
    assert client.get(f"{LIST_URL}{suppliers['acme'].pk}/").status_code == 403


# ---- one supplier and its drill-down --------------------------------------------------------


@pytest.fixture
def deliveries():  # type: ignore[no-untyped-def]
    """ACME's lines: late and short, late and never delivered, on time in full, not yet due,
    on a cancelled order; and receipts, one with units rejected."""
    acme = SupplierFactory(code="ACME")
    today = timezone.localdate()
    due = today - timedelta(days=10)

    def line(number: str, sku: str, *, status: str = "sent", **fields: object):  # type: ignore[no-untyped-def]
        order = PurchaseOrderFactory(number=number, supplier=acme, status=status)
        return PurchaseOrderLineFactory(
            purchase_order=order, sku=SkuFactory(code=sku), quantity=100, **fields
        )

    short = line("PO-SHORT", "SKU-SHORT", requested_date=due)
    purchase_order_line_receive(
        actor=None,
        line=short,
        quantity_received=40,
        lot_number="L-1",
        expiry_date=today + timedelta(days=700),
        today=due - timedelta(days=1),
    )
    never = line("PO-NEVER", "SKU-NEVER", requested_date=due, confirmed_quantity=50)
    on_time = line("PO-OK", "SKU-OK", requested_date=due)
    purchase_order_line_receive(
        actor=None,
        line=on_time,
        quantity_received=100,
        quantity_accepted=70,
        lot_number="L-2",
        expiry_date=today + timedelta(days=700),
        today=due,
    )
    line("PO-FUTURE", "SKU-FUTURE", requested_date=today + timedelta(days=5))
    line("PO-CANCELLED", "SKU-CANCELLED", status="cancelled", requested_date=due)
    SupplierFactory(code="OTHER")
    card(acme, JAN, otif_rate=0.5, score=60.0, grade="C", lead_time_mean=11.0)
    card(acme, FEB, otif_rate=0.8, score=82.0, grade="B", lead_time_mean=12.0)
    return {"acme": acme, "short": short, "never": never, "on_time": on_time, "due": due}


def test_late_lines_are_the_due_lines_not_received_in_full_by_their_date(deliveries) -> None:  # type: ignore[no-untyped-def]
    lines = list(selectors.late_lines(deliveries["acme"], today=timezone.localdate()))

    assert {line.sku.code for line in lines} == {"SKU-SHORT", "SKU-NEVER"}
    by_sku = {line.sku.code: line for line in lines}
    assert (by_sku["SKU-SHORT"].agreed, by_sku["SKU-SHORT"].received_by_due) == (100, 40)
    assert (by_sku["SKU-NEVER"].agreed, by_sku["SKU-NEVER"].received_by_due) == (50, 0)
    assert by_sku["SKU-SHORT"].due == deliveries["due"]


def test_rejected_receipts_are_those_with_fewer_units_accepted(deliveries) -> None:  # type: ignore[no-untyped-def]
    receipts = list(selectors.rejected_receipts(deliveries["acme"]))

    assert [(r.lot_number, r.quantity_rejected) for r in receipts] == [("L-2", 30)]


def test_supplier_page_shows_its_months_and_late_lines(viewer_client, deliveries) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get(f"{LIST_URL}{deliveries['acme'].pk}/").content.decode()

    assert page.count('data-testid="history-row"') == 2
    assert 'data-testid="latest-grade">B<' in page
    data = chart_data(page, "supplier-performance-data")
    assert data["labels"][-2:] == ["2026-01", "2026-02"]
    assert data["otif"][-2:] == [50.0, 80.0]
    assert data["lead_time_mean"][-2:] == [11.0, 12.0]
    late = re.findall(r'data-testid="late-line">\s*<td><a[^>]*>([^<]+)</a>', page)
    assert sorted(late) == ["PO-NEVER", "PO-SHORT"]


def test_drill_down_shows_rejected_receipts_as_an_htmx_fragment(viewer_client, deliveries) -> None:  # type: ignore[no-untyped-def]
    response = viewer_client.get(
        f"{LIST_URL}{deliveries['acme'].pk}/", {"show": "rejected"}, HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="drilldown"')
    assert body.count('data-testid="rejected-receipt"') == 1
    assert "L-2" in body and "PO-OK" in body


def test_drill_down_narrows_to_one_month(viewer_client, deliveries) -> None:  # type: ignore[no-untyped-def]
    month = deliveries["due"].replace(day=1)
    other = date(month.year - 1, month.month, 1)
    url = f"{LIST_URL}{deliveries['acme'].pk}/"

    shown = viewer_client.get(url, {"month": month.isoformat()}).content.decode()
    hidden = viewer_client.get(url, {"month": other.isoformat()}).content.decode()

    assert shown.count('data-testid="late-line"') == 2
    assert hidden.count('data-testid="late-line"') == 0


def test_drill_down_is_paginated(viewer_client, monkeypatch, deliveries) -> None:  # type: ignore[no-untyped-def]
    from suppliers.views import performance as performance_views

    monkeypatch.setattr(performance_views, "DRILL_DOWN_PAGE_SIZE", 1)
    url = f"{LIST_URL}{deliveries['acme'].pk}/"

    first = viewer_client.get(url).content.decode()
    second = viewer_client.get(url, {"page": 2}).content.decode()

    assert first.count('data-testid="late-line"') == second.count('data-testid="late-line"') == 1
    assert "1 / 2" in first


def test_another_supplier_has_no_late_lines(viewer_client, deliveries) -> None:  # type: ignore[no-untyped-def]
    other = selectors.Supplier.objects.get(code="OTHER")
    page = viewer_client.get(f"{LIST_URL}{other.pk}/").content.decode()

    assert 'data-testid="late-line"' not in page
    assert "No late lines." in page
    assert "No scorecards have been computed for this supplier yet" in page


def test_an_unknown_supplier_is_404(viewer_client) -> None:  # type: ignore[no-untyped-def]
    assert viewer_client.get(f"{LIST_URL}99999/").status_code == 404
