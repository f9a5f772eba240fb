"""What planners do with suggested orders: edit, reject, approve (signed) and, on approval,
turn them into purchase-order lines.

Rules
- Every change names its reason; an edit is checked against the supplier's MOQ and order
  multiple and the SKU's shelf-life cap, and nothing is saved when a check fails.
- Optimistic locking: a change made against an older `version` of a suggestion is refused with
  a conflict message naming who changed it, never applied over their change.
- Approval is an electronic signature (the password again, meaning "approved"). An order
  worth more than the approver's limit needs a second, different approver (four eyes), and
  nobody completes the approval of their own edit above the limit.
- An approval request may carry an idempotency key: the same key again returns the first
  answer and approves nothing twice. Rows are locked while approving, so two planners
  approving one suggestion at once produce one purchase-order line.
- A bulk approval is all or nothing: one refused row refuses the whole request.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_context
from accounts.models import Signature, User
from accounts.services import signature_record, signature_verify
from common.errors import Conflict, DomainError, required_reason
from optimization.models import (
    OPEN_SUGGESTION_STATUSES,
    ApprovalRequest,
    SuggestedOrder,
    SuggestionStatus,
)
from optimization.services.plans import current_plan, money
from suppliers.services.purchase_orders import purchase_order_line_add

MAX_ORDER_DAYS_AHEAD = 365


class SuggestionRefused(DomainError):
    code = "suggestion_refused"


class SuggestionConflict(Conflict):
    """Someone else changed the suggestion since the caller loaded it."""

    code = "suggestion_conflict"


@dataclass
class ApprovalOutcome:
    approved: list[int] = field(default_factory=list)
    awaiting_second: list[int] = field(default_factory=list)
    purchase_orders: list[str] = field(default_factory=list)
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def approval_limit(user: Any) -> Decimal:
    """The largest order value `user` may approve alone."""
    if user.approval_limit is not None:
        return Decimal(user.approval_limit)
    return Decimal(str(settings.PLAN_DEFAULT_APPROVAL_LIMIT))


def _name(user: Any) -> str:
    return user.get_full_name() if user else "someone"


def _locked(suggestion_id: int) -> SuggestedOrder:
    try:
        return (
            SuggestedOrder.objects.select_for_update(of=("self",))
            .select_related("sku", "site", "edited_by")
            .get(pk=suggestion_id)
        )
    except SuggestedOrder.DoesNotExist:
        raise SuggestionRefused(f"Suggested order {suggestion_id} does not exist.") from None


def _check_version(suggestion: SuggestedOrder, expected_version: int | None) -> None:
    if expected_version is None or expected_version == suggestion.version:
        return
    who = suggestion.decided_by or suggestion.edited_by or suggestion.first_approved_by
    when = suggestion.decided_at or suggestion.edited_at or suggestion.first_approved_at
    at = f" at {timezone.localtime(when):%H:%M}" if when else ""
    raise SuggestionConflict(
        f"{_name(who)} changed {suggestion.sku.code} for {suggestion.site.code}{at} since you "
        f"loaded it (it is now {suggestion.quantity:,} units ordered on "
        f"{suggestion.order_date:%d %b}, {suggestion.get_status_display().lower()}). Nothing "
        "was saved: reload to see their change, then decide again."
    )


def _current_plan_id() -> int | None:
    plan = current_plan()
    return plan.pk if plan else None


def _check_open(suggestion: SuggestedOrder, current_plan_id: int | None) -> None:
    """Refused unless the suggestion is still open and belongs to the current plan (read once
    per request by the caller)."""
    if suggestion.status not in OPEN_SUGGESTION_STATUSES:
        raise SuggestionRefused(
            f"{suggestion.sku.code} for {suggestion.site.code} is already "
            f"{suggestion.get_status_display().lower()}: it cannot be changed any more."
        )
    if current_plan_id is None or suggestion.plan_id != current_plan_id:
        # A newer plan has its own figures for this SKU-site: deciding on the old one could
        # order twice.
        raise SuggestionRefused(
            f"{suggestion.sku.code} for {suggestion.site.code} belongs to plan "
            f"{suggestion.plan_id}, which a newer plan has replaced: reload the worklist and "
            "decide on the current suggestion."
        )


def change_errors(
    suggestion: SuggestedOrder, *, quantity: Any, order_date: Any, today: date
) -> dict[str, list[str]]:
    """What is wrong with a proposed quantity and order date, per field (empty: nothing)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        errors["quantity"] = ["Enter a whole number of units above zero."]
    else:
        multiple, moq, cap = suggestion.order_multiple, suggestion.moq, suggestion.shelf_life_cap
        if quantity < moq:
            errors.setdefault("quantity", []).append(
                f"At least the supplier's minimum order quantity, {moq:,}."
            )
        if quantity % multiple:
            below = quantity - quantity % multiple
            above = below + multiple
            nearest = f"{above:,}" if below < max(moq, 1) else f"{below:,} or {above:,}"
            errors.setdefault("quantity", []).append(
                f"Must be a multiple of {multiple:,} (the supplier's order multiple), "
                f"e.g. {nearest}."
            )
        if cap is not None and quantity > max(cap, moq):
            errors.setdefault("quantity", []).append(
                f"At most {max(cap, moq):,}: more would expire before it is used (shelf-life cap)."
            )
    if not isinstance(order_date, date):
        errors["order_date"] = ["Enter a date."]
    elif order_date < today:
        errors["order_date"] = ["The order date cannot be in the past."]
    elif order_date > today + timedelta(days=MAX_ORDER_DAYS_AHEAD):
        errors["order_date"] = [f"At most {MAX_ORDER_DAYS_AHEAD} days ahead."]
    return errors


def _price(suggestion: SuggestedOrder, quantity: int) -> Decimal:
    return money(suggestion.price_schedule.unit_price_at(quantity, suggestion.list_price))


def suggestion_edit(
    *,
    actor: User | None,
    suggestion_id: int,
    quantity: int,
    order_date: date,
    reason: str,
    expected_version: int | None,
    today: date | None = None,
) -> SuggestedOrder:
    """Change a suggestion's quantity and order date (the arrival moves with the order date by
    the lead time). Clears a first approval: the changed order must be approved again."""
    today = today or timezone.localdate()
    reason = required_reason(reason, what="changing the suggested order")
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        suggestion = _locked(suggestion_id)
        _check_version(suggestion, expected_version)
        _check_open(suggestion, _current_plan_id())
        errors = change_errors(suggestion, quantity=quantity, order_date=order_date, today=today)
        if errors:
            raise SuggestionRefused(
                "The change was not saved: "
                + " ".join(message for messages in errors.values() for message in messages),
                fields=errors,
            )
        if quantity == suggestion.quantity and order_date == suggestion.order_date:
            return suggestion
        suggestion.quantity = quantity
        suggestion.order_date = order_date
        suggestion.arrival_date = order_date + timedelta(days=suggestion.lead_time_days)
        suggestion.unit_price = _price(suggestion, quantity)
        suggestion.value = money(suggestion.unit_price * quantity)
        suggestion.status = SuggestionStatus.EDITED
        suggestion.edit_reason = reason
        suggestion.edited_by = actor
        suggestion.edited_at = timezone.now()
        suggestion.first_approved_by = None
        suggestion.first_approved_at = None
        suggestion.version += 1
        suggestion.save()
    return suggestion


def suggestion_reject(
    *, actor: User | None, suggestion_id: int, reason: str, expected_version: int | None
) -> SuggestedOrder:
    """Decide not to order: the suggestion stays, rejected, with the reason."""
    reason = required_reason(reason, what="rejecting the suggested order")
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        suggestion = _locked(suggestion_id)
        _check_version(suggestion, expected_version)
        _check_open(suggestion, _current_plan_id())
        suggestion.status = SuggestionStatus.REJECTED
        suggestion.decided_by = actor
        suggestion.decided_at = timezone.now()
        suggestion.decision_reason = reason
        suggestion.version += 1
        suggestion.save()
    return suggestion


def suggestions_approve(
    *,
    actor: User,
    suggestion_ids: list[int],
    password: str,
    username: str | None = None,
    idempotency_key: str = "",
    expected_versions: dict[int, int] | None = None,
    reason: str = "",
    remote_addr: str | None = None,
    today: date | None = None,
) -> ApprovalOutcome:
    """Approve one or more suggestions with one signature. Each is either approved (and becomes
    a purchase-order line) or, above the approver's limit, waits for a second approver."""
    ids = sorted({int(pk) for pk in suggestion_ids})
    if not ids:
        raise SuggestionRefused("Choose at least one suggested order to approve.")
    key = (idempotency_key or "").strip()[:80]
    if key:
        replay = _replayed(key, actor)
        if replay is not None:
            return replay
    signature_verify(
        signer=actor,
        password=password,
        username=username,
        meaning=Signature.Meaning.APPROVED,
        target_label=f"optimization.suggestedorder:{','.join(map(str, ids))}",
        remote_addr=remote_addr,
    )
    expected_versions = expected_versions or {}
    try:
        with transaction.atomic(), audit_context(actor=actor, reason=reason):
            if key:
                # Inserted first: a concurrent request with the same key waits here on the
                # unique index and, once this one commits, fails and replays its answer.
                request = ApprovalRequest.objects.create(key=key, user=actor, suggestion_ids=ids)
            outcome = ApprovalOutcome()
            limit = approval_limit(actor)
            current_plan_id = _current_plan_id()
            for pk in ids:
                suggestion = _locked(pk)
                _check_version(suggestion, expected_versions.get(pk))
                _approve_one(
                    actor,
                    suggestion=suggestion,
                    limit=limit,
                    reason=reason,
                    outcome=outcome,
                    today=today,
                    current_plan_id=current_plan_id,
                )
            if key:
                request.outcome = outcome.as_dict()
                request.save(update_fields=["outcome"])
    except IntegrityError:
        if key:
            replay = _replayed(key, actor)
            if replay is not None:
                return replay
        raise
    return outcome


def _replayed(key: str, actor: User) -> ApprovalOutcome | None:
    request = ApprovalRequest.objects.filter(key=key).first()
    if request is None:
        return None
    if request.user_id != actor.pk:
        raise SuggestionRefused("This approval request key belongs to another user.")
    return ApprovalOutcome(**{**request.outcome, "replayed": True})


def _approve_one(
    actor: User,
    *,
    suggestion: SuggestedOrder,
    limit: Decimal,
    reason: str,
    outcome: ApprovalOutcome,
    today: date | None,
    current_plan_id: int | None,
) -> None:
    label = f"{suggestion.sku.code} for {suggestion.site.code}"
    _check_open(suggestion, current_plan_id)
    now = timezone.now()
    if suggestion.status == SuggestionStatus.AWAITING_SECOND:
        if suggestion.first_approved_by_id == actor.pk:
            raise SuggestionRefused(
                f"You already approved {label}: worth {suggestion.value:,.2f}, above the first "
                "approver's limit, it needs a second planner's approval."
            )
        if suggestion.edited_by_id == actor.pk:
            raise SuggestionRefused(
                f"You changed {label}; worth {suggestion.value:,.2f}, above the limit, it must "
                "be approved by someone other than its editor."
            )
    elif suggestion.value > limit:
        suggestion.status = SuggestionStatus.AWAITING_SECOND
        suggestion.first_approved_by = actor
        suggestion.first_approved_at = now
        suggestion.version += 1
        suggestion.save()
        signature_record(
            signer=actor, meaning=Signature.Meaning.APPROVED, target=suggestion, reason=reason
        )
        outcome.awaiting_second.append(suggestion.pk)
        return
    line = purchase_order_line_add(
        actor=actor,
        supplier_id=suggestion.supplier_id,
        destination_id=suggestion.site_id,
        sku_id=suggestion.sku_id,
        quantity=suggestion.quantity,
        unit_price=suggestion.unit_price,
        ordered_on=suggestion.order_date,
        requested_date=suggestion.arrival_date,
        today=today,
    )
    suggestion.status = SuggestionStatus.APPROVED
    suggestion.purchase_order_line = line
    suggestion.decided_by = actor
    suggestion.decided_at = now
    suggestion.decision_reason = reason
    suggestion.version += 1
    suggestion.save()
    signature_record(
        signer=actor, meaning=Signature.Meaning.APPROVED, target=suggestion, reason=reason
    )
    # The order line's terms are signed too: a later change to them is detectable and needs
    # a new approval (suppliers.services.amendments).
    signature_record(signer=actor, meaning=Signature.Meaning.APPROVED, target=line, reason=reason)
    outcome.approved.append(suggestion.pk)
    number = line.purchase_order.number
    if number not in outcome.purchase_orders:
        outcome.purchase_orders.append(number)
