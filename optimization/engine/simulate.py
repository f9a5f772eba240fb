"""Daily simulation of replenishment policies for every SKU-site at once.

Conventions. `demand` has shape (n, days): one row per SKU-site, one column per day, oldest
first, units per day, finite and >= 0 (a hold-out of recorded demand, or a path from
`bootstrap_demand`). Every other per-SKU-site input is a scalar or an array of shape (n,),
except that the policy's reorder point, order quantity and order-up-to level and the emergency
level may also be arrays of shape (n, days), like `demand`: the value in force on each day, for
a policy recomputed while the simulated days pass (after every nightly forecast run, say). The
value of day t is the one the day's emergency check (step 3) and review (step 4) use; a change
does not touch what is already on order. A scalar, an (n,) array and an (n, days) array with
the same value every day give the same simulation. Each day, every SKU-site must have exactly
one of an order quantity and an order-up-to level (the kind may change from day to day).
Quantities are in units, lead times, review periods and shelf lives in whole days, unit costs
in money per unit, holding rates per year; a year is `DAYS_PER_YEAR` days. The simulation
loops over days in Python and works on all SKU-sites as arrays: there is never a loop over
SKU-sites. Randomness (lead times only) comes from `numpy.random.default_rng(seed)`.

One day t = 0 .. days-1, in this order
--------------------------------------
1. Write-off: lots whose expiry day is <= t are written off (expired units and value).
   A lot received on day a with shelf life m (days of life left at receipt) expires on day
   a + m: it can serve the demand of days a .. a+m-1.
2. Receipt: orders due on day t arrive and become one new lot (orders due the same day are
   one lot: they expire together).
3. Emergency order (optional, every day): if the net stock (on hand after the receipts -
   backorders) is at or below the SKU-site's emergency level and no order, regular or
   emergency, is due within the emergency lead time E (days t+1 .. t+E), an emergency order
   of the emergency quantity is placed; it arrives on day t+E and counts as on order until
   then. This is DOMAIN.md's "an order with a lead time shorter than the supplier's normal
   one because stock fell below SS": set the level to the safety stock (or to 0 for "when
   the shelf is empty").
4. Review: on review days ((t - review_offset) mod R = 0; every day when R = 1) the inventory
   position IP = on hand + on order - backorders is compared with the reorder point s. If
   IP <= s the policy orders
     - with an order quantity Q: the smallest multiple n*Q that lifts IP above s (the (s, nQ)
       rule; with daily demand IP often undershoots s, and ordering a single Q would then
       leave it at or below s),
     - with an order-up-to level S: S - IP,
   then raised to the minimum order quantity and rounded up to the order multiple (if any).
   (s, Q) and (s, S) policies review every day (R = 1); the periodic (R, S) policy is the
   case s = S, R > 1. The order arrives on day t+L with L the lead time of that order.
5. Demand: stock is issued first-expiry-first-out (FEFO) across the lots. With backorders,
   outstanding backorders are served first (first come, first served), then the day's
   demand; what is left of the day's demand is backordered. With lost sales it is lost.

So both the order and its receipt happen at the start of a day, before that day's demand,
and a lead time of L days means exactly L days of demand (days t .. t+L-1) pass between them.
An order placed on day t has to cover demand up to the next order's arrival, days t .. t+L+R-1:
L + R days, as DOMAIN.md's periodic-review rule says. Daily review is periodic review with
R = 1: its protection period is L + 1 days, not the L of truly continuous review. For (s, nQ)
reviewed daily the position after a review is uniform on (s, s + Q], and the expected
shortage per day is (1/Q) * integral over y in (s, s + Q] of E(D_{L+1} - y)+ - E(D_L - y)+
(Hadley and Whitin's (R, s, nQ) result with R = 1): about half a day of demand more than the
continuous-review formula with sigma_L and d*L allows for. The unit tests check that sized
by these formulas, (R, S) and daily (s, nQ) policies reach their fill-rate target within a
point on long simulations, and (R, S) its cycle service level; bench/optimization_simulate.py
prints what the continuous-review formula gives instead (88 % for a 95 % target there).

Lead times. One lead time is drawn per SKU-site and per day on which it could order (a
(days, n) table drawn up front), so two policies simulated with the same seed see the same
lead time for an order placed on the same day (common random numbers). Distribution per
SKU-site: mean m and standard deviation v in days; v = 0 is deterministic; otherwise gamma
(shape (m/v)^2, scale v^2/m) or lognormal (sigma^2 = log(1 + (v/m)^2), mu = log m - sigma^2/2),
rounded to the nearest whole day (halves up) and kept between 1 day and the horizon (an order
arriving after the last day is on order at the end either way). Emergency lead times are
fixed.

Lots. The stock on hand of a SKU-site is a row of `lot_slots` (K) slots, each a quantity and
an expiry day, kept in expiry order: lots arrive in day order with the SKU-site's one shelf
life, so the newest lot always expires last (the initial lot must not outlive new ones: its
remaining life is at most the shelf life). FEFO issue takes `want` units from the slots by
one cumulative sum along the row: take_k = clip(want - (cum_k - q_k), 0, q_k). Emptied slots
are dropped from the front every day. When a lot arrives and all K slots hold stock, it is
merged into the newest slot, which keeps the earlier expiry: conservative (units may be
written off early, never late); `lot_merges` counts such merges (a merge between lots that
never expire is exact and not counted) and should be 0 for a trustworthy expiry figure, else
raise K. A shelf life of infinity (or 0, "not tracked") means the SKU-site's lots never
expire; when nothing can expire at all, one slot is used.

Measures (per SKU-site, over the measured days t = warm_up .. days-1, M days)
----------------------------------------------------------------------------
fill rate = units served from stock on the day they were demanded / units demanded (NaN with
    no demand). A backorder served later counts as issued, not as served on time.
stock-out days = days with demand not fully served that day; stock-out rate = that / M.
cycle service level = replenishment cycles without a stock-out day / replenishment cycles. A
    cycle runs from the receipt of a regular order to the day before the next regular receipt;
    only cycles that start on a measured day and end within the horizon count (NaN if none).
    For (R, S) with a fixed lead time a cycle is one review period, and the share estimates
    DOMAIN.md's alpha = P(demand over L + R days <= S). Emergency receipts do not start cycles.
average on hand = mean over days of (on hand after receipts + on hand after demand) / 2, the
    time average when a day's demand is spread over the day; average inventory value = that
    times unit cost.
turnover = cost of goods issued per year (issued units * unit cost * DAYS_PER_YEAR / M) /
    average inventory value (NaN where it is 0).
carrying cost per year = average inventory value * holding rate.
expired units and value = written off at expiry; orders (regular) and emergency orders
    placed, units ordered (both kinds) and received; short units = demand not served on its
    day, of which lost units (lost sales) or backordered units (backorders).
Stock balance: start on hand + received = issued + expired + ending on hand, where start on
hand is the on hand at the start of day warm_up (the initial lot when warm_up = 0).

`SimulationResult.total` adds the SKU-sites up: fill rate = served / demanded units, cycle
service level = cycles without stock-out / cycles, turnover = total cost of goods issued per
year / total average inventory value.
"""

from dataclasses import dataclass, fields
from typing import Literal, TypedDict

import numpy as np

from optimization.engine.types import DAYS_PER_YEAR, EngineInputError, vector, where

LeadTimeDistribution = Literal["gamma", "lognormal"]
LEAD_TIME_DISTRIBUTIONS: tuple[str, ...] = ("gamma", "lognormal")
DEFAULT_LOT_SLOTS = 12


# --- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """A replenishment policy per SKU-site (scalars or arrays of shape (n,)).

    Each SKU-site has exactly one of `order_quantity` (Q > 0) and `order_up_to` (S >= s); the
    other is NaN. `reorder_point`, `order_quantity` and `order_up_to` may also have shape
    (n, days), the value in force on each simulated day (module docstring, Conventions); the
    rules hold day by day. `review_period` R >= 1 days (1 = every day), `review_offset` in
    [0, R) the first review day. `min_order` (MOQ, >= 0) and `order_multiple` (>= 0, 0 = none)
    apply to every regular order. Use the constructors for the usual kinds."""

    reorder_point: np.ndarray | float
    order_quantity: np.ndarray | float = np.nan
    order_up_to: np.ndarray | float = np.nan
    review_period: np.ndarray | float = 1.0
    review_offset: np.ndarray | float = 0.0
    min_order: np.ndarray | float = 0.0
    order_multiple: np.ndarray | float = 0.0

    @classmethod
    def s_q(
        cls,
        reorder_point: np.ndarray | float,
        order_quantity: np.ndarray | float,
        **options: np.ndarray | float,
    ) -> "Policy":
        """(s, Q) reviewed daily: order multiples of Q when IP <= s."""
        return cls(reorder_point=reorder_point, order_quantity=order_quantity, **options)

    @classmethod
    def s_s(
        cls,
        reorder_point: np.ndarray | float,
        order_up_to: np.ndarray | float,
        **options: np.ndarray | float,
    ) -> "Policy":
        """(s, S) reviewed daily: order up to S when IP <= s."""
        return cls(reorder_point=reorder_point, order_up_to=order_up_to, **options)

    @classmethod
    def r_s(
        cls,
        review_period: np.ndarray | float,
        order_up_to: np.ndarray | float,
        **options: np.ndarray | float,
    ) -> "Policy":
        """(R, S): every R days order up to S (s = S)."""
        return cls(
            reorder_point=order_up_to,
            order_up_to=order_up_to,
            review_period=review_period,
            **options,
        )


@dataclass(frozen=True)
class LeadTime:
    """Supplier lead time per SKU-site: mean (> 0) and standard deviation (>= 0, 0 = fixed) in
    days, and the distribution of the random ones (see the module docstring)."""

    mean: np.ndarray | float
    std: np.ndarray | float = 0.0
    distribution: LeadTimeDistribution = "gamma"


@dataclass(frozen=True)
class EmergencyRule:
    """Emergency orders (see the module docstring, step 3): `level` in units of net stock (NaN
    = no emergency orders for that SKU-site; shape (n,), or (n, days) for the level in force on
    each day, NaN on the days without), `lead_time` whole days >= 1, `quantity` units >= 0
    (0 = none)."""

    level: np.ndarray | float
    lead_time: np.ndarray | float
    quantity: np.ndarray | float


# --- outputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulationSummary:
    """All SKU-sites together (see the module docstring for the definitions)."""

    sku_sites: int
    days: int
    demand_units: float
    served_units: float
    short_units: float
    lost_units: float
    backordered_units: float
    fill_rate: float
    cycles: int
    cycle_service_level: float
    stockout_days: int
    stockout_rate: float
    average_inventory_value: float
    cost_of_goods_issued_per_year: float
    turnover: float
    carrying_cost_per_year: float
    expired_units: float
    expired_value: float
    orders: int
    emergency_orders: int
    lot_merges: int


@dataclass(frozen=True)
class SimulationTrace:
    """Day by day, shape (n, days) each: on hand after the day's demand, units received, units
    ordered (regular and emergency), units written off, units short on the day, backorders
    outstanding after the day."""

    on_hand: np.ndarray
    received: np.ndarray
    ordered: np.ndarray
    expired: np.ndarray
    short: np.ndarray
    backorders: np.ndarray


@dataclass(frozen=True)
class SimulationResult:
    """Per SKU-site arrays of shape (n,) over the measured days (see the module docstring);
    counts are int64, the rest float64. `total` sums them up; `trace` is set when asked for."""

    days: int
    demand_units: np.ndarray
    served_units: np.ndarray
    short_units: np.ndarray
    lost_units: np.ndarray
    backordered_units: np.ndarray
    fill_rate: np.ndarray
    cycles: np.ndarray
    cycles_without_stockout: np.ndarray
    cycle_service_level: np.ndarray
    stockout_days: np.ndarray
    stockout_rate: np.ndarray
    average_on_hand: np.ndarray
    average_inventory_value: np.ndarray
    issued_units: np.ndarray
    cost_of_goods_issued_per_year: np.ndarray
    turnover: np.ndarray
    carrying_cost_per_year: np.ndarray
    expired_units: np.ndarray
    expired_value: np.ndarray
    orders: np.ndarray
    emergency_orders: np.ndarray
    ordered_units: np.ndarray
    received_units: np.ndarray
    start_on_hand: np.ndarray
    ending_on_hand: np.ndarray
    ending_on_order: np.ndarray
    ending_backorders: np.ndarray
    lot_merges: np.ndarray
    total: SimulationSummary
    trace: SimulationTrace | None = None


# --- validation ------------------------------------------------------------------------------


def _demand(demand: np.ndarray) -> np.ndarray:
    try:
        array = np.asarray(demand, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise EngineInputError("Demand must be numbers.") from error
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise EngineInputError(
            f"Demand must be a 2-D array (SKU-sites x days) with at least one of each, "
            f"not shape {array.shape}."
        )
    bad = ~np.isfinite(array).all(axis=1)
    if bad.any():
        raise EngineInputError(f"Demand has NaN or infinite days {where(bad)}.")
    negative = (array < 0).any(axis=1)
    if negative.any():
        raise EngineInputError(f"Demand has negative days {where(negative)}.")
    return array


def _days(
    value: object, n: int, name: str, *, minimum: float, allow_inf: bool = False
) -> np.ndarray:
    """Whole days >= minimum, shape (n,) (infinity allowed if asked)."""
    out = vector(value, n, name, minimum=minimum, allow_inf=allow_inf)
    finite = np.isfinite(out)
    fractional = finite & (out != np.round(out))
    if fractional.any():
        raise EngineInputError(f"{name} must be whole days, and is not {where(fractional, out)}.")
    return out


def _whole(value: object, name: str, minimum: int) -> int:
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < minimum:
        raise EngineInputError(f"{name} must be a whole number >= {minimum}, not {value!r}.")
    return int(value)


def _path(
    value: object,
    n: int,
    days: int,
    name: str,
    *,
    allow_nan: bool = False,
    above: float | None = None,
) -> np.ndarray:
    """A parameter that may change from day to day: shape (n,) for a scalar or one value per
    SKU-site, day-major (days, n) for an (n, days) input (one row per day, so that the loop
    over days reads a contiguous row). NaN refused unless allowed, infinity always; `above` an
    exclusive lower bound."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise EngineInputError(f"{name} must be numbers.") from error
    if array.ndim < 2:
        return vector(array, n, name, allow_nan=allow_nan, above=above)
    if array.shape != (n, days):
        raise EngineInputError(
            f"{name} must be a number, one value per SKU-site ({n}) or one per SKU-site and day "
            f"({n} x {days}), not shape {array.shape}."
        )
    nan = np.isnan(array)
    if not allow_nan and nan.any():
        raise EngineInputError(f"{name} is missing (NaN) {where(nan)}.")
    inf = np.isinf(array)
    if inf.any():
        raise EngineInputError(f"{name} is infinite {where(inf, array)}.")
    if above is not None:
        low = ~nan & (array <= above)
        if low.any():
            raise EngineInputError(f"{name} must be > {above:g}, and is not {where(low, array)}.")
    return np.array(array.T, order="C")  # a copy: the caller's array is never changed


def _on_day(value: np.ndarray, t: int) -> np.ndarray:
    """The value in force on day t of a parameter of shape (n,) or day-major (days, n)."""
    return value[t] if value.ndim == 2 else value


def _by_site(mask: np.ndarray) -> np.ndarray:
    """A mask over day-major (days, n) or (n,) parameters as (n, days) or (n,), for `where`."""
    return mask.T if mask.ndim == 2 else mask


@dataclass(frozen=True)
class _Rules:
    """Checked per-SKU-site inputs, each shape (n,); the first three may be day-major
    (days, n) (`_path`)."""

    reorder_point: np.ndarray
    order_quantity: np.ndarray  # NaN where the policy orders up to S
    order_up_to: np.ndarray  # NaN where the policy orders multiples of Q
    review_period: np.ndarray
    review_offset: np.ndarray
    min_order: np.ndarray
    order_multiple: np.ndarray


def _policy(policy: Policy, n: int, days: int) -> _Rules:
    if not isinstance(policy, Policy):
        raise EngineInputError("policy must be a Policy.")
    s = _path(policy.reorder_point, n, days, "Reorder point")
    q = _path(policy.order_quantity, n, days, "Order quantity", allow_nan=True, above=0.0)
    big_s = _path(policy.order_up_to, n, days, "Order-up-to level", allow_nan=True)
    # (n,) and (days, n) broadcast together: a day-by-day check where any of them varies
    both = ~np.isnan(q) & ~np.isnan(big_s)
    if both.any():
        raise EngineInputError(
            f"A policy has an order quantity or an order-up-to level, not both: both are set "
            f"{where(_by_site(both))}."
        )
    neither = np.isnan(q) & np.isnan(big_s)
    if neither.any():
        raise EngineInputError(
            f"A policy needs an order quantity or an order-up-to level: neither is set "
            f"{where(_by_site(neither))}."
        )
    below = big_s < s  # False where S is NaN
    if below.any():
        shown = np.broadcast_to(big_s, below.shape)
        raise EngineInputError(
            f"The order-up-to level must be >= the reorder point, and is not "
            f"{where(_by_site(below), _by_site(shown))}."
        )
    review = _days(policy.review_period, n, "Review period", minimum=1.0)
    offset = _days(policy.review_offset, n, "Review offset", minimum=0.0)
    late = offset >= review
    if late.any():
        raise EngineInputError(
            f"The review offset must be below the review period, and is not {where(late, offset)}."
        )
    return _Rules(
        reorder_point=s,
        order_quantity=q,
        order_up_to=big_s,
        review_period=review,
        review_offset=offset,
        min_order=vector(policy.min_order, n, "Minimum order quantity", minimum=0.0),
        order_multiple=vector(policy.order_multiple, n, "Order multiple", minimum=0.0),
    )


def _lead_times(lead_time: LeadTime, n: int, days: int, rng: np.random.Generator) -> np.ndarray:
    """Lead time of an order placed on day t by SKU-site i, shape (days, n), int64."""
    if not isinstance(lead_time, LeadTime):
        raise EngineInputError("lead_time must be a LeadTime.")
    if lead_time.distribution not in LEAD_TIME_DISTRIBUTIONS:
        raise EngineInputError(
            f"The lead-time distribution must be one of {', '.join(LEAD_TIME_DISTRIBUTIONS)}, "
            f"not {lead_time.distribution!r}."
        )
    mean = vector(lead_time.mean, n, "Lead time", above=0.0)
    std = vector(lead_time.std, n, "Lead-time standard deviation", minimum=0.0)
    fixed = np.clip(np.floor(mean + 0.5), 1, days).astype(np.int64)
    random = std > 0
    if not random.any():
        return np.broadcast_to(fixed, (days, n))  # one row, read-only
    table = np.empty((days, n), dtype=np.int64)
    table[:] = fixed
    m, v = mean[random], std[random]
    if lead_time.distribution == "gamma":
        sample = rng.gamma((m / v) ** 2, v * v / m, size=(days, m.size))
    else:
        sigma2 = np.log1p((v / m) ** 2)
        sample = rng.lognormal(np.log(m) - sigma2 / 2.0, np.sqrt(sigma2), size=(days, m.size))
    table[:, random] = np.clip(np.floor(sample + 0.5), 1, days)
    return table


class _EmergencySetup(TypedDict):
    """The emergency-order fields of `_Setup`."""

    e_level: np.ndarray
    e_lead: np.ndarray
    e_quantity: np.ndarray


def _emergency(rule: EmergencyRule | None, n: int, days: int) -> _EmergencySetup:
    """Level (NaN where there are no emergency orders; shape (n,) or day-major (days, n)),
    lead time and quantity, shape (n,)."""
    if rule is None:
        return {"e_level": np.full(n, np.nan), "e_lead": np.ones(n), "e_quantity": np.zeros(n)}
    if not isinstance(rule, EmergencyRule):
        raise EngineInputError("emergency must be an EmergencyRule or None.")
    level = _path(rule.level, n, days, "Emergency level", allow_nan=True)
    lead = _days(rule.lead_time, n, "Emergency lead time", minimum=1.0)
    quantity = vector(rule.quantity, n, "Emergency quantity", minimum=0.0)
    level[..., quantity == 0] = np.nan
    return {"e_level": level, "e_lead": lead, "e_quantity": quantity}


# --- the simulation --------------------------------------------------------------------------


def _order_size(rules: _Rules, position: np.ndarray, t: int) -> np.ndarray:
    """Regular order quantity on day t at inventory position `position` (0 where no order is
    due), with the policy parameters in force that day."""
    s, q = _on_day(rules.reorder_point, t), _on_day(rules.order_quantity, t)
    with np.errstate(invalid="ignore"):
        lots = np.floor((s - position) / q) + 1.0  # NaN where the policy has S, not Q
    size = np.where(np.isnan(q), _on_day(rules.order_up_to, t) - position, lots * q)
    size = np.where(position <= s, size, 0.0)
    size = np.where(size > 0, np.maximum(size, rules.min_order), 0.0)
    multiple = rules.order_multiple
    with np.errstate(invalid="ignore", divide="ignore"):
        rounded = np.ceil(size / multiple) * multiple
    return np.where(multiple > 0, rounded, size)


class _Lots:
    """Stock on hand as lots: quantity and expiry day per slot, shape (n, K) each, in expiry
    order with the empty slots (quantity 0, expiry infinity) at the end; `count` = slots in
    use."""

    def __init__(self, start: np.ndarray, life: np.ndarray, slots: int, expiring: bool) -> None:
        n = start.size
        self.expiring = expiring
        self.rows = np.arange(n)
        self.columns = np.arange(slots)
        self.qty = np.zeros((n, slots))
        self.exp = np.full((n, slots), np.inf)
        self.qty[:, 0] = start
        self.exp[:, 0] = np.where(start > 0, life, np.inf)
        self.count = (start > 0).astype(np.int64)

    def write_off(self, t: int) -> np.ndarray:
        """Empty the lots expiring on or before day t; the units written off, shape (n,)."""
        if not self.expiring:
            return np.zeros(self.rows.size)
        gone = self.exp <= t
        expired: np.ndarray = np.where(gone, self.qty, 0.0).sum(axis=1)
        self.qty[gone] = 0.0
        self.exp[gone] = np.inf
        return expired

    def receive(self, t: int, arrived: np.ndarray, life: np.ndarray) -> np.ndarray:
        """Append today's receipts as one lot expiring on day t + life (merged into the newest
        lot, keeping its earlier expiry, where all slots hold stock). Returns where a merge
        changed an expiry (the newest lot could expire)."""
        slots = self.columns.size
        inexact = np.zeros(self.rows.size, dtype=bool)
        rows = np.flatnonzero(arrived > 0)
        if not rows.size:
            return inexact
        count = self.count[rows]
        position = np.minimum(count, slots - 1)
        full = count >= slots
        newest = self.exp[rows, position]
        inexact[rows] = full & np.isfinite(newest)
        if self.expiring:
            self.exp[rows, position] = np.minimum(newest, t + life[rows])
        self.qty[rows, position] += arrived[rows]
        self.count[rows] += ~full
        return inexact

    def issue(self, amount: np.ndarray, everything: np.ndarray, cumulative: np.ndarray) -> None:
        """Take `amount` FEFO (all of it where `everything`); `cumulative` is the running sum of
        the slots."""
        take = np.clip(amount[:, None] - (cumulative - self.qty), 0.0, self.qty)
        self.qty = np.where(everything[:, None], 0.0, self.qty - take)

    def drop_empty(self) -> None:
        """Move the lots left over the slots emptied at the front (only where the first slot
        is empty and a later one is not, as lots are emptied from the front)."""
        slots = self.columns.size
        stocked = self.qty > 0
        if slots == 1:
            self.count = stocked[:, 0].astype(np.int64)
            return
        emptied = np.flatnonzero(~stocked.any(axis=1) & (self.count > 0))
        self.exp[emptied] = np.inf
        self.count[emptied] = 0
        rows = np.flatnonzero(~stocked[:, 0] & (self.count > 0))
        if not rows.size:
            return
        front = np.argmax(stocked[rows], axis=1)
        index = self.columns + front[:, None]
        inside = index < slots
        index = np.minimum(index, slots - 1)
        self.qty[rows] = np.where(inside, np.take_along_axis(self.qty[rows], index, axis=1), 0.0)
        self.exp[rows] = np.where(inside, np.take_along_axis(self.exp[rows], index, axis=1), np.inf)
        self.count[rows] -= front


class _Pipeline:
    """Units on order by arrival day: a ring of `size` days, day-major, shape (size, n)."""

    def __init__(self, size: int, n: int) -> None:
        self.size = size
        self.rows = np.arange(n)
        self.ring = np.zeros((size, n))
        self.total = np.zeros(n)

    def arrive(self, t: int) -> np.ndarray:
        slot = t % self.size
        arrived: np.ndarray = self.ring[slot].copy()
        self.ring[slot] = 0.0
        self.total -= arrived
        return arrived

    def place(self, t: int, size: np.ndarray, lead: np.ndarray) -> None:
        """Order `size` (0 = no order) arriving `lead` days after day t (lead < ring size)."""
        ordering = size > 0
        self.ring[(t + lead[ordering]) % self.size, self.rows[ordering]] += size[ordering]
        self.total += size

    def due_within(self, t: int, days: np.ndarray, longest: int) -> np.ndarray:
        """Whether anything arrives on days t+1 .. t+days[i], shape (n,)."""
        due = np.zeros(self.rows.size, dtype=bool)
        for ahead in range(1, min(longest, self.size - 1) + 1):
            due |= (self.ring[(t + ahead) % self.size] > 0) & (days >= ahead)
        return due


@dataclass(frozen=True)
class _Setup:
    """Checked inputs of `simulate`, per SKU-site arrays of shape (n,)."""

    demand_by_day: np.ndarray  # (days, n)
    rules: _Rules
    lead: np.ndarray  # (days, n) whole days
    life: np.ndarray
    start: np.ndarray
    first_life: np.ndarray
    backorder: np.ndarray
    e_level: np.ndarray  # NaN: no emergency orders; (n,) or day-major (days, n)
    e_lead: np.ndarray
    e_quantity: np.ndarray
    warm_up: int
    slots: int


class _Tally:
    """Running totals per SKU-site over the measured days, and the open replenishment cycle."""

    def __init__(self, n: int, start: np.ndarray) -> None:
        self.demand_units = np.zeros(n)
        self.served_units = np.zeros(n)
        self.short_units = np.zeros(n)
        self.lost_units = np.zeros(n)
        self.backordered_units = np.zeros(n)
        self.issued_units = np.zeros(n)
        self.expired_units = np.zeros(n)
        self.on_hand_days = np.zeros(n)
        self.ordered_units = np.zeros(n)
        self.received_units = np.zeros(n)
        self.stockout_days = np.zeros(n, dtype=np.int64)
        self.orders = np.zeros(n, dtype=np.int64)
        self.emergency_orders = np.zeros(n, dtype=np.int64)
        self.lot_merges = np.zeros(n, dtype=np.int64)
        self.cycles = np.zeros(n, dtype=np.int64)
        self.cycles_without_stockout = np.zeros(n, dtype=np.int64)
        self.start_on_hand = start.copy()
        self.cycle_open = np.zeros(n, dtype=bool)
        self.cycle_measured = np.zeros(n, dtype=bool)
        self.cycle_short = np.zeros(n, dtype=bool)

    def add(self, **amounts: np.ndarray) -> None:
        for name, amount in amounts.items():
            total = getattr(self, name)
            total += amount

    def regular_receipt(self, received: np.ndarray, measured: bool) -> None:
        """A regular receipt closes the SKU-site's replenishment cycle and opens the next."""
        closing = received & self.cycle_open & self.cycle_measured
        self.cycles += closing
        self.cycles_without_stockout += closing & ~self.cycle_short
        self.cycle_open |= received
        self.cycle_measured = np.where(received, measured, self.cycle_measured)
        self.cycle_short &= ~received


def _serve(
    on_hand: np.ndarray, backlog: np.ndarray, today: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Units issued to backorders and to today's demand, and where all stock goes."""
    everything = backlog + today >= on_hand
    for_backlog = np.minimum(backlog, on_hand)
    for_today = np.where(everything, np.minimum(today, on_hand - for_backlog), today)
    return for_backlog, for_today, everything


def simulate(
    demand: np.ndarray,
    policy: Policy,
    lead_time: LeadTime,
    *,
    unit_cost: np.ndarray | float,
    holding_rate: np.ndarray | float,
    seed: int,
    shelf_life: np.ndarray | float = np.inf,
    initial_on_hand: np.ndarray | float | None = None,
    initial_life: np.ndarray | float | None = None,
    backorders: np.ndarray | bool = True,
    emergency: EmergencyRule | None = None,
    warm_up: int = 0,
    lot_slots: int = DEFAULT_LOT_SLOTS,
    trace: bool = False,
) -> SimulationResult:
    """Simulate `policy` on `demand` (n, days) for every SKU-site at once.

    `shelf_life`: days of life left at receipt (whole days >= 1; infinity or 0: never
    expires). `initial_on_hand`: one lot on hand at the start of day 0 (default: the top of
    the policy in force on day 0, S or s + Q, at least 0) with `initial_life` days left
    (default: the shelf life; at most the shelf life). `backorders`: True to backorder unmet
    demand, False for lost sales (per SKU-site or one for all). `warm_up`: the first days are
    simulated but not measured. `trace`: also return the day-by-day `SimulationTrace`. The
    policy's s, Q and S and the emergency level may change from day to day (shape (n, days)).
    See the module docstring for the day's steps and the measures."""
    y = _demand(demand)
    n, days = y.shape
    rules = _policy(policy, n, days)
    setup = _Setup(
        demand_by_day=np.ascontiguousarray(y.T),
        rules=rules,
        lead=_lead_times(lead_time, n, days, _generator(seed)),
        **_stock(rules, n, shelf_life, initial_on_hand, initial_life),
        backorder=_flags(backorders, n),
        **_emergency(emergency, n, days),
        **_run_length(warm_up, lot_slots, days),
    )
    cost = vector(unit_cost, n, "Unit cost", minimum=0.0)
    rate = vector(holding_rate, n, "Holding rate", minimum=0.0)
    tally, ending, paths = _run(setup, trace=trace)
    return _result(
        tally, ending=ending, paths=paths, cost=cost, rate=rate, days=days - setup.warm_up
    )


def _generator(seed: object) -> np.random.Generator:
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        raise EngineInputError(f"seed must be a whole number, not {seed!r}.")
    return np.random.default_rng(int(seed))


def _flags(backorders: object, n: int) -> np.ndarray:
    try:
        return np.broadcast_to(np.asarray(backorders, dtype=bool), (n,)).copy()
    except (TypeError, ValueError) as error:
        raise EngineInputError(
            "backorders must be True, False or one flag per SKU-site."
        ) from error


class _RunLength(TypedDict):
    """The run-length fields of `_Setup`."""

    warm_up: int
    slots: int


def _run_length(warm_up: object, lot_slots: object, days: int) -> _RunLength:
    start = _whole(warm_up, "warm_up", 0)
    if start >= days:
        raise EngineInputError(f"warm_up ({start}) must be shorter than the {days} days.")
    return {"warm_up": start, "slots": _whole(lot_slots, "lot_slots", 1)}


class _StockSetup(TypedDict):
    """The shelf-life and opening-stock fields of `_Setup`."""

    life: np.ndarray
    start: np.ndarray
    first_life: np.ndarray


def _stock(
    rules: _Rules,
    n: int,
    shelf_life: object,
    initial_on_hand: object,
    initial_life: object,
) -> _StockSetup:
    life = _days(shelf_life, n, "Shelf life", minimum=0.0, allow_inf=True)
    life[life == 0] = np.inf
    if initial_on_hand is None:
        quantity = _on_day(rules.order_quantity, 0)
        top = np.where(
            np.isnan(quantity),
            _on_day(rules.order_up_to, 0),
            _on_day(rules.reorder_point, 0) + quantity,
        )
        start = np.maximum(top, 0.0)
    else:
        start = vector(initial_on_hand, n, "Initial on hand", minimum=0.0)
    if initial_life is None:
        first_life = life.copy()
    else:
        first_life = _days(initial_life, n, "Initial remaining life", minimum=1.0, allow_inf=True)
        longer = first_life > life
        if longer.any():
            raise EngineInputError(
                f"The initial lot's remaining life must be at most the shelf life, and is not "
                f"{where(longer, first_life)}."
            )
    return {"life": life, "start": start, "first_life": first_life}


def _run(
    setup: _Setup, *, trace: bool
) -> tuple[_Tally, dict[str, np.ndarray], dict[str, np.ndarray] | None]:
    """The day loop (see the module docstring): totals, ending state, day-by-day paths."""
    days, n = setup.demand_by_day.shape
    rules = setup.rules
    expiring = bool(np.isfinite(setup.life).any() or np.isfinite(setup.first_life).any())
    lots = _Lots(setup.start, setup.first_life, setup.slots if expiring else 1, expiring)
    pipeline = _Pipeline(int(setup.lead.max()) + 1, n)
    urgent = ~np.isnan(setup.e_level)  # (n,) or (days, n)
    e_lead = setup.e_lead.astype(np.int64)
    e_longest = int(e_lead[urgent.any(axis=0) if urgent.ndim == 2 else urgent].max(initial=0))
    e_pipeline = _Pipeline(e_longest + 1, n)
    review_period = rules.review_period.astype(np.int64)
    review_offset = rules.review_offset.astype(np.int64)
    backlog = np.zeros(n)
    tally = _Tally(n, setup.start)
    paths = (
        {field.name: np.zeros((days, n)) for field in fields(SimulationTrace)} if trace else None
    )

    for t in range(days):
        measured = t >= setup.warm_up
        if t == setup.warm_up:
            tally.start_on_hand = lots.qty.sum(axis=1)

        # 1-2. write-off, receipt
        expired = lots.write_off(t)
        regular = pipeline.arrive(t)
        arrived = regular + e_pipeline.arrive(t) if e_longest else regular
        inexact = lots.receive(t, arrived, setup.life)
        tally.regular_receipt(regular > 0, measured)
        cumulative = np.cumsum(lots.qty, axis=1)
        on_hand = cumulative[:, -1]

        # 3. emergency order: at or below the level, nothing due within its lead time
        e_size = np.zeros(n)
        if e_longest:
            due = (e_pipeline.total > 0) | pipeline.due_within(t, e_lead, e_longest)
            low = on_hand - backlog <= _on_day(setup.e_level, t)
            calling = _on_day(urgent, t) & ~due & low
            e_size = np.where(calling, setup.e_quantity, 0.0)
            e_pipeline.place(t, e_size, e_lead)

        # 4. review on the inventory position
        reviewing = (t - review_offset) % review_period == 0
        position = on_hand + pipeline.total + e_pipeline.total - backlog
        size = np.where(reviewing, _order_size(rules, position, t), 0.0)
        pipeline.place(t, size, setup.lead[t])

        # 5. demand, FEFO: backorders first, then the day's demand (where all stock goes,
        # every lot is emptied exactly rather than up to rounding)
        today = setup.demand_by_day[t]
        for_backlog, for_today, out = _serve(on_hand, backlog, today)
        short = today - for_today
        issue = for_backlog + for_today
        lots.issue(issue, out, cumulative)
        lots.drop_empty()
        backlog = np.where(setup.backorder, backlog - for_backlog + short, 0.0)
        evening = np.where(out, 0.0, on_hand - issue)
        tally.cycle_short |= short > 0

        if measured:
            tally.add(
                demand_units=today,
                served_units=for_today,
                short_units=short,
                lost_units=np.where(setup.backorder, 0.0, short),
                backordered_units=np.where(setup.backorder, short, 0.0),
                issued_units=issue,
                expired_units=expired,
                on_hand_days=(on_hand + evening) / 2.0,
                ordered_units=size + e_size,
                received_units=arrived,
                stockout_days=short > 0,
                orders=size > 0,
                emergency_orders=e_size > 0,
                lot_merges=inexact,
            )
        if paths is not None:
            for name, value in (
                ("on_hand", evening),
                ("received", arrived),
                ("ordered", size + e_size),
                ("expired", expired),
                ("short", short),
                ("backorders", backlog),
            ):
                paths[name][t] = value

    ending = {
        "on_hand": lots.qty.sum(axis=1),
        "on_order": pipeline.total + e_pipeline.total,
        "backorders": backlog,
    }
    return tally, ending, paths


def _result(
    tally: _Tally,
    *,
    ending: dict[str, np.ndarray],
    paths: dict[str, np.ndarray] | None,
    cost: np.ndarray,
    rate: np.ndarray,
    days: int,
) -> SimulationResult:
    """The measures of the module docstring from the running totals."""
    demanded, served = tally.demand_units, tally.served_units
    cycles, cycles_ok = tally.cycles, tally.cycles_without_stockout
    stockouts = tally.stockout_days
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.where(demanded > 0, served / demanded, np.nan)
        service = np.where(cycles > 0, cycles_ok / cycles, np.nan)
        average = tally.on_hand_days / days
        value = average * cost
        cogs = tally.issued_units * cost * DAYS_PER_YEAR / days
        turnover = np.where(value > 0, cogs / value, np.nan)
    carrying = value * rate
    expired_value = tally.expired_units * cost
    n = demanded.size
    total = SimulationSummary(
        sku_sites=n,
        days=days,
        demand_units=float(demanded.sum()),
        served_units=float(served.sum()),
        short_units=float(tally.short_units.sum()),
        lost_units=float(tally.lost_units.sum()),
        backordered_units=float(tally.backordered_units.sum()),
        fill_rate=_ratio(served.sum(), demanded.sum()),
        cycles=int(cycles.sum()),
        cycle_service_level=_ratio(cycles_ok.sum(), cycles.sum()),
        stockout_days=int(stockouts.sum()),
        stockout_rate=float(stockouts.sum()) / (n * days),
        average_inventory_value=float(value.sum()),
        cost_of_goods_issued_per_year=float(cogs.sum()),
        turnover=_ratio(cogs.sum(), value.sum()),
        carrying_cost_per_year=float(carrying.sum()),
        expired_units=float(tally.expired_units.sum()),
        expired_value=float(expired_value.sum()),
        orders=int(tally.orders.sum()),
        emergency_orders=int(tally.emergency_orders.sum()),
        lot_merges=int(tally.lot_merges.sum()),
    )
    return SimulationResult(
        days=days,
        demand_units=demanded,
        served_units=served,
        short_units=tally.short_units,
        lost_units=tally.lost_units,
        backordered_units=tally.backordered_units,
        fill_rate=fill,
        cycles=cycles,
        cycles_without_stockout=cycles_ok,
        cycle_service_level=service,
        stockout_days=stockouts,
        stockout_rate=stockouts / days,
        average_on_hand=average,
        average_inventory_value=value,
        issued_units=tally.issued_units,
        cost_of_goods_issued_per_year=cogs,
        turnover=turnover,
        carrying_cost_per_year=carrying,
        expired_units=tally.expired_units,
        expired_value=expired_value,
        orders=tally.orders,
        emergency_orders=tally.emergency_orders,
        ordered_units=tally.ordered_units,
        received_units=tally.received_units,
        start_on_hand=tally.start_on_hand,
        ending_on_hand=ending["on_hand"],
        ending_on_order=ending["on_order"],
        ending_backorders=ending["backorders"],
        lot_merges=tally.lot_merges,
        total=total,
        trace=None
        if paths is None
        else SimulationTrace(**{k: v.T.copy() for k, v in paths.items()}),
    )


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator > 0 else float("nan")


# --- demand paths ----------------------------------------------------------------------------


def bootstrap_demand(
    history: np.ndarray,
    days: int,
    *,
    seed: int,
    weeks: int | None = None,
    common_weeks: bool = False,
) -> np.ndarray:
    """Demand paths of `days` days following `history` (n, h), by resampling whole weeks.

    The history's last whole weeks are the blocks: block j covers days h-7(j+1) .. h-7j-1, so
    every block starts on the weekday of day h, the first simulated day, and the weekday
    pattern is kept. Each simulated week is one block drawn uniformly with replacement from the
    last `weeks` blocks (default: all h // 7 of them), independently per SKU-site, or the same
    blocks for all SKU-sites with `common_weeks` (keeping weeks when demand rose everywhere
    together). The last week is cut to fit `days`. Returns float64 (n, days)."""
    y = _demand(history)
    days = _whole(days, "days", 1)
    n, h = y.shape
    available = h // 7
    if available < 1:
        raise EngineInputError(f"The history needs at least one whole week (7 days), not {h}.")
    if weeks is None:
        blocks = available
    else:
        blocks = _whole(weeks, "weeks", 1)
        if blocks > available:
            raise EngineInputError(
                f"weeks ({blocks}) is more than the {available} whole weeks of history."
            )
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        raise EngineInputError(f"seed must be a whole number, not {seed!r}.")
    rng = np.random.default_rng(int(seed))
    drawn = -(-days // 7)
    if common_weeks:
        choice = np.broadcast_to(rng.integers(0, blocks, size=drawn), (n, drawn))
    else:
        choice = rng.integers(0, blocks, size=(n, drawn))
    first_day = h - 7 * (choice + 1)
    index = (first_day[:, :, None] + np.arange(7)).reshape(n, drawn * 7)[:, :days]
    return np.take_along_axis(y, index, axis=1)
