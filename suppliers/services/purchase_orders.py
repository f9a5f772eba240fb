"""Writes of the suppliers app: purchase orders from approved suggestions, and receiving goods
against purchase orders."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from accounts.audit import audit_context
from accounts.models import User
from common.errors import DomainError
from common.locks import advisory_xact_lock
from common.runs import follow_up_after_commit
from inventory.models import Lot, LotStatus
from inventory.services.feed import OrderReceipt
from inventory.services.stock import InvalidQuantity, position_set_on_order, stock_receive
from suppliers.models import (
    RECEIVABLE_PO_STATUSES,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Receipt,
    ShippingNotice,
)
from suppliers.selectors.purchase_orders import open_order_quantities

RECEIVABLE_STATUSES = RECEIVABLE_PO_STATUSES


class ReceiptRefused(DomainError):
    code = "receipt_refused"


def on_order_refresh(*, sku_id: int, site_id: int, today: date | None = None) -> None:
    """Set a SKU-site's on-order figure from its open purchase-order lines."""
    position_set_on_order(
        sku_id=sku_id,
        site_id=site_id,
        on_order=open_order_quantities(sku_id=sku_id, site_id=site_id).get((sku_id, site_id), 0),
        today=today,
    )


def purchase_order_line_add(
    *,
    actor: User | None,
    supplier_id: int,
    destination_id: int,
    sku_id: int,
    quantity: int,
    unit_price: Decimal,
    ordered_on: date,
    requested_date: date,
    today: date | None = None,
) -> PurchaseOrderLine:
    """Add an approved line to the purchase order of its supplier, destination site and order
    date that is approved but not yet sent, or to a new one; the SKU-site's on-order figure
    follows. Lines are grouped under a lock, so two approvals at once share one order."""
    with transaction.atomic(), audit_context(actor=actor):
        advisory_xact_lock(f"suppliers.po_group:{supplier_id}:{destination_id}:{ordered_on}")
        order = (
            PurchaseOrder.objects.select_for_update()
            .filter(
                supplier_id=supplier_id,
                destination_id=destination_id,
                ordered_on=ordered_on,
                status=PurchaseOrderStatus.APPROVED,
            )
            .order_by("pk")
            .first()
        )
        if order is None:
            order = PurchaseOrder.objects.create(
                number=f"new-{uuid.uuid4().hex}",
                supplier_id=supplier_id,
                destination_id=destination_id,
                status=PurchaseOrderStatus.APPROVED,
                ordered_on=ordered_on,
                expected_on=requested_date,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            order.number = f"PO-{ordered_on:%Y%m%d}-{order.pk:06d}"
            order.save(update_fields=["number"])
        elif order.expected_on is None or requested_date > order.expected_on:
            order.expected_on = requested_date
            order.save(update_fields=["expected_on"])
        line = PurchaseOrderLine.objects.create(
            purchase_order=order,
            sku_id=sku_id,
            quantity=quantity,
            unit_price=unit_price,
            requested_date=requested_date,
        )
        on_order_refresh(sku_id=sku_id, site_id=destination_id, today=today)
    return line


def purchase_order_line_receive(
    *,
    actor: User | None,
    line: PurchaseOrderLine,
    quantity_received: int,
    quantity_accepted: int | None = None,
    lot_number: str,
    expiry_date: date,
    rejection_reason: str = "",
    shipping_notice: ShippingNotice | None = None,
    today: date | None = None,
) -> Receipt:
    """Receive goods against a PO line: the lot and its receipt movement are created (the SKU's
    minimum remaining shelf life is enforced), the line and the order's status move on, and the
    SKU-site's on-order figure drops. Accepted units wait in quarantine for quality release
    when the SKU needs inspection at receipt, else they are released at once; rejected units
    are not put into stock. The receipt keeps the shipping notice it came with, if any, and
    why units were rejected."""
    today = today or timezone.localdate()
    accepted = quantity_received if quantity_accepted is None else quantity_accepted
    if not isinstance(quantity_received, int) or quantity_received <= 0:
        raise InvalidQuantity(
            "The received quantity must be a whole number above zero.",
            fields={"quantity_received": ["Must be above zero."]},
        )
    if not 0 <= accepted <= quantity_received:
        raise InvalidQuantity(
            "The accepted quantity must be between 0 and the received quantity.",
            fields={"quantity_accepted": ["Between 0 and the received quantity."]},
        )
    with transaction.atomic(), audit_context(actor=actor):
        line = (
            PurchaseOrderLine.objects.select_for_update()
            .select_related("purchase_order", "sku", "purchase_order__destination")
            .get(pk=line.pk)
        )
        order = PurchaseOrder.objects.select_for_update().get(pk=line.purchase_order_id)
        if order.status not in RECEIVABLE_STATUSES:
            raise ReceiptRefused(
                f"Purchase order {order.number} is {order.get_status_display().lower()}: "
                "goods can be received only on sent, acknowledged or partly received orders."
            )
        if line.received_quantity + quantity_received > line.quantity:
            raise ReceiptRefused(
                f"Line {line.sku.code} of {order.number} is for {line.quantity} units and "
                f"{line.received_quantity} were already received: "
                f"{quantity_received} more is too many.",
                fields={
                    "quantity_received": [f"At most {line.quantity - line.received_quantity}."]
                },
            )
        if accepted:
            lot = stock_receive(
                actor=actor,
                sku=line.sku,
                site=order.destination,
                lot_number=lot_number,
                expiry_date=expiry_date,
                quantity=accepted,
                status=LotStatus.QUARANTINE if line.sku.receipt_inspection else LotStatus.RELEASED,
                reference=order.number,
                today=today,
            )
        else:
            lot = _rejected_lot(line, order, lot_number, expiry_date, today)
        receipt = Receipt.objects.create(
            line=line,
            lot=lot,
            quantity_received=quantity_received,
            quantity_accepted=accepted,
            lot_number=lot_number,
            expiry_date=expiry_date,
            received_on=today,
            received_by=actor if getattr(actor, "pk", None) else None,
            shipping_notice=shipping_notice,
            rejection_reason=rejection_reason.strip(),
        )
        line.received_quantity += quantity_received
        line.save(update_fields=["received_quantity"])
        _advance_order_status(order)
        on_order_refresh(sku_id=line.sku_id, site_id=order.destination_id, today=today)
        follow_up_after_commit("alerts.tasks.evaluate_alerts_after", "goods_received")
    return receipt


def _rejected_lot(
    line: PurchaseOrderLine, order: PurchaseOrder, lot_number: str, expiry_date: date, today: date
) -> Lot:
    """A receipt whose every unit was rejected still names its lot (for traceability): the lot
    exists with no stock and the rejected status."""
    lot, _ = Lot.objects.get_or_create(
        sku=line.sku,
        site=order.destination,
        lot_number=lot_number,
        defaults={"expiry_date": expiry_date, "status": LotStatus.REJECTED, "received_on": today},
    )
    return lot


def _advance_order_status(order: PurchaseOrder) -> None:
    lines = order.lines.values_list("quantity", "received_quantity")
    complete = all(received >= quantity for quantity, received in lines)
    order.status = (
        PurchaseOrderStatus.RECEIVED if complete else PurchaseOrderStatus.PARTIALLY_RECEIVED
    )
    order.save(update_fields=["status"])


class FeedOrderReceipts:
    """Receiving against purchase orders from the daily stock feed: the feed's receipt rows
    that name an order (inventory.services.feed.OrderReceipts, registered when the app starts).
    The feed puts the goods into the lot; this records them on the order as
    `purchase_order_line_receive` does: the line's received quantity, a Receipt (all units
    accepted, the lot's status being the feed's), the order's status and the on-order figure.
    Runs inside the feed's transaction, after `lock` took the orders and lines named."""

    def lock(self, order_numbers: set[str]) -> None:
        orders = PurchaseOrder.objects.select_for_update().filter(number__in=order_numbers)
        ids = list(orders.order_by("pk").values_list("pk", flat=True))
        list(
            PurchaseOrderLine.objects.select_for_update()
            .filter(purchase_order_id__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    def check(self, receipts: Sequence[OrderReceipt]) -> list[tuple[int, str]]:
        orders = {
            order.number: order
            for order in PurchaseOrder.objects.filter(
                number__in={receipt.order_number for receipt in receipts}
            )
        }
        open_units = _open_units(orders.values())
        problems = []
        for receipt in receipts:
            order = orders.get(receipt.order_number)
            message = _refusal(receipt, order, open_units)
            if message:
                problems.append((receipt.row, message))
            else:
                open_units[(receipt.order_number, receipt.sku_id)] -= receipt.quantity
        return problems

    def record(
        self, receipts: Sequence[tuple[OrderReceipt, Lot]], *, actor: User | None, today: date
    ) -> None:
        numbers = {receipt.order_number for receipt, _ in receipts}
        orders = {o.number: o for o in PurchaseOrder.objects.filter(number__in=numbers)}
        lines = PurchaseOrderLine.objects.filter(purchase_order__in=orders.values()).order_by("pk")
        by_order_sku: dict[tuple[int, int], list[PurchaseOrderLine]] = {}
        for line in lines:
            by_order_sku.setdefault((line.purchase_order_id, line.sku_id), []).append(line)
        user = actor if getattr(actor, "pk", None) else None
        for receipt, lot in receipts:
            order = orders[receipt.order_number]
            units = receipt.quantity
            for line in by_order_sku[(order.pk, receipt.sku_id)]:
                take = min(units, line.quantity - line.received_quantity)
                if take <= 0:
                    continue
                Receipt.objects.create(
                    line=line,
                    lot=lot,
                    quantity_received=take,
                    quantity_accepted=take,
                    lot_number=lot.lot_number,
                    expiry_date=lot.expiry_date,
                    received_on=receipt.received_on,
                    received_by=user,
                )
                line.received_quantity += take
                line.save(update_fields=["received_quantity"])
                units -= take
                if not units:
                    break
        for order in orders.values():
            _advance_order_status(order)
        for receipt, _ in receipts:
            on_order_refresh(sku_id=receipt.sku_id, site_id=receipt.site_id, today=today)
        follow_up_after_commit("alerts.tasks.evaluate_alerts_after", "goods_received")


def _open_units(orders: Iterable[PurchaseOrder]) -> dict[tuple[str, int], int]:
    """Units still open per (order number, SKU id) on the given orders."""
    numbers = {order.pk: order.number for order in orders}
    rows = (
        PurchaseOrderLine.objects.filter(purchase_order_id__in=numbers)
        .values("purchase_order_id", "sku_id")
        .annotate(open=Sum(F("quantity") - F("received_quantity")))
        .values_list("purchase_order_id", "sku_id", "open")
    )
    return {(numbers[order_id], sku_id): int(units) for order_id, sku_id, units in rows}


def _refusal(
    receipt: OrderReceipt, order: PurchaseOrder | None, open_units: dict[tuple[str, int], int]
) -> str:
    if order is None:
        return f"No purchase order {receipt.order_number}."
    if order.status not in RECEIVABLE_STATUSES:
        return (
            f"Purchase order {order.number} is {order.get_status_display().lower()}: goods can "
            "be received only on sent, acknowledged or partly received orders."
        )
    if order.destination_id != receipt.site_id:
        return f"Purchase order {order.number} is not for {receipt.site_code}."
    key = (order.number, receipt.sku_id)
    if key not in open_units:
        return f"{receipt.sku_code} is not on purchase order {order.number}."
    if receipt.quantity > open_units[key]:
        return (
            f"{open_units[key]} units of {receipt.sku_code} are still open on {order.number} "
            f"(rows before it counted): {receipt.quantity} is too many."
        )
    return ""
