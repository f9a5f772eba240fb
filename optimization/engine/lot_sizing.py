"""Order quantities for every SKU-site at once: EOQ, MOQ, order multiple, all-units price
breaks and the shelf-life cap.

Units: annual demand D in units per year, daily demand in units per day, order cost S in
money per order, unit prices p in money per unit, the holding rate i per year (the holding
cost of a unit is H = i * p money per unit per year), quantities in units, shelf lives in days.

EOQ (Harris-Wilson): Q* = sqrt(2 D S / H), the quantity that minimises ordering plus
cycle-stock holding cost, D S / Q + H Q / 2.

Feasible quantities. A supplier accepts multiples of the order multiple m that are at least
the minimum order quantity (MOQ): Q in {m j : j = 1, 2, ...}, Q >= MOQ. The smallest is
q_min = m * ceil(MOQ / m).

All-units price breaks. The schedule is a base price p_0 from the first unit and breaks
(b_k, p_k), k = 1..K: an order of Q units pays p_k for every unit, where b_k is the largest
break quantity <= Q (the base price if there is none). The annual cost of ordering Q at a
price p is

    TC(Q) = D p + D S / Q + i p Q / 2   (purchase + ordering + cycle-stock holding)

Within one price tier [b_k, b_{k+1}) TC is convex in Q, so its best feasible quantity there
is one of the two multiples of m around that tier's own EOQ sqrt(2 D S / (i p_k)), clipped to
the feasible multiples inside the tier (and under the cap below). The engine evaluates those
two candidates in every tier and keeps the cheapest (ties go to the smaller quantity): the
textbook procedure (compute the EOQ at each price, raise it to the tier's break when it falls
below, compare total costs) with MOQ, multiples and the cap built in. Breaks are passed as
padded arrays of shape (n, K), NaN where a SKU-site has fewer than K breaks; their order does
not matter.

Shelf-life cap. A lot must be used before it reaches the minimum usable remaining life at
the destination: if it arrives with R days of shelf life left and stock with less than U days
left cannot be used there, it has R - U days to be consumed, and the order may not exceed the
demand expected in that window, cap = daily demand * max(R - U, 0). Quantities above the cap
are excluded (the cap is rounded down to a multiple of m). When even q_min exceeds the cap,
the supplier's terms and the shelf life conflict: the engine orders q_min, the smallest
quantity the supplier accepts, and says so in `reason` ("shelf_life_conflict"), because part
of such an order is expected to expire. R = NaN or infinity means no cap (not perishable).

Zero demand gives EOQ 0 and the order q_min; a zero order cost also gives q_min. Holding
costs must be positive (a free unit or a zero holding rate would make the EOQ infinite).
"""

from dataclasses import dataclass

import numpy as np

from optimization.engine.types import EngineInputError, count, vector, where

# Tolerance when rounding quotients to whole multiples, so 0.3 / 0.1 counts as 3.
_ROUNDING = 1e-9


@dataclass(frozen=True)
class LotSizes:
    """Chosen order quantities and what decided them; arrays of shape (n,).

    - `quantity`: units per order;
    - `unit_price`: the price per unit paid at that quantity (all-units schedule);
    - `annual_cost`: TC at that quantity, money per year;
    - `eoq`: sqrt(2 D S / (i p_0)) at the base price, before any constraint;
    - `cap`: the shelf-life cap in units (infinity where there is none);
    - `reason`: "eoq" (the EOQ, rounded to the order multiple), "moq" (raised to the smallest
      quantity the supplier accepts), "price_break" (raised to a break quantity for its
      price), "shelf_life" (lowered to the shelf-life cap), or "shelf_life_conflict" (the
      smallest accepted quantity exceeds the cap; part of the order is expected to expire).
    """

    quantity: np.ndarray
    unit_price: np.ndarray
    annual_cost: np.ndarray
    eoq: np.ndarray
    cap: np.ndarray
    reason: np.ndarray


def economic_order_quantity(
    annual_demand: np.ndarray | float,
    order_cost: np.ndarray | float,
    holding_cost: np.ndarray | float,
) -> np.ndarray:
    """sqrt(2 D S / H): D units per year, S money per order, H money per unit per year (> 0)."""
    n = count(annual_demand, order_cost, holding_cost)
    demand = vector(annual_demand, n, "Annual demand", minimum=0.0)
    cost = vector(order_cost, n, "Order cost", minimum=0.0)
    holding = vector(holding_cost, n, "Holding cost", above=0.0)
    eoq: np.ndarray = np.sqrt(2.0 * demand * cost / holding)
    return eoq


def shelf_life_cap(
    daily_demand: np.ndarray | float,
    remaining_life_days: np.ndarray | float,
    min_usable_life_days: np.ndarray | float = 0.0,
) -> np.ndarray:
    """The most units an order may hold: daily demand * max(R - U, 0), where R is the shelf
    life left when the lot arrives and U the minimum remaining life usable at the destination
    (days). R = NaN or infinity: no cap (infinity)."""
    n = count(daily_demand, remaining_life_days, min_usable_life_days)
    demand = vector(daily_demand, n, "Daily demand", minimum=0.0)
    remaining = vector(
        remaining_life_days, n, "Remaining shelf life", minimum=0.0, allow_nan=True, allow_inf=True
    )
    usable = vector(min_usable_life_days, n, "Minimum usable remaining life", minimum=0.0)
    window = np.maximum(remaining - usable, 0.0)
    capped = np.isfinite(remaining)
    with np.errstate(invalid="ignore"):  # 0 * inf where there is no cap
        return np.where(capped, demand * np.where(capped, window, 0.0), np.inf)


def _slack(ratio: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(ratio), _ROUNDING * np.maximum(np.abs(ratio), 1.0), 0.0)


def _ceil(ratio: np.ndarray) -> np.ndarray:
    up: np.ndarray = np.ceil(ratio - _slack(ratio))
    return up


def _floor(ratio: np.ndarray) -> np.ndarray:
    down: np.ndarray = np.floor(ratio + _slack(ratio))
    return down


def _schedule(
    n: int, base_price: np.ndarray, quantities: object, prices: object
) -> tuple[np.ndarray, np.ndarray]:
    """Tier lower bounds and prices, shape (n, K + 1): tier 0 is the base price from 0 units,
    then the breaks by quantity; absent breaks have bound infinity (and price NaN) at the end."""
    if quantities is None and prices is None:
        return np.zeros((n, 1)), base_price[:, None].copy()
    if quantities is None or prices is None:
        raise EngineInputError("Price breaks need both break quantities and break prices.")
    bounds = np.asarray(quantities, dtype=np.float64)
    values = np.asarray(prices, dtype=np.float64)
    given = (bounds.shape, values.shape)
    if bounds.ndim == 1:
        bounds, values = bounds[None, :], values[None, :]
    if bounds.shape != values.shape or bounds.ndim != 2 or bounds.shape[0] not in (1, n):
        raise EngineInputError(
            f"Break quantities and prices must both have shape ({n}, K) (NaN-padded); they "
            f"have {given[0]} and {given[1]}."
        )
    bounds = np.broadcast_to(bounds, (n, bounds.shape[1]))
    values = np.broadcast_to(values, bounds.shape)
    absent = np.isnan(bounds)
    if (absent != np.isnan(values)).any():
        raise EngineInputError(
            "Each price break needs a quantity and a price; one is missing "
            f"{where((absent != np.isnan(values)).any(axis=1))}."
        )
    bad = ~absent & ~((bounds > 0) & np.isfinite(bounds) & (values > 0) & np.isfinite(values))
    if bad.any():
        raise EngineInputError(
            "Break quantities and prices must be finite and > 0; they are not "
            f"{where(bad.any(axis=1))}."
        )
    bounds = np.where(absent, np.inf, bounds)
    order = np.argsort(bounds, axis=1, kind="stable")
    bounds = np.take_along_axis(bounds, order, axis=1)
    values = np.take_along_axis(values, order, axis=1)
    lower = np.hstack([np.zeros((n, 1)), bounds])
    price = np.hstack([base_price[:, None], values])
    return lower, price


def lot_size(
    annual_demand: np.ndarray | float,
    order_cost: np.ndarray | float,
    unit_price: np.ndarray | float,
    holding_rate: np.ndarray | float,
    *,
    moq: np.ndarray | float = 1.0,
    order_multiple: np.ndarray | float = 1.0,
    break_quantities: np.ndarray | None = None,
    break_prices: np.ndarray | None = None,
    cap: np.ndarray | float = np.inf,
) -> LotSizes:
    """The cheapest feasible order quantity per SKU-site (see the module docstring).

    annual_demand D (units/year), order_cost S (money/order), unit_price p_0 (money/unit,
    > 0), holding_rate i (per year, > 0), moq (units, >= 0), order_multiple m (units, > 0),
    break_quantities / break_prices (n, K) NaN-padded all-units breaks, cap (units, the
    shelf-life cap; infinity for none)."""
    tables = [table for table in (break_quantities,) if table is not None and np.ndim(table) == 2]
    n = count(
        annual_demand, order_cost, unit_price, holding_rate, moq, order_multiple, cap, *tables
    )
    demand = vector(annual_demand, n, "Annual demand", minimum=0.0)
    setup = vector(order_cost, n, "Order cost", minimum=0.0)
    base = vector(unit_price, n, "Unit price", above=0.0)
    rate = vector(holding_rate, n, "Holding rate", above=0.0)
    minimum = vector(moq, n, "Minimum order quantity", minimum=0.0)
    multiple = vector(order_multiple, n, "Order multiple", above=0.0)
    limit = vector(cap, n, "Order cap", minimum=0.0, allow_inf=True)
    lower, price = _schedule(n, base, break_quantities, break_prices)

    # Feasible multiples j (quantity m * j) per tier: j_low .. j_high.
    step = multiple[:, None]
    q_min = multiple * np.maximum(_ceil(minimum / multiple), 1.0)
    upper = np.hstack([lower[:, 1:], np.full((n, 1), np.inf)])  # exclusive
    j_low = _ceil(np.maximum(lower, q_min[:, None]) / step)
    j_tier = _ceil(upper / step) - 1.0  # the last multiple below the next break
    j_high = np.minimum(j_tier, _floor(limit / multiple)[:, None])
    open_tier = np.isfinite(j_low) & (j_low <= j_high)  # absent breaks have j_low = inf

    with np.errstate(invalid="ignore", divide="ignore"):
        tier_eoq = np.sqrt(2.0 * demand[:, None] * setup[:, None] / (rate[:, None] * price))
        ideal = tier_eoq / step
        candidates = np.stack([np.floor(ideal), np.ceil(ideal)], axis=2)  # (n, tiers, 2)
        j = np.clip(candidates, j_low[:, :, None], j_high[:, :, None])
        quantity = j * step[:, :, None]
        p = price[:, :, None]
        cost = (
            demand[:, None, None] * p
            + demand[:, None, None] * setup[:, None, None] / quantity
            + rate[:, None, None] * p * quantity / 2.0
        )
    cost = np.where(open_tier[:, :, None], cost, np.inf).reshape(n, -1)
    best = np.argmin(cost, axis=1)
    rows = np.arange(n)
    tier = best // 2
    chosen_j = j.reshape(n, -1)[rows, best]
    conflict = ~open_tier.any(axis=1)

    # Where no tier has a feasible quantity under the cap, order q_min at its tier's price.
    q_min_tier = np.sum(lower <= q_min[:, None], axis=1) - 1
    tier = np.where(conflict, q_min_tier, tier)
    chosen_q = np.where(conflict, q_min, chosen_j * multiple)
    paid = price[rows, tier]
    annual = demand * paid + demand * setup / chosen_q + rate * paid * chosen_q / 2.0

    # What moved the quantity off the tier's own EOQ: a lower bound (the MOQ or the tier's
    # break) or an upper one (the shelf-life cap).
    floor_j, ceil_j = candidates[rows, tier, 0], candidates[rows, tier, 1]
    raised = (floor_j < j_low[rows, tier]) & (chosen_j == j_low[rows, tier])
    lowered = (ceil_j > j_high[rows, tier]) & (chosen_j == j_high[rows, tier])
    at_break = (tier > 0) & (lower[rows, tier] > q_min)
    by_cap = chosen_j == _floor(limit / multiple)
    reason = np.full(n, "eoq", dtype="<U19")
    reason[raised & ~at_break] = "moq"
    reason[raised & at_break] = "price_break"
    reason[lowered & by_cap] = "shelf_life"
    reason[conflict] = "shelf_life_conflict"
    return LotSizes(
        quantity=chosen_q,
        unit_price=paid,
        annual_cost=annual,
        eoq=tier_eoq[:, 0],
        cap=limit,
        reason=reason,
    )


def total_cost_curve(
    quantities: np.ndarray,
    annual_demand: float,
    order_cost: float,
    unit_price: float,
    holding_rate: float,
    *,
    break_quantities: np.ndarray | None = None,
    break_prices: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Annual cost parts of ordering each of `quantities` (units, > 0) for one SKU-site under
    an all-units price schedule: the price paid, purchase D p, ordering D S / Q, holding
    i p Q / 2 and their total (money per year), for drawing the EOQ trade-off."""
    q = vector(quantities, np.size(quantities), "Quantity", above=0.0)
    bounds, prices = _schedule(
        1,
        vector(unit_price, 1, "Unit price", above=0.0),
        None if break_quantities is None else np.asarray(break_quantities)[None, :],
        None if break_prices is None else np.asarray(break_prices)[None, :],
    )
    tiers = np.where(np.isfinite(bounds[0]), bounds[0], np.inf)
    tier = np.searchsorted(np.sort(tiers), q, side="right") - 1
    order = np.argsort(tiers)
    paid = prices[0][order][np.maximum(tier, 0)]
    purchase = annual_demand * paid
    ordering = annual_demand * order_cost / q
    holding = holding_rate * paid * q / 2
    return {
        "quantity": q,
        "unit_price": paid,
        "purchase": purchase,
        "ordering": ordering,
        "holding": holding,
        "total": purchase + ordering + holding,
    }
