"""The seed's textbook policy (DOMAIN.md, "The textbook (seed) policy"): the baseline every
claim about our policies is measured against, in the backtest and as a policy mode of the
refresh.

From each SKU-site's raw daily demand over the trailing `history_days` (365 by default):

    d   = the mean daily demand, units per day;
    sigma = the standard deviation of the raw daily demand (population, ddof = 0), units per
          day: demand itself, not a forecast error;
    SS  = z * sqrt(L) * sigma, with z = Phi^-1(service level) and L the mean lead time, days;
          continuous review, no lead-time variability, no review period;
    ROP = d * L + SS;
    Q   = the plain EOQ sqrt(2 D S / (i p)), D = 365 d units per year, S money per order, i
          the yearly holding rate and p the unit price; at least one unit (an order of a
          SKU with no demand still has a size). No price breaks and no shelf-life cap.

The service level is the same target our policies use; a fill-rate target's level is read as a
cycle service level, as the seed did (its formula has no fill-rate form).

Minimum order quantity and order multiple: the textbook Q ignores them. Whoever places an
order makes it acceptable to the supplier: the simulator rounds each order it places (the
backtest), while a stored policy, whose Q the plan treats as a ready lot, is lifted once to
the smallest quantity the supplier accepts, ceil(max(Q, MOQ) / multiple) * multiple, the
rounding the simulator applies to an order (`placeable_quantity`). Nothing else is added.
"""

from dataclasses import dataclass

import numpy as np

from optimization.engine.lot_sizing import economic_order_quantity
from optimization.engine.safety_stock import cycle_service_factor
from optimization.engine.types import DAYS_PER_YEAR, EngineInputError, count, vector

TEXTBOOK_HISTORY_DAYS = 365


@dataclass(frozen=True)
class TextbookPolicies:
    """The textbook parameters per SKU-site, arrays of shape (n,): `demand_mean` d and
    `demand_std` sigma (units per day), `safety_stock` SS, `reorder_point` ROP and
    `order_quantity` Q, the plain EOQ of at least one unit (units)."""

    demand_mean: np.ndarray
    demand_std: np.ndarray
    safety_stock: np.ndarray
    reorder_point: np.ndarray
    order_quantity: np.ndarray


def textbook_policy(
    demand_mean: np.ndarray | float,
    demand_std: np.ndarray | float,
    *,
    safety_factor: np.ndarray | float,
    lead_time: np.ndarray | float,
    order_cost: np.ndarray | float,
    unit_price: np.ndarray | float,
    holding_rate: np.ndarray | float,
) -> TextbookPolicies:
    """SS = z sqrt(L) sigma, ROP = d L + SS and Q = max(EOQ, 1) from the demand's mean d and
    standard deviation sigma (units per day), the safety factor z, the lead time L (days), the
    order cost (money per order), the unit price (money per unit) and the holding rate (per
    year). Scalars or arrays of shape (n,)."""
    n = count(
        demand_mean, demand_std, safety_factor, lead_time, order_cost, unit_price, holding_rate
    )
    mean = vector(demand_mean, n, "Demand mean", minimum=0.0)
    std = vector(demand_std, n, "Demand standard deviation", minimum=0.0)
    z = vector(safety_factor, n, "Safety factor")
    lead = vector(lead_time, n, "Lead time", minimum=0.0)
    price = vector(unit_price, n, "Unit price", above=0.0)
    rate = vector(holding_rate, n, "Holding rate", above=0.0)
    safety = z * np.sqrt(lead) * std
    eoq = np.maximum(economic_order_quantity(mean * DAYS_PER_YEAR, order_cost, rate * price), 1.0)
    return TextbookPolicies(
        demand_mean=mean,
        demand_std=std,
        safety_stock=safety,
        reorder_point=mean * lead + safety,
        order_quantity=eoq,
    )


def textbook_policies(
    demand: np.ndarray,
    *,
    service_level: np.ndarray | float,
    lead_time: np.ndarray | float,
    order_cost: np.ndarray | float,
    unit_price: np.ndarray | float,
    holding_rate: np.ndarray | float,
    history_days: int = TEXTBOOK_HISTORY_DAYS,
) -> TextbookPolicies:
    """The textbook policy of every row of `demand` (n, days), units per day, oldest first:
    its last `history_days` days give d and sigma; z = Phi^-1(service level), levels strictly
    between 0 and 1 (see the module docstring)."""
    history = np.asarray(demand, dtype=np.float64)
    if history.ndim != 2:
        raise EngineInputError("Demand must be a 2-D array: one row of days per SKU-site.")
    if history_days < 1:
        raise EngineInputError("The textbook history must be at least one day.")
    if not np.isfinite(history).all() or (history < 0).any():
        raise EngineInputError("Demand must be finite and not negative.")
    trailing = history[:, -history_days:]
    if trailing.shape[1] == 0:
        raise EngineInputError("The demand history has no days.")
    levels = vector(service_level, history.shape[0], "Service level")
    return textbook_policy(
        trailing.mean(axis=1),
        trailing.std(axis=1),
        safety_factor=cycle_service_factor(levels),
        lead_time=lead_time,
        order_cost=order_cost,
        unit_price=unit_price,
        holding_rate=holding_rate,
    )


def placeable_quantity(
    quantity: np.ndarray | float,
    moq: np.ndarray | float,
    order_multiple: np.ndarray | float,
) -> np.ndarray:
    """The smallest quantity a supplier accepts that covers `quantity`, units: the larger of it
    and the MOQ, rounded up to a whole number of order multiples (> 0)."""
    n = count(quantity, moq, order_multiple)
    wanted = vector(quantity, n, "Order quantity", minimum=0.0)
    minimum = vector(moq, n, "Minimum order quantity", minimum=0.0)
    multiple = vector(order_multiple, n, "Order multiple", above=0.0)
    lifted: np.ndarray = np.ceil(np.maximum(wanted, minimum) / multiple) * multiple
    return lifted
