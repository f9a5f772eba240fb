"""Every stock change: one function per business action, atomic, audited, and safe under
concurrency.

Locking: a stock change first locks the StockPosition rows of the SKU-sites it touches, in
ascending site id (a fixed order, so two transfers in opposite directions cannot deadlock),
then the lots it reads. Lot quantities also have a CHECK (quantity >= 0) in the database, so
even a bug here could not make on-hand negative.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.audit import audit_context
from accounts.models import User
from common.bulk import keys_filter, update_rows, update_values
from common.errors import DomainError, ReasonRequired
from common.runs import follow_up_after_commit
from inventory import rules
from inventory.models import (
    DailyDemand,
    ExcursionLot,
    ExcursionStatus,
    Lot,
    LotStatus,
    MovementKind,
    Site,
    Sku,
    StockMovement,
    StockPosition,
    TransferOrder,
)

DEMAND_AVERAGE_DAYS = 90


class InsufficientStock(DomainError):
    code = "insufficient_stock"


class ShelfLifeTooShort(DomainError):
    code = "shelf_life_too_short"


class LotNotUsable(DomainError):
    code = "lot_not_usable"


class InvalidQuantity(DomainError):
    code = "invalid_quantity"


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _require_positive(quantity: int) -> None:
    if not isinstance(quantity, int) or quantity <= 0:
        raise InvalidQuantity(
            f"The quantity must be a whole number above zero (got {quantity}).",
            fields={"quantity": ["Must be a whole number above zero."]},
        )


def _require_reason(reason: str, what: str) -> None:
    if not reason or not reason.strip():
        raise ReasonRequired(f"Give a reason for {what}.", fields={"reason": ["Required."]})


def _lock_positions(sku: Sku, sites: Iterable[Site]) -> dict[int, StockPosition]:
    """Lock (creating if needed) the position rows of `sku` at `sites`, in site-id order."""
    locked = {}
    for site in sorted({site.pk: site for site in sites}.values(), key=lambda s: s.pk):
        StockPosition.objects.get_or_create(sku=sku, site=site)
        locked[site.pk] = StockPosition.objects.select_for_update().get(sku=sku, site=site)
    return locked


def _usable_lots(sku: Sku, site: Site, today: date) -> list[Lot]:
    """Released, unexpired lots with stock, locked, in FEFO order (first expiry first)."""
    return list(
        Lot.objects.usable(today)
        .select_for_update()
        .filter(sku=sku, site=site)
        .order_by("expiry_date", "pk")
    )


def _move(
    lot: Lot,
    kind: str,
    quantity: int,
    *,
    actor: User | None,
    reference: str,
    reason: str = "",
    occurred_at: Any = None,
) -> StockMovement:
    lot.quantity += quantity
    lot.save(update_fields=["quantity"])
    return StockMovement.objects.create(
        kind=kind,
        quantity=quantity,
        lot=lot,
        sku_id=lot.sku_id,
        site_id=lot.site_id,
        reference=reference,
        reason=reason,
        user=actor if getattr(actor, "pk", None) else None,
        occurred_at=occurred_at or timezone.now(),
    )


def stock_receive(
    *,
    actor: User | None,
    sku: Sku,
    site: Site,
    lot_number: str,
    expiry_date: date,
    quantity: int,
    status: str = LotStatus.QUARANTINE,
    reference: str = "",
    today: date | None = None,
) -> Lot:
    """Receive units into a lot (created if new). Refuses a lot whose remaining shelf life is
    below the SKU's minimum. New stock waits in quarantine unless `status` says otherwise."""
    _require_positive(quantity)
    today = _today(today)
    remaining, minimum = (expiry_date - today).days, sku.min_remaining_shelf_life_days
    if remaining < minimum:
        raise ShelfLifeTooShort(
            f"Lot {lot_number} of {sku.code} expires on {expiry_date:%Y-%m-%d}: "
            f"{remaining} days of shelf life left, below the minimum of {minimum} days. "
            "Nothing was received.",
            fields={"expiry_date": ["Remaining shelf life is below the SKU's minimum."]},
        )
    with transaction.atomic(), audit_context(actor=actor):
        _lock_positions(sku, [site])
        lot, created = Lot.objects.select_for_update().get_or_create(
            sku=sku,
            site=site,
            lot_number=lot_number,
            defaults={"expiry_date": expiry_date, "status": status, "received_on": today},
        )
        if not created and lot.expiry_date != expiry_date:
            raise LotNotUsable(
                f"Lot {lot_number} of {sku.code} at {site.code} already exists with expiry "
                f"{lot.expiry_date:%Y-%m-%d}, not {expiry_date:%Y-%m-%d}. Nothing was received."
            )
        _move(lot, MovementKind.RECEIPT, quantity, actor=actor, reference=reference)
        position_recompute(sku_id=sku.pk, site_id=site.pk, today=today)
    return lot


def stock_issue(
    *,
    actor: User | None,
    sku: Sku,
    site: Site,
    quantity: int,
    reference: str = "",
    today: date | None = None,
) -> list[StockMovement]:
    """Issue (consume) units first-expired-first-out across released, unexpired lots. Refuses,
    and changes nothing, when there is not enough stock."""
    _require_positive(quantity)
    today = _today(today)
    with transaction.atomic(), audit_context(actor=actor):
        _lock_positions(sku, [site])
        movements = _take_fefo(
            sku, site, quantity, MovementKind.ISSUE, actor=actor, reference=reference, today=today
        )
        position_recompute(sku_id=sku.pk, site_id=site.pk, today=today)
    return movements


def _take_fefo(
    sku: Sku,
    site: Site,
    quantity: int,
    kind: str,
    *,
    actor: User | None,
    reference: str,
    today: date,
    reason: str = "",
) -> list[StockMovement]:
    lots = _usable_lots(sku, site, today)
    available = sum(lot.quantity for lot in lots)
    if available < quantity:
        raise InsufficientStock(
            f"Only {available} units of {sku.code} are available at {site.code}; {quantity} were "
            "asked for. Nothing was taken.",
            fields={"quantity": [f"At most {available}."]},
        )
    takes = rules.fefo_takes([lot.quantity for lot in lots], quantity)
    return [
        _move(lot, kind, -take, actor=actor, reference=reference, reason=reason)
        for lot, take in zip(lots, takes, strict=True)
        if take
    ]


def stock_transfer(
    *,
    actor: User | None,
    sku: Sku,
    from_site: Site,
    to_site: Site,
    quantity: int,
    reference: str = "",
    today: date | None = None,
) -> list[StockMovement]:
    """Move units FEFO from one site to another; they keep their lot number, expiry and
    released status at the destination."""
    _require_positive(quantity)
    if from_site.pk == to_site.pk:
        raise DomainError(
            "A transfer needs two different sites.", fields={"to_site": ["Same site."]}
        )
    today = _today(today)
    with transaction.atomic(), audit_context(actor=actor):
        _lock_positions(sku, [from_site, to_site])
        outgoing = _take_fefo(
            sku,
            from_site,
            quantity,
            MovementKind.TRANSFER_OUT,
            actor=actor,
            reference=reference,
            today=today,
        )
        incoming = []
        for movement in outgoing:
            source = movement.lot
            lot, _ = Lot.objects.select_for_update().get_or_create(
                sku=sku,
                site=to_site,
                lot_number=source.lot_number,
                defaults={
                    "expiry_date": source.expiry_date,
                    "status": LotStatus.RELEASED,
                    "received_on": today,
                },
            )
            incoming.append(
                _move(
                    lot,
                    MovementKind.TRANSFER_IN,
                    -movement.quantity,
                    actor=actor,
                    reference=reference,
                )
            )
        position_recompute(sku_id=sku.pk, site_id=from_site.pk, today=today)
        position_recompute(sku_id=sku.pk, site_id=to_site.pk, today=today)
    return outgoing + incoming


def stock_adjust(
    *,
    actor: User | None,
    lot: Lot,
    quantity: int,
    reason: str,
    reference: str = "count",
    today: date | None = None,
) -> StockMovement:
    """Correct a lot's quantity by `quantity` (signed) after a count. A reason is required and
    the result can never be negative. `reference` names the count (a cycle count's number)."""
    _require_reason(reason, "a stock adjustment")
    if not isinstance(quantity, int) or quantity == 0:
        raise InvalidQuantity(
            "An adjustment changes the quantity by a whole number other than 0.",
            fields={"quantity": ["Must not be 0."]},
        )
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        _lock_positions(lot.sku, [lot.site])
        lot = Lot.objects.select_for_update().get(pk=lot.pk)
        if lot.quantity + quantity < 0:
            raise InsufficientStock(
                f"Lot {lot.lot_number} holds {lot.quantity} units; "
                f"it cannot go down by {-quantity}.",
                fields={"quantity": [f"At least {-lot.quantity}."]},
            )
        movement = _move(
            lot, MovementKind.ADJUSTMENT, quantity, actor=actor, reference=reference, reason=reason
        )
        position_recompute(sku_id=lot.sku_id, site_id=lot.site_id, today=_today(today))
    return movement


@dataclass(frozen=True)
class WrittenOff:
    """What a write-off of expired lots took off the shelves: lots, units and their value at
    the SKUs' unit cost (the overview values expired stock the same way)."""

    lots: int = 0
    units: int = 0
    value: Decimal = Decimal("0")


def lots_write_off_expired(*, actor: User | None, today: date | None = None) -> WrittenOff:
    """Write off every lot past its expiry date that still holds stock; mark it expired.
    Each lot in its own transaction (a long night does not hold every lock at once)."""
    today = _today(today)
    reason = f"expired before {today:%Y-%m-%d}"
    expired_ids = list(
        Lot.objects.filter(expiry_date__lt=today, quantity__gt=0)
        .exclude(status=LotStatus.EXPIRED)
        .values_list("pk", flat=True)
    )
    units, value = 0, Decimal("0")
    for lot_id in expired_ids:
        with transaction.atomic(), audit_context(actor=actor, reason=reason):
            lot = Lot.objects.select_related("sku", "site").get(pk=lot_id)
            _lock_positions(lot.sku, [lot.site])
            lot = Lot.objects.select_for_update().select_related("sku").get(pk=lot_id)
            if lot.quantity > 0:
                units += lot.quantity
                value += lot.quantity * lot.sku.unit_cost
                _move(
                    lot,
                    MovementKind.WRITE_OFF,
                    -lot.quantity,
                    actor=actor,
                    reference="expiry",
                    reason=reason,
                )
            lot.status = LotStatus.EXPIRED
            lot.save(update_fields=["status"])
            position_recompute(sku_id=lot.sku_id, site_id=lot.site_id, today=today)
    return WrittenOff(lots=len(expired_ids), units=units, value=value)


def lot_set_status(
    *, actor: User | None, lot: Lot, status: str, reason: str, today: date | None = None
) -> Lot:
    """Quarantine, release or reject a lot (a quality decision): a reason is required; an
    expired or rejected lot cannot be released, nor a lot exposed to a temperature excursion
    that is still open (it is still outside its zone). Every way of releasing a lot comes
    through here, so these rules hold for all of them."""
    _require_reason(reason, "changing a lot's status")
    if status not in (LotStatus.QUARANTINE, LotStatus.RELEASED, LotStatus.REJECTED):
        raise LotNotUsable(f"'{status}' cannot be set by hand; expiry is set by the write-off job.")
    today = _today(today)
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        _lock_positions(lot.sku, [lot.site])
        lot = Lot.objects.select_for_update().select_related("sku").get(pk=lot.pk)
        if status == LotStatus.RELEASED and (
            lot.status in (LotStatus.EXPIRED, LotStatus.REJECTED) or lot.expiry_date < today
        ):
            past_expiry = " and past its expiry date" if lot.expiry_date < today else ""
            raise LotNotUsable(
                f"Lot {lot.lot_number} is {lot.get_status_display().lower()}{past_expiry}: "
                "it cannot be released."
            )
        if status == LotStatus.RELEASED:
            _refuse_during_open_excursion(lot)
        if lot.status != status:
            lot.status = status
            lot.save(update_fields=["status"])
            position_recompute(sku_id=lot.sku_id, site_id=lot.site_id, today=today)
            follow_up_after_commit("alerts.tasks.evaluate_alerts_after", "lot_status_changed")
    return lot


def _refuse_during_open_excursion(lot: Lot) -> None:
    exposure = (
        ExcursionLot.objects.filter(lot=lot, excursion__status=ExcursionStatus.OPEN)
        .select_related("excursion__unit__site")
        .order_by("-excursion__started_at")
        .first()
    )
    if exposure is not None:
        excursion = exposure.excursion
        raise LotNotUsable(
            f"Lot {lot.lot_number} cannot be released while the temperature excursion in "
            f"{excursion.unit.site.code}/{excursion.unit.code} (since "
            f"{excursion.started_at:%Y-%m-%d %H:%M} UTC) is open. Release it once the unit "
            "is back in its zone."
        )


def analyze_tables(*models: Any) -> None:
    """Refresh PostgreSQL's statistics of tables just written in bulk, so the next queries get
    plans for the data as it now is (autovacuum would, but only minutes later)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# ---- derived stock positions ---------------------------------------------------------------


@dataclass(frozen=True)
class _Figures:
    on_hand: int
    quarantine: int
    next_expiry: date | None
    lots: list[rules.LotOnHand]


def _keys_scope(keys: Sequence[tuple[int, int]], *, model: Any, site_column: str) -> Q:
    """A filter for the rows of exactly the (sku_id, site_id) `keys` on PostgreSQL (one
    semi-join); elsewhere the rows of those SKUs at those sites, a superset the callers narrow
    down by key."""
    if connection.vendor == "postgresql":
        return keys_filter(model, ("sku_id", site_column), keys)
    return Q(sku_id__in={key[0] for key in keys}) & Q(
        **{f"{site_column}__in": {key[1] for key in keys}}
    )


def _lot_figures(lot_filter: Q, today: date) -> dict[tuple[int, int], _Figures]:
    rows = (
        Lot.objects.in_stock()
        .filter(lot_filter)
        .values_list("sku_id", "site_id", "status", "quantity", "expiry_date")
    )
    released: dict[tuple[int, int], list[rules.LotOnHand]] = defaultdict(list)
    quarantined: dict[tuple[int, int], int] = defaultdict(int)
    for sku_id, site_id, status, quantity, expiry in rows.iterator(chunk_size=20000):
        key = (sku_id, site_id)
        if status == LotStatus.QUARANTINE:
            quarantined[key] += quantity
        elif expiry >= today:
            released[key].append(rules.LotOnHand(quantity, expiry))
    return {
        key: _Figures(
            on_hand=sum(lot.quantity for lot in released.get(key, [])),
            quarantine=quarantined.get(key, 0),
            next_expiry=min((lot.expiry_date for lot in released.get(key, [])), default=None),
            lots=released.get(key, []),
        )
        for key in set(released) | set(quarantined)
    }


def _in_transit(
    *,
    sku_ids: Iterable[int] | None = None,
    site_ids: Iterable[int] | None = None,
    scope: Q | None = None,
) -> dict[tuple[int, int], int]:
    """Units of shipped, not yet received transfer orders by (sku_id, destination site_id):
    stock on its way to a site, which counts in that site's inventory position."""
    orders = TransferOrder.objects.in_transit()
    if sku_ids is not None:
        orders = orders.filter(sku_id__in=list(sku_ids))
    if site_ids is not None:
        orders = orders.filter(destination_id__in=list(site_ids))
    if scope is not None:
        orders = orders.filter(scope)
    rows = (
        orders.values("sku_id", "destination_id")
        .annotate(units=Sum("quantity"))
        .values_list("sku_id", "destination_id", "units")
    )
    return {(sku_id, site_id): units for sku_id, site_id, units in rows}


def _demand_averages(demand_filter: Q, today: date) -> dict[tuple[int, int], float]:
    since = today - timedelta(days=DEMAND_AVERAGE_DAYS)
    rows = (
        DailyDemand.objects.filter(demand_filter, date__gte=since, date__lt=today)
        .values("sku_id", "site_id")
        .annotate(total=Sum("quantity"))
        .values_list("sku_id", "site_id", "total")
    )
    return {(sku_id, site_id): total / DEMAND_AVERAGE_DAYS for sku_id, site_id, total in rows}


def _figure_values(
    *,
    on_order: int,
    in_transit: int,
    backorders: int,
    allocated: int,
    safety_stock: int | None,
    stockout_date: date | None,
    figures: _Figures | None,
    demand: float,
    unit_cost: Decimal,
    today: date,
) -> tuple[Any, ...]:
    """A position's POSITION_FIGURE_FIELDS, in that order, from its lots, demand and orders."""
    figures = figures or _Figures(0, 0, None, [])
    on_hand = figures.on_hand
    inventory_position = on_hand + on_order + in_transit - backorders - allocated
    cover = rules.days_of_cover(on_hand, demand)
    expiring = rules.projected_expiring_units(figures.lots, daily_demand=demand, today=today)
    return (
        on_hand,
        figures.quarantine,
        in_transit,
        figures.next_expiry,
        inventory_position,
        Decimal(str(round(demand, 3))),
        None if cover is None else Decimal(str(round(min(cover, 99999999), 1))),
        expiring,
        unit_cost * on_hand,
        rules.stock_status(
            on_hand=on_hand,
            inventory_position=inventory_position,
            daily_demand=demand,
            safety_stock=safety_stock,
            expiring_units=expiring,
            cover_days=cover,
            stockout_projected=stockout_date is not None,
        ),
        timezone.now(),
    )


def _apply_figures(
    position: StockPosition,
    figures: _Figures | None,
    demand: float,
    unit_cost: Decimal,
    today: date,
) -> None:
    values = _figure_values(
        on_order=position.on_order,
        in_transit=position.in_transit,
        backorders=position.backorders,
        allocated=position.allocated,
        safety_stock=position.safety_stock,
        stockout_date=position.stockout_date,
        figures=figures,
        demand=demand,
        unit_cost=unit_cost,
        today=today,
    )
    for name, value in zip(POSITION_FIGURE_FIELDS, values, strict=True):
        setattr(position, name, value)


POSITION_FIGURE_FIELDS = [
    "on_hand",
    "quarantine",
    "in_transit",
    "next_expiry",
    "inventory_position",
    "avg_daily_demand",
    "days_of_cover",
    "expiring_quantity",
    "stock_value",
    "status",
    "refreshed_at",
]


def position_recompute(*, sku_id: int, site_id: int, today: date | None = None) -> StockPosition:
    """Recompute one SKU-site's position from its lots and recent demand (after a movement)."""
    today = _today(today)
    key = (sku_id, site_id)
    position, _ = StockPosition.objects.get_or_create(sku_id=sku_id, site_id=site_id)
    figures = _lot_figures(Q(sku_id=sku_id, site_id=site_id), today).get(key)
    demand = _demand_averages(Q(sku_id=sku_id, site_id=site_id), today).get(key, 0.0)
    unit_cost = Sku.objects.values_list("unit_cost", flat=True).get(pk=sku_id)
    position.in_transit = _in_transit(sku_ids=[sku_id], site_ids=[site_id]).get(key, 0)
    _apply_figures(position, figures, demand, unit_cost, today)
    position.save(update_fields=POSITION_FIGURE_FIELDS)
    return position


def positions_recompute(*, keys: Iterable[tuple[int, int]], today: date | None = None) -> int:
    """`position_recompute` for many SKU-sites at once (a batch of movements): the same
    figures in a fixed number of queries, read for exactly those SKU-sites (on PostgreSQL) and
    written as values, with no model instance. The caller holds the positions' row locks.
    Returns the number of positions written."""
    today = _today(today)
    wanted = set(keys)
    if not wanted:
        return 0
    ordered = sorted(wanted)

    def scope(model: Any, site_column: str = "site_id") -> Q:
        return _keys_scope(ordered, model=model, site_column=site_column)

    figures = _lot_figures(scope(Lot), today)
    demand = _demand_averages(scope(DailyDemand), today)
    in_transit = _in_transit(scope=scope(TransferOrder, "destination_id"))
    positions = (
        StockPosition.objects.filter(scope(StockPosition))
        .order_by("sku_id", "site_id")
        .values_list(
            "pk",
            "sku_id",
            "site_id",
            "on_order",
            "backorders",
            "allocated",
            "safety_stock",
            "stockout_date",
            "sku__unit_cost",
        )
    )
    rows = []
    for row in positions:
        pk, sku_id, site_id, on_order, backorders, allocated, safety_stock, stockout, cost = row
        key = (sku_id, site_id)
        if key not in wanted:
            continue
        values = _figure_values(
            on_order=on_order,
            in_transit=in_transit.get(key, 0),
            backorders=backorders,
            allocated=allocated,
            safety_stock=safety_stock,
            stockout_date=stockout,
            figures=figures.get(key),
            demand=demand.get(key, 0.0),
            unit_cost=cost,
            today=today,
        )
        rows.append((pk, *values))
    return update_values(StockPosition, POSITION_FIGURE_FIELDS, rows)


def stock_positions_refresh(
    *, today: date | None = None, on_order: Mapping[tuple[int, int], int] | None = None
) -> int:
    """Rebuild every SKU-site position from lots and demand in bulk (the nightly job and after
    data loads). `on_order` (open purchase-order quantities by (sku_id, site_id)), when given,
    replaces the stored on-order figures. Returns the number of positions written."""
    today = _today(today)
    figures = _lot_figures(Q(), today)
    demand = _demand_averages(Q(), today)
    in_transit = _in_transit()
    keys = set(figures) | set(demand) | set(on_order or {}) | set(in_transit)
    existing = {
        (p.sku_id, p.site_id): p for p in StockPosition.objects.all().iterator(chunk_size=5000)
    }
    keys |= set(existing)
    costs = dict(Sku.objects.values_list("pk", "unit_cost"))
    to_create: list[StockPosition] = []
    to_update: list[StockPosition] = []
    for key in keys:
        position = existing.get(key) or StockPosition(sku_id=key[0], site_id=key[1])
        if on_order is not None:
            position.on_order = on_order.get(key, 0)
        position.in_transit = in_transit.get(key, 0)
        _apply_figures(position, figures.get(key), demand.get(key, 0.0), costs[key[0]], today)
        (to_update if position.pk else to_create).append(position)
    with transaction.atomic():
        StockPosition.objects.bulk_create(to_create, batch_size=2000)
        # One statement from the rows' values; Django's bulk_update builds a CASE per field
        # over every row, which cost seconds per thousand positions.
        update_rows(StockPosition, to_update, [*POSITION_FIGURE_FIELDS, "on_order"])
    analyze_tables(StockPosition)
    return len(to_create) + len(to_update)


def position_set_on_order(
    *, sku_id: int, site_id: int, on_order: int, today: date | None = None
) -> StockPosition:
    """Record the open purchase-order quantity of a SKU-site (called by the suppliers app)."""
    with transaction.atomic():
        position, _ = StockPosition.objects.select_for_update().get_or_create(
            sku_id=sku_id, site_id=site_id
        )
        position.on_order = on_order
        position.save(update_fields=["on_order"])
        return position_recompute(sku_id=sku_id, site_id=site_id, today=today)


# ---- ABC-XYZ classification ------------------------------------------------------------------

CLASSIFICATION_WEEKS = 52


def abc_xyz_classify(
    *,
    today: date | None = None,
    a_share: float | None = None,
    b_share: float | None = None,
    x_below: float | None = None,
    y_below: float | None = None,
) -> int:
    """Classify every SKU-site with demand in the last 52 weeks: ABC by consumption value
    (units x unit cost), XYZ by the coefficient of variation of weekly demand. Thresholds
    default to the INVENTORY_* settings. Returns the number of SKU-sites classified."""
    today = _today(today)
    a_share = settings.INVENTORY_ABC_A_SHARE if a_share is None else a_share
    b_share = settings.INVENTORY_ABC_B_SHARE if b_share is None else b_share
    x_below = settings.INVENTORY_XYZ_X_BELOW if x_below is None else x_below
    y_below = settings.INVENTORY_XYZ_Y_BELOW if y_below is None else y_below
    if not 0 < x_below < y_below:
        raise DomainError("XYZ thresholds must satisfy 0 < X < Y.")
    since = today - timedelta(weeks=CLASSIFICATION_WEEKS)
    weekly_rows = (
        DailyDemand.objects.filter(date__gte=since, date__lt=today)
        .annotate(week=TruncWeek("date"))
        .values("sku_id", "site_id", "week")
        .annotate(units=Sum("quantity"))
        .values_list("sku_id", "site_id", "units")
    )
    weekly: dict[tuple[int, int], list[float]] = defaultdict(list)
    for sku_id, site_id, units in weekly_rows.iterator(chunk_size=20000):
        weekly[(sku_id, site_id)].append(float(units))
    keys = list(weekly)
    costs = dict(Sku.objects.values_list("pk", "unit_cost"))
    values = [sum(weekly[key]) * float(costs[key[0]]) for key in keys]
    abc = rules.abc_classes(values, a_share=a_share, b_share=b_share)
    now = timezone.now()
    positions = {
        (p.sku_id, p.site_id): p
        for p in StockPosition.objects.filter(sku_id__in={key[0] for key in keys}).iterator(
            chunk_size=5000
        )
    }
    to_create: list[StockPosition] = []
    to_update: list[StockPosition] = []
    for key, value, abc_class in zip(keys, values, abc, strict=True):
        # Weeks without any demand row count as zero-demand weeks.
        series = weekly[key] + [0.0] * max(CLASSIFICATION_WEEKS - len(weekly[key]), 0)
        cv = rules.coefficient_of_variation(series)
        position = positions.get(key) or StockPosition(sku_id=key[0], site_id=key[1])
        position.abc_class = abc_class
        position.xyz_class = rules.xyz_class(cv, x_below=x_below, y_below=y_below)
        position.annual_consumption_value = Decimal(str(round(value, 2)))
        position.demand_cv = None if cv is None else Decimal(str(round(min(cv, 9999), 3)))
        position.classified_at = now
        (to_update if position.pk else to_create).append(position)
    fields = ["abc_class", "xyz_class", "annual_consumption_value", "demand_cv", "classified_at"]
    with transaction.atomic():
        StockPosition.objects.bulk_create(to_create, batch_size=2000)
        StockPosition.objects.bulk_update(to_update, fields, batch_size=2000)
    analyze_tables(StockPosition)
    return len(keys)


# ---- master data ----------------------------------------------------------------------------


def master_data_save(
    *, actor: User | None, record: Any, changes: Mapping[str, Any], reason: str = ""
) -> Any:
    """Create or change a master-data record (SKU, site, supplier, supplier terms): validate
    every field and database rule first, then save in one audited transaction. Invalid input
    raises ValidationError naming the fields and saves nothing."""
    for name, value in changes.items():
        setattr(record, name, value)
    record.full_clean()
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        record.save()
    return record
