"""Transfer orders: stock of one SKU sent from one site to another in steps a warehouse can
follow, open -> picked -> shipped (in transit) -> received, or cancelled before shipping.

The rules:
- An order names two different active sites, a whole quantity above zero and a reason, and may
  not ask for more than the source could send today (released, unexpired lots with enough
  shelf life left on arrival: today + the destination's transit days must leave the SKU's
  minimum remaining shelf life). A plan's suggested transfer becomes at most one live order.
- Picking records which lots go, first expiry first unless other lots are named; it reserves
  nothing, so shipping checks every picked lot again and refuses (changing nothing) when one
  no longer holds its units or may no longer be sent: pick again.
- Shipping takes the units out of the source lots (transfer_out movements). Until received they
  are in transit: they count in the destination's inventory position (StockPosition.in_transit),
  so the network's total position does not drop while they travel.
- Receiving puts them into lots of the same number and expiry at the destination (created if
  new, with the source lot's status: released stays released) with transfer_in movements.

Each step is one transaction with its audit entry. Locks follow the stock services' order
(inventory.services.stock): the positions of the SKU at both sites in site-id order, then the
order, then the lots. The positions of both SKU-sites are recomputed before commit, and the
alert rules stock levels drive are evaluated after it.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_context
from accounts.models import User
from common.errors import Conflict, DomainError, NotFound, required_reason
from common.locks import advisory_xact_lock
from common.runs import follow_up_after_commit
from inventory.models import (
    TRANSFER_PICKABLE_STATUSES,
    Lot,
    MovementKind,
    Site,
    Sku,
    TransferOrder,
    TransferOrderPick,
    TransferOrderStatus,
)
from inventory.selectors.transfers import arrival_expiry_cutoff, fefo_split, pickable_lots
from inventory.services.stock import (
    InsufficientStock,
    LotNotUsable,
    _lock_positions,
    _move,
    _require_positive,
    _today,
    positions_recompute,
)

# The event of alerts.tasks.RULES_AFTER a transfer's stock change asks to evaluate.
ALERT_EVENT = "stock_transferred"


class TransferRefused(DomainError):
    code = "transfer_refused"


class TransferOrderExists(Conflict):
    """The suggestion already has a live transfer order: `order` is that one."""

    code = "transfer_order_exists"

    def __init__(self, message: str, *, order: TransferOrder) -> None:
        super().__init__(message)
        self.order = order


@dataclass(frozen=True)
class SuggestionRef:
    """A plan's suggested transfer an order is made from, by its ids (the suggestion lives in
    the optimization app, which this app may not import)."""

    suggestion_id: int
    plan_id: int


def _user(actor: User | None) -> User | None:
    return actor if getattr(actor, "pk", None) else None


def _lock_order(order: TransferOrder) -> TransferOrder:
    """Lock the positions of the order's SKU at both sites, then the order itself, and return
    the order as it is now."""
    _lock_positions(order.sku, [order.source, order.destination])
    try:
        return (
            TransferOrder.objects.select_for_update(of=("self",))
            .select_related("sku", "source", "destination")
            .get(pk=order.pk)
        )
    except TransferOrder.DoesNotExist as missing:
        raise NotFound("No such transfer order.") from missing


def _refuse_unless(order: TransferOrder, statuses: tuple[str, ...], action: str) -> None:
    if order.status not in statuses:
        raise TransferRefused(
            f"Transfer order {order.number} is {order.get_status_display().lower()}: "
            f"it cannot be {action}."
        )


def sendable_units(sku: Sku, source: Site, destination: Site, today: date) -> int:
    """What `source` can send `destination` today: its released, unexpired lots that keep the
    SKU's minimum shelf life after the transit."""
    return sum(
        pickable_lots(sku, source, destination, today=today).values_list("quantity", flat=True)
    )


def _shortage_message(
    order_quantity: int, available: int, *, sku: Sku, source: Site, destination: Site, today: date
) -> str:
    cutoff = arrival_expiry_cutoff(sku, destination, today=today)
    return (
        f"Only {available} units of {sku.code} at {source.code} can be sent to "
        f"{destination.code} today (released, unexpired lots expiring on or after "
        f"{cutoff:%Y-%m-%d}, so that {sku.min_remaining_shelf_life_days} days of shelf life "
        f"remain after {destination.transit_days} days in transit); {order_quantity} were "
        "asked for."
    )


def _follow_up() -> None:
    follow_up_after_commit("alerts.tasks.evaluate_alerts_after", ALERT_EVENT)


def transfer_order_create(
    *,
    actor: User | None,
    sku: Sku,
    source: Site,
    destination: Site,
    quantity: int,
    reason: str,
    suggestion: SuggestionRef | None = None,
    today: date | None = None,
) -> TransferOrder:
    """Open a transfer order (by hand, or from a plan's suggested transfer). Refuses a quantity
    that is not a whole number above zero, the same site at both ends, an inactive site or SKU,
    more than the source can send today, and a second live order for the same suggestion."""
    _require_positive(quantity)
    reason = required_reason(reason, what="the transfer")
    if source.pk == destination.pk:
        raise TransferRefused(
            "A transfer needs two different sites.",
            fields={"destination": ["Choose a site other than the source."]},
        )
    for field, site in (("source", source), ("destination", destination)):
        if not site.active:
            raise TransferRefused(
                f"Site {site.code} is inactive: no stock can move to or from it.",
                fields={field: ["This site is inactive."]},
            )
    if not sku.active:
        raise TransferRefused(
            f"SKU {sku.code} is inactive: it cannot be transferred.",
            fields={"sku": ["This SKU is inactive."]},
        )
    today = _today(today)
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        if suggestion is not None:
            advisory_xact_lock(f"inventory.transfer_suggestion:{suggestion.suggestion_id}")
            existing = (
                TransferOrder.objects.not_cancelled()
                .filter(suggested_transfer_id=suggestion.suggestion_id)
                .first()
            )
            if existing is not None:
                raise TransferOrderExists(
                    f"This suggestion already has transfer order {existing.number} "
                    f"({existing.get_status_display().lower()}).",
                    order=existing,
                )
        _lock_positions(sku, [source, destination])
        available = sendable_units(sku, source, destination, today)
        if quantity > available:
            raise InsufficientStock(
                _shortage_message(
                    quantity,
                    available,
                    sku=sku,
                    source=source,
                    destination=destination,
                    today=today,
                )
                + " Nothing was created.",
                fields={"quantity": [f"At most {available}."]},
            )
        order = TransferOrder.objects.create(
            number=f"new-{uuid.uuid4().hex}",
            sku=sku,
            source=source,
            destination=destination,
            quantity=quantity,
            reason=reason,
            suggested_transfer_id=suggestion.suggestion_id if suggestion else None,
            plan_run_id=suggestion.plan_id if suggestion else None,
            created_by=_user(actor),
        )
        order.number = f"TO-{order.pk:06d}"
        order.save(update_fields=["number"])
    return order


def transfer_order_pick(
    *,
    actor: User | None,
    order: TransferOrder,
    picks: Mapping[int, int] | None = None,
    today: date | None = None,
) -> TransferOrder:
    """Choose the lots that go: first expiry first among the lots that may be sent, or the
    given lots (lot id -> units), which must add up to the order's quantity. An order already
    picked may be picked again (the earlier picks are replaced)."""
    today = _today(today)
    with transaction.atomic(), audit_context(actor=actor):
        order = _lock_order(order)
        _refuse_unless(order, TRANSFER_PICKABLE_STATUSES, "picked")
        lots = list(
            pickable_lots(order.sku, order.source, order.destination, today=today)
            .select_for_update()
            .order_by("expiry_date", "pk")
        )
        chosen = (
            _fefo_picks(order, lots, today) if picks is None else _named_picks(order, lots, picks)
        )
        order.picks.all().delete()
        for lot, units in chosen:
            TransferOrderPick.objects.create(order=order, source_lot=lot, quantity=units)
        order.status = TransferOrderStatus.PICKED
        order.picked_at = timezone.now()
        order.save(update_fields=["status", "picked_at"])
    return order


def _fefo_picks(order: TransferOrder, lots: list[Lot], today: date) -> list[tuple[Lot, int]]:
    available = sum(lot.quantity for lot in lots)
    if available < order.quantity:
        raise InsufficientStock(
            _shortage_message(
                order.quantity,
                available,
                sku=order.sku,
                source=order.source,
                destination=order.destination,
                today=today,
            )
            + " Nothing was picked."
        )
    return fefo_split(lots, order.quantity)


def _named_picks(
    order: TransferOrder, lots: list[Lot], picks: Mapping[int, int]
) -> list[tuple[Lot, int]]:
    pickable = {lot.pk: lot for lot in lots}
    chosen: list[tuple[Lot, int]] = []
    for lot_id, units in picks.items():
        if not units:
            continue
        lot = pickable.get(lot_id)
        if lot is None:
            raise LotNotUsable(
                f"Lot {_lot_label(lot_id)} cannot be picked for {order.number}: only released, "
                f"unexpired lots of {order.sku.code} at {order.source.code} with enough shelf "
                "life left on arrival can. Nothing was picked.",
                fields={f"lot_{lot_id}": ["This lot cannot be sent."]},
            )
        if not isinstance(units, int) or units < 0 or units > lot.quantity:
            raise InsufficientStock(
                f"Lot {lot.lot_number} holds {lot.quantity} units; {units} cannot be picked "
                "from it. Nothing was picked.",
                fields={f"lot_{lot_id}": [f"Between 0 and {lot.quantity}."]},
            )
        chosen.append((lot, units))
    total = sum(units for _, units in chosen)
    if total != order.quantity:
        raise TransferRefused(
            f"The picked lots add up to {total} units; order {order.number} is for "
            f"{order.quantity}: pick exactly {order.quantity}. Nothing was picked."
        )
    chosen.sort(key=lambda pick: (pick[0].expiry_date, pick[0].pk))
    return chosen


def _lot_label(lot_id: int) -> str:
    number = Lot.objects.filter(pk=lot_id).values_list("lot_number", flat=True).first()
    return number or f"#{lot_id}"


def transfer_order_ship(
    *, actor: User | None, order: TransferOrder, today: date | None = None
) -> TransferOrder:
    """Send a picked order: its units leave the source lots (transfer_out) and are in transit
    to the destination. Every picked lot is checked again first; if one may no longer be sent
    or no longer holds its units, nothing is shipped."""
    today = _today(today)
    with transaction.atomic(), audit_context(actor=actor):
        order = _lock_order(order)
        _refuse_unless(order, (TransferOrderStatus.PICKED,), "shipped")
        picks = list(order.picks.order_by("source_lot__expiry_date", "source_lot_id"))
        locked = {
            lot.pk: lot
            for lot in Lot.objects.select_for_update()
            .filter(pk__in=[pick.source_lot_id for pick in picks])
            .order_by("expiry_date", "pk")
        }
        cutoff = arrival_expiry_cutoff(order.sku, order.destination, today=today)
        for pick in picks:
            lot = locked[pick.source_lot_id]
            if not lot.is_usable(today) or lot.expiry_date < cutoff:
                raise LotNotUsable(
                    f"Lot {lot.lot_number} is {lot.get_status_display().lower()}, expires on "
                    f"{lot.expiry_date:%Y-%m-%d} and may no longer be sent to "
                    f"{order.destination.code}. Pick the order again; nothing was shipped."
                )
            if lot.quantity < pick.quantity:
                raise InsufficientStock(
                    f"Lot {lot.lot_number} now holds {lot.quantity} units, fewer than the "
                    f"{pick.quantity} picked from it. Pick the order again; nothing was shipped."
                )
        for pick in picks:
            _move(
                locked[pick.source_lot_id],
                MovementKind.TRANSFER_OUT,
                -pick.quantity,
                actor=actor,
                reference=order.number,
                reason=f"to {order.destination.code}",
            )
        order.status = TransferOrderStatus.SHIPPED
        order.shipped_at = timezone.now()
        order.save(update_fields=["status", "shipped_at"])
        positions_recompute(
            keys={(order.sku_id, order.source_id), (order.sku_id, order.destination_id)},
            today=today,
        )
        _follow_up()
    return order


def transfer_order_receive(
    *, actor: User | None, order: TransferOrder, today: date | None = None
) -> TransferOrder:
    """Receive a shipped order at its destination: each picked lot's units go into the lot of
    the same number there (created with the source lot's expiry and status; an existing lot
    with another expiry refuses the receipt) with transfer_in movements."""
    today = _today(today)
    with transaction.atomic(), audit_context(actor=actor):
        order = _lock_order(order)
        _refuse_unless(order, (TransferOrderStatus.SHIPPED,), "received")
        picks = list(order.picks.select_related("source_lot").order_by("source_lot_id"))
        for pick in picks:
            source = pick.source_lot
            lot, _ = Lot.objects.select_for_update().get_or_create(
                sku=order.sku,
                site=order.destination,
                lot_number=source.lot_number,
                defaults={
                    "expiry_date": source.expiry_date,
                    "status": source.status,
                    "received_on": today,
                },
            )
            if lot.expiry_date != source.expiry_date:
                raise LotNotUsable(
                    f"Lot {lot.lot_number} of {order.sku.code} at {order.destination.code} "
                    f"expires on {lot.expiry_date:%Y-%m-%d}, the shipped one on "
                    f"{source.expiry_date:%Y-%m-%d}. Nothing was received; ask quality to "
                    "check the lot's records."
                )
            _move(
                lot,
                MovementKind.TRANSFER_IN,
                pick.quantity,
                actor=actor,
                reference=order.number,
                reason=f"from {order.source.code}",
            )
            pick.destination_lot = lot
            pick.save(update_fields=["destination_lot"])
        order.status = TransferOrderStatus.RECEIVED
        order.received_at = timezone.now()
        order.save(update_fields=["status", "received_at"])
        positions_recompute(
            keys={(order.sku_id, order.source_id), (order.sku_id, order.destination_id)},
            today=today,
        )
        _follow_up()
    return order


def transfer_order_cancel(
    *, actor: User | None, order: TransferOrder, reason: str
) -> TransferOrder:
    """Cancel an order that has not shipped (its picks stay on record; they reserved
    nothing). A reason is required."""
    reason = required_reason(reason, what="cancelling the transfer order")
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        order = _lock_order(order)
        _refuse_unless(order, TRANSFER_PICKABLE_STATUSES, "cancelled")
        order.status = TransferOrderStatus.CANCELLED
        order.cancelled_at = timezone.now()
        order.save(update_fields=["status", "cancelled_at"])
    return order
