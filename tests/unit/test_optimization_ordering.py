"""Supplier ordering MILP: hand-checked instances (minimum order value, trucks, budget,
mandatory lines), infeasible input, brute force over every order/defer/top-up choice on
random tiny instances, and both solvers."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from optimization.engine.ordering import (
    InfeasibleOrderError,
    OrderLines,
    SupplierTerms,
    highs_available,
    plan_orders,
)
from optimization.engine.types import EngineInputError

SOLVERS = [
    "cbc",
    pytest.param(
        "highs", marks=pytest.mark.skipif(not highs_available(), reason="highspy is not installed")
    ),
]


def _lines(**fields: object) -> OrderLines:
    base: dict[str, object] = {"holding_cost": 0.0, "stockout_cost": 0.0}
    base.update(fields)
    return OrderLines(**base)  # type: ignore[arg-type]


# --- hand-checked instances --------------------------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_supplier_below_its_minimum_is_topped_up_when_that_is_cheaper(solver: str) -> None:
    """One line worth 8 x 100 = 800 against a minimum order value of 1,000. Topping it up by
    one multiple (2 units, +200) costs the order (50) + holding 10 x 1 = 60; deferring it
    risks 500. Optimum: order 10 units, objective 60."""
    plan = plan_orders(
        _lines(
            supplier=np.array([0]),
            quantity=8.0,
            order_multiple=2.0,
            unit_cost=100.0,
            holding_cost=1.0,
            stockout_cost=500.0,
        ),
        SupplierTerms(order_cost=50.0, minimum_order_value=1000.0),
        solver=solver,
        relative_gap=0.0,
    )
    assert_array_equal(plan.quantity, [10.0])
    assert_array_equal(plan.extra_multiples, [1.0])
    assert plan.decision.tolist() == ["topped_up"]
    assert_array_equal(plan.supplier_value, [1000.0])
    assert plan.objective == pytest.approx(60.0)
    assert (plan.ordering_cost, plan.holding_cost, plan.stockout_cost) == (50.0, 10.0, 0.0)
    assert plan.status == "optimal"
    assert plan.gap == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_supplier_below_its_minimum_is_dropped_when_deferring_is_cheaper(solver: str) -> None:
    """The same line, but deferring it risks only 40 < 60: the supplier is not used."""
    plan = plan_orders(
        _lines(
            supplier=np.array([0]),
            quantity=8.0,
            order_multiple=2.0,
            unit_cost=100.0,
            holding_cost=1.0,
            stockout_cost=40.0,
        ),
        SupplierTerms(order_cost=50.0, minimum_order_value=1000.0),
        solver=solver,
        relative_gap=0.0,
    )
    assert_array_equal(plan.ordered, [False])
    assert_array_equal(plan.quantity, [0.0])
    assert_array_equal(plan.supplier_used, [False])
    assert plan.objective == pytest.approx(40.0)
    assert plan.stockout_cost == 40.0


def test_the_minimum_is_reached_by_the_cheaper_of_a_top_up_and_another_line() -> None:
    """Mandatory line A is worth 600 of a 1,000 minimum. Topping A up by 2 multiples (+400)
    holds 40 units more at 0.5 = 20; ordering line B (worth 400, holding 4 x 2 = 8) instead
    costs 8 and removes B's risk of 3. B is ordered, nothing topped up."""
    plan = plan_orders(
        _lines(
            supplier=np.array([0, 0]),
            quantity=np.array([60.0, 4.0]),
            order_multiple=np.array([20.0, 1.0]),
            unit_cost=np.array([10.0, 100.0]),
            holding_cost=np.array([0.5, 2.0]),
            stockout_cost=np.array([0.0, 3.0]),
            mandatory=np.array([True, False]),
        ),
        SupplierTerms(order_cost=10.0, minimum_order_value=1000.0),
        relative_gap=0.0,
    )
    assert_array_equal(plan.quantity, [60.0, 4.0])
    assert plan.decision.tolist() == ["ordered", "ordered"]
    assert plan.objective == pytest.approx(10.0 + 30.0 + 8.0)


def test_a_top_up_comes_only_with_its_line() -> None:
    """Mandatory line A (900) needs 100 more to reach the minimum of 1,000 and cannot be
    topped up. One extra unit of line B would do it for a holding cost of 1, but a top-up
    without B's suggested 10 units is not an order the supplier accepts: B is ordered whole
    (holding 10)."""
    plan = plan_orders(
        _lines(
            supplier=np.array([0, 0]),
            quantity=np.array([9.0, 10.0]),
            unit_cost=100.0,
            holding_cost=np.array([0.0, 1.0]),
            max_extra_multiples=np.array([0.0, 2.0]),
            mandatory=np.array([True, False]),
        ),
        SupplierTerms(order_cost=5.0, minimum_order_value=1000.0),
        relative_gap=0.0,
    )
    assert_array_equal(plan.quantity, [9.0, 10.0])
    assert plan.objective == pytest.approx(15.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_pallets_over_one_truck_need_two(solver: str) -> None:
    """Mandatory lines of 6 and 5 pallets on trucks of 10: two trucks (200). The 9 pallets
    left on them take line C (8 pallets, risk 80) or line D (2 pallets, risk 60), not both
    (a third truck costs 100). Holding 0.1 a unit: C alone 200 + 19 + 60 = 279, D alone
    200 + 13 + 80 = 293, both 300 + 21 = 321, neither 200 + 11 + 140 = 351."""
    plan = plan_orders(
        _lines(
            supplier=np.zeros(4, dtype=int),
            quantity=np.array([60.0, 50.0, 80.0, 20.0]),
            unit_cost=1.0,
            holding_cost=0.1,
            pallets_per_unit=0.1,
            stockout_cost=np.array([0.0, 0.0, 80.0, 60.0]),
            mandatory=np.array([True, True, False, False]),
        ),
        SupplierTerms(order_cost=0.0, truck_capacity=10.0, truck_cost=100.0),
        solver=solver,
        relative_gap=0.0,
    )
    assert plan.decision.tolist() == ["ordered", "ordered", "ordered", "deferred"]
    assert_allclose(plan.supplier_pallets, [19.0])
    assert_array_equal(plan.supplier_trucks, [2.0])
    assert plan.transport_cost == 200.0
    assert plan.objective == pytest.approx(279.0)


def test_a_truck_limit_defers_what_does_not_fit() -> None:
    """At most one truck of 10 pallets: of two 6-pallet lines the riskier goes."""
    plan = plan_orders(
        _lines(
            supplier=np.array([0, 0]),
            quantity=6.0,
            unit_cost=1.0,
            pallets_per_unit=1.0,
            stockout_cost=np.array([50.0, 70.0]),
        ),
        SupplierTerms(order_cost=0.0, truck_capacity=10.0, truck_cost=5.0, max_trucks=1.0),
        relative_gap=0.0,
    )
    assert plan.ordered.tolist() == [False, True]
    assert_array_equal(plan.supplier_trucks, [1.0])


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_budget_defers_the_least_risky_line(solver: str) -> None:
    """Three lines worth 100 each, a budget of 250: two fit, the one with the smallest risk
    (20) is deferred."""
    plan = plan_orders(
        _lines(
            supplier=np.array([0, 1, 1]),
            quantity=10.0,
            unit_cost=10.0,
            holding_cost=0.5,
            stockout_cost=np.array([50.0, 20.0, 80.0]),
        ),
        SupplierTerms(order_cost=np.array([1.0, 1.0])),
        budget=250.0,
        solver=solver,
        relative_gap=0.0,
    )
    assert plan.ordered.tolist() == [True, False, True]
    assert plan.spend == 200.0
    assert plan.budget == 250.0
    assert plan.objective == pytest.approx(2.0 + 10.0 + 20.0)


def test_mandatory_lines_are_ordered_even_when_deferring_would_be_cheaper() -> None:
    plan = plan_orders(
        _lines(
            supplier=np.array([0, 1]),
            quantity=10.0,
            unit_cost=5.0,
            holding_cost=100.0,
            stockout_cost=0.0,
            mandatory=np.array([True, False]),
        ),
        SupplierTerms(order_cost=np.array([500.0, 500.0]), minimum_order_value=0.0),
    )
    assert plan.ordered.tolist() == [True, False]
    assert_array_equal(plan.supplier_used, [True, False])
    assert plan.objective == pytest.approx(500.0 + 1000.0)


def test_no_lines_give_an_empty_plan() -> None:
    plan = plan_orders(
        _lines(supplier=np.zeros(0, dtype=int), quantity=np.zeros(0), unit_cost=np.zeros(0)),
        SupplierTerms(order_cost=np.array([10.0, 20.0])),
    )
    assert plan.ordered.shape == (0,)
    assert_array_equal(plan.supplier_used, [False, False])
    assert plan.objective == 0.0


# --- infeasible and unusable input -------------------------------------------------------------


def test_a_budget_below_the_mandatory_lines_is_refused_with_the_reason() -> None:
    with pytest.raises(
        InfeasibleOrderError,
        match=r"budget 150\.00 is below the value of the mandatory lines, 200\.00",
    ):
        plan_orders(
            _lines(
                supplier=np.array([0, 0, 0]),
                quantity=10.0,
                unit_cost=10.0,
                mandatory=np.array([True, True, False]),
            ),
            SupplierTerms(order_cost=1.0),
            budget=150.0,
        )


def test_a_budget_below_what_the_minimum_order_value_forces_is_refused() -> None:
    with pytest.raises(InfeasibleOrderError, match=r"least the mandatory lines force: 500\.00"):
        plan_orders(
            _lines(
                supplier=np.array([0, 0]),
                quantity=10.0,
                unit_cost=10.0,
                max_extra_multiples=100.0,
                mandatory=np.array([True, False]),
            ),
            SupplierTerms(order_cost=1.0, minimum_order_value=500.0),
            budget=300.0,
        )


def test_a_minimum_the_mandatory_lines_cannot_reach_is_refused() -> None:
    with pytest.raises(
        InfeasibleOrderError,
        match=r"Supplier 1 has mandatory lines.*worth 300\.00, below its minimum order value 1,000\.00",
    ):
        plan_orders(
            _lines(
                supplier=np.array([0, 1]),
                quantity=10.0,
                unit_cost=10.0,
                max_extra_multiples=20.0,
                mandatory=np.array([False, True]),
            ),
            SupplierTerms(order_cost=1.0, minimum_order_value=np.array([0.0, 1000.0])),
        )


def test_mandatory_pallets_beyond_the_truck_limit_are_refused() -> None:
    with pytest.raises(
        InfeasibleOrderError, match=r"need 12 pallets, more than its 1 truck\(s\) of 10 pallets"
    ):
        plan_orders(
            _lines(
                supplier=np.array([0]),
                quantity=12.0,
                unit_cost=1.0,
                pallets_per_unit=1.0,
                mandatory=True,
            ),
            SupplierTerms(order_cost=0.0, truck_capacity=10.0, max_trucks=1.0),
        )


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_combination_no_single_check_explains_is_found_by_the_solver(solver: str) -> None:
    """Mandatory 900 against a minimum of 1,000, top-ups of 300: the order is 900 (too
    little) or 1,200 (over the budget of 1,100)."""
    with pytest.raises(InfeasibleOrderError, match="No order plan meets"):
        plan_orders(
            _lines(
                supplier=np.array([0]),
                quantity=9.0,
                order_multiple=3.0,
                unit_cost=100.0,
                mandatory=True,
            ),
            SupplierTerms(order_cost=1.0, minimum_order_value=1000.0),
            budget=1100.0,
            solver=solver,
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"unit_cost": np.array([-1.0, 2.0])},
            r"unit_cost must be >= 0, and is not at 1 line \(first: index 0, value -1\)",
        ),
        (
            {"holding_cost": np.array([0.0, np.nan])},
            r"holding_cost is missing \(NaN\) at 1 line \(first: index 1\)",
        ),
        (
            {"supplier": np.array([0, 5])},
            r"supplier must index one of the 2 suppliers \(0\.\.1\), and does not at 1 line \(first: index 1, value 5\)",
        ),
        ({"supplier": np.array([0, 0.5])}, r"supplier must be whole numbers"),
        ({"quantity": 0.0}, r"quantity must be > 0"),
        ({"max_extra_multiples": 1.5}, r"max_extra_multiples must be whole numbers"),
        ({"mandatory": np.array([1, 0])}, r"mandatory must be booleans"),
        (
            {"stockout_cost": np.array([1.0, 2.0, 3.0])},
            r"stockout_cost must be a number or one value per line \(2\), not 3 values",
        ),
    ],
)
def test_unusable_line_input_is_refused_naming_the_field(change: dict, message: str) -> None:
    fields: dict[str, object] = {"supplier": np.array([0, 1]), "quantity": 5.0, "unit_cost": 2.0}
    fields.update(change)
    with pytest.raises(EngineInputError, match=message):
        plan_orders(_lines(**fields), SupplierTerms(order_cost=np.array([1.0, 1.0])))


@pytest.mark.parametrize(
    ("terms", "budget", "message"),
    [
        (
            SupplierTerms(order_cost=np.array([1.0, -2.0])),
            None,
            r"order_cost must be >= 0, and is not at 1 supplier \(first: index 1, value -2\)",
        ),
        (SupplierTerms(order_cost=1.0, truck_capacity=0.0), None, r"truck_capacity must be > 0"),
        (SupplierTerms(order_cost=1.0, max_trucks=1.5), None, r"max_trucks must be whole numbers"),
        (SupplierTerms(order_cost=1.0), -5.0, r"budget must be a finite amount >= 0"),
    ],
)
def test_unusable_supplier_input_is_refused(
    terms: SupplierTerms, budget: float | None, message: str
) -> None:
    with pytest.raises(EngineInputError, match=message):
        plan_orders(
            _lines(supplier=np.array([0]), quantity=1.0, unit_cost=1.0), terms, budget=budget
        )


def test_an_unknown_solver_is_refused() -> None:
    with pytest.raises(EngineInputError, match="solver must be one of auto, highs, cbc"):
        plan_orders(
            _lines(supplier=np.array([0]), quantity=1.0, unit_cost=1.0),
            SupplierTerms(order_cost=1.0),
            solver="gurobi",
        )


# --- brute force -------------------------------------------------------------------------------


def _brute_force(lines: dict, terms: dict, budget: float | None) -> float:
    """The least objective over every order/defer choice and every top-up of every line
    (math.inf when nothing is feasible); trucks are the fewest that carry the pallets."""
    n, m = len(lines["supplier"]), len(terms["order_cost"])
    choices = [
        [(1, extra) for extra in range(lines["extra"][i] + 1)]
        + ([] if lines["mandatory"][i] else [(0, 0)])
        for i in range(n)
    ]
    best = math.inf
    for combo in itertools.product(*choices):
        value, pallets, used = [0.0] * m, [0.0] * m, [False] * m
        cost = 0.0
        for i, (ordered, extra) in enumerate(combo):
            s = lines["supplier"][i]
            if not ordered:
                cost += lines["risk"][i]
                continue
            quantity = lines["quantity"][i] + extra * lines["multiple"][i]
            used[s] = True
            value[s] += lines["cost"][i] * quantity
            pallets[s] += lines["pallets"][i] * quantity
            cost += lines["holding"][i] * quantity
        feasible = budget is None or sum(value) <= budget + 1e-9
        for s in range(m):
            if not used[s]:
                continue
            trucks = math.ceil(pallets[s] / terms["capacity"][s] - 1e-9)
            feasible &= value[s] >= terms["minimum"][s] - 1e-9 and trucks <= terms["max_trucks"][s]
            cost += terms["order_cost"][s] + terms["truck_cost"][s] * trucks
        if feasible:
            best = min(best, cost)
    return best


@st.composite
def tiny_instances(draw: st.DrawFn) -> tuple[dict, dict, float | None]:
    n = draw(st.integers(1, 5))
    m = draw(st.integers(1, 2))
    ints = lambda low, high: st.lists(st.integers(low, high), min_size=n, max_size=n)  # noqa: E731
    lines = {
        "supplier": draw(st.lists(st.integers(0, m - 1), min_size=n, max_size=n)),
        "quantity": draw(ints(1, 6)),
        "multiple": draw(ints(1, 3)),
        "extra": draw(ints(0, 2)),
        "cost": draw(ints(1, 20)),
        "holding": [h / 2 for h in draw(ints(0, 4))],
        "pallets": [p / 4 for p in draw(ints(0, 4))],
        "risk": draw(ints(0, 60)),
        "mandatory": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
    }
    terms = {
        "order_cost": draw(st.lists(st.integers(0, 40), min_size=m, max_size=m)),
        "minimum": draw(st.lists(st.sampled_from([0, 20, 50, 90, 150]), min_size=m, max_size=m)),
        "capacity": draw(st.lists(st.sampled_from([2.0, 3.0, 5.0]), min_size=m, max_size=m)),
        "truck_cost": draw(st.lists(st.integers(0, 30), min_size=m, max_size=m)),
        "max_trucks": draw(st.lists(st.sampled_from([1, 2, math.inf]), min_size=m, max_size=m)),
    }
    budget = draw(st.one_of(st.none(), st.integers(0, 400).map(float)))
    return lines, terms, budget


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    case=tiny_instances(),
    solver=st.sampled_from(["cbc", "highs"] if highs_available() else ["cbc"]),
)
def test_the_program_matches_brute_force_on_tiny_instances(case: tuple, solver: str) -> None:
    lines, terms, budget = case
    order_lines = OrderLines(
        supplier=np.array(lines["supplier"]),
        quantity=np.array(lines["quantity"], dtype=float),
        order_multiple=np.array(lines["multiple"], dtype=float),
        max_extra_multiples=np.array(lines["extra"], dtype=float),
        unit_cost=np.array(lines["cost"], dtype=float),
        holding_cost=np.array(lines["holding"]),
        pallets_per_unit=np.array(lines["pallets"]),
        stockout_cost=np.array(lines["risk"], dtype=float),
        mandatory=np.array(lines["mandatory"]),
    )
    supplier_terms = SupplierTerms(
        order_cost=np.array(terms["order_cost"], dtype=float),
        minimum_order_value=np.array(terms["minimum"], dtype=float),
        truck_capacity=np.array(terms["capacity"]),
        truck_cost=np.array(terms["truck_cost"], dtype=float),
        max_trucks=np.array(terms["max_trucks"], dtype=float),
    )
    best = _brute_force(lines, terms, budget)
    event("infeasible" if math.isinf(best) else "feasible")
    if math.isinf(best):
        with pytest.raises(InfeasibleOrderError):
            plan_orders(order_lines, supplier_terms, budget=budget, solver=solver, relative_gap=0.0)
        return
    plan = plan_orders(order_lines, supplier_terms, budget=budget, solver=solver, relative_gap=0.0)
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(best, abs=1e-6)
    # The plan itself keeps every rule.
    assert plan.ordered[np.array(lines["mandatory"])].all()
    assert (plan.extra_multiples <= np.array(lines["extra"])).all()
    used = plan.supplier_used
    assert (plan.supplier_value[used] >= np.array(terms["minimum"])[used] - 1e-9).all()
    assert (plan.supplier_trucks <= np.array(terms["max_trucks"])).all()
    if budget is not None:
        assert plan.spend <= budget + 1e-9
