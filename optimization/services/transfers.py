"""What planners do with the plan's suggested transfers: turn one into a transfer order that
the warehouse then picks, ships and receives (inventory.services.transfers).

Rules
- Only a suggestion of the current plan becomes an order: an older plan's suggestions were
  computed on stock that has moved since.
- A suggestion becomes at most one live order; asking again is refused with that order
  (TransferOrderExists carries it), so a double click makes one order.
- The order takes the suggestion's SKU, sites, quantity and reason; the inventory service
  checks that the source can still send that much. A planner may ask for what the source can
  send today when that is less (the reason then says how much was suggested).
"""

from datetime import date

from django.utils import timezone

from accounts.models import User
from common.errors import DomainError, NotFound
from inventory.models import TransferOrder
from inventory.services.transfers import SuggestionRef, sendable_units, transfer_order_create
from optimization.models import SuggestedTransfer
from optimization.services.plans import current_plan


class TransferSuggestionRefused(DomainError):
    code = "transfer_suggestion_refused"


def suggested_transfer_order_create(
    *,
    actor: User | None,
    suggestion_id: int,
    today: date | None = None,
    up_to_available: bool = False,
) -> TransferOrder:
    """Make the transfer order of one suggested transfer of the current plan. With
    `up_to_available`, when the source can send fewer units today than suggested (stock still
    in quarantine, shelf life too short for the route), the order is for what it can send and
    its reason says so; with nothing to send it is refused as always."""
    try:
        suggestion = SuggestedTransfer.objects.select_related("sku", "source", "destination").get(
            pk=suggestion_id
        )
    except SuggestedTransfer.DoesNotExist as missing:
        raise NotFound("No such suggested transfer.") from missing
    plan = current_plan()
    if plan is None or suggestion.plan_id != plan.pk:
        raise TransferSuggestionRefused(
            f"This suggestion belongs to plan {suggestion.plan_id}, not the current plan: "
            "its stock figures are out of date. Use the current plan's suggestions."
        )
    quantity, reason = (
        suggestion.quantity,
        f"Plan {suggestion.plan_id} suggestion: {suggestion.reason}",
    )
    if up_to_available:
        available = sendable_units(
            suggestion.sku, suggestion.source, suggestion.destination, today or timezone.localdate()
        )
        if 0 < available < quantity:
            reason = (
                f"{reason} Only {available:,} of the {quantity:,} suggested units could be sent "
                "on the day the order was made."
            )
            quantity = available
    return transfer_order_create(
        actor=actor,
        sku=suggestion.sku,
        source=suggestion.source,
        destination=suggestion.destination,
        quantity=quantity,
        reason=reason,
        suggestion=SuggestionRef(suggestion_id=suggestion.pk, plan_id=suggestion.plan_id),
        today=today,
    )
