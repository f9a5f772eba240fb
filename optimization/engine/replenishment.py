"""Order suggestions: when each SKU-site must order, how much, and why, from its policy and a
day-by-day projection of its stock.

Per SKU-site i and plan day t = 0..H-1 (day 0 = the plan's first day):
    D_it        forecast demand on day t, units;
    R_it        scheduled receipts on day t (open purchase-order lines by expected date;
                overdue lines count on day 0), units;
    IP_i        inventory position at the start of day 0 = on hand + on order - backorders
                - allocated (open orders already count, so receipts do not move it);
    OH_i        on hand (released, unexpired) at the start of day 0, less backorders;
    s_i, Q_i    reorder point and order quantity of the policy (Q already lot-sized: MOQ,
                multiple, price breaks, shelf-life cap), safety stock SS_i;
    L_i         lead time, whole days (the mean, rounded);
    S_it        shipments on day t: units the site sends by transfer to the sites it
                replenishes (zero unless given), units.

Inventory position before day t's demand: IP_it = IP_i - sum_{u<t} D_iu - sum_{u<=t} S_iu (a
shipment lowers the position on its own day: the site reviews after committing it). The
SKU-site orders on the first day t < `window` (the review period: the next plan reviews the
days after) with IP_it <= s_i and positive demand or shipments; it orders n lots, the fewest
that lift the position back above the reorder point: n = max(1, ceil((s_i - IP_it) / Q_i) +
[IP_it - s_i is a whole multiple of Q]), capped where a shelf-life cap applies (never more
than the cap, in whole multiples, and never less than one lot).

Projected on hand at the end of day t without the order: OH_it = OH_i + sum_{u<=t} (R_iu -
D_iu - S_iu); the stock-out day is the first day it is below zero. With the order, Q units
arrive on day order_day + L_i.

Urgency: "critical" when the stock-out comes before the order can arrive (expedite, or find
stock elsewhere), "high" when the order is due on day 0, "normal" otherwise.

Reason codes (why, and how much): "below_reorder_point" (the position is at or below s now),
"reaches_reorder_point" (it falls to s on a later day of the window), "stockout_projected"
(a stock-out within the horizon without this order), "stockout_before_arrival",
"backorders" (units already owed), the policy's lot reason ("eoq", "moq", "price_break",
"shelf_life", "shelf_life_conflict"), "several_lots" (n > 1) and "capped_by_shelf_life" (n
lots were cut to the cap).
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from optimization.engine.types import EngineInputError, where

URGENCIES = ("critical", "high", "normal")

QUANTITY_WORDS = {
    "eoq": "EOQ {eoq}",
    "moq": "the supplier's MOQ {moq} (above the EOQ {eoq})",
    "price_break": "the price-break quantity {lot} (above the EOQ {eoq})",
    "shelf_life": "the most usable before expiry, {cap} (below the EOQ {eoq})",
    "shelf_life_conflict": "the MOQ {moq}, although only {cap} can be used before expiry",
}


@dataclass(frozen=True)
class ProjectionInputs:
    """Arrays of shape (n,) unless noted; `demand`, `receipts` and `shipments` are (n, H)
    (`shipments` None: none)."""

    demand: np.ndarray
    receipts: np.ndarray
    inventory_position: np.ndarray
    on_hand: np.ndarray
    backorders: np.ndarray
    reorder_point: np.ndarray
    order_quantity: np.ndarray
    order_multiple: np.ndarray
    shelf_life_cap: np.ndarray  # inf: none
    lead_time_days: np.ndarray  # whole days
    window: int
    shipments: np.ndarray | None = None


@dataclass(frozen=True)
class Suggestions:
    """Per SKU-site (shape (n,)): `orders` (bool: an order is suggested), `order_day` and
    `arrival_day` (plan-day offsets; -1 where no order), `quantity` (units; 0 where none),
    `lots` (n), `capped` (cut to the shelf-life cap), `position_at_order`, `stockout_day`
    (-1: none within the horizon), `urgency`, `on_hand_without` and `on_hand_with` (n, H)."""

    orders: np.ndarray
    order_day: np.ndarray
    arrival_day: np.ndarray
    quantity: np.ndarray
    lots: np.ndarray
    capped: np.ndarray
    position_at_order: np.ndarray
    stockout_day: np.ndarray
    urgency: np.ndarray
    on_hand_without: np.ndarray
    on_hand_with: np.ndarray


def _check_tables(inputs: ProjectionInputs, demand: np.ndarray) -> None:
    """The day tables: receipts and shipments shaped like demand, all finite and >= 0."""
    tables = [("demand", demand)]
    for name in ("receipts", "shipments"):
        table = getattr(inputs, name)
        if table is None:
            continue
        if np.shape(table) != demand.shape:
            raise EngineInputError(
                f"{name} must have the shape of demand ({demand.shape[0]} x {demand.shape[1]})."
            )
        tables.append((name, np.asarray(table, dtype=float)))
    for name, table in tables:
        bad = ~((table >= 0) & np.isfinite(table))
        if bad.any():
            raise EngineInputError(f"{name} must be finite and >= 0 {where(bad.any(axis=1))}.")


def _check(inputs: ProjectionInputs) -> tuple[int, int]:
    demand = np.asarray(inputs.demand, dtype=float)
    if demand.ndim != 2:
        raise EngineInputError("demand must be a table of SKU-sites x days.")
    n, horizon = demand.shape
    _check_tables(inputs, demand)
    if not 1 <= inputs.window <= max(horizon, 1):
        raise EngineInputError(f"window must be between 1 and the horizon ({horizon} days).")
    for name in (
        "inventory_position",
        "on_hand",
        "backorders",
        "reorder_point",
        "order_quantity",
        "order_multiple",
        "shelf_life_cap",
        "lead_time_days",
    ):
        value = np.asarray(getattr(inputs, name), dtype=float)
        if value.shape != (n,):
            raise EngineInputError(f"{name} must have one value per SKU-site ({n}).")
        if np.isnan(value).any():
            raise EngineInputError(f"{name} is missing {where(np.isnan(value))}.")
        if name != "shelf_life_cap" and np.isinf(value).any():  # only the cap may be "none"
            raise EngineInputError(f"{name} must be finite {where(np.isinf(value), value)}.")
    quantity = np.asarray(inputs.order_quantity, dtype=float)
    if (quantity <= 0).any():
        raise EngineInputError(f"order_quantity must be > 0 {where(quantity <= 0, quantity)}.")
    multiple = np.asarray(inputs.order_multiple, dtype=float)
    if (multiple <= 0).any():
        raise EngineInputError(f"order_multiple must be > 0 {where(multiple <= 0, multiple)}.")
    lead = np.asarray(inputs.lead_time_days, dtype=float)
    if (lead < 0).any():
        raise EngineInputError(f"lead_time_days must be >= 0 {where(lead < 0, lead)}.")
    return n, horizon


def suggest_orders(inputs: ProjectionInputs) -> Suggestions:
    """Each SKU-site's order for this review period, if it needs one (the module docstring)."""
    n, horizon = _check(inputs)
    demand = np.asarray(inputs.demand, dtype=float)
    receipts = np.asarray(inputs.receipts, dtype=float)
    reorder_point = np.asarray(inputs.reorder_point, dtype=float)
    lot = np.asarray(inputs.order_quantity, dtype=float)
    multiple = np.asarray(inputs.order_multiple, dtype=float)
    cap = np.asarray(inputs.shelf_life_cap, dtype=float)
    lead = np.rint(np.asarray(inputs.lead_time_days, dtype=float)).astype(int)

    shipments = (
        np.zeros_like(demand)
        if inputs.shipments is None
        else np.asarray(inputs.shipments, dtype=float)
    )
    demand_before = np.cumsum(demand, axis=1) - demand  # demand of the days before t
    shipped = np.cumsum(shipments, axis=1)  # shipments up to and including day t
    position = np.asarray(inputs.inventory_position, dtype=float)[:, None] - demand_before - shipped
    window = inputs.window
    has_demand = (demand.sum(axis=1) + shipments.sum(axis=1)) > 0
    trigger = (position[:, :window] <= reorder_point[:, None]) & has_demand[:, None]
    orders = trigger.any(axis=1)
    order_day = np.where(orders, np.argmax(trigger, axis=1), -1)
    rows = np.arange(n)
    at_order = np.where(orders, position[rows, np.maximum(order_day, 0)], np.nan)

    shortfall = np.where(orders, reorder_point - at_order, 0.0)
    lots = np.where(orders, np.floor(np.maximum(shortfall, 0.0) / lot) + 1, 0).astype(int)
    quantity = lots * lot
    capped_total = np.maximum(np.floor(cap / multiple) * multiple, lot)
    capped = orders & np.isfinite(cap) & (quantity > capped_total)
    quantity = np.where(capped, capped_total, quantity)
    arrival_day = np.where(orders, order_day + lead, -1)

    on_hand_start = np.asarray(inputs.on_hand, dtype=float) - np.asarray(
        inputs.backorders, dtype=float
    )
    on_hand_without = on_hand_start[:, None] + np.cumsum(receipts - demand - shipments, axis=1)
    short = on_hand_without < 0
    stockout_day = np.where(short.any(axis=1), np.argmax(short, axis=1), -1)
    days = np.arange(horizon)
    arrives = orders[:, None] & (days[None, :] >= arrival_day[:, None])
    on_hand_with = on_hand_without + np.where(arrives, quantity[:, None], 0.0)

    urgency = np.full(n, "normal", dtype="<U8")
    urgency[orders & (order_day == 0)] = "high"
    urgency[orders & (stockout_day >= 0) & (stockout_day < arrival_day)] = "critical"
    return Suggestions(
        orders=orders,
        order_day=order_day,
        arrival_day=arrival_day,
        quantity=np.where(orders, quantity, 0.0),
        lots=lots,
        capped=capped,
        position_at_order=at_order,
        stockout_day=stockout_day,
        urgency=urgency,
        on_hand_without=on_hand_without,
        on_hand_with=on_hand_with,
    )


@dataclass(frozen=True)
class ReasonFacts:
    """What a planner needs to read to trust one suggestion (plain numbers and dates)."""

    start: date
    order_day: int
    position: float
    reorder_point: float
    stockout_day: int  # -1: none within the horizon
    arrival_day: int
    backorders: float
    lot_reason: str
    eoq: float
    moq: float
    order_multiple: float
    lot_quantity: float
    quantity: float
    lots: int
    capped: bool
    shelf_life_cap: float  # inf: none
    transfer_in: float = 0.0
    transfer_from: str = ""


def _day(start: date, offset: int) -> str:
    day = start + timedelta(days=int(offset))
    return f"{day.day} {day:%b}"


def _units(value: float) -> str:
    return f"{value:,.0f}"


def reason_codes(facts: ReasonFacts) -> list[str]:
    """The reason codes of one suggestion (the module docstring)."""
    codes = ["below_reorder_point" if facts.order_day == 0 else "reaches_reorder_point"]
    if facts.stockout_day >= 0:
        codes.append("stockout_projected")
        if facts.stockout_day < facts.arrival_day:
            codes.append("stockout_before_arrival")
    if facts.backorders > 0:
        codes.append("backorders")
    codes.append(facts.lot_reason)
    if facts.lots > 1:
        codes.append("several_lots")
    if facts.capped:
        codes.append("capped_by_shelf_life")
    if facts.transfer_in > 0:
        codes.append("reduced_by_transfer")
    return codes


def reason_text(facts: ReasonFacts) -> str:
    """One suggestion's reason in a planner's words, e.g. "Position 420 falls below reorder
    point 515 on 3 Dec; stock-out projected 11 Dec without this order; quantity = EOQ 600
    rounded to multiple 50, capped by shelf life." """
    start = facts.start
    if facts.order_day == 0:
        parts = [
            f"Position {_units(facts.position)} is at or below reorder point "
            f"{_units(facts.reorder_point)} today"
        ]
    else:
        parts = [
            f"Position {_units(facts.position)} falls below reorder point "
            f"{_units(facts.reorder_point)} on {_day(start, facts.order_day)}"
        ]
    if facts.stockout_day >= 0:
        stockout = f"stock-out projected {_day(start, facts.stockout_day)} without this order"
        if facts.stockout_day < facts.arrival_day:
            stockout += (
                f", before it can arrive on {_day(start, facts.arrival_day)}: expedite or transfer"
            )
        parts.append(stockout)
    if facts.backorders > 0:
        parts.append(f"{_units(facts.backorders)} units on backorder")
    words = QUANTITY_WORDS.get(facts.lot_reason, "EOQ {eoq}").format(
        eoq=_units(facts.eoq),
        moq=_units(facts.moq),
        lot=_units(facts.lot_quantity),
        cap=_units(facts.shelf_life_cap) if np.isfinite(facts.shelf_life_cap) else "none",
    )
    if facts.lot_reason == "eoq" and abs(facts.lot_quantity - facts.eoq) >= facts.order_multiple:
        # the EOQ at a break price is larger than at the list price
        words = (
            f"EOQ {_units(facts.lot_quantity)} at the price paid "
            f"(list-price EOQ {_units(facts.eoq)})"
        )
    quantity = f"quantity {_units(facts.quantity)} = {words}"
    if facts.order_multiple > 1 and facts.lot_reason in ("eoq", "shelf_life"):
        quantity += f" rounded to multiple {_units(facts.order_multiple)}"
    if facts.lots > 1:
        quantity += (
            f", {facts.lots} lots of {_units(facts.lot_quantity)} to lift the position above "
            "the reorder point"
        )
    if facts.capped:
        quantity += ", capped by shelf life"
    if facts.transfer_in > 0:
        quantity += (
            f", less {_units(facts.transfer_in)} coming by transfer from {facts.transfer_from}"
        )
    parts.append(quantity)
    return "; ".join(parts) + "."


def unit_price_at(quantity: float, base_price: float, breaks: list[tuple[float, float]]) -> float:
    """All-units price of an order of `quantity`: the price of the largest break whose minimum
    quantity the order reaches, else the base price."""
    price = base_price
    reached = [(minimum, tier) for minimum, tier in breaks if quantity >= minimum]
    if reached:
        price = min(price, max(reached)[1])
    return price


@dataclass(frozen=True)
class ReplenishmentFacts:
    """What a planner reads about one replenishment transfer from a SKU-site's source site:
    site codes, plan-day offsets, units (`available`: what the source can send)."""

    start: date
    source: str
    destination: str
    ship_day: int
    arrival_day: int
    position: float
    reorder_point: float
    stockout_day: int  # -1: none within the horizon
    requested: float
    quantity: float
    available: float


def replenishment_reason(facts: ReplenishmentFacts) -> str:
    """A replenishment transfer's reason in a planner's words, e.g. "HSP-003 is replenished
    from WH-01: its position 40 is at or below its reorder point 55 today; transfer 120 units
    (its order quantity), arriving 3 Dec." When the source cannot send it all, the sentence
    says what was cut."""
    start = facts.start
    if facts.ship_day == 0:
        when = (
            f"its position {_units(facts.position)} is at or below its reorder point "
            f"{_units(facts.reorder_point)} today"
        )
    else:
        when = (
            f"its position falls to {_units(facts.position)}, at or below its reorder point "
            f"{_units(facts.reorder_point)}, on {_day(start, facts.ship_day)}"
        )
    parts = [f"{facts.destination} is replenished from {facts.source}: {when}"]
    if facts.stockout_day >= 0:
        parts.append(f"stock-out projected {_day(start, facts.stockout_day)} without it")
    if facts.quantity < facts.requested:
        parts.append(
            f"{facts.source} has only {_units(facts.available)} released units to send: "
            f"transfer cut to {_units(facts.quantity)} of the {_units(facts.requested)} its "
            f"policy asks for, arriving {_day(start, facts.arrival_day)}"
        )
    else:
        parts.append(
            f"transfer {_units(facts.quantity)} units (its order quantity), arriving "
            f"{_day(start, facts.arrival_day)}"
        )
    return "; ".join(parts) + "."
