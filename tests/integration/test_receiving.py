from datetime import date

import pytest

from inventory.models import Lot, LotStatus, StockPosition
from inventory.services.stock import ShelfLifeTooShort
from suppliers.models import PurchaseOrderStatus, Receipt
from suppliers.services.purchase_orders import ReceiptRefused, purchase_order_line_receive
from tests.factories import PurchaseOrderLineFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 1, 1)


@pytest.fixture
def line():  # type: ignore[no-untyped-def]
    return PurchaseOrderLineFactory(quantity=100, sku__min_remaining_shelf_life_days=180)


def receive(
    line,
    quantity: int,
    accepted: int | None = None,
    lot_number: str = "B1",
    expiry: date = date(2027, 6, 1),
) -> Receipt:  # type: ignore[no-untyped-def]
    return purchase_order_line_receive(
        actor=None,
        line=line,
        quantity_received=quantity,
        quantity_accepted=accepted,
        lot_number=lot_number,
        expiry_date=expiry,
        today=TODAY,
    )


def test_full_receipt_creates_a_quarantined_lot_and_closes_the_order(line) -> None:  # type: ignore[no-untyped-def]
    receipt = receive(line, 100)

    assert (receipt.lot.quantity, receipt.lot.status) == (100, LotStatus.QUARANTINE)
    line.purchase_order.refresh_from_db()
    assert line.purchase_order.status == PurchaseOrderStatus.RECEIVED


def test_partial_receipt_marks_the_order_partially_received(line) -> None:  # type: ignore[no-untyped-def]
    receive(line, 40)

    line.purchase_order.refresh_from_db()
    assert line.purchase_order.status == PurchaseOrderStatus.PARTIALLY_RECEIVED


def test_rejected_units_are_not_put_into_stock(line) -> None:  # type: ignore[no-untyped-def]
    receipt = receive(line, 100, accepted=90)

    assert (receipt.quantity_received, receipt.quantity_accepted, receipt.lot.quantity) == (
        100,
        90,
        90,
    )


def test_fully_rejected_receipt_keeps_a_traceable_lot_with_no_stock(line) -> None:  # type: ignore[no-untyped-def]
    receipt = receive(line, 100, accepted=0)

    assert (receipt.lot.quantity, receipt.lot.status) == (0, LotStatus.REJECTED)


def test_short_shelf_life_is_refused_and_nothing_changes(line) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ShelfLifeTooShort):
        receive(line, 100, expiry=date(2026, 3, 1))

    line.refresh_from_db()
    assert (line.received_quantity, Receipt.objects.count(), Lot.objects.count()) == (0, 0, 0)


def test_receiving_more_than_ordered_is_refused(line) -> None:  # type: ignore[no-untyped-def]
    receive(line, 60)

    with pytest.raises(ReceiptRefused, match="60 were already received"):
        receive(line, 41, lot_number="B2")


def test_draft_orders_cannot_be_received(line) -> None:  # type: ignore[no-untyped-def]
    line.purchase_order.status = PurchaseOrderStatus.DRAFT
    line.purchase_order.save()

    with pytest.raises(ReceiptRefused, match="draft"):
        receive(line, 10)


def test_on_order_drops_by_what_arrived(line) -> None:  # type: ignore[no-untyped-def]
    receive(line, 30)

    position = StockPosition.objects.get(sku=line.sku, site=line.purchase_order.destination)
    assert (position.on_order, position.quarantine) == (70, 30)
