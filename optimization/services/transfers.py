"""What planners do with the plan's suggested transfers: turn one into a transfer order that
the warehouse then picks, ships and receives (inventory.services.transfers).

Rules
- Only a suggestion of the current plan becomes an order: an older plan's suggestions were
  computed on stock that has moved since.
- A suggestion becomes at most one live order; asking again is refused with that order
  (TransferOrderExists carries it), so a double click makes one order.
- The order takes the suggestion's SKU, sites, quantity and reason; the inventory service
  checks that the source can still send that much.
"""

from datetime import date

from accounts.models import User
from common.errors import DomainError, NotFound
from inventory.models import TransferOrder
from inventory.services.transfers import SuggestionRef, transfer_order_create
from optimization.models import SuggestedTransfer
from optimization.services.plans import current_plan


class TransferSuggestionRefused(DomainError):
    code = "transfer_suggestion_refused"


def suggested_transfer_order_create(
    *, actor: User | None, suggestion_id: int, today: date | None = None
) -> TransferOrder:
    """Make the transfer order of one suggested transfer of the current plan."""
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
    return transfer_order_create(
        actor=actor,
        sku=suggestion.sku,
        source=suggestion.source,
        destination=suggestion.destination,
        quantity=suggestion.quantity,
        reason=f"Plan {suggestion.plan_id} suggestion: {suggestion.reason}",
        suggestion=SuggestionRef(suggestion_id=suggestion.pk, plan_id=suggestion.plan_id),
        today=today,
    )
