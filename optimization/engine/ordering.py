"""Supplier orders from per-SKU-site suggestions: a mixed-integer program (PuLP) that respects
each supplier's minimum order value and truck capacity and a period budget, at the least
ordering, transport, holding and stock-out-risk cost.

Input. One suggested order line per SKU-site (from the policies: quantity already rounded to
the MOQ and the order multiple), each bought from one supplier. The program decides which
lines to order now and which to defer to the next period, whether to top lines up by whole
order multiples so that a supplier reaches its minimum order value, and how many trucks each
supplier ships.

Units: quantities in units, money in the SKU's currency (one currency per plan), pallets as
pallet places, one period = the planning period the budget and the holding cost refer to.

Sets
    I           order lines (SKU-sites), i = 0..n-1; M (subset of I) the mandatory ones;
    S           suppliers, s = 0..m-1; I_s the lines bought from supplier s.

Parameters (per line i)
    q_i         suggested quantity, units (> 0);
    m_i         order multiple, units (> 0): top-ups come in whole multiples;
    K_i         most extra multiples a top-up may add (whole, >= 0; 0 = never topped up; keep
                it 0 where more stock would exceed the shelf-life cap);
    c_i         unit cost, money per unit (>= 0): the value an order line adds to the
                supplier's order and to the spend;
    h_i         holding cost, money per unit per period, charged on every unit ordered now
                (the suggested quantity and any top-up);
    p_i         pallets per unit (>= 0);
    r_i         stock-out risk cost if the line is deferred, money (>= 0), e.g. expected
                shortage units in the period x penalty per unit short; the caller supplies it.
Parameters (per supplier s)
    F_s         fixed ordering cost, money per order placed with s this period;
    V_s         minimum order value, money (0 = none);
    C_s         truck capacity, pallets per truck (> 0; infinity = no truck constraint);
    T_s         cost per truck, money;
    N_s         most trucks per period (whole, or infinity).
    B           period budget, money (optional): the most the period's orders may be worth.

Variables
    x_i in {0, 1}           1 = order line i now, 0 = defer it;
    e_i in {0, .., K_i}     extra order multiples added to line i (only for suppliers whose
                            minimum order value is above the value of their mandatory lines:
                            elsewhere a top-up can only add cost);
    y_s in {0, 1}           1 = an order is placed with supplier s;
    k_s in {0, .., N_s}     trucks from supplier s (only where C_s is finite).
    Quantity ordered Q_i = q_i x_i + m_i e_i (units).

Constraints
    x_i <= y_s                              (i in I_s)  lines only with a used supplier;
    e_i <= K_i x_i                          top-ups only on ordered lines;
    sum_{i in I_s} c_i Q_i >= V_s y_s       minimum order value if the supplier is used;
    sum_{i in I_s} p_i Q_i <= C_s k_s       pallets fit on the trucks;
    sum_i c_i Q_i <= B                      the budget;
    x_i = 1                     (i in M)    mandatory (urgent) lines are ordered.

Objective (money, minimised)
    sum_s F_s y_s + sum_s T_s k_s + sum_i h_i Q_i + sum_{i not in M} r_i (1 - x_i)
    = ordering + transport + holding + stock-out risk of the deferred lines.

The purchase value c_i Q_i is not a cost here: deferred lines are bought next period and top-up
units replace later purchases, so what ordering now costs beyond them is holding. The constant
sum r_i enters the model as the objective coefficient of one variable fixed at 1, so both
solvers report (and measure the relative gap on) the whole objective.

Infeasible input is refused before solving with a message naming the reason: the budget below
the mandatory lines' value, or below the least spend they force once their suppliers' minimum
order values are met; a supplier whose mandatory lines cannot reach its minimum order value
even with every line and every top-up; mandatory pallets beyond a supplier's truck limit. A
combination no single check explains is reported after solving (`InfeasibleOrderError`).

Building. The model is built from lists of (variable, coefficient) pairs in one pass over the
lines (linear work; about half a second for 10,000 lines); a minimum order value binds, and
top-up variables exist, only where it exceeds the value of the supplier's mandatory lines; the
rows of money and pallets are scaled so their coefficients straddle 1.

Solvers. `solve`, shared with the deployment model, runs HiGHS (highspy) when it is installed,
else the CBC binary that ships inside the PuLP wheel. Both stop at the time limit or when the
relative gap (objective - best bound) / |objective| is at most `relative_gap`, and the plan
reports the gap reached. HiGHS is the default because it was the more dependable on the bench
(8 suppliers x 10,000 lines, four seeds, 0.1 % gap): it reached the gap on every instance in
14-36 s, where CBC took 4-40 s on three and stopped at the 60 s limit at 0.12 % on the fourth.
highspy is pinned at 1.13, the line PuLP 3.3 supports: HiGHS 1.16 ran past the time limit on
one instance (over three minutes at the root). HiGHS answers are repeatable; CBC's are with
one thread (the default), more threads make it faster but not repeatable. With a time limit
the answer can depend on the machine's speed. CBC runs as a subprocess on temporary files,
the only I/O here.
"""

import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

import numpy as np
import pulp

from optimization.engine.types import EngineInputError, count, where

ArrayLike = np.ndarray | float

SOLVERS = ("auto", "highs", "cbc")

_STATUS = {
    pulp.LpSolutionOptimal: "optimal",
    pulp.LpSolutionIntegerFeasible: "feasible",
    pulp.LpSolutionInfeasible: "infeasible",
    pulp.LpSolutionUnbounded: "unbounded",
    pulp.LpSolutionNoSolutionFound: "no_solution",
}


class InfeasibleOrderError(EngineInputError):
    """The constraints cannot all be met (budget, minimum order values, trucks, mandatory)."""


class SolverError(RuntimeError):
    """The solver stopped without a solution (time limit) or is not installed."""


# --- the solver helper -------------------------------------------------------------------------


@dataclass(frozen=True)
class SolveReport:
    """What a solver run reached.

    - `solver`: "highs" or "cbc";
    - `status`: "optimal" (proven within the relative gap), "feasible" (stopped at the time
      limit with a solution), "infeasible", "unbounded" or "no_solution";
    - `objective`: the solver's objective value (NaN without a solution);
    - `bound`: the best proven lower bound (minimisation; NaN if unknown);
    - `gap`: (objective - bound) / |objective|, 0 when both are 0 (NaN if unknown);
    - `seconds`: wall-clock time of the solve call, including handing the model over;
    - `detail`: the solver's own words for how it ended (for messages and logs).
    """

    solver: str
    status: str
    objective: float
    bound: float
    gap: float
    seconds: float
    detail: str = ""

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")


def highs_available() -> bool:
    """True when HiGHS (the highspy package) can be used through PuLP."""
    return bool(pulp.HiGHS(msg=False).available())


def resolve_solver(solver: str) -> str:
    """The solver a `solver` argument means: "highs" or "cbc" ("auto": HiGHS if installed)."""
    if solver not in SOLVERS:
        raise EngineInputError(f"solver must be one of {', '.join(SOLVERS)}, not {solver!r}.")
    if solver == "auto":
        return "highs" if highs_available() else "cbc"
    if solver == "highs" and not highs_available():
        raise SolverError("solver 'highs' needs the highspy package; use 'cbc' or 'auto'.")
    return solver


def _relative_gap(objective: float, bound: float) -> float:
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return float("nan")
    difference = max(objective - bound, 0.0)
    if difference <= 1e-9 * max(abs(objective), 1.0):
        return 0.0
    return difference / abs(objective) if objective != 0 else float("inf")


def sums_by(index: np.ndarray, weights: np.ndarray, minlength: int) -> np.ndarray:
    """Float sums of `weights` per value of `index` (0..minlength-1): np.bincount, but float
    also when empty (bincount then returns integers)."""
    return np.bincount(index, weights, minlength=minlength).astype(np.float64)


def check_limits(time_limit: float | None, relative_gap: float) -> None:
    """EngineInputError unless time_limit is > 0 seconds (or None) and 0 <= relative_gap < 1."""
    if time_limit is not None and not time_limit > 0:
        raise EngineInputError(f"time_limit must be > 0 seconds or None, not {time_limit!r}.")
    if not 0 <= relative_gap < 1:
        raise EngineInputError(f"relative_gap must be in [0, 1), not {relative_gap!r}.")


def _last_number(pattern: str, text: str) -> float:
    found = re.findall(pattern, text, flags=re.MULTILINE)
    try:
        return float(found[-1]) if found else float("nan")
    except ValueError:
        return float("nan")


def _cbc_bound(text: str) -> float:
    """The best bound in a CBC log: its closing "Lower bound:" line; else the objective less
    the gap it stopped at ("Exiting as integer gap of G"); else NaN (search completed: the
    objective is optimal)."""
    bound = _last_number(r"^Lower bound:\s*(\S+)", text)
    if np.isfinite(bound):
        return bound
    gap = _last_number(r"Exiting as integer gap of (\S+)", text)
    objective = _last_number(r"^Objective value:\s*(\S+)", text)
    return objective - gap if np.isfinite(gap) else float("nan")


def solve(
    problem: pulp.LpProblem,
    *,
    solver: str = "auto",
    time_limit: float | None = 60.0,
    relative_gap: float = 1e-3,
    threads: int | None = None,
) -> SolveReport:
    """Solve a PuLP minimisation problem in place with HiGHS or CBC and report what it reached.

    `solver`: "auto" (HiGHS if highspy is installed, else CBC), "highs" or "cbc";
    `time_limit`: seconds (None: no limit); `relative_gap`: stop when the relative gap is at
    most this; `threads`: CBC's threads (None: one; more is faster but not repeatable). HiGHS
    uses its own pool of workers, one per core, fixed at its first use in a process, and
    gives repeatable answers; `threads` does not apply to it. The variables of `problem` hold
    the solution afterwards."""
    name = resolve_solver(solver)
    check_limits(time_limit, relative_gap)
    if not problem.variables():  # nothing to decide: solvers refuse an empty model
        objective = float(pulp.value(problem.objective) or 0.0) if problem.objective else 0.0
        return SolveReport(name, "optimal", objective, objective, 0.0, 0.0, "empty model")
    mip = problem.isMIP()
    start = perf_counter()
    if name == "highs":
        problem.solve(pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=relative_gap))
        seconds = perf_counter() - start
        highs = problem.solverModel
        detail = highs.modelStatusToString(highs.getModelStatus())
        bound = float(highs.getInfo().mip_dual_bound) if mip else float("nan")
    else:
        with tempfile.TemporaryDirectory(prefix="pharmastock-cbc-") as folder:
            log = Path(folder) / "cbc.log"
            with warnings.catch_warnings():
                # PuLP 3.3 marks its bundled CBC for removal in PuLP 4; the pin keeps it.
                warnings.simplefilter("ignore", DeprecationWarning)
                command = pulp.PULP_CBC_CMD(
                    msg=False,
                    timeLimit=time_limit,
                    gapRel=relative_gap,
                    threads=threads,
                    logPath=str(log),
                )
            problem.solve(command)
            seconds = perf_counter() - start
            text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        bound = _cbc_bound(text) if mip else float("nan")
        ended = re.findall(r"^Result - (.*)$", text, flags=re.MULTILINE)
        detail = ended[-1].strip() if ended else ""
    status = {pulp.LpStatusInfeasible: "infeasible", pulp.LpStatusUnbounded: "unbounded"}.get(
        problem.status, _STATUS.get(problem.sol_status, "no_solution")
    )
    objective = float("nan")
    if status in ("optimal", "feasible"):
        objective = float(pulp.value(problem.objective) or 0.0)
        if not np.isfinite(bound) and (status == "optimal" or not mip):
            bound = objective  # proven optimal (an LP, or a MIP closed without a printed bound)
    return SolveReport(
        solver=name,
        status=status,
        objective=objective,
        bound=bound,
        gap=_relative_gap(objective, bound),
        seconds=seconds,
        detail=detail,
    )


def add_constraint(
    problem: pulp.LpProblem,
    terms: list[tuple[pulp.LpVariable, float]],
    sense: int,
    rhs: float,
    name: str,
    *,
    scaled: bool = False,
) -> None:
    """Add sum(coefficient * variable) <sense> rhs, built from (variable, coefficient) pairs in
    one pass (no operator overloading, which is quadratic on long sums).

    `scaled` divides the row by the geometric mean of its smallest and largest coefficient, so
    its coefficients straddle 1 (solvers drop coefficients below about 1e-9 of a row's scale
    and lose accuracy on rows whose entries span many orders of magnitude)."""
    if scaled:
        sizes = np.abs(np.array([a for _, a in terms]))
        factor = 1.0 / np.sqrt(sizes.min() * sizes.max())
        terms = [(v, a * factor) for v, a in terms]
        rhs = rhs * factor
    problem.addConstraint(
        pulp.LpConstraint(pulp.LpAffineExpression(terms), sense, name, float(rhs))
    )


# --- inputs and outputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLines:
    """One suggested order line per SKU-site; each field an array of shape (n,) or a scalar
    for all (n comes from `supplier`). Symbols as in the module docstring.

    - supplier: index into the supplier arrays of `SupplierTerms` (whole numbers);
    - quantity q: suggested units (> 0), already rounded to the MOQ and the order multiple;
    - order_multiple m: units (> 0); max_extra_multiples K: whole number >= 0;
    - unit_cost c: money per unit; holding_cost h: money per unit per period;
    - pallets_per_unit p; stockout_cost r: money if the line is deferred;
    - mandatory: bool, the line must be ordered now (urgent).
    """

    supplier: np.ndarray
    quantity: ArrayLike
    unit_cost: ArrayLike
    holding_cost: ArrayLike
    stockout_cost: ArrayLike
    order_multiple: ArrayLike = 1.0
    pallets_per_unit: ArrayLike = 0.0
    mandatory: np.ndarray | bool = False
    max_extra_multiples: ArrayLike = 2.0


@dataclass(frozen=True)
class SupplierTerms:
    """Per supplier; each field an array of shape (m,) or a scalar for all (m is the length of
    the longest field, 1 when all are scalars).

    - order_cost F: money per order; minimum_order_value V: money (0 = none);
    - truck_capacity C: pallets per truck (> 0, infinity = not limited); truck_cost T: money
      per truck; max_trucks N: whole number >= 0 or infinity.
    """

    order_cost: ArrayLike
    minimum_order_value: ArrayLike = 0.0
    truck_capacity: ArrayLike = np.inf
    truck_cost: ArrayLike = 0.0
    max_trucks: ArrayLike = np.inf


@dataclass(frozen=True)
class OrderPlan:
    """The orders chosen.

    Per line (shape (n,)): `ordered` (bool), `quantity` (units ordered now, 0 if deferred),
    `extra_multiples` (top-up in order multiples), `decision` ("ordered", "topped_up",
    "deferred"). Per supplier (shape (m,)): `supplier_used` (bool), `supplier_value` (money),
    `supplier_pallets`, `supplier_trucks` (the fewest trucks that carry the pallets).
    Money: `ordering_cost`, `transport_cost`, `holding_cost`, `stockout_cost` (risk of the
    deferred lines) and their sum `objective`, recomputed from the quantities; `spend` (value
    of all orders) and `budget` (None: none). The solve: `status` ("optimal" within
    `relative_gap`, or "feasible" when stopped by the time limit), `gap` reached, `bound` (the
    best proven lower bound on the objective), `solver`, `build_seconds` (input checks and
    model), `solve_seconds` (hand-over and solver).
    """

    ordered: np.ndarray
    quantity: np.ndarray
    extra_multiples: np.ndarray
    decision: np.ndarray
    supplier_used: np.ndarray
    supplier_value: np.ndarray
    supplier_pallets: np.ndarray
    supplier_trucks: np.ndarray
    objective: float
    ordering_cost: float
    transport_cost: float
    holding_cost: float
    stockout_cost: float
    spend: float
    budget: float | None
    status: str
    gap: float
    bound: float
    solver: str
    build_seconds: float
    solve_seconds: float


# --- validation --------------------------------------------------------------------------------


def checked_array(
    value: object,
    n: int,
    name: str,
    noun: str,
    *,
    above: float | None = None,
    allow_inf: bool = False,
    whole: bool = False,
) -> np.ndarray:
    """`value` as float64 of shape (n,) (a scalar is broadcast), >= 0 (or > `above`), finite
    unless allowed, whole if asked; else EngineInputError naming `name` and the first bad
    `noun` ("line", "supplier", ...)."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise EngineInputError(f"{name} must be numbers.") from error
    if array.ndim > 1:
        raise EngineInputError(f"{name} must be a number or one value per {noun}.")
    try:
        out = np.broadcast_to(array, (n,)).copy()
    except ValueError as error:
        raise EngineInputError(
            f"{name} must be a number or one value per {noun} ({n}), not {array.size} values."
        ) from error
    nan = np.isnan(out)
    if nan.any():
        raise EngineInputError(f"{name} is missing (NaN) {where(nan, noun=noun)}.")
    if not allow_inf and np.isinf(out).any():
        raise EngineInputError(f"{name} is infinite {where(np.isinf(out), out, noun)}.")
    low = out <= above if above is not None else out < 0
    if low.any():
        bound = f"> {above:g}" if above is not None else ">= 0"
        raise EngineInputError(f"{name} must be {bound}, and is not {where(low, out, noun)}.")
    if whole:
        fractional = np.isfinite(out) & (out != np.round(out))
        if fractional.any():
            raise EngineInputError(
                f"{name} must be whole numbers, and is not {where(fractional, out, noun)}."
            )
    return out


def checked_flags(value: object, n: int, name: str, noun: str) -> np.ndarray:
    """`value` as bool of shape (n,) (a scalar is broadcast), or EngineInputError."""
    array = np.asarray(value)
    if array.ndim > 1 or (array.ndim == 1 and array.size != n):
        raise EngineInputError(f"{name} must be True/False or one value per {noun} ({n}).")
    if array.dtype != bool:
        raise EngineInputError(f"{name} must be booleans (True/False), not {array.dtype}.")
    return np.broadcast_to(array, (n,)).copy()


@dataclass(frozen=True)
class _Lines:
    supplier: np.ndarray
    quantity: np.ndarray
    multiple: np.ndarray
    extra: np.ndarray
    cost: np.ndarray
    holding: np.ndarray
    pallets: np.ndarray
    risk: np.ndarray
    mandatory: np.ndarray


@dataclass(frozen=True)
class _Suppliers:
    order_cost: np.ndarray
    minimum: np.ndarray
    capacity: np.ndarray
    truck_cost: np.ndarray
    max_trucks: np.ndarray


def _validated(lines: OrderLines, suppliers: SupplierTerms) -> tuple[_Lines, _Suppliers]:
    supplier_index = np.asarray(lines.supplier)
    if supplier_index.ndim != 1:
        raise EngineInputError("supplier must be one supplier index per line (shape (n,)).")
    n = supplier_index.size
    m = count(
        suppliers.order_cost,
        suppliers.minimum_order_value,
        suppliers.truck_capacity,
        suppliers.truck_cost,
        suppliers.max_trucks,
    )
    terms = _Suppliers(
        order_cost=checked_array(suppliers.order_cost, m, "order_cost", "supplier"),
        minimum=checked_array(suppliers.minimum_order_value, m, "minimum_order_value", "supplier"),
        capacity=checked_array(
            suppliers.truck_capacity, m, "truck_capacity", "supplier", above=0.0, allow_inf=True
        ),
        truck_cost=checked_array(suppliers.truck_cost, m, "truck_cost", "supplier"),
        max_trucks=checked_array(
            suppliers.max_trucks, m, "max_trucks", "supplier", allow_inf=True, whole=True
        ),
    )
    index = checked_array(supplier_index, n, "supplier", "line", whole=True)
    unknown = index >= m
    if unknown.any():
        raise EngineInputError(
            f"supplier must index one of the {m} suppliers (0..{m - 1}), "
            f"and does not {where(unknown, index, 'line')}."
        )
    data = _Lines(
        supplier=index.astype(np.int64),
        quantity=checked_array(lines.quantity, n, "quantity", "line", above=0.0),
        multiple=checked_array(lines.order_multiple, n, "order_multiple", "line", above=0.0),
        extra=checked_array(
            lines.max_extra_multiples, n, "max_extra_multiples", "line", whole=True
        ),
        cost=checked_array(lines.unit_cost, n, "unit_cost", "line"),
        holding=checked_array(lines.holding_cost, n, "holding_cost", "line"),
        pallets=checked_array(lines.pallets_per_unit, n, "pallets_per_unit", "line"),
        risk=checked_array(lines.stockout_cost, n, "stockout_cost", "line"),
        mandatory=checked_flags(lines.mandatory, n, "mandatory", "line"),
    )
    return data, terms


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _check_feasible(data: _Lines, terms: _Suppliers, budget: float | None) -> None:
    """Refuse input that no plan can satisfy, naming the reason."""
    m = terms.order_cost.size
    value = data.cost * data.quantity
    mandatory_value = sums_by(data.supplier, value * data.mandatory, minlength=m)
    has_mandatory = sums_by(data.supplier, data.mandatory, minlength=m) > 0
    most_value = sums_by(
        data.supplier, data.cost * (data.quantity + data.multiple * data.extra), minlength=m
    )
    short = has_mandatory & (most_value < terms.minimum * (1 - 1e-12))
    if short.any():
        s = int(np.argmax(short))
        raise InfeasibleOrderError(
            f"Supplier {s} has mandatory lines, but all its lines with every allowed top-up "
            f"are worth {_money(most_value[s])}, below its minimum order value "
            f"{_money(terms.minimum[s])} ({int(short.sum())} supplier(s) like this): lower the "
            "minimum, allow more top-ups or release the lines from mandatory."
        )
    mandatory_pallets = sums_by(
        data.supplier, data.pallets * data.quantity * data.mandatory, minlength=m
    )
    room = np.full(m, np.inf)  # pallets a supplier can ship (no limit without trucks)
    trucked = np.isfinite(terms.capacity)
    room[trucked] = terms.capacity[trucked] * terms.max_trucks[trucked]
    over = mandatory_pallets > room * (1 + 1e-12)
    if over.any():
        s = int(np.argmax(over))
        raise InfeasibleOrderError(
            f"Supplier {s}'s mandatory lines need {mandatory_pallets[s]:g} pallets, more than "
            f"its {terms.max_trucks[s]:g} truck(s) of {terms.capacity[s]:g} pallets carry "
            f"({int(over.sum())} supplier(s) like this)."
        )
    if budget is None:
        return
    total_mandatory = float(mandatory_value.sum())
    if total_mandatory > budget * (1 + 1e-12):
        raise InfeasibleOrderError(
            f"The budget {_money(budget)} is below the value of the mandatory lines, "
            f"{_money(total_mandatory)} ({int(data.mandatory.sum())} lines): raise the budget "
            "or release lines from mandatory."
        )
    least = float(np.where(has_mandatory, np.maximum(mandatory_value, terms.minimum), 0).sum())
    if least > budget * (1 + 1e-12):
        raise InfeasibleOrderError(
            f"The budget {_money(budget)} is below the least the mandatory lines force: "
            f"{_money(least)}, their value {_money(total_mandatory)} raised to the minimum order "
            f"value of their suppliers: raise the budget or lower the minimums."
        )


# --- the program -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    problem: pulp.LpProblem
    x: list[pulp.LpVariable]  # order line i now
    e: dict[int, pulp.LpVariable]  # extra multiples of line i (only where a top-up can help)


def _build(data: _Lines, terms: _Suppliers, budget: float | None) -> _Model:
    """The program of the module docstring; linear work in the number of lines."""
    n, m = data.quantity.size, terms.order_cost.size
    free = ~data.mandatory
    problem = pulp.LpProblem("supplier_orders", pulp.LpMinimize)
    # Integer in [0, 1] rather than LpBinary, which would reset the mandatory lower bound.
    x = [problem.add_variable(f"x{i}", int(data.mandatory[i]), 1, pulp.LpInteger) for i in range(n)]
    y = [problem.add_variable(f"y{s}", 0, 1, pulp.LpInteger) for s in range(m)]
    for s in np.unique(data.supplier[data.mandatory]):
        y[s].lowBound = 1  # a mandatory line's supplier is used
    # A minimum order value binds only above the value of the supplier's mandatory lines (it
    # is met whenever the supplier is used otherwise), and only a binding one can make a
    # top-up worth its holding cost.
    mandatory_value = sums_by(
        data.supplier, data.cost * data.quantity * data.mandatory, minlength=m
    )
    binding = terms.minimum > mandatory_value
    topped = (data.extra > 0) & binding[data.supplier]
    e = {
        int(i): problem.add_variable(f"e{i}", 0, float(data.extra[i]), pulp.LpInteger)
        for i in np.flatnonzero(topped)
    }
    most_pallets = sums_by(
        data.supplier, data.pallets * (data.quantity + data.multiple * data.extra), minlength=m
    )
    k = {
        int(s): problem.add_variable(
            f"k{s}",
            0,
            None if np.isinf(terms.max_trucks[s]) else float(terms.max_trucks[s]),
            "Integer",
        )
        for s in np.flatnonzero(np.isfinite(terms.capacity) & (most_pallets > 0))
    }

    # Objective; the deferral risk r_i (1 - x_i) is the constant sum r_i minus r_i x_i, and the
    # constant is the cost of one variable fixed at 1.
    line_cost = data.holding * data.quantity - data.risk * free
    objective = [(x[i], float(a)) for i, a in enumerate(line_cost) if a != 0.0]
    objective += [(var, float(data.holding[i] * data.multiple[i])) for i, var in e.items()]
    objective += [(y[s], float(terms.order_cost[s])) for s in range(m)]
    objective += [(k[s], float(terms.truck_cost[s])) for s in k]
    constant = float((data.risk * free).sum())
    if constant:
        objective.append((problem.add_variable("constant", 1, 1), constant))
    problem.setObjective(pulp.LpAffineExpression(objective))

    le, ge = pulp.LpConstraintLE, pulp.LpConstraintGE
    for i in np.flatnonzero(free).tolist():
        add_constraint(problem, [(x[i], 1.0), (y[data.supplier[i]], -1.0)], le, 0, f"used_{i}")
    for i, var in e.items():
        add_constraint(problem, [(var, 1.0), (x[i], -float(data.extra[i]))], le, 0, f"top_{i}")

    # Per supplier: value and pallets of Q_i = q_i x_i + m_i e_i over its lines. Rows are
    # scaled (`add_constraint`): money amounts from cents to millions in one row otherwise.
    value_q, value_m = data.cost * data.quantity, data.cost * data.multiple
    pallets_q, pallets_m = data.pallets * data.quantity, data.pallets * data.multiple
    order = np.argsort(data.supplier, kind="stable")
    starts = np.searchsorted(data.supplier[order], np.arange(m + 1))
    for s in range(m):
        members = order[starts[s] : starts[s + 1]]
        if binding[s]:
            value = _quantity_terms(members, x, e, value_q, value_m)
            row = [*value, (y[s], -float(terms.minimum[s]))]
            add_constraint(problem, row, ge, 0.0, f"minimum_value_{s}", scaled=True)
        if s in k:
            pallets = _quantity_terms(members, x, e, pallets_q, pallets_m)
            row = [*pallets, (k[s], -float(terms.capacity[s]))]
            add_constraint(problem, row, le, 0.0, f"trucks_{s}", scaled=True)
    if budget is not None:
        spend = _quantity_terms(np.arange(n), x, e, value_q, value_m)
        if spend:
            add_constraint(problem, spend, le, budget, "budget", scaled=True)
    return _Model(problem, x, e)


def _quantity_terms(
    members: np.ndarray,
    x: list[pulp.LpVariable],
    e: dict[int, pulp.LpVariable],
    per_line: np.ndarray,
    per_multiple: np.ndarray,
) -> list[tuple[pulp.LpVariable, float]]:
    """(variable, coefficient) pairs of sum_i a_i Q_i = sum_i a_i q_i x_i + a_i m_i e_i."""
    out = [(x[i], float(per_line[i])) for i in members if per_line[i] != 0.0]
    out += [(e[i], float(per_multiple[i])) for i in members if i in e and per_multiple[i] != 0.0]
    return out


def _trucks_needed(pallets: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    ratio = np.divide(pallets, capacity, out=np.zeros_like(pallets), where=np.isfinite(capacity))
    trucks: np.ndarray = np.ceil(ratio - 1e-9).clip(min=0.0)
    return trucks


def _plan(
    data: _Lines,
    terms: _Suppliers,
    decisions: tuple[np.ndarray, np.ndarray],
    *,
    budget: float | None,
    report: SolveReport,
    build_seconds: float,
) -> OrderPlan:
    """The plan of the decisions (ordered, extra multiples), its figures recomputed in numpy
    rather than read back from the solver."""
    ordered, extra = decisions
    extra = np.where(ordered, extra, 0.0)
    m = terms.order_cost.size
    quantity = np.where(ordered, data.quantity + extra * data.multiple, 0.0)
    supplier_value = sums_by(data.supplier, data.cost * quantity, minlength=m)
    supplier_pallets = sums_by(data.supplier, data.pallets * quantity, minlength=m)
    supplier_used = sums_by(data.supplier, ordered, minlength=m) > 0
    supplier_trucks = _trucks_needed(supplier_pallets, terms.capacity)
    ordering_cost = float((terms.order_cost * supplier_used).sum())
    transport_cost = float((terms.truck_cost * supplier_trucks).sum())
    holding_cost = float((data.holding * quantity).sum())
    stockout_cost = float((data.risk * ~(data.mandatory | ordered)).sum())
    objective = ordering_cost + transport_cost + holding_cost + stockout_cost
    return OrderPlan(
        ordered=ordered,
        quantity=quantity,
        extra_multiples=extra,
        decision=np.where(ordered, np.where(extra > 0, "topped_up", "ordered"), "deferred"),
        supplier_used=supplier_used,
        supplier_value=supplier_value,
        supplier_pallets=supplier_pallets,
        supplier_trucks=supplier_trucks,
        objective=objective,
        ordering_cost=ordering_cost,
        transport_cost=transport_cost,
        holding_cost=holding_cost,
        stockout_cost=stockout_cost,
        spend=float(supplier_value.sum()),
        budget=budget,
        status=report.status,
        gap=_relative_gap(objective, report.bound),
        bound=report.bound,
        solver=report.solver,
        build_seconds=build_seconds,
        solve_seconds=report.seconds,
    )


def _solver_time(time_limit: float | None, build_seconds: float) -> float | None:
    """The solver's time limit within a whole-call limit: what building the model left, less
    twice as long for the hand-over (PuLP writes the model out or copies it row by row, then
    reads the solution back, each a pass like the build; measured: 0.9-1.7 s for CBC on
    10,000 lines) and 2 % because solvers look at the clock only now and then; at least 1 s."""
    if time_limit is None:
        return None
    return max(time_limit - 3 * build_seconds - 0.02 * time_limit, 1.0)


def plan_orders(
    lines: OrderLines,
    suppliers: SupplierTerms,
    *,
    budget: float | None = None,
    time_limit: float | None = 60.0,
    relative_gap: float = 1e-3,
    solver: str = "auto",
    threads: int | None = None,
) -> OrderPlan:
    """Choose which suggested lines to order now, their top-ups and each supplier's trucks
    (the model in the module docstring).

    `budget`: money for the period (None: unlimited); `time_limit`: seconds for the whole call
    (see `_solver_time` for the solver's share);
    `relative_gap` (default 0.1 % of the objective), `solver` and `threads` as in `solve`.
    Raises EngineInputError for unusable input, InfeasibleOrderError when the constraints
    cannot all be met, SolverError when the solver stops without any plan (time limit too
    short)."""
    start = perf_counter()
    if budget is not None and not (np.isfinite(budget) and budget >= 0):
        raise EngineInputError(f"budget must be a finite amount >= 0 or None, not {budget!r}.")
    check_limits(time_limit, relative_gap)
    data, terms = _validated(lines, suppliers)
    _check_feasible(data, terms, budget)
    solver_name = resolve_solver(solver)

    model = _build(data, terms, budget)
    build_seconds = perf_counter() - start
    report = solve(
        model.problem,
        solver=solver_name,
        time_limit=_solver_time(time_limit, build_seconds),
        relative_gap=relative_gap,
        threads=threads,
    )
    if report.status == "infeasible":
        raise InfeasibleOrderError(
            "No order plan meets the mandatory lines, the minimum order values, the truck "
            "limits and the budget together: raise the budget, lower a minimum order value, "
            "allow more trucks or top-ups, or release lines from mandatory."
        )
    if not report.has_solution:
        raise SolverError(
            f"The {report.solver} solver found no order plan within {time_limit} s "
            f"({report.detail or report.status}): raise the time limit."
        )

    # A mandatory line's x_i may be in no constraint, and then PuLP leaves its value unset.
    chosen = np.array([(v.varValue or 0.0) > 0.5 for v in model.x], dtype=bool)
    ordered = data.mandatory | chosen
    extra = np.zeros(data.quantity.size)
    for i, var in model.e.items():
        extra[i] = float(np.round(var.varValue or 0.0))
    return _plan(
        data, terms, (ordered, extra), budget=budget, report=report, build_seconds=build_seconds
    )
