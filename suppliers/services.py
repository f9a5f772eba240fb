"""Writes of the suppliers app: receiving goods against purchase orders."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_context
from accounts.errors import DomainError
from inventory.models import Lot, LotStatus
from inventory.services import InvalidQuantity, position_set_on_order, stock_receive

from .models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Receipt,
)
from .selectors import open_order_quantities

RECEIVABLE_STATUSES = (
    PurchaseOrderStatus.SENT,
    PurchaseOrderStatus.ACKNOWLEDGED,
    PurchaseOrderStatus.PARTIALLY_RECEIVED,
)


class ReceiptRefused(DomainError):
    code = "receipt_refused"


def purchase_order_line_receive(
    *,
    actor: Any,
    line: PurchaseOrderLine,
    quantity_received: int,
    quantity_accepted: int | None = None,
    lot_number: str,
    expiry_date: date,
    today: date | None = None,
) -> Receipt:
    """Receive goods against a PO line: the lot and its receipt movement are created (the SKU's
    minimum remaining shelf life is enforced), the line and the order's status move on, and the
    SKU-site's on-order figure drops. Accepted units wait in quarantine for quality release;
    rejected units are not put into stock."""
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
                status=LotStatus.QUARANTINE,
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
        )
        line.received_quantity += quantity_received
        line.save(update_fields=["received_quantity"])
        _advance_order_status(order)
        position_set_on_order(
            sku_id=line.sku_id,
            site_id=order.destination_id,
            on_order=open_order_quantities(sku_id=line.sku_id, site_id=order.destination_id).get(
                (line.sku_id, order.destination_id), 0
            ),
            today=today,
        )
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
