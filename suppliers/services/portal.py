"""What suppliers and planners do on a purchase order once it is approved: send it, acknowledge
it, confirm or propose a delivery date and quantity per line (the planner accepts or rejects
a proposal), announce a shipment with its lots (advance shipping notice), and talk about it.

Every action checks who may take it on this order, not only on orders in general: a supplier
user acts only on their own supplier's orders (anything else reads as "not found", as the
pages answer 404), planners act on any. Every change is on the audit trail; a refusal saves
nothing.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_context
from accounts.models import User
from accounts.roles import Capability, user_can
from common.errors import DomainError, NotFound, ReasonRequired
from suppliers.models import (
    LineProposal,
    ProposalStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderMessage,
    PurchaseOrderStatus,
    ShippingNotice,
    ShippingNoticeLine,
)
from suppliers.selectors.purchase_orders import supplier_of

MESSAGE_MAX = 4000
SUPPLIER_ACTIONABLE = (
    PurchaseOrderStatus.SENT,
    PurchaseOrderStatus.ACKNOWLEDGED,
    PurchaseOrderStatus.PARTIALLY_RECEIVED,
)


class PortalRefused(DomainError):
    code = "portal_refused"


class NotYours(NotFound):
    """The actor may not act on this order: shown as not found."""


def _locked_order(order_id: int) -> PurchaseOrder:
    try:
        return (
            PurchaseOrder.objects.select_for_update(of=("self",))
            .select_related("supplier")
            .get(pk=order_id)
        )
    except PurchaseOrder.DoesNotExist:
        raise NotYours("No such purchase order.") from None


def _as_supplier(actor: User | None, order: PurchaseOrder) -> None:
    supplier = supplier_of(actor)
    if supplier is None or supplier.pk != order.supplier_id:
        raise NotYours("No such purchase order.")


def as_planner(actor: User | None) -> None:
    """Only planners act on orders as the buyer; anyone else reads as "not found"."""
    if not user_can(actor, Capability.PLAN):
        raise NotYours("No such purchase order.")


def _terms_settled(line: PurchaseOrderLine) -> None:
    if line.reapproval_required:
        raise PortalRefused(
            "The buyer is changing this line and has not approved the change yet: confirm or "
            "propose once it is approved."
        )


def _open_for_supplier(order: PurchaseOrder) -> None:
    if order.status not in SUPPLIER_ACTIONABLE:
        raise PortalRefused(
            f"Purchase order {order.number} is {order.get_status_display().lower()}: "
            "it can no longer be changed."
        )


def purchase_order_send(*, actor: User | None, order_id: int) -> PurchaseOrder:
    """A planner sends an approved order to its supplier (it appears in their portal)."""
    as_planner(actor)
    with transaction.atomic(), audit_context(actor=actor):
        order = _locked_order(order_id)
        if order.status != PurchaseOrderStatus.APPROVED:
            raise PortalRefused(
                f"Only approved orders can be sent; {order.number} is "
                f"{order.get_status_display().lower()}."
            )
        waiting = order.lines.filter(reapproval_required=True).count()
        if waiting:
            raise PortalRefused(
                f"{order.number} has {waiting} line{'s' if waiting > 1 else ''} changed after "
                "approval: the change must be approved before the order is sent."
            )
        order.status = PurchaseOrderStatus.SENT
        order.sent_at = timezone.now()
        order.save(update_fields=["status", "sent_at"])
    return order


def purchase_order_acknowledge(*, actor: User | None, order_id: int) -> PurchaseOrder:
    """The supplier confirms it received the order. Acknowledging twice changes nothing."""
    with transaction.atomic(), audit_context(actor=actor):
        order = _locked_order(order_id)
        _as_supplier(actor, order)
        if order.acknowledged_at is not None:
            return order
        if order.status != PurchaseOrderStatus.SENT:
            raise PortalRefused(
                f"Purchase order {order.number} is {order.get_status_display().lower()}: "
                "only a sent order can be acknowledged."
            )
        order.status = PurchaseOrderStatus.ACKNOWLEDGED
        order.acknowledged_at = timezone.now()
        order.acknowledged_by = actor
        order.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    return order


def locked_line(line_id: int) -> PurchaseOrderLine:
    """The line, locked for this transaction, with its order, supplier and SKU."""
    try:
        return (
            PurchaseOrderLine.objects.select_for_update(of=("self",))
            .select_related("purchase_order", "purchase_order__supplier", "sku")
            .get(pk=line_id)
        )
    except PurchaseOrderLine.DoesNotExist:
        raise NotYours("No such purchase-order line.") from None


def line_confirm(*, actor: User | None, line_id: int) -> PurchaseOrderLine:
    """The supplier commits to the requested date and quantity of a line."""
    with transaction.atomic(), audit_context(actor=actor):
        line = locked_line(line_id)
        _as_supplier(actor, line.purchase_order)
        _open_for_supplier(line.purchase_order)
        _terms_settled(line)
        if line.proposals.filter(status=ProposalStatus.PENDING).exists():
            raise PortalRefused(
                "A proposal for this line is waiting for the planner: it must be decided first."
            )
        line.confirmed_date = line.requested_date or line.purchase_order.expected_on
        line.confirmed_quantity = line.quantity
        line.save(update_fields=["confirmed_date", "confirmed_quantity"])
    return line


def proposal_errors(
    line: PurchaseOrderLine, *, proposed_date: Any, proposed_quantity: Any, today: date
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(proposed_date, date):
        errors["proposed_date"] = ["Enter a date."]
    elif proposed_date < today:
        errors["proposed_date"] = ["The delivery date cannot be in the past."]
    elif proposed_date > today + timedelta(days=365):
        errors["proposed_date"] = ["At most a year ahead."]
    if (
        not isinstance(proposed_quantity, int)
        or isinstance(proposed_quantity, bool)
        or proposed_quantity <= 0
    ):
        errors["proposed_quantity"] = ["Enter a whole number of units above zero."]
    elif proposed_quantity > line.quantity:
        errors["proposed_quantity"] = [
            f"At most the ordered {line.quantity:,}; to deliver more, write to the planner."
        ]
    return errors


def line_propose(
    *,
    actor: User,
    line_id: int,
    proposed_date: date,
    proposed_quantity: int,
    note: str = "",
    today: date | None = None,
) -> LineProposal:
    """The supplier proposes another delivery date and/or quantity for a line; the planner
    decides. One proposal per line waits at a time."""
    today = today or timezone.localdate()
    with transaction.atomic(), audit_context(actor=actor, reason=note.strip()):
        line = locked_line(line_id)
        _as_supplier(actor, line.purchase_order)
        _open_for_supplier(line.purchase_order)
        _terms_settled(line)
        errors = proposal_errors(
            line, proposed_date=proposed_date, proposed_quantity=proposed_quantity, today=today
        )
        if errors:
            raise PortalRefused(
                "The proposal was not sent: "
                + " ".join(message for messages in errors.values() for message in messages),
                fields=errors,
            )
        if line.proposals.filter(status=ProposalStatus.PENDING).exists():
            raise PortalRefused(
                "A proposal for this line is already waiting for the planner.",
                fields={"proposed_date": ["One proposal at a time."]},
            )
        return LineProposal.objects.create(
            line=line,
            proposed_date=proposed_date,
            proposed_quantity=proposed_quantity,
            note=note.strip(),
            proposed_by=actor,
        )


def proposal_decide(
    *, actor: User | None, proposal_id: int, accept: bool, reason: str = ""
) -> LineProposal:
    """A planner accepts a proposal (the line's confirmed date and quantity become the
    proposed ones) or rejects it with a reason."""
    as_planner(actor)
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ReasonRequired(
            "Give a reason for rejecting the proposal.", fields={"reason": ["Required."]}
        )
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        try:
            proposal = (
                LineProposal.objects.select_for_update(of=("self",))
                .select_related("line", "line__purchase_order")
                .get(pk=proposal_id)
            )
        except LineProposal.DoesNotExist:
            raise NotYours("No such proposal.") from None
        if proposal.status != ProposalStatus.PENDING:
            raise PortalRefused(
                f"This proposal was already {proposal.get_status_display().lower()}."
            )
        proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.REJECTED
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.decision_reason = reason
        proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        if accept:
            line = PurchaseOrderLine.objects.select_for_update().get(pk=proposal.line_id)
            line.confirmed_date = proposal.proposed_date
            line.confirmed_quantity = proposal.proposed_quantity
            line.save(update_fields=["confirmed_date", "confirmed_quantity"])
    return proposal


@dataclass(frozen=True)
class NoticeLine:
    line_id: int
    quantity: int
    lot_number: str
    expiry_date: date


def _notice_header_errors(
    number: str, shipped_on: Any, expected_on: Any, lines: list[NoticeLine]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not number:
        errors["number"] = ["Enter your shipment reference."]
    if not isinstance(shipped_on, date):
        errors["shipped_on"] = ["Enter the dispatch date."]
    if not isinstance(expected_on, date):
        errors["expected_on"] = ["Enter the expected delivery date."]
    elif isinstance(shipped_on, date) and expected_on < shipped_on:
        errors["expected_on"] = ["Delivery cannot come before dispatch."]
    if not lines:
        errors["lines"] = ["Announce at least one line."]
    return errors


def _notice_line_errors(
    line: PurchaseOrderLine, item: NoticeLine, announced: int, expected_on: Any
) -> list[str]:
    """What is wrong with one announced line; `announced` counts this and earlier notices."""
    problems = []
    if not isinstance(item.quantity, int) or item.quantity <= 0:
        problems.append("Enter a whole number of units above zero.")
    elif announced > line.quantity - line.received_quantity:
        problems.append(
            f"{line.sku.code}: only {line.quantity - line.received_quantity:,} units are still "
            "open on this line, counting earlier notices."
        )
    if not (item.lot_number or "").strip():
        problems.append("Enter the lot number.")
    if not isinstance(item.expiry_date, date):
        problems.append("Enter the expiry date.")
    elif isinstance(expected_on, date):
        needed = expected_on + timedelta(days=line.sku.min_remaining_shelf_life_days or 0)
        if item.expiry_date < needed:
            problems.append(
                f"{line.sku.code} must arrive with at least "
                f"{line.sku.min_remaining_shelf_life_days} days of shelf life: an expiry on or "
                f"after {needed:%Y-%m-%d}."
            )
    return problems


def shipping_notice_create(
    *,
    actor: User,
    order_id: int,
    number: str,
    shipped_on: date,
    expected_on: date,
    lines: list[NoticeLine],
    carrier: str = "",
    tracking: str = "",
) -> ShippingNotice:
    """The supplier announces a shipment: which lines, how many, which lots and expiries. Each
    lot must arrive with the SKU's minimum remaining shelf life; a line cannot be announced
    beyond what is still open on it. All lines or none."""
    number = (number or "").strip()
    errors = _notice_header_errors(number, shipped_on, expected_on, lines)
    with transaction.atomic(), audit_context(actor=actor):
        order = _locked_order(order_id)
        _as_supplier(actor, order)
        _open_for_supplier(order)
        order_lines = {
            line.pk: line
            for line in order.lines.select_related("sku").select_for_update(of=("self",))
        }
        announced: dict[int, int] = {}
        # Units of notices already received are in the line's received quantity: only the
        # notices still on their way count against what is open.
        for existing in ShippingNoticeLine.objects.filter(
            notice__purchase_order=order, notice__received_at__isnull=True
        ):
            announced[existing.line_id] = announced.get(existing.line_id, 0) + existing.quantity
        for index, item in enumerate(lines):
            line = order_lines.get(item.line_id)
            if line is None:
                errors[f"lines.{index}"] = ["This line is not on the order."]
                continue
            if isinstance(item.quantity, int):
                announced[line.pk] = announced.get(line.pk, 0) + item.quantity
            problems = _notice_line_errors(line, item, announced.get(line.pk, 0), expected_on)
            if problems:
                errors[f"lines.{index}"] = problems
        if errors:
            raise PortalRefused(
                "The shipping notice was not saved: check the fields marked.", fields=errors
            )
        try:
            with transaction.atomic():
                notice = ShippingNotice.objects.create(
                    purchase_order=order,
                    number=number,
                    shipped_on=shipped_on,
                    expected_on=expected_on,
                    carrier=carrier.strip(),
                    tracking=tracking.strip(),
                    created_by=actor,
                )
        except IntegrityError:
            raise PortalRefused(
                f"A shipping notice {number} already exists for {order.number}.",
                fields={"number": ["Already used on this order."]},
            ) from None
        for item in lines:  # one by one, so each line is on the audit trail
            ShippingNoticeLine.objects.create(
                notice=notice,
                line_id=item.line_id,
                quantity=item.quantity,
                lot_number=item.lot_number.strip(),
                expiry_date=item.expiry_date,
            )
    return notice


def message_post(*, actor: User, order_id: int, body: str) -> PurchaseOrderMessage:
    """A message on an order, from a planner or from one of the supplier's users."""
    body = (body or "").strip()
    if not body:
        raise PortalRefused("Write a message first.", fields={"body": ["Required."]})
    if len(body) > MESSAGE_MAX:
        raise PortalRefused(f"At most {MESSAGE_MAX:,} characters.", fields={"body": ["Too long."]})
    with transaction.atomic(), audit_context(actor=actor):
        order = _locked_order(order_id)
        from_supplier = supplier_of(actor) is not None
        if from_supplier:
            _as_supplier(actor, order)
        else:
            as_planner(actor)
        return PurchaseOrderMessage.objects.create(
            purchase_order=order, author=actor, from_supplier=from_supplier, body=body
        )
