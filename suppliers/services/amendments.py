"""Changing an approved purchase-order line, and approving the change.

The terms an approval signs (`PurchaseOrderLine.signed_content`: supplier, destination, SKU,
quantity, unit price, requested date) change only here. A planner amends a line with a reason;
the line then waits for re-approval: the order cannot be sent and the supplier cannot confirm
or propose on that line until another planner signs the new terms with their password. The
earlier signatures stay as they were and verify only against the terms they signed.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_context
from accounts.models import Signature, User
from accounts.services import signature_record, signature_verify
from common.errors import DomainError, ReasonRequired
from suppliers.models import OPEN_PO_STATUSES, PurchaseOrder, PurchaseOrderLine
from suppliers.services.portal import NotYours, as_planner, locked_line
from suppliers.services.purchase_orders import on_order_refresh

PRICE_LIMIT = Decimal("9999999999.99")  # the column holds 12 digits, 2 after the point


class AmendmentRefused(DomainError):
    code = "amendment_refused"


# A line out of reach (missing, or the actor is no planner) reads as not found, as in the portal.
LineNotFound = NotYours


def _order_open(order: PurchaseOrder) -> None:
    if order.status not in OPEN_PO_STATUSES:
        raise AmendmentRefused(
            f"Purchase order {order.number} is {order.get_status_display().lower()}: "
            "its lines can no longer be changed."
        )


def amendment_errors(
    line: PurchaseOrderLine, *, quantity: Any, unit_price: Any, requested_date: Any
) -> dict[str, list[str]]:
    """What is wrong with new terms for `line`, by field; empty when they can be saved."""
    errors: dict[str, list[str]] = {}
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        errors["quantity"] = ["Enter a whole number of units above zero."]
    elif quantity < line.received_quantity:
        errors["quantity"] = [f"At least the {line.received_quantity:,} units already received."]
    try:
        price = Decimal(str(unit_price))
    except (InvalidOperation, ValueError):
        price = None
    if price is None or not price.is_finite() or price < 0:
        errors["unit_price"] = ["Enter a price of zero or more."]
    elif price > PRICE_LIMIT or price != price.quantize(Decimal("0.01")):
        errors["unit_price"] = ["At most 9,999,999,999.99, with at most two decimals."]
    ordered_on = line.purchase_order.ordered_on
    if not isinstance(requested_date, date):
        errors["requested_date"] = ["Enter a date."]
    elif ordered_on is not None and requested_date < ordered_on:
        errors["requested_date"] = [f"Not before the order date, {ordered_on:%Y-%m-%d}."]
    return errors


def line_amend(
    *,
    actor: User | None,
    line_id: int,
    quantity: int,
    unit_price: Decimal,
    requested_date: date,
    reason: str,
) -> PurchaseOrderLine:
    """Change the signed terms of an open order's line, with a reason. The line then waits for
    re-approval; a changed quantity or date also clears the supplier's confirmation, which was
    given for the old terms. On-order stock follows a changed quantity."""
    as_planner(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(
            "Give a reason for changing an approved line.", fields={"reason": ["Required."]}
        )
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        line = locked_line(line_id)
        order = line.purchase_order
        _order_open(order)
        errors = amendment_errors(
            line, quantity=quantity, unit_price=unit_price, requested_date=requested_date
        )
        if errors:
            raise AmendmentRefused(
                "The line was not changed: "
                + " ".join(message for messages in errors.values() for message in messages),
                fields=errors,
            )
        price = Decimal(str(unit_price))
        quantity_changed = quantity != line.quantity
        date_changed = requested_date != line.requested_date
        if not (quantity_changed or date_changed or price != line.unit_price):
            raise AmendmentRefused("Nothing changed: the quantity, price and date are as approved.")
        line.quantity = quantity
        line.unit_price = price
        line.requested_date = requested_date
        if quantity_changed or date_changed:
            line.confirmed_date = None
            line.confirmed_quantity = None
        line.reapproval_required = True
        line.amended_by = actor
        line.amended_at = timezone.now()
        line.amendment_reason = reason
        line.save()
        if order.expected_on is None or requested_date > order.expected_on:
            order.expected_on = requested_date
            order.save(update_fields=["expected_on"])
        if quantity_changed:
            on_order_refresh(sku_id=line.sku_id, site_id=order.destination_id)
    return line


def line_reapprove(
    *,
    actor: User,
    line_id: int,
    password: str,
    reason: str = "",
    username: str | None = None,
    remote_addr: str | None = None,
) -> PurchaseOrderLine:
    """Approve a changed line's new terms with an e-signature. Whoever changed the line cannot
    approve the change."""
    as_planner(actor)
    signature_verify(
        signer=actor,
        password=password,
        username=username,
        meaning=Signature.Meaning.APPROVED,
        target_label=f"suppliers.purchaseorderline:{line_id}",
        remote_addr=remote_addr,
    )
    reason = (reason or "").strip()
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        line = locked_line(line_id)
        _order_open(line.purchase_order)
        if not line.reapproval_required:
            raise AmendmentRefused("This line has no change waiting for approval.")
        if line.amended_by_id == actor.pk:
            raise AmendmentRefused(
                "You changed this line: another planner must approve the change."
            )
        line.reapproval_required = False
        line.save(update_fields=["reapproval_required"])
        signature_record(
            signer=actor, meaning=Signature.Meaning.APPROVED, target=line, reason=reason
        )
    return line
