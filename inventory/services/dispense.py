"""Dispensing and issuing stock at a site: a ward's request, a patient or customer order, any
consumption the warehouse hands out (the dispense page, inventory.views.dispense).

The rules, in words:

- The quantity is a whole number above zero, and never more than the usable stock: released
  lots of the SKU at the site that have not expired (`Lot.objects.usable`). Asking for more
  is refused with how much is available, and nothing is taken.
- By default the units are taken first-expired-first-out across the usable lots, as
  `stock_issue` does.
- The user may name one lot instead. It must be a usable lot of that SKU at that site (a
  quarantined, rejected, expired or empty lot is refused) and hold the whole quantity. When
  it expires later than the first-expired usable lot, a reason is required; it is recorded on
  the movement and in the audit trail as "Not first-expired: <reason>". A lot that expires on
  the same day as the first-expired one is first-expired too and needs none.
- A dispense is consumption: its units are added to the day's demand (DailyDemand), so the
  next forecast sees them, the SKU-site's position is recomputed, and once the transaction
  commits the stock-out and safety-stock alert rules are evaluated again.
- A reference (ward, patient order or customer order number) is optional; the ledger reason
  of a first-expired dispense is the reason given, "dispense" when none is.

Everything happens in one transaction with the locks of inventory.services.stock: the
SKU-site's position row first, then its lots, so a dispense and a transfer or another
dispense of the same lot are checked one after the other and the lot never goes below zero.
"""

from datetime import date

from django.db import transaction

from accounts.audit import audit_context
from accounts.models import User
from common.errors import DomainError, ReasonRequired
from common.runs import follow_up_after_commit
from inventory.models import Lot, LotStatus, MovementKind, Site, Sku, StockMovement
from inventory.services.demand import daily_demand_add
from inventory.services.stock import (
    InsufficientStock,
    LotNotUsable,
    _lock_positions,
    _move,
    _require_positive,
    _take_fefo,
    _today,
    _usable_lots,
    position_recompute,
)

DISPENSE_REASON = "dispense"
NOT_FIRST_EXPIRED = "Not first-expired"
REFERENCE_MAX_LENGTH = 100  # StockMovement.reference
ALERTS_EVENT = "stock_dispensed"  # alerts.tasks.RULES_AFTER


def stock_dispense(
    *,
    actor: User | None,
    sku: Sku,
    site: Site,
    quantity: int,
    lot: Lot | None = None,
    reason: str = "",
    reference: str = "",
    today: date | None = None,
) -> list[StockMovement]:
    """Dispense `quantity` units of `sku` at `site`: first-expired-first-out, or from `lot`
    (with a reason when it is not the first-expired one). Returns the issue movements, one
    per lot taken from. Refuses with a DomainError naming the field at fault, and then
    changes nothing (the rules are in the module docstring)."""
    _require_positive(quantity)
    today = _today(today)
    reason, reference = (reason or "").strip(), (reference or "").strip()
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise DomainError(
            f"The reference is at most {REFERENCE_MAX_LENGTH} characters long.",
            fields={"reference": [f"At most {REFERENCE_MAX_LENGTH} characters."]},
        )
    if lot is not None and (lot.sku_id != sku.pk or lot.site_id != site.pk):
        raise LotNotUsable(
            f"Lot {lot.lot_number} is not a lot of {sku.code} at {site.code}. Nothing was taken.",
            fields={"lot": [f"Choose a lot of {sku.code} at {site.code}."]},
        )
    with transaction.atomic(), audit_context(actor=actor):
        _lock_positions(sku, [site])
        if lot is None:
            recorded = reason or DISPENSE_REASON
            with audit_context(reason=recorded):
                movements = _take_fefo(
                    sku,
                    site,
                    quantity,
                    MovementKind.ISSUE,
                    actor=actor,
                    reference=reference,
                    today=today,
                    reason=recorded,
                )
        else:
            movements = [
                _dispense_from_lot(
                    sku,
                    site,
                    lot,
                    quantity,
                    actor=actor,
                    reason=reason,
                    reference=reference,
                    today=today,
                )
            ]
        daily_demand_add(added={(sku.pk, site.pk, today): quantity})
        position_recompute(sku_id=sku.pk, site_id=site.pk, today=today)
        follow_up_after_commit("alerts.tasks.evaluate_alerts_after", ALERTS_EVENT)
    return movements


def _dispense_from_lot(
    sku: Sku,
    site: Site,
    lot: Lot,
    quantity: int,
    *,
    actor: User | None,
    reason: str,
    reference: str,
    today: date,
) -> StockMovement:
    """Take the whole quantity from the named lot (the caller holds the position lock)."""
    usable = _usable_lots(sku, site, today)
    chosen = next((candidate for candidate in usable if candidate.pk == lot.pk), None)
    if chosen is None:
        message = _why_not_usable(Lot.objects.get(pk=lot.pk), today)
        raise LotNotUsable(f"{message} Nothing was taken.", fields={"lot": [message]})
    first = usable[0]
    not_first_expired = chosen.expiry_date > first.expiry_date
    if not_first_expired and not reason:
        raise ReasonRequired(
            f"Lot {chosen.lot_number} expires on {chosen.expiry_date:%Y-%m-%d}, after lot "
            f"{first.lot_number} ({first.expiry_date:%Y-%m-%d}), the first to expire: give a "
            "reason for not taking the first-expired lot. Nothing was taken.",
            fields={"reason": ["Required when the lot is not the first-expired one."]},
        )
    if chosen.quantity < quantity:
        raise InsufficientStock(
            f"Lot {chosen.lot_number} holds {chosen.quantity} units; {quantity} were asked for. "
            "Nothing was taken. Take fewer, or leave the lot to first-expired to take from "
            "several lots.",
            fields={"quantity": [f"At most {chosen.quantity} from lot {chosen.lot_number}."]},
        )
    recorded = f"{NOT_FIRST_EXPIRED}: {reason}" if not_first_expired else reason or DISPENSE_REASON
    with audit_context(reason=recorded):
        return _move(
            chosen,
            MovementKind.ISSUE,
            -quantity,
            actor=actor,
            reference=reference,
            reason=recorded,
        )


NOT_USABLE_STATES = {
    LotStatus.QUARANTINE: "in quarantine",
    LotStatus.REJECTED: "rejected",
    LotStatus.EXPIRED: "expired",
}


def _why_not_usable(lot: Lot, today: date) -> str:
    if lot.status in NOT_USABLE_STATES:
        state = NOT_USABLE_STATES[LotStatus(lot.status)]
        return f"Lot {lot.lot_number} is {state}: it cannot be dispensed."
    if lot.expiry_date < today:
        return (
            f"Lot {lot.lot_number} expired on {lot.expiry_date:%Y-%m-%d}: it cannot be dispensed."
        )
    return f"Lot {lot.lot_number} is empty: it cannot be dispensed."
