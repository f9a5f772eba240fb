"""Goods receipt of a delivery: many rows in one transaction, against an order or a shipping
notice (suppliers.services.receiving)."""

import threading
import time
from datetime import date

import pytest
from django.db import connection

from accounts.models import AuditLogEntry
from inventory.models import Lot, LotStatus, StockMovement, StockPosition
from suppliers.forms.receiving import GoodsReceiptForm
from suppliers.models import PurchaseOrderStatus, Receipt, ShippingNotice
from suppliers.selectors.receiving import notice_lines
from suppliers.services import receiving
from suppliers.services.purchase_orders import ReceiptRefused
from suppliers.services.receiving import (
    GoodsReceiptRefused,
    NoticeAlreadyReceived,
    ReceiptRow,
    goods_receipt_post,
)
from tests.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    ShippingNoticeFactory,
    ShippingNoticeLineFactory,
    UserFactory,
)

TODAY = date(2026, 1, 1)
GOOD_EXPIRY = date(2027, 12, 31)  # well above the factories' 180 days minimum


@pytest.fixture
def clerk(db):  # type: ignore[no-untyped-def]
    return UserFactory(roles=["warehouse"], full_name="Wanda Warehouse")


@pytest.fixture
def order(db):  # type: ignore[no-untyped-def]
    order = PurchaseOrderFactory(status=PurchaseOrderStatus.ACKNOWLEDGED)
    PurchaseOrderLineFactory(purchase_order=order, quantity=100)
    PurchaseOrderLineFactory(purchase_order=order, quantity=50)
    return order


def lines_of(order):  # type: ignore[no-untyped-def]
    return list(order.lines.order_by("pk"))


def row(line, quantity: int, **overrides) -> ReceiptRow:  # type: ignore[no-untyped-def]
    values = {"lot_number": f"L-{line.pk}", "expiry_date": GOOD_EXPIRY, **overrides}
    return ReceiptRow(line_id=line.pk, quantity_received=quantity, **values)


def post(actor, order, rows, notice=None):  # type: ignore[no-untyped-def]
    return goods_receipt_post(actor=actor, order=order, rows=rows, notice=notice, today=TODAY)


def nothing_written() -> bool:
    return not (Receipt.objects.exists() or Lot.objects.exists() or StockMovement.objects.exists())


@pytest.mark.django_db
class TestReceivingAnOrder:
    def test_a_partial_receipt_leaves_the_line_open_and_the_order_partly_received(
        self, clerk, order
    ) -> None:  # type: ignore[no-untyped-def]
        first, _ = lines_of(order)

        post(clerk, order, [row(first, 40)])

        first.refresh_from_db()
        order.refresh_from_db()
        assert (first.received_quantity, first.open_quantity) == (40, 60)
        assert order.status == PurchaseOrderStatus.PARTIALLY_RECEIVED

    def test_the_on_order_figure_drops_by_what_was_received(self, clerk, order) -> None:  # type: ignore[no-untyped-def]
        first, _ = lines_of(order)

        post(clerk, order, [row(first, 40)])

        position = StockPosition.objects.get(sku=first.sku, site=order.destination)
        assert (position.on_order, position.quarantine) == (60, 40)

    def test_receiving_every_open_unit_closes_the_order(self, clerk, order) -> None:  # type: ignore[no-untyped-def]
        first, second = lines_of(order)

        result = post(clerk, order, [row(first, 100), row(second, 50)])

        assert result.order.status == PurchaseOrderStatus.RECEIVED
        assert [r.quantity_received for r in result.receipts] == [100, 50]

    def test_accepted_units_wait_in_quarantine_when_the_sku_needs_inspection(
        self, clerk, order
    ) -> None:  # type: ignore[no-untyped-def]
        first, _ = lines_of(order)

        receipt = post(clerk, order, [row(first, 10)]).receipts[0]

        assert (receipt.lot.status, receipt.lot.quantity) == (LotStatus.QUARANTINE, 10)

    def test_accepted_units_are_released_when_the_sku_needs_no_inspection(
        self, clerk, order
    ) -> None:  # type: ignore[no-untyped-def]
        first, _ = lines_of(order)
        first.sku.receipt_inspection = False
        first.sku.save()

        receipt = post(clerk, order, [row(first, 10)]).receipts[0]

        position = StockPosition.objects.get(sku=first.sku, site=order.destination)
        assert (receipt.lot.status, position.on_hand, position.quarantine) == (
            LotStatus.RELEASED,
            10,
            0,
        )

    def test_rejected_units_need_a_reason_and_nothing_is_written_without_one(
        self, clerk, order
    ) -> None:  # type: ignore[no-untyped-def]
        first, _ = lines_of(order)

        with pytest.raises(GoodsReceiptRefused) as refused:
            post(clerk, order, [row(first, 10, quantity_rejected=3)])

        assert refused.value.fields["rows.0.rejection_reason"] == [
            "Give a reason for the rejected units."
        ]
        assert nothing_written()

    def test_rejected_units_keep_their_reason_and_stay_out_of_stock(self, clerk, order) -> None:  # type: ignore[no-untyped-def]
        first, _ = lines_of(order)

        receipt = post(
            clerk, order, [row(first, 10, quantity_rejected=3, rejection_reason="Crushed box")]
        ).receipts[0]

        assert (receipt.quantity_accepted, receipt.lot.quantity, receipt.rejection_reason) == (
            7,
            7,
            "Crushed box",
        )

    def test_too_short_a_shelf_life_refuses_the_row_and_writes_nothing_of_any_row(
        self, clerk, order
    ) -> None:  # type: ignore[no-untyped-def]
        first, second = lines_of(order)

        with pytest.raises(GoodsReceiptRefused) as refused:
            post(clerk, order, [row(first, 10), row(second, 5, expiry_date=date(2026, 3, 1))])

        assert "below the minimum of 180 days" in refused.value.fields["rows.1"][0]
        assert "rows.1.expiry_date" in refused.value.fields
        assert "rows.0" not in refused.value.fields
        first.refresh_from_db()
        assert first.received_quantity == 0
        assert nothing_written()

    def test_more_than_the_open_quantity_is_refused_on_its_row(self, clerk, order) -> None:  # type: ignore[no-untyped-def]
        first, _ = lines_of(order)
        post(clerk, order, [row(first, 70, lot_number="EARLY")])

        with pytest.raises(GoodsReceiptRefused) as refused:
            post(clerk, order, [row(first, 31)])

        assert "70 were already received" in refused.value.fields["rows.0"][0]
        assert refused.value.fields["rows.0.quantity_received"] == ["At most 30."]
        assert Receipt.objects.count() == 1

    def test_every_refused_row_is_named_in_one_refusal(self, clerk, order) -> None:  # type: ignore[no-untyped-def]
        first, second = lines_of(order)

        with pytest.raises(GoodsReceiptRefused) as refused:
            post(
                clerk,
                order,
                [row(first, 101), row(second, 5, lot_number=" "), row(second, 5)],
            )

        assert refused.value.message == "Nothing was received: 2 rows to correct."
        assert {"rows.0", "rows.1.lot_number"} <= set(refused.value.fields)
        assert nothing_written()

    def test_an_order_not_with_the_supplier_cannot_be_received(self, clerk) -> None:  # type: ignore[no-untyped-def]
        line = PurchaseOrderLineFactory(purchase_order__status=PurchaseOrderStatus.APPROVED)

        with pytest.raises(ReceiptRefused, match="is approved"):
            post(clerk, line.purchase_order, [row(line, 5)])

    def test_a_receipt_with_no_row_is_refused(self, clerk, order) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(GoodsReceiptRefused, match="at least one line"):
            post(clerk, order, [])

    def test_the_receipt_is_on_the_audit_trail_under_the_clerk(self, clerk, order) -> None:  # type: ignore[no-untyped-def]
        first, _ = lines_of(order)

        receipt = post(clerk, order, [row(first, 10)]).receipts[0]

        entry = AuditLogEntry.objects.get(
            content_type__model="receipt", object_pk=str(receipt.pk), action=0
        )
        assert entry.actor == clerk


@pytest.fixture
def notice(db):  # type: ignore[no-untyped-def]
    order = PurchaseOrderFactory(status=PurchaseOrderStatus.ACKNOWLEDGED)
    notice = ShippingNoticeFactory(purchase_order=order, number="ASN-77")
    ShippingNoticeLineFactory(
        notice=notice, quantity=40, lot_number="LOT-A", expiry_date=date(2027, 6, 30)
    )
    ShippingNoticeLineFactory(
        notice=notice, quantity=20, lot_number="LOT-B", expiry_date=date(2027, 9, 30)
    )
    return notice


def notice_rows(notice) -> list[ReceiptRow]:  # type: ignore[no-untyped-def]
    return [
        ReceiptRow(
            line_id=item.line_id,
            quantity_received=item.quantity,
            lot_number=item.lot_number,
            expiry_date=item.expiry_date,
        )
        for item in notice.lines.order_by("pk")
    ]


@pytest.mark.django_db
class TestReceivingAShippingNotice:
    def test_the_form_is_prefilled_with_the_announced_lots_expiries_and_units(self, notice) -> None:  # type: ignore[no-untyped-def]
        form = GoodsReceiptForm(notice_lines=notice_lines(notice))

        prefilled = [
            (
                r.form["quantity_received"].value(),
                r.form["lot_number"].value(),
                r.form["expiry_date"].value(),
            )
            for r in form.rows
        ]
        assert prefilled == [
            (40, "LOT-A", date(2027, 6, 30)),
            (20, "LOT-B", date(2027, 9, 30)),
        ]

    def test_receiving_marks_the_notice_received_and_the_receipts_name_it(
        self, clerk, notice
    ) -> None:  # type: ignore[no-untyped-def]
        result = post(clerk, notice.purchase_order, notice_rows(notice), notice=notice)

        notice.refresh_from_db()
        assert notice.received_by == clerk and notice.received_at is not None
        assert {r.shipping_notice_id for r in result.receipts} == {notice.pk}
        assert sorted(r.lot.lot_number for r in result.receipts) == ["LOT-A", "LOT-B"]

    def test_a_notice_received_twice_is_refused_saying_when_and_by_whom(
        self, clerk, notice
    ) -> None:  # type: ignore[no-untyped-def]
        post(clerk, notice.purchase_order, notice_rows(notice), notice=notice)

        with pytest.raises(NoticeAlreadyReceived) as refused:
            post(clerk, notice.purchase_order, notice_rows(notice), notice=notice)

        assert refused.value.message.startswith("Shipping notice ASN-77 was already received on ")
        assert "by Wanda Warehouse" in refused.value.message
        assert Receipt.objects.count() == 2

    def test_a_refused_row_leaves_the_notice_waiting(self, clerk, notice) -> None:  # type: ignore[no-untyped-def]
        rows = notice_rows(notice)
        rows[1] = ReceiptRow(**{**rows[1].__dict__, "expiry_date": date(2026, 2, 1)})

        with pytest.raises(GoodsReceiptRefused):
            post(clerk, notice.purchase_order, rows, notice=notice)

        notice.refresh_from_db()
        assert notice.received_at is None
        assert nothing_written()

    def test_a_notice_of_another_order_is_refused(self, clerk, notice, order) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(ReceiptRefused, match="is not for purchase order"):
            post(clerk, order, notice_rows(notice), notice=notice)


@pytest.mark.django_db(transaction=True)
def test_the_same_shipping_notice_received_twice_at_once_is_received_once(
    require_postgres, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Two clerks post the same notice at the same moment: exactly one receipt per line, the
    stock counted once, and the other clerk is told it was already received.

    Each transaction pauses right after reading the notice, so without the row lock both would
    see it waiting and both would receive it (the announced units fit the lines twice over, so
    no other rule stops the second)."""
    order = PurchaseOrderFactory(status=PurchaseOrderStatus.ACKNOWLEDGED)
    notice = ShippingNoticeFactory(purchase_order=order)
    ShippingNoticeLineFactory(notice=notice, quantity=40, line__quantity=100, lot_number="R-1")
    clerks = [UserFactory(roles=["warehouse"]) for _ in range(2)]
    rows = notice_rows(notice)
    read_notice = receiving._locked_notice

    def read_then_pause(notice_id: int) -> ShippingNotice:
        found = read_notice(notice_id)
        time.sleep(0.5)
        return found

    monkeypatch.setattr(receiving, "_locked_notice", read_then_pause)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def receive(clerk) -> None:  # type: ignore[no-untyped-def]
        try:
            start.wait()
            goods_receipt_post(actor=clerk, order=order, rows=rows, notice=notice, today=TODAY)
            outcomes.append("received")
        except NoticeAlreadyReceived:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=receive, args=(clerk,)) for clerk in clerks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["received", "refused"]
    line = order.lines.get()
    lot = Lot.objects.get(lot_number="R-1")
    assert Receipt.objects.filter(line=line).count() == 1
    assert (line.received_quantity, lot.quantity) == (40, 40)
    assert StockPosition.objects.get(sku=line.sku, site=order.destination).quarantine == 40
