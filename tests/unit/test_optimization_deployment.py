"""Stock deployment LP: expiring stock moved where it is used in time, no transfer that costs
more than it saves, never more than on offer or needed, shelf life at the destination and
FEFO, many SKUs at once, brute force on tiny instances, both solvers, input checks."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from optimization.engine.deployment import StockNeeds, StockOffers, plan_transfers
from optimization.engine.ordering import highs_available
from optimization.engine.types import EngineInputError

SOLVERS = [
    "cbc",
    pytest.param(
        "highs", marks=pytest.mark.skipif(not highs_available(), reason="highspy is not installed")
    ),
]

# Three sites; one unit costs 1 to move between any two.
FLAT = np.ones((3, 3))


def _offers(**fields: object) -> StockOffers:
    base: dict[str, object] = {"sku": np.array([7]), "site": np.array([0]), "quantity": 100.0}
    base.update(fields)
    return StockOffers(**base)  # type: ignore[arg-type]


def _needs(**fields: object) -> StockNeeds:
    base: dict[str, object] = {
        "sku": np.array([7]),
        "site": np.array([1]),
        "quantity": 80.0,
        "daily_demand": 5.0,
        "unit_cost": 10.0,
    }
    base.update(fields)
    return StockNeeds(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("solver", SOLVERS)
def test_expiring_stock_goes_where_it_is_used_before_expiry_instead_of_buying(solver: str) -> None:
    """100 units at site 0 expire in 60 days unused there. Site 1 needs 80 and uses 5 a day
    with a 30-day minimum life: it can use 5 x (60 - 30) = 150 >= 80, so it takes 80. Site 2
    needs 80 but uses 1 a day: 1 x 30 = 30 at most. Saving per unit: purchase 10 + write-off
    10 - transport (1 to site 1, 2 to site 2); site 1 gets 80 and site 2 the 20 left."""
    cost = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 0.0]])
    plan = plan_transfers(
        _offers(remaining_life_days=60.0, expiring=True, unit_value=10.0),
        _needs(
            sku=np.array([7, 7]),
            site=np.array([1, 2]),
            quantity=80.0,
            daily_demand=np.array([5.0, 1.0]),
            min_remaining_life_days=30.0,
        ),
        cost,
        solver=solver,
    )
    assert [(t.sku, t.source, t.destination, t.quantity) for t in plan.transfers] == [
        (7, 0, 1, 80.0),
        (7, 0, 2, 20.0),
    ]
    assert_array_equal(plan.shipped, [100.0])
    assert_array_equal(plan.received, [80.0, 20.0])
    assert_array_equal(plan.remaining_need, [0.0, 60.0])
    assert plan.purchases_avoided == 1000.0
    assert plan.expiry_avoided == 1000.0
    assert plan.transfer_cost == 80 * 1 + 20 * 2
    assert plan.value_saved == 2000.0 - 120.0
    assert sum(t.saving for t in plan.transfers) == pytest.approx(1880.0)
    assert plan.status == "optimal"


def test_the_closer_site_gets_the_stock_when_both_could_use_it() -> None:
    cost = np.array([[0.0, 1.0, 4.0], [1.0, 0.0, 1.0], [4.0, 1.0, 0.0]])
    plan = plan_transfers(
        _offers(quantity=50.0),
        _needs(sku=np.array([7, 7]), site=np.array([1, 2]), quantity=40.0),
        cost,
    )
    assert [(t.destination, t.quantity) for t in plan.transfers] == [(1, 40.0), (2, 10.0)]
    assert plan.value_saved == 40 * 9 + 10 * 6


@pytest.mark.parametrize("solver", SOLVERS)
def test_no_transfer_when_transport_costs_more_than_it_saves(solver: str) -> None:
    """Moving a unit costs 12; buying one costs 10: surplus stays put. If the surplus would
    expire, moving saves 10 + 10 - 12 = 8 a unit and it moves."""
    dear = np.full((3, 3), 12.0)
    kept = plan_transfers(_offers(), _needs(), dear, solver=solver)
    assert kept.transfers == ()
    assert kept.value_saved == 0.0
    assert_array_equal(kept.remaining_need, [80.0])
    assert kept.arcs == 0

    moved = plan_transfers(_offers(expiring=True, unit_value=10.0), _needs(), dear, solver=solver)
    assert [t.quantity for t in moved.transfers] == [80.0]
    assert moved.value_saved == 80 * 8


def test_never_more_than_on_offer_or_needed() -> None:
    plan = plan_transfers(
        _offers(sku=np.array([7, 7]), site=np.array([0, 2]), quantity=np.array([30.0, 25.0])),
        _needs(sku=np.array([7, 7]), site=np.array([1, 2]), quantity=np.array([40.0, 50.0])),
        FLAT,
    )
    assert_array_equal(plan.shipped, [30.0, 25.0])
    # Site 2's own offer never goes to site 2; site 0's 30 are split by value (equal here).
    assert all(t.source != t.destination for t in plan.transfers)
    assert (plan.received <= [40.0, 50.0]).all()
    assert plan.received.sum() == 55.0


def test_fractional_stock_and_needs_move_in_whole_units() -> None:
    plan = plan_transfers(_offers(quantity=10.7), _needs(quantity=4.5), FLAT)
    assert [t.quantity for t in plan.transfers] == [4.0]
    assert plan.remaining_need == pytest.approx([0.5])


def test_stock_the_destination_would_not_accept_stays() -> None:
    """20 days of life left, 30 required at the destination (after 0 days in transit), or 40
    left but 15 days in transit."""
    short = plan_transfers(
        _offers(remaining_life_days=20.0), _needs(min_remaining_life_days=30.0), FLAT
    )
    assert short.transfers == ()
    transit = np.full((3, 3), 15.0)
    late = plan_transfers(
        _offers(remaining_life_days=40.0),
        _needs(min_remaining_life_days=30.0),
        FLAT,
        transit_days=transit,
    )
    assert late.transfers == ()
    on_time = plan_transfers(
        _offers(remaining_life_days=40.0),
        _needs(min_remaining_life_days=30.0),
        FLAT,
        transit_days=5.0,
    )
    # 5 days in transit: 35 - 30 = 5 days of use at 5 a day: 25 units.
    assert [t.quantity for t in on_time.transfers] == [25.0]


def test_two_short_dated_lots_share_the_days_before_expiry_first_expired_first_out() -> None:
    """Lots arriving with 40 and 50 days left at a site that needs 30 days and uses 2 a day:
    the first can cover 2 x 10 = 20 units, both together 2 x 20 = 40 (not 20 + 40)."""
    plan = plan_transfers(
        _offers(
            sku=np.array([7, 7]),
            site=np.array([0, 2]),
            quantity=100.0,
            remaining_life_days=np.array([40.0, 50.0]),
        ),
        _needs(quantity=100.0, daily_demand=2.0, min_remaining_life_days=30.0),
        FLAT,
    )
    assert plan.received.tolist() == [40.0]
    assert plan.shipped[0] <= 20.0


def test_many_skus_at_once_equal_each_sku_alone() -> None:
    offers = _offers(
        sku=np.array([1, 2, 1, 3]),
        site=np.array([0, 0, 2, 1]),
        quantity=np.array([10.0, 20.0, 15.0, 5.0]),
        remaining_life_days=np.array([50.0, np.inf, 200.0, 35.0]),
        expiring=np.array([True, False, False, True]),
        unit_value=np.array([8.0, 3.0, 8.0, 50.0]),
    )
    needs = _needs(
        sku=np.array([1, 2, 3, 1]),
        site=np.array([1, 1, 0, 0]),
        quantity=np.array([12.0, 30.0, 9.0, 4.0]),
        daily_demand=np.array([1.0, 2.0, 3.0, 0.5]),
        unit_cost=np.array([8.0, 3.0, 50.0, 8.0]),
        min_remaining_life_days=np.array([30.0, 0.0, 30.0, 30.0]),
    )
    cost = np.array([[0.0, 0.5, 2.0], [0.5, 0.0, 2.0], [2.0, 2.0, 0.0]])
    together = plan_transfers(offers, needs, cost)
    alone = 0.0
    for sku in (1, 2, 3):
        o, g = offers.sku == sku, needs.sku == sku
        alone += plan_transfers(
            StockOffers(
                sku=offers.sku[o],
                site=offers.site[o],
                quantity=offers.quantity[o],
                remaining_life_days=offers.remaining_life_days[o],
                expiring=offers.expiring[o],
                unit_value=offers.unit_value[o],
            ),  # type: ignore[index]
            StockNeeds(
                sku=needs.sku[g],
                site=needs.site[g],
                quantity=needs.quantity[g],
                daily_demand=needs.daily_demand[g],
                unit_cost=needs.unit_cost[g],
                min_remaining_life_days=needs.min_remaining_life_days[g],
            ),  # type: ignore[index]
            cost,
        ).value_saved
    assert together.value_saved == pytest.approx(alone)
    assert {t.sku for t in together.transfers} == {1, 2, 3}
    assert [(t.sku, t.source, t.destination) for t in together.transfers] == sorted(
        (t.sku, t.source, t.destination) for t in together.transfers
    )


def test_a_cost_function_of_sku_and_sites_and_routes_that_do_not_exist() -> None:
    """Cold-chain SKU 9 costs 3x to move; there is no route 0 -> 2 (infinity)."""
    distance = np.array([[0.0, 1.0, np.inf], [1.0, 0.0, 1.0], [np.inf, 1.0, 0.0]])

    def cost(sku: np.ndarray, source: np.ndarray, destination: np.ndarray) -> np.ndarray:
        return distance[source, destination] * np.where(sku == 9, 3.0, 1.0)

    plan = plan_transfers(
        _offers(sku=np.array([9, 4]), site=np.array([0, 0]), quantity=10.0),
        _needs(sku=np.array([9, 4, 4]), site=np.array([1, 1, 2]), quantity=5.0),
        cost,
    )
    assert [(t.sku, t.destination, t.unit_cost) for t in plan.transfers] == [
        (4, 1, 1.0),
        (9, 1, 3.0),
    ]
    assert plan.value_saved == 5 * (10 - 1) + 5 * (10 - 3)


def test_nothing_to_move_gives_an_empty_plan() -> None:
    plan = plan_transfers(_offers(sku=np.array([1])), _needs(sku=np.array([2])), FLAT)
    assert plan.transfers == ()
    assert plan.arcs == 0
    assert_array_equal(plan.remaining_need, [80.0])


@pytest.mark.parametrize(
    ("offers", "needs", "cost", "message"),
    [
        (
            _offers(quantity=-1.0),
            _needs(),
            FLAT,
            r"offer quantity must be >= 0, and is not at 1 offer \(first: index 0, value -1\)",
        ),
        (_offers(), _needs(unit_cost=np.nan), FLAT, r"unit_cost is missing \(NaN\) at 1 need"),
        (_offers(site=np.array([0.5])), _needs(), FLAT, r"offer site must be whole numbers"),
        (_offers(expiring=np.array([1])), _needs(), FLAT, r"expiring must be booleans"),
        (
            _offers(),
            _needs(site=np.array([5])),
            FLAT,
            r"transfer_cost must be a square matrix over the sites, at least 6 x 6, not of shape \(3, 3\)",
        ),
        (_offers(), _needs(), -FLAT, r"transfer_cost must be >= 0"),
        (
            _offers(),
            _needs(),
            lambda sku, a, b: np.full(sku.shape, np.nan),
            r"transfer_cost must be >= 0 \(infinity: no route\), and is not at 1 transfer",
        ),
        (
            _offers(),
            _needs(),
            lambda sku, a, b: 1.0,
            r"transfer_cost returned shape \(\) for 1 transfers",
        ),
    ],
)
def test_unusable_input_is_refused_naming_the_field(
    offers: StockOffers, needs: StockNeeds, cost: object, message: str
) -> None:
    with pytest.raises(EngineInputError, match=message):
        plan_transfers(offers, needs, cost)  # type: ignore[arg-type]


# --- brute force -------------------------------------------------------------------------------


def _brute_force(offers: list[tuple], needs: list[tuple], cost: np.ndarray) -> float:
    """The most money saved over every whole-unit assignment, with shelf life checked by
    consuming each destination's incoming units first-expired-first-out, a unit a day at a
    time: the k-th unit (k = 1, 2, ...) is used on day k / demand and must be by then still
    at or above the minimum life (arrival life - k / demand >= minimum)."""
    pairs = [
        (o, g) for o in range(len(offers)) for g in range(len(needs)) if offers[o][0] != needs[g][0]
    ]
    best = 0.0
    ranges = [range(min(offers[o][1], needs[g][1]) + 1) for o, g in pairs]
    for amounts in itertools.product(*ranges):
        shipped = [0] * len(offers)
        received: list[list[float]] = [[] for _ in needs]
        saving = 0.0
        for (o, g), amount in zip(pairs, amounts, strict=True):
            site, _, life, expiring, value = offers[o]
            dest, _, demand, minimum, price = needs[g]
            shipped[o] += amount
            received[g] += [life] * amount
            saving += amount * (price + (value if expiring else 0.0) - cost[site, dest])
        if any(shipped[o] > offers[o][1] for o in range(len(offers))):
            continue
        feasible = True
        for g, lives in enumerate(received):
            _, short, demand, minimum, _ = needs[g]
            feasible &= len(lives) <= short
            for k, life in enumerate(sorted(lives), start=1):
                feasible &= life - k / demand >= minimum - 1e-9
        if feasible:
            best = max(best, saving)
    return best


@st.composite
def tiny_networks(draw: st.DrawFn) -> tuple[list[tuple], list[tuple], np.ndarray]:
    """One SKU over 3 sites: two surplus records (site, units, life, expiring, value) and
    1-2 shortfalls (site, units, daily demand, minimum life, price), transfer costs 0-6."""
    offers = [
        (
            draw(st.integers(0, 2)),
            draw(st.integers(0, 3)),
            draw(st.sampled_from([9.0, 10.0, 12.0, 25.0, math.inf])),
            draw(st.booleans()),
            draw(st.integers(0, 6)),
        )
        for _ in range(2)
    ]
    needs = [
        (
            draw(st.integers(0, 2)),
            draw(st.integers(0, 3)),
            draw(st.sampled_from([0.5, 1.0, 2.0])),
            draw(st.sampled_from([0.0, 8.0, 8.0])),
            draw(st.integers(2, 9)),
        )
        for _ in range(draw(st.integers(1, 2)))
    ]
    cost = np.array(draw(st.lists(st.integers(0, 6), min_size=9, max_size=9)), dtype=float).reshape(
        3, 3
    )
    return offers, needs, cost


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    case=tiny_networks(), solver=st.sampled_from(["cbc", "highs"] if highs_available() else ["cbc"])
)
@example(  # two short-dated lots into one need: 9 and 10 days left, 8 required, 1 a day
    case=([(0, 1, 9.0, True, 5), (2, 2, 10.0, False, 0)], [(1, 3, 1.0, 8.0, 9)], np.ones((3, 3))),
    solver="cbc",
)
def test_the_program_matches_brute_force_on_tiny_networks(case: tuple, solver: str) -> None:
    offers, needs, cost = case
    plan = plan_transfers(
        StockOffers(
            sku=np.zeros(len(offers), dtype=int),
            site=np.array([o[0] for o in offers]),
            quantity=np.array([o[1] for o in offers], dtype=float),
            remaining_life_days=np.array([o[2] for o in offers]),
            expiring=np.array([o[3] for o in offers]),
            unit_value=np.array([o[4] for o in offers], dtype=float),
        ),
        StockNeeds(
            sku=np.zeros(len(needs), dtype=int),
            site=np.array([g[0] for g in needs]),
            quantity=np.array([g[1] for g in needs], dtype=float),
            daily_demand=np.array([g[2] for g in needs]),
            min_remaining_life_days=np.array([g[3] for g in needs]),
            unit_cost=np.array([g[4] for g in needs], dtype=float),
        ),
        cost,
        solver=solver,
    )
    event("moves stock" if plan.transfers else "moves nothing")
    assert plan.value_saved == pytest.approx(_brute_force(offers, needs, cost), abs=1e-9)
    assert all(t.quantity == int(t.quantity) and t.quantity > 0 for t in plan.transfers)
    assert (plan.shipped <= [o[1] for o in offers]).all()
    assert (plan.received <= [g[1] for g in needs]).all()
