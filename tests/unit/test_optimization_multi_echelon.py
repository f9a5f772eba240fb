"""The guaranteed-service model: published examples, brute force over every integer service
time on random small trees, batches, the single-echelon comparison and input checks."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from optimization.engine.multi_echelon import (
    compare,
    evaluate,
    guaranteed_service,
    network,
    single_echelon,
)
from optimization.engine.types import EngineInputError

INF = np.inf

# --- published examples ----------------------------------------------------------------------


def test_snyder_and_shen_example_6_5() -> None:
    """Snyder & Shen, Fundamentals of Supply Chain Theory, 2nd ed. (Wiley, 2019), Example 6.5
    (figures as reproduced in the authors' stockpyl package, tests/test_gsm_tree.py): stage 1
    (T = 2, h = 1, external inbound service time 1) supplies stage 3 (T = 1, h = 2), which
    supplies stages 2 (T = 1, h = 3, sd 1, s = 0) and 4 (T = 1, h = 3, sd 1, s = 1); z = 1.
    Published optimum: S = 0, 0, 0, 1 for stages 1, 3, 2, 4; cost 2 sqrt(2) + sqrt(6) + 3 =
    8.278."""
    net = network(
        parent=[-1, 0, 1, 1],  # stages 1, 3, 2, 4 of the book
        processing_time=[2, 1, 1, 1],
        holding_cost=[1.0, 2.0, 3.0, 3.0],
        demand_std=[0.0, 0.0, 1.0, 1.0],
        max_service_time=[INF, INF, 0, 1],
        external_service_time=1,
    )
    plan = guaranteed_service(net, z=1.0)

    assert_array_equal(plan.service_out, [[0, 0, 0, 1]])
    assert_allclose(plan.total_cost, [2 * np.sqrt(2) + np.sqrt(6) + 3.0])
    assert_array_equal(plan.service_in, [[1, 0, 0, 0]])
    assert_array_equal(plan.net_replenishment_time, [[3, 1, 1, 0]])
    assert_allclose(net.pooled_std, [[np.sqrt(2), np.sqrt(2), 1.0, 1.0]])
    # Every stage quoting 0 instead: sqrt(2) sqrt(3) + 2 sqrt(2) + 3 + 3 = 11.278.
    comparison = compare(net, z=1.0)
    assert_allclose(comparison.single.total_cost, [np.sqrt(6) + 2 * np.sqrt(2) + 6.0])
    assert_allclose(comparison.saving, [3.0])
    assert_allclose(comparison.saving_share, [3.0 / (np.sqrt(6) + 2 * np.sqrt(2) + 6.0)])


def test_snyder_and_shen_problem_6_7_serial_line() -> None:
    """Snyder & Shen, Fundamentals of Supply Chain Theory, 2nd ed., Problem 6.7 (answer as in
    the authors' stockpyl tests): forming (T = 1, h = 2, external inbound 1) -> firing (T = 1,
    h = 3) -> glazing (T = 2, h = 4, sd 10, s = 0), z = 4. Optimum: S = 2, 3, 0 (all safety
    stock at glazing, tau = 5), cost 160 sqrt(5) = 357.77."""
    net = network(
        parent=[-1, 0, 1],
        processing_time=[1, 1, 2],
        holding_cost=[2.0, 3.0, 4.0],
        demand_std=[0.0, 0.0, 10.0],
        external_service_time=1,
    )
    plan = guaranteed_service(net, z=4.0)
    assert_array_equal(plan.service_out, [[2, 3, 0]])
    assert_allclose(plan.total_cost, [160 * np.sqrt(5)])
    assert_allclose(plan.safety_stock, [[0.0, 0.0, 40 * np.sqrt(5)]])


# --- brute force -----------------------------------------------------------------------------


def brute_force(
    *,
    parent: list[int],
    lead: list[int],
    holding: list[float],
    sigma: list[float],
    bound: list[float],
    supply: int,
    z: float,
) -> float:
    """The least cost over every feasible vector of whole-day service times, enumerated stage
    by stage (parents first), with the pooled demand computed from scratch."""
    stages = len(parent)
    pooled = np.zeros(stages)
    for stage in range(stages):  # add each stage's variance to itself and every ancestor
        node = stage
        while node >= 0:
            pooled[node] += sigma[stage] ** 2
            node = parent[node]
    pooled = np.sqrt(pooled)
    order: list[int] = []
    frontier = [s for s in range(stages) if parent[s] < 0]
    while frontier:
        order.extend(frontier)
        frontier = [s for s in range(stages) if parent[s] in frontier]

    best = np.inf

    def inbound(stage: int, chosen: dict[int, int]) -> int:
        return supply if parent[stage] < 0 else chosen[parent[stage]]

    def search(position: int, chosen: dict[int, int], cost: float) -> None:
        nonlocal best
        if position == stages:
            best = min(best, cost)
            return
        stage = order[position]
        si = inbound(stage, chosen)
        top = int(min(si + lead[stage], bound[stage]))
        for service in range(top + 1):
            tau = si + lead[stage] - service
            chosen[stage] = service
            search(position + 1, chosen, cost + holding[stage] * z * pooled[stage] * np.sqrt(tau))
        del chosen[stage]

    search(0, {}, 0.0)
    return best


@st.composite
def trees(draw: st.DrawFn) -> dict:
    stages = draw(st.integers(1, 6))
    parent = [-1] + [draw(st.integers(-1, j - 1)) if j else -1 for j in range(1, stages)]
    parent = [p if draw(st.integers(0, 9)) else -1 for p in parent]  # sometimes a forest
    leaves = {s for s in range(stages) if s not in parent}
    bound = [
        float(draw(st.integers(0, 3))) if s in leaves or draw(st.booleans()) else INF
        for s in range(stages)
    ]
    relabel = draw(st.permutations(range(stages)))  # stages in any order
    inverse = {old: new for new, old in enumerate(relabel)}
    return {
        "parent": [inverse[parent[old]] if parent[old] >= 0 else -1 for old in relabel],
        "lead": [draw(st.integers(0, 2)) for _ in range(stages)],
        "holding": [draw(st.sampled_from([0.0, 0.5, 1.0, 2.5, 4.0])) for _ in range(stages)],
        "sigma": [draw(st.sampled_from([0.0, 1.0, 2.0, 3.5])) for _ in range(stages)],
        "bound": [bound[old] for old in relabel],
        "supply": draw(st.integers(0, 2)),
        "z": draw(st.sampled_from([1.0, 1.645, 2.33])),
    }


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=trees())
def test_dynamic_program_matches_brute_force_on_random_trees(case: dict) -> None:
    net = network(
        case["parent"],
        case["lead"],
        case["holding"],
        case["sigma"],
        max_service_time=case["bound"],
        external_service_time=case["supply"],
    )
    plan = guaranteed_service(net, z=case["z"])
    expected = brute_force(**case)

    assert_allclose(plan.total_cost, [expected], rtol=1e-12, atol=1e-12)
    # The plan is feasible and its cost is what evaluate() says.
    assert (plan.net_replenishment_time >= 0).all()
    assert (plan.service_out <= np.array(case["bound"])).all()
    assert_allclose(evaluate(net, plan.service_out, z=case["z"]).total_cost, plan.total_cost)
    # Never worse than every stage quoting 0.
    assert (plan.total_cost <= single_echelon(net, z=case["z"]).total_cost + 1e-12).all()


def test_a_batch_of_items_is_solved_as_each_alone() -> None:
    rng = np.random.default_rng(4)
    parent = [-1, 0, 0, 1, 1, 2, 2, 2]  # plant -> 2 DCs -> 5 hospitals
    items = 40
    lead = rng.integers(0, 6, (items, 8))
    holding = rng.uniform(0.1, 5.0, (items, 8)) * np.array([1, 2, 2, 3, 3, 3, 3, 3])
    sigma = np.where(np.array([0, 0, 0, 1, 1, 1, 1, 1]) > 0, rng.uniform(0, 20, (items, 8)), 0.0)
    bound = np.where(np.arange(8) >= 3, rng.integers(0, 3, (items, 8)), INF)
    supply = rng.integers(0, 10, (items, 1))
    z = rng.uniform(1.0, 2.5, (items, 1))
    net = network(
        parent, lead, holding, sigma, max_service_time=bound, external_service_time=supply
    )
    batch = guaranteed_service(net, z=z)
    for i in range(items):
        alone = guaranteed_service(
            network(
                parent,
                lead[i],
                holding[i],
                sigma[i],
                max_service_time=bound[i],
                external_service_time=supply[i, 0],
            ),
            z=z[i, 0],
        )
        assert_array_equal(alone.service_out[0], batch.service_out[i])
        assert_allclose(alone.total_cost[0], batch.total_cost[i], rtol=1e-12)


def test_pooling_and_default_service_bounds() -> None:
    # plant -> DC -> two hospitals with sd 3 and 4: the DC and the plant see sd 5.
    net = network([-1, 0, 1, 1], [5, 2, 1, 1], 1.0, [0.0, 0.0, 3.0, 4.0])
    assert_allclose(net.pooled_std, [[5.0, 5.0, 3.0, 4.0]])
    assert_array_equal(net.max_service_time, [[INF, INF, 0, 0]])


def test_the_saving_is_visible_on_a_pharma_network() -> None:
    # plant (T 20, cheap) -> DC (T 3) -> warehouse (T 2) -> 3 hospitals (T 1, dear, s = 0).
    net = network(
        [-1, 0, 1, 2, 2, 2],
        [20, 3, 2, 1, 1, 1],
        [2.0, 3.0, 3.5, 5.0, 5.0, 5.0],
        [0.0, 0.0, 0.0, 10.0, 10.0, 10.0],
    )
    comparison = compare(net, z=1.645)
    assert (comparison.saving > 0).all()
    assert_allclose(
        comparison.single.total_cost - comparison.guaranteed.total_cost, comparison.saving
    )
    assert 0 < comparison.saving_share[0] < 1
    assert_array_equal(comparison.single.service_out, np.zeros((1, 6)))


# --- input checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"parent": [1, 0]}, "cycle"),
        ({"parent": [-1, 5]}, "-1 or the index of another stage"),
        ({"parent": [-1, 1]}, "-1 or the index of another stage"),
        ({"parent": [-1, 0.5]}, "whole stage indexes"),
        ({"parent": []}, "non-empty"),
        ({"processing_time": [1, 1.5]}, "Processing time must be whole numbers"),
        ({"processing_time": [1, -1]}, "Processing time must be whole numbers"),
        ({"holding_cost": [1.0, -2.0]}, "Holding cost must be finite numbers >= 0"),
        ({"demand_std": [0.0, np.nan]}, "Demand standard deviation must be finite"),
        ({"max_service_time": [INF, -1]}, "Maximum service time must be whole numbers"),
        ({"external_service_time": -1}, "External service time must be whole numbers"),
        ({"holding_cost": np.ones((2, 2, 2))}, "shape"),
        ({"holding_cost": [1.0, 2.0, 3.0]}, "one value per stage"),
    ],
)
def test_network_refuses_impossible_input(arguments: dict, message: str) -> None:
    base = {
        "parent": [-1, 0],
        "processing_time": [1, 1],
        "holding_cost": 1.0,
        "demand_std": [0.0, 1.0],
    }
    with pytest.raises(EngineInputError, match=message):
        network(**(base | arguments))


def test_evaluate_refuses_service_times_the_network_cannot_keep() -> None:
    net = network([-1, 0], [1, 1], 1.0, [0.0, 1.0], max_service_time=[INF, 1])
    with pytest.raises(EngineInputError, match="negative net replenishment time"):
        evaluate(net, [3, 0], z=1.0)  # the root gets 0 + 1 days and promises 3
    with pytest.raises(EngineInputError, match="exceeds its stage's maximum"):
        evaluate(net, [0, 2], z=1.0)
    with pytest.raises(EngineInputError, match="Safety factor z"):
        guaranteed_service(net, z=-1.0)


def test_brute_force_helper_agrees_with_the_published_example() -> None:
    cost = brute_force(
        parent=[-1, 0, 1, 1],
        lead=[2, 1, 1, 1],
        holding=[1.0, 2.0, 3.0, 3.0],
        sigma=[0.0, 0.0, 1.0, 1.0],
        bound=[INF, INF, 0, 1],
        supply=1,
        z=1.0,
    )
    assert_allclose(cost, 2 * np.sqrt(2) + np.sqrt(6) + 3.0)
