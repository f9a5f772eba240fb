"""Stock deployment: move surplus and soon-expiring stock between sites before buying new.

A linear program over the possible transfers of one SKU or of many SKUs at once (sparse
records, solved together). Run it before ordering: what it covers is not bought, and the
shortfall left (`remaining_need`) is what the order suggestions are for.

Units: quantities in whole units, days for shelf lives and transit times, money in the SKUs'
currency, demand in units per day.

Sets
    O       surplus records ("offers"): usable stock of SKU k at site u that the site does
            not need over the planning horizon; stock that will expire there before it is
            used is its own record, flagged `expiring` (split a SKU-site that has both);
    G       shortfall records ("needs"): units SKU k lacks at site v over the horizon;
    A       candidate transfers a = (o, g): the same SKU, different sites, a usable route,
            stock that arrives with enough shelf life, and a positive net value (below).

Parameters
    q_o     units on offer (rounded down to whole units); R_o remaining shelf life now, days
            (infinity: not perishable); w_o value per unit written off if it expires, money,
            counted only for `expiring` records;
    n_g     units short (rounded down); d_g daily demand, units per day; U_g the minimum
            remaining shelf life the site accepts, days; p_g the purchase price per unit the
            site would otherwise pay, money;
    t_a     transfer cost per unit from u to v, money (a matrix or a function of the SKU and
            the two sites, e.g. of the distance and the temperature zone; infinity: no route);
    tau_a   transit days from u to v (default 0); A_a = R_o - tau_a, the life left on arrival.

A transfer is possible only if A_a >= U_g (the destination accepts it). Stock with a finite
life must also be used before it falls below U_g: at d_g units a day the destination uses at
most d_g (A_a - U_g) units in that window, and with FEFO the shortest-dated units go first, so
for every arrival life L the units arriving with A_a <= L are bounded by floor(d_g (L - U_g)).

Variables
    x_a >= 0    units moved on transfer a (continuous; see below).

Objective (money, minimised)
    sum_a (t_a - p_g - w_o [o expiring]) x_a
    = transfer cost - purchases avoided - expiry avoided; the value saved is its negative.
    Transfers whose coefficient is >= 0 can never save money and are not generated.

Constraints
    sum_{a from o} x_a <= q_o                       never more than is on offer;
    sum_{a into g} x_a <= n_g                       never more than is needed;
    sum_{a into g, A_a <= L} x_a <= floor(d_g (L - U_g))   for each arrival life L (FEFO);
    x_a <= the smallest of these that holds it alone (an upper bound).

Continuous or integer. The quantities are continuous, yet the optimum is in whole units: the
constraint rows come from two laminar families of sets of transfers (the offers partition
them; per need, the FEFO prefixes and the need itself form a chain), so the matrix is totally
unimodular (a network matrix), and with whole right-hand sides and bounds every vertex of the
feasible set is integral. The simplex (HiGHS and CBC/CLP both end at a vertex) therefore
returns whole units, and a linear program of tens of thousands of transfers solves in well
under a second, where a mixed-integer one would add branching for nothing. The quantities are
rounded down after solving against round-off, which keeps every constraint satisfied.

Simplifications: transfers are priced per unit (no fixed cost per shipment); one hop only;
the destination's own stock is taken to outlast the transferred units (FEFO uses the incoming
short-dated units first); the purchase price avoided is the full price p_g (a caller who
values moving stock that would not expire at less, e.g. only the carrying cost of the
purchase brought forward, passes that value as p_g on a separate need record).
"""

from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter

import numpy as np
import pulp

from optimization.engine.ordering import (
    SolverError,
    add_constraint,
    check_limits,
    checked_array,
    checked_flags,
    resolve_solver,
    solve,
    sums_by,
)
from optimization.engine.types import EngineInputError, where

ArrayLike = np.ndarray | float
TransferCost = np.ndarray | Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]

# Solver values within this distance above a whole number round to it.
_ROUNDING = 1e-6


@dataclass(frozen=True)
class StockOffers:
    """Surplus stock that may move; arrays of shape (o,) (n comes from `sku`), one record per
    SKU-site (or per group of lots with one remaining life).

    - sku: SKU id (whole numbers); site: site index (whole, 0-based);
    - quantity: units above the site's own need over the horizon (usable: released, not
      quarantined);
    - remaining_life_days: shelf life left now, days (infinity: not perishable);
    - expiring: bool, these units will expire at `site` before it uses them;
    - unit_value: money per unit lost if they expire (the write-off avoided by moving them).
    """

    sku: np.ndarray
    site: np.ndarray
    quantity: ArrayLike
    remaining_life_days: ArrayLike = np.inf
    expiring: np.ndarray | bool = False
    unit_value: ArrayLike = 0.0


@dataclass(frozen=True)
class StockNeeds:
    """Shortfalls; arrays of shape (g,) (g comes from `sku`).

    - sku, site: as in StockOffers;
    - quantity: units short over the horizon (what the site would otherwise buy);
    - daily_demand: units per day used at the site (bounds what a short-dated lot can cover);
    - min_remaining_life_days: the least shelf life the site accepts, days;
    - unit_cost: money per unit the site would pay to buy it (the purchase avoided).
    """

    sku: np.ndarray
    site: np.ndarray
    quantity: ArrayLike
    daily_demand: ArrayLike
    unit_cost: ArrayLike
    min_remaining_life_days: ArrayLike = 0.0


@dataclass(frozen=True)
class Transfer:
    """Move `quantity` units of `sku` from site `source` to site `destination`.

    `offer` and `need` index the input records; `unit_cost` is the transfer cost per unit and
    `saving` the money saved by this transfer (purchase and expiry avoided less its cost)."""

    sku: int
    source: int
    destination: int
    quantity: float
    offer: int
    need: int
    unit_cost: float
    saving: float


@dataclass(frozen=True)
class DeploymentPlan:
    """The transfers chosen and what they save.

    `transfers`: sorted by SKU, source, destination. `shipped` (shape (o,)): units sent from
    each offer; `received` (shape (g,)): units each need gets; `remaining_need`: units still
    to buy. Money: `transfer_cost`, `purchases_avoided`, `expiry_avoided`, and
    `value_saved` = purchases_avoided + expiry_avoided - transfer_cost. `arcs`: candidate
    transfers in the program. The solve: `status`, `solver`, `build_seconds`, `solve_seconds`.
    """

    transfers: tuple[Transfer, ...]
    shipped: np.ndarray
    received: np.ndarray
    remaining_need: np.ndarray
    transfer_cost: float
    purchases_avoided: float
    expiry_avoided: float
    value_saved: float
    arcs: int
    status: str
    solver: str
    build_seconds: float
    solve_seconds: float


@dataclass(frozen=True)
class _Arcs:
    offer: np.ndarray
    need: np.ndarray
    cost: np.ndarray  # transfer money per unit
    value: np.ndarray  # money saved per unit moved, > 0
    arrival_life: np.ndarray  # days (infinity: not perishable)
    upper: np.ndarray  # units


def _ids(value: object, name: str, noun: str) -> np.ndarray:
    array = np.asarray(value)
    if array.ndim != 1:
        raise EngineInputError(f"{name} must be one value per {noun} (shape (n,)).")
    return checked_array(array, array.size, name, noun, whole=True).astype(np.int64)


def _offers(offers: StockOffers) -> dict[str, np.ndarray]:
    sku = _ids(offers.sku, "offer sku", "offer")
    n = sku.size
    return {
        "sku": sku,
        "site": checked_array(offers.site, n, "offer site", "offer", whole=True).astype(np.int64),
        "quantity": np.floor(checked_array(offers.quantity, n, "offer quantity", "offer")),
        "life": checked_array(
            offers.remaining_life_days, n, "remaining_life_days", "offer", allow_inf=True
        ),
        "expiring": checked_flags(offers.expiring, n, "expiring", "offer"),
        "value": checked_array(offers.unit_value, n, "unit_value", "offer"),
    }


def _needs(needs: StockNeeds) -> dict[str, np.ndarray]:
    sku = _ids(needs.sku, "need sku", "need")
    n = sku.size
    shortfall = checked_array(needs.quantity, n, "need quantity", "need")
    return {
        "sku": sku,
        "site": checked_array(needs.site, n, "need site", "need", whole=True).astype(np.int64),
        "shortfall": shortfall,
        "quantity": np.floor(shortfall),
        "demand": checked_array(needs.daily_demand, n, "daily_demand", "need"),
        "min_life": checked_array(
            needs.min_remaining_life_days, n, "min_remaining_life_days", "need"
        ),
        "cost": checked_array(needs.unit_cost, n, "unit_cost", "need"),
    }


def _site_matrix(value: object, sites: int, name: str) -> np.ndarray:
    try:
        matrix = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise EngineInputError(f"{name} must be numbers.") from error
    if matrix.ndim == 0:
        matrix = np.full((sites, sites), float(matrix))
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] < sites:
        raise EngineInputError(
            f"{name} must be a square matrix over the sites, at least {sites} x {sites}, "
            f"not of shape {matrix.shape}."
        )
    if np.isnan(matrix).any():
        raise EngineInputError(f"{name} is missing (NaN) {where(np.isnan(matrix), noun='row')}.")
    if (matrix < 0).any():
        raise EngineInputError(
            f"{name} must be >= 0, and is not {where(matrix < 0, matrix, 'row')}."
        )
    return matrix


def _pairs(offer_sku: np.ndarray, need_sku: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (offer, need) of the same SKU, in linear time in the number of pairs."""
    order = np.argsort(need_sku, kind="stable")
    sorted_sku = need_sku[order]
    low = np.searchsorted(sorted_sku, offer_sku, side="left")
    count = np.searchsorted(sorted_sku, offer_sku, side="right") - low
    offer = np.repeat(np.arange(offer_sku.size), count)
    first = np.repeat(np.cumsum(count) - count, count)
    need = order[np.repeat(low, count) + np.arange(offer.size) - first]
    return offer, need


def _arcs(
    o: dict[str, np.ndarray],
    g: dict[str, np.ndarray],
    transfer_cost: TransferCost,
    transit_days: object,
) -> _Arcs:
    sites = int(max(o["site"].max(initial=-1), g["site"].max(initial=-1))) + 1
    offer, need = _pairs(o["sku"], g["sku"])
    source, destination = o["site"][offer], g["site"][need]
    keep = (source != destination) & (o["quantity"][offer] > 0) & (g["quantity"][need] > 0)
    offer, need, source, destination = offer[keep], need[keep], source[keep], destination[keep]

    if callable(transfer_cost):
        cost = np.asarray(transfer_cost(o["sku"][offer], source, destination), dtype=np.float64)
        if cost.shape != offer.shape:
            raise EngineInputError(
                f"transfer_cost returned shape {cost.shape} for {offer.size} transfers; it must "
                "return one cost per (sku, source, destination) it is given."
            )
        if np.isnan(cost).any() or (cost < 0).any():
            bad = np.isnan(cost) | (cost < 0)
            raise EngineInputError(
                f"transfer_cost must be >= 0 (infinity: no route), and is not "
                f"{where(bad, cost, 'transfer')}."
            )
    else:
        cost = _site_matrix(transfer_cost, sites, "transfer_cost")[source, destination]
    transit = _site_matrix(transit_days, sites, "transit_days")[source, destination]

    # Life left on arrival and the days the destination can use the stock (infinity: not
    # perishable; NaN where an infinite transit meets an infinite life: no route either).
    with np.errstate(invalid="ignore"):
        arrival = o["life"][offer] - transit
    spare = arrival - g["min_life"][need]
    window = np.full(spare.shape, np.inf)
    finite = np.isfinite(spare)
    window[finite] = np.floor(g["demand"][need][finite] * spare[finite] + 1e-9)
    value = g["cost"][need] + o["value"][offer] * o["expiring"][offer] - cost
    upper = np.minimum(np.minimum(o["quantity"][offer], g["quantity"][need]), window)
    usable = np.isfinite(cost) & (spare >= 0) & (upper >= 1) & (value > 0)
    return _Arcs(
        offer=offer[usable],
        need=need[usable],
        cost=cost[usable],
        value=value[usable],
        arrival_life=arrival[usable],
        upper=upper[usable],
    )


def _groups(keys: np.ndarray, secondary: np.ndarray | None = None) -> list[np.ndarray]:
    """Indices of equal `keys`, each group ordered by `secondary` (then by index)."""
    if keys.size == 0:
        return []
    order = np.lexsort((keys,) if secondary is None else (secondary, keys))
    bounds = np.flatnonzero(np.diff(keys[order])) + 1
    return np.split(order, bounds)


def _build(
    arcs: _Arcs, o: dict[str, np.ndarray], g: dict[str, np.ndarray]
) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    problem = pulp.LpProblem("stock_deployment", pulp.LpMinimize)
    x = [problem.add_variable(f"x{a}", 0, float(arcs.upper[a])) for a in range(arcs.upper.size)]
    problem.setObjective(pulp.LpAffineExpression(zip(x, (-arcs.value).tolist(), strict=True)))
    le = pulp.LpConstraintLE
    for members in _groups(arcs.offer):
        offer = int(arcs.offer[members[0]])
        if members.size > 1 and arcs.upper[members].sum() > o["quantity"][offer]:
            terms = [(x[a], 1.0) for a in members]
            add_constraint(problem, terms, le, o["quantity"][offer], f"offer_{offer}")
    for members in _groups(arcs.need, arcs.arrival_life):
        need = int(arcs.need[members[0]])
        if members.size > 1 and arcs.upper[members].sum() > g["quantity"][need]:
            add_constraint(
                problem, [(x[a], 1.0) for a in members], le, g["quantity"][need], f"need_{need}"
            )
        # FEFO: units arriving with at most L days of life, for each L, in ascending order.
        life = arcs.arrival_life[members]
        spare = life - g["min_life"][need]
        for j in range(1, members.size):
            last_of_value = j == members.size - 1 or life[j + 1] > life[j]
            if not (np.isfinite(life[j]) and last_of_value):
                continue
            window = np.floor(g["demand"][need] * spare[j] + 1e-9)
            prefix = members[: j + 1]
            if window < min(arcs.upper[prefix].sum(), g["quantity"][need]):
                terms = [(x[a], 1.0) for a in prefix]
                add_constraint(problem, terms, le, window, f"fefo_{need}_{j}")
    return problem, x


def plan_transfers(
    offers: StockOffers,
    needs: StockNeeds,
    transfer_cost: TransferCost,
    *,
    transit_days: np.ndarray | float = 0.0,
    time_limit: float | None = 60.0,
    solver: str = "auto",
) -> DeploymentPlan:
    """The transfers that save the most (the program in the module docstring).

    `transfer_cost`: money per unit, a (sites x sites) matrix, or a function
    `cost(sku, source, destination)` of arrays of candidate transfers returning an array of
    costs (infinity: no route); `transit_days`: a (sites x sites) matrix or one number of
    days. `time_limit` and `solver` as in `ordering.solve`. Raises EngineInputError for
    unusable input and SolverError when the solver stops without a plan."""
    check_limits(time_limit, 0.0)
    o, g = _offers(offers), _needs(needs)
    solver_name = resolve_solver(solver)
    start = perf_counter()
    arcs = _arcs(o, g, transfer_cost, transit_days)
    problem, x = _build(arcs, o, g)
    build_seconds = perf_counter() - start

    if arcs.upper.size:
        report = solve(problem, solver=solver_name, time_limit=time_limit, relative_gap=0.0)
        if not report.has_solution:
            raise SolverError(
                f"The {report.solver} solver found no deployment plan within {time_limit} s "
                f"({report.detail or report.status}): raise the time limit."
            )
        status, solve_seconds = report.status, report.seconds
        moved = np.floor(np.array([v.varValue or 0.0 for v in x]) + _ROUNDING).clip(min=0.0)
    else:
        status, solve_seconds, moved = "optimal", 0.0, np.zeros(0)

    shipped = sums_by(arcs.offer, moved, minlength=o["sku"].size)
    received = sums_by(arcs.need, moved, minlength=g["sku"].size)
    expiring_value = o["value"][arcs.offer] * o["expiring"][arcs.offer]
    chosen = np.flatnonzero(moved > 0)
    chosen = chosen[
        np.lexsort(
            (
                g["site"][arcs.need[chosen]],
                o["site"][arcs.offer[chosen]],
                o["sku"][arcs.offer[chosen]],
            )
        )
    ]
    transfers = tuple(
        Transfer(
            sku=int(o["sku"][arcs.offer[a]]),
            source=int(o["site"][arcs.offer[a]]),
            destination=int(g["site"][arcs.need[a]]),
            quantity=float(moved[a]),
            offer=int(arcs.offer[a]),
            need=int(arcs.need[a]),
            unit_cost=float(arcs.cost[a]),
            saving=float(arcs.value[a] * moved[a]),
        )
        for a in chosen
    )
    shipping = float((arcs.cost * moved).sum())
    purchases = float((g["cost"][arcs.need] * moved).sum())
    expiry = float((expiring_value * moved).sum())
    return DeploymentPlan(
        transfers=transfers,
        shipped=shipped,
        received=received,
        remaining_need=g["shortfall"] - received,
        transfer_cost=shipping,
        purchases_avoided=purchases,
        expiry_avoided=expiry,
        value_saved=purchases + expiry - shipping,
        arcs=int(arcs.upper.size),
        status=status,
        solver=solver_name,
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
    )
