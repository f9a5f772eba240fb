"""Goods receipt: the warehouse receives a delivery against one purchase order, typed in from
the delivery note or prefilled from the supplier's shipping notice, in one go.

Each row goes through `purchase_order_line_receive` (lot and movement, shelf-life check, the
line, the order's status, the on-order figure, alerts after commit). The whole receipt is one
transaction: when any row is refused, nothing is written and the refusal names every row's
problem. A shipping notice is received once: its row is locked for the receipt, so a second
receipt of it, at the same moment or later, is refused.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_context
from accounts.models import User
from common.errors import Conflict, DomainError
from suppliers.models import PurchaseOrder, PurchaseOrderLine, Receipt, ShippingNotice
from suppliers.services.purchase_orders import (
    RECEIVABLE_STATUSES,
    ReceiptRefused,
    purchase_order_line_receive,
)


class GoodsReceiptRefused(DomainError):
    """One or more rows of a receipt were refused; `fields` names them as "rows.<index>" (what
    is wrong with the row as a whole) and "rows.<index>.<field>" (the input at fault), the
    index counting the rows as given."""

    code = "goods_receipt_refused"


class NoticeAlreadyReceived(Conflict):
    code = "notice_already_received"


@dataclass(frozen=True)
class ReceiptRow:
    """One row of a receipt: what arrived for one order line, in one lot."""

    line_id: int
    quantity_received: int
    lot_number: str
    expiry_date: date | None
    quantity_rejected: int = 0
    rejection_reason: str = ""


@dataclass(frozen=True)
class GoodsReceipt:
    order: PurchaseOrder
    receipts: list[Receipt]
    notice: ShippingNotice | None = None


def _row_errors(row: ReceiptRow, line: PurchaseOrderLine | None) -> dict[str, list[str]]:
    """What is wrong with a row before anything is received: by input field ("" for the row)."""
    errors: dict[str, list[str]] = {}
    if line is None:
        errors[""] = ["This line is not on the order."]
        return errors
    if not isinstance(row.quantity_received, int) or row.quantity_received <= 0:
        errors["quantity_received"] = ["Enter the units received, above zero."]
    if not isinstance(row.quantity_rejected, int) or row.quantity_rejected < 0:
        errors["quantity_rejected"] = ["Enter the units rejected, zero or more."]
    elif isinstance(row.quantity_received, int) and row.quantity_rejected > row.quantity_received:
        errors["quantity_rejected"] = ["Cannot reject more than was received."]
    elif row.quantity_rejected > 0 and not (row.rejection_reason or "").strip():
        errors["rejection_reason"] = ["Give a reason for the rejected units."]
    if not (row.lot_number or "").strip():
        errors["lot_number"] = ["Enter the lot number."]
    if not isinstance(row.expiry_date, date):
        errors["expiry_date"] = ["Enter the expiry date."]
    return errors


def _locked_notice(notice_id: int) -> ShippingNotice:
    """The notice, locked until the receipt commits: a second receipt of it waits here, then
    sees that it was received."""
    return (
        ShippingNotice.objects.select_for_update(of=("self",))
        .select_related("received_by")
        .get(pk=notice_id)
    )


def _refuse_if_received(notice: ShippingNotice) -> None:
    if notice.received_at is None:
        return
    by = ""
    if notice.received_by is not None:
        by = f" by {notice.received_by.get_full_name() or notice.received_by.get_username()}"
    raise NoticeAlreadyReceived(
        f"Shipping notice {notice.number} was already received on "
        f"{timezone.localtime(notice.received_at):%Y-%m-%d %H:%M}{by}. Nothing was received."
    )


def goods_receipt_post(
    *,
    actor: User | None,
    order: PurchaseOrder,
    rows: list[ReceiptRow],
    notice: ShippingNotice | None = None,
    today: date | None = None,
) -> GoodsReceipt:
    """Receive a delivery against `order`: one receipt per row, all or none. Fewer units than
    open leave the line open (a partial receipt); units rejected need a reason. With `notice`,
    the receipts name it and the notice is marked received (once only)."""
    today = today or timezone.localdate()
    if not rows:
        raise GoodsReceiptRefused(
            "Enter the units received on at least one line.",
            fields={"rows": ["Nothing to receive."]},
        )
    with transaction.atomic(), audit_context(actor=actor):
        if notice is not None:
            notice = _locked_notice(notice.pk)
            if notice.purchase_order_id != order.pk:
                raise ReceiptRefused(
                    f"Shipping notice {notice.number} is not for purchase order {order.number}."
                )
            _refuse_if_received(notice)
        # Lock the order's lines in one order (then each row locks the order itself), so two
        # receipts on the same order wait for each other instead of deadlocking.
        lines = {
            line.pk: line
            for line in PurchaseOrderLine.objects.select_for_update(of=("self",))
            .select_related("sku")
            .filter(purchase_order_id=order.pk)
            .order_by("pk")
        }
        order = PurchaseOrder.objects.get(pk=order.pk)
        if order.status not in RECEIVABLE_STATUSES:
            raise ReceiptRefused(
                f"Purchase order {order.number} is {order.get_status_display().lower()}: goods "
                "can be received only on sent, acknowledged or partly received orders."
            )
        errors: dict[str, list[str]] = {}
        refused_rows: set[int] = set()
        for index, row in enumerate(rows):
            for field, messages in _row_errors(row, lines.get(row.line_id)).items():
                errors[f"rows.{index}.{field}" if field else f"rows.{index}"] = messages
                refused_rows.add(index)
        receipts: list[Receipt] = []
        for index, row in enumerate(rows):
            if index in refused_rows:
                continue
            try:
                with transaction.atomic():  # a refused row leaves nothing of itself behind
                    receipts.append(
                        purchase_order_line_receive(
                            actor=actor,
                            line=lines[row.line_id],
                            quantity_received=row.quantity_received,
                            quantity_accepted=row.quantity_received - row.quantity_rejected,
                            lot_number=row.lot_number.strip(),
                            expiry_date=row.expiry_date,  # type: ignore[arg-type]  # checked above
                            rejection_reason=row.rejection_reason,
                            shipping_notice=notice,
                            today=today,
                        )
                    )
            except DomainError as refused:
                refused_rows.add(index)
                errors[f"rows.{index}"] = [refused.message]
                for field, messages in refused.fields.items():
                    errors[f"rows.{index}.{field}"] = messages
        if refused_rows:
            count = len(refused_rows)
            raise GoodsReceiptRefused(
                f"Nothing was received: {count} row{'s' if count != 1 else ''} to correct.",
                fields=errors,
            )
        if notice is not None:
            notice.received_at = timezone.now()
            notice.received_by = actor if getattr(actor, "pk", None) else None
            notice.save(update_fields=["received_at", "received_by"])
        order.refresh_from_db()
    return GoodsReceipt(order=order, receipts=receipts, notice=notice)
