"""Purchase-order pages: the list (search, filters, sort, export), one order with the signed
suggestions its lines came from, and the printable copy."""

import csv
import io
from datetime import UTC
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from accounts.models import Signature
from accounts.roles import Role
from optimization.services.approvals import suggestions_approve
from tests.factories import (
    TEST_PASSWORD,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SiteFactory,
    SkuFactory,
    SuggestedOrderFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/suppliers/purchase-orders/"


@pytest.fixture
def viewer_client(client, make_user):  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))
    return client


@pytest.fixture
def orders():  # type: ignore[no-untyped-def]
    acme = SupplierFactory(code="ACME", name="Acme Pharma")
    beta = SupplierFactory(code="BETA", name='=HYPERLINK("http://x.test")')
    dc, hospital = SiteFactory(code="DC1"), SiteFactory(code="H1")
    sent = PurchaseOrderFactory(number="PO-A-1", supplier=acme, destination=dc, status="sent")
    received = PurchaseOrderFactory(
        number="PO-B-2", supplier=beta, destination=hospital, status="received"
    )
    PurchaseOrderLineFactory(purchase_order=sent, quantity=10, unit_price=Decimal("2.50"))
    PurchaseOrderLineFactory(purchase_order=received, quantity=100, unit_price=Decimal("1.00"))
    PurchaseOrderLineFactory(purchase_order=received, quantity=5, unit_price=Decimal("4.00"))
    return {"sent": sent, "received": received, "acme": acme, "beta": beta, "hospital": hospital}


@pytest.fixture
def approved(planner):  # type: ignore[no-untyped-def]
    """A suggestion approved (signed) by a planner: one purchase order with one line."""
    planner.full_name = "Paula Planner"
    planner.save(update_fields=["full_name"])
    suggestion = SuggestedOrderFactory(
        sku=SkuFactory(code="AMOX-500"), site=SiteFactory(code="HOSP-9")
    )
    outcome = suggestions_approve(
        actor=planner, suggestion_ids=[suggestion.pk], password=TEST_PASSWORD, reason="Low cover"
    )
    suggestion.refresh_from_db()
    return {
        "suggestion": suggestion,
        "order": suggestion.purchase_order_line.purchase_order,
        "number": outcome.purchase_orders[0],
        "signature": Signature.objects.get(
            content_type__model="suggestedorder", object_pk=str(suggestion.pk)
        ),
    }


def numbers(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [order.number for order in response.context["orders"]]


def test_list_shows_every_order_newest_first(viewer_client, orders) -> None:  # type: ignore[no-untyped-def]
    response = viewer_client.get(LIST_URL)

    assert response.status_code == 200
    assert numbers(response) == ["PO-B-2", "PO-A-1"]


def test_list_searches_by_supplier_name(viewer_client, orders) -> None:  # type: ignore[no-untyped-def]
    assert numbers(viewer_client.get(LIST_URL, {"q": "acme"})) == ["PO-A-1"]


def test_list_searches_by_number(viewer_client, orders) -> None:  # type: ignore[no-untyped-def]
    assert numbers(viewer_client.get(LIST_URL, {"q": "b-2"})) == ["PO-B-2"]


def test_list_filters_by_status_supplier_and_destination(viewer_client, orders) -> None:  # type: ignore[no-untyped-def]
    assert numbers(viewer_client.get(LIST_URL, {"status": "sent"})) == ["PO-A-1"]
    assert numbers(viewer_client.get(LIST_URL, {"supplier": orders["beta"].pk})) == ["PO-B-2"]
    assert numbers(viewer_client.get(LIST_URL, {"destination": orders["hospital"].pk})) == [
        "PO-B-2"
    ]


def test_list_sorts_by_value(viewer_client, orders) -> None:  # type: ignore[no-untyped-def]
    response = viewer_client.get(LIST_URL, {"sort": "value"})

    assert numbers(response) == ["PO-A-1", "PO-B-2"]  # 25.00, then 120.00
    assert [order.total_value for order in response.context["orders"]] == [
        Decimal("25.00"),
        Decimal("120.00"),
    ]


def test_list_htmx_request_gets_only_the_results(viewer_client, orders) -> None:  # type: ignore[no-untyped-def]
    response = viewer_client.get(LIST_URL, {"status": "sent"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()

    assert body.lstrip().startswith('<div id="results">')
    assert "PO-A-1" in body and "PO-B-2" not in body
    assert "HX-Request" in response["Vary"]


def test_list_paginates_by_fifty(viewer_client) -> None:  # type: ignore[no-untyped-def]
    for _ in range(51):
        PurchaseOrderFactory()

    response = viewer_client.get(LIST_URL, {"page": 2})

    assert len(response.context["orders"]) == 1


def test_csv_export_keeps_the_filter_and_defuses_formulas(viewer_client, orders) -> None:  # type: ignore[no-untyped-def]
    response = viewer_client.get(LIST_URL, {"supplier": orders["beta"].pk, "export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))

    assert rows[0][:3] == ["number", "supplier_code", "supplier_name"]
    assert len(rows) == 2
    assert rows[1][0] == "PO-B-2"
    assert rows[1][2] == '\'=HYPERLINK("http://x.test")'
    assert rows[1][7] == "2"
    assert Decimal(rows[1][8]) == Decimal("120.00")


def test_xlsx_export_defuses_formulas(viewer_client, orders) -> None:  # type: ignore[no-untyped-def]
    response = viewer_client.get(LIST_URL, {"q": "PO-B", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))

    assert response["Content-Disposition"].endswith('.xlsx"')
    assert rows[1][2] == '\'=HYPERLINK("http://x.test")'
    assert rows[1][8] == 120.0


def test_detail_shows_the_lines_and_totals(viewer_client, orders) -> None:  # type: ignore[no-untyped-def]
    response = viewer_client.get(f"/suppliers/purchase-orders/{orders['received'].pk}/")
    detail = response.context["detail"]

    assert [(view.line.quantity, view.value) for view in detail.lines] == [
        (100, Decimal("100.00")),
        (5, Decimal("20.00")),
    ]
    assert detail.total_value == Decimal("120.00")
    assert 'data-testid="po-total">120.00<' in response.content.decode()


def test_detail_shows_the_suggestion_and_its_signature(viewer_client, approved) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get(f"/suppliers/purchase-orders/{approved['order'].pk}/").content
    page = page.decode()
    signed_at = approved["signature"].signed_at.astimezone(UTC)

    assert approved["number"] in page
    assert "AMOX-500 / HOSP-9" in page
    assert "Paula Planner" in page
    assert f"{signed_at:%Y-%m-%d %H:%M:%S} UTC" in page
    assert "Approved" in page


def test_print_page_has_no_navigation_and_shows_the_signatures(viewer_client, approved) -> None:  # type: ignore[no-untyped-def]
    response = viewer_client.get(f"/suppliers/purchase-orders/{approved['order'].pk}/print/")
    page = response.content.decode()
    signed_at = approved["signature"].signed_at.astimezone(UTC)

    assert 'data-testid="main-nav"' not in page
    assert "css/print.css" in page
    assert approved["order"].supplier.name in page
    assert approved["suggestion"].site.name in page
    assert 'data-testid="po-total">1,000.00<' in page
    assert "Paula Planner" in page and f"{signed_at:%Y-%m-%d %H:%M:%S} UTC" in page


def test_detail_of_a_missing_order_is_404(viewer_client) -> None:  # type: ignore[no-untyped-def]
    assert viewer_client.get("/suppliers/purchase-orders/999999/").status_code == 404


def test_supplier_users_get_403_for_now(client, make_user, orders) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.SUPPLIER))

    assert client.get(LIST_URL).status_code == 403
    assert client.get(f"/suppliers/purchase-orders/{orders['sent'].pk}/").status_code == 403


def test_detail_reads_in_a_fixed_number_of_queries(  # type: ignore[no-untyped-def]
    viewer_client, approved, django_assert_max_num_queries
) -> None:
    order = approved["order"]
    for _ in range(5):
        PurchaseOrderLineFactory(purchase_order=order)

    with django_assert_max_num_queries(12):
        viewer_client.get(f"/suppliers/purchase-orders/{order.pk}/")
