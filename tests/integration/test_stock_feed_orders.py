"""Receipts of the daily stock feed that name a purchase order: the order line is received
with the lot (received quantity, receipt, order status, on order), and an order that cannot
take the receipt refuses the row with nothing written."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.db.models import Sum

from accounts.models import AuditLogEntry
from inventory.models import Lot, StockMovement, StockMovementKey, StockPosition
from inventory.services.feed import MovementsRefused, stock_movements_post
from suppliers.models import PurchaseOrderLine, PurchaseOrderStatus, Receipt
from tests.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SiteFactory,
    SkuFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 1, 10)
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
def sku(db):  # type: ignore[no-untyped-def]
    return SkuFactory(code="AMOX-500", min_remaining_shelf_life_days=180)


@pytest.fixture
def site(db):  # type: ignore[no-untyped-def]
    return SiteFactory(code="DC-1")


@pytest.fixture
def line(sku, site):  # type: ignore[no-untyped-def]
    order = PurchaseOrderFactory(number="PO-7", destination=site, status="sent")
    PurchaseOrderLineFactory(purchase_order=order, quantity=40)  # another SKU, still open
    return PurchaseOrderLineFactory(purchase_order=order, sku=sku, quantity=100)


def receipt(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "idempotency_key": "gr-1",
        "kind": "receipt",
        "sku": "AMOX-500",
        "site": "DC-1",
        "lot": "NEW-1",
        "expiry_date": "2027-12-31",
        "quantity": 60,
        "occurred_on": YESTERDAY.isoformat(),
        "purchase_order": "PO-7",
    }
    base.update(fields)
    return {name: value for name, value in base.items() if value is not None}


def post(actor: Any, *rows: dict[str, Any]) -> Any:
    return stock_movements_post(actor=actor, movements=list(rows), today=TODAY)


def snapshot() -> tuple[int, ...]:
    return (
        StockMovement.objects.count(),
        Lot.objects.aggregate(total=Sum("quantity"))["total"] or 0,
        StockMovementKey.objects.count(),
        Receipt.objects.count(),
        PurchaseOrderLine.objects.aggregate(total=Sum("received_quantity"))["total"] or 0,
        AuditLogEntry.objects.count(),
    )


def refused(actor: Any, *rows: dict[str, Any]) -> list[dict[str, Any]]:
    before = snapshot()
    with pytest.raises(MovementsRefused) as caught:
        post(actor, *rows)
    assert snapshot() == before
    return caught.value.fields["movements"]


def test_a_receipt_naming_an_order_receives_its_line(line, admin_user) -> None:  # type: ignore[no-untyped-def]
    post(admin_user, receipt())

    line.refresh_from_db()
    assert line.received_quantity == 60
    recorded = Receipt.objects.get(line=line)
    assert (
        recorded.lot.lot_number,
        recorded.quantity_received,
        recorded.quantity_accepted,
        recorded.expiry_date,
        recorded.received_on,
        recorded.received_by,
    ) == ("NEW-1", 60, 60, date(2027, 12, 31), YESTERDAY, admin_user)
    assert Lot.objects.get(lot_number="NEW-1").quantity == 60


def test_a_partial_receipt_leaves_the_order_partly_received_and_the_rest_on_order(
    line, sku, site, admin_user
) -> None:  # type: ignore[no-untyped-def]
    post(admin_user, receipt())

    line.purchase_order.refresh_from_db()
    assert line.purchase_order.status == PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert StockPosition.objects.get(sku=sku, site=site).on_order == 40


def test_receiving_every_line_completes_the_order(line, admin_user) -> None:  # type: ignore[no-untyped-def]
    other = line.purchase_order.lines.exclude(pk=line.pk).get()
    post(
        admin_user,
        receipt(quantity=100),
        receipt(idempotency_key="gr-2", sku=other.sku.code, lot="OTHER-1", quantity=40),
    )

    line.purchase_order.refresh_from_db()
    assert line.purchase_order.status == PurchaseOrderStatus.RECEIVED


def test_a_replayed_receipt_is_not_received_twice(line, admin_user) -> None:  # type: ignore[no-untyped-def]
    post(admin_user, receipt())
    before = snapshot()

    post(admin_user, receipt())

    assert snapshot() == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"purchase_order": "PO-404"}, "No purchase order PO-404."),
        ({"quantity": 101}, "100 units of AMOX-500 are still open on PO-7"),
        ({"sku": "OTHER"}, "OTHER is not on purchase order PO-7."),
        ({"site": "DC-2"}, "Purchase order PO-7 is not for DC-2."),
    ],
)
def test_a_receipt_the_order_cannot_take_is_refused(line, admin_user, fields, message) -> None:  # type: ignore[no-untyped-def]
    SkuFactory(code="OTHER")
    SiteFactory(code="DC-2")

    errors = refused(admin_user, receipt(**fields))

    assert [(e["row"], e["field"]) for e in errors] == [(1, "purchase_order")]
    assert message in errors[0]["message"]


@pytest.mark.parametrize("status", ["approved", "received", "cancelled"])
def test_an_order_not_open_for_receipts_refuses_the_row(line, admin_user, status) -> None:  # type: ignore[no-untyped-def]
    line.purchase_order.status = status
    line.purchase_order.save()

    errors = refused(admin_user, receipt())

    assert "goods can be received only on sent, acknowledged" in errors[0]["message"]


def test_rows_before_it_count_against_the_open_quantity(line, admin_user) -> None:  # type: ignore[no-untyped-def]
    errors = refused(
        admin_user,
        receipt(quantity=60),
        receipt(idempotency_key="gr-2", lot="NEW-2", quantity=60),
    )

    assert [(e["row"], e["field"]) for e in errors] == [(2, "purchase_order")]
    assert errors[0]["message"].startswith("40 units of AMOX-500 are still open on PO-7")


def test_only_a_receipt_names_a_purchase_order(line, admin_user) -> None:  # type: ignore[no-untyped-def]
    post(admin_user, receipt(status="released"))

    errors = refused(
        admin_user,
        receipt(idempotency_key="k-9", kind="issue", lot="NEW-1", expiry_date=None, quantity=1),
    )

    assert errors == [
        {"row": 1, "field": "purchase_order", "message": "Only a receipt names a purchase order."}
    ]
