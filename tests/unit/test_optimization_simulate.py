"""The policy simulator: hand-computed days (also with policies that change from day to day),
stock balance and other invariants, the textbook fill rate and cycle service level on long
simulations, the week bootstrap, input checks."""

from dataclasses import asdict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal, assert_equal
from scipy import optimize, special, stats

from optimization.engine.simulate import (
    EmergencyRule,
    LeadTime,
    Policy,
    SimulationResult,
    _lead_times,
    bootstrap_demand,
    simulate,
)
from optimization.engine.types import EngineInputError

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def flat(value: float, days: int, rows: int = 1) -> np.ndarray:
    return np.full((rows, days), float(value))


def run(demand: np.ndarray, policy: Policy, lead: float = 1.0, **options) -> SimulationResult:  # type: ignore[no-untyped-def]
    options.setdefault("unit_cost", 1.0)
    options.setdefault("holding_rate", 0.25)
    options.setdefault("seed", 0)
    options.setdefault("trace", True)
    return simulate(demand, policy, LeadTime(lead), **options)


# --- hand-computed days ----------------------------------------------------------------------


def test_s_q_with_backorders_and_with_lost_sales_day_by_day() -> None:
    # 10 a day, s = 20, Q = 50, lead time 2, 45 on hand. Orders are placed in the morning on the
    # position after receipts and arrive 2 mornings later, before that day's demand.
    # day       0   1   2   3   4   5   6   7   8   9
    # backorders (row 0):
    #   morning 45  35  25  15   5  50  35  25  15   5   (day 5: 50 received, 5 backordered)
    #   order               50 (IP 15 <= 20)         50
    #   evening 35  25  15   5   0  35  25  15   5   0   short 5 on days 4 and 9
    # lost sales (row 1): the 5 short on day 4 are lost, so day 5 ends on 40 and the next
    #   order comes on day 8 (morning 20 <= 20); day 9 ends on exactly 0, nothing short.
    result = run(
        flat(10, 10, rows=2),
        Policy.s_q(20, 50),
        lead=2,
        initial_on_hand=45,
        backorders=np.array([True, False]),
        unit_cost=2.0,
    )
    trace = result.trace
    assert trace is not None
    assert_array_equal(trace.ordered[0], [0, 0, 0, 50, 0, 0, 0, 0, 50, 0])
    assert_array_equal(trace.ordered[1], [0, 0, 0, 50, 0, 0, 0, 0, 50, 0])
    assert_array_equal(trace.on_hand[0], [35, 25, 15, 5, 0, 35, 25, 15, 5, 0])
    assert_array_equal(trace.on_hand[1], [35, 25, 15, 5, 0, 40, 30, 20, 10, 0])
    assert_array_equal(trace.short[0], [0, 0, 0, 0, 5, 0, 0, 0, 0, 5])
    assert_array_equal(trace.short[1], [0, 0, 0, 0, 5, 0, 0, 0, 0, 0])
    assert_array_equal(trace.backorders[0], [0, 0, 0, 0, 5, 0, 0, 0, 0, 5])
    assert_array_equal(trace.received[0], [0, 0, 0, 0, 0, 50, 0, 0, 0, 0])

    assert_allclose(result.fill_rate, [0.90, 0.95])
    assert_array_equal(result.stockout_days, [2, 1])
    assert_allclose(result.stockout_rate, [0.2, 0.1])
    assert_allclose(result.backordered_units, [10, 0])
    assert_allclose(result.lost_units, [0, 5])
    assert_allclose(result.ending_backorders, [5, 0])
    assert_allclose(result.issued_units, [95, 95])  # 100 demanded, 5 backordered or lost
    assert_array_equal(result.orders, [2, 2])
    assert_allclose(result.ending_on_order, [50, 50])
    # one regular receipt (day 5): no cycle is closed within 10 days
    assert_array_equal(result.cycles, [0, 0])
    assert np.isnan(result.cycle_service_level).all()
    # average on hand: mean of (morning + evening) / 2
    #   row 0: (255 + 160) / 2 / 10 = 20.75,  row 1: (275 + 180) / 2 / 10 = 22.75
    assert_allclose(result.average_on_hand, [20.75, 22.75])
    assert_allclose(result.average_inventory_value, [41.5, 45.5])
    assert_allclose(result.carrying_cost_per_year, [41.5 * 0.25, 45.5 * 0.25])
    cogs = 95 * 2.0 * 365 / 10
    assert_allclose(result.cost_of_goods_issued_per_year, [cogs, cogs])
    assert_allclose(result.turnover, [cogs / 41.5, cogs / 45.5])

    total = result.total
    assert total.fill_rate == pytest.approx(185 / 200)
    assert (total.stockout_days, total.orders) == (3, 4)
    assert total.stockout_rate == pytest.approx(3 / 20)
    assert total.turnover == pytest.approx(2 * cogs / 87.0)


def test_cycles_run_from_one_regular_receipt_to_the_next() -> None:
    # The backorder case above over 20 days: receipts on days 5, 10 and 15 (the order of day
    # 13 arrives on day 15), stock-outs on days 9, 14 and 19. Cycles 5..9 and 10..14 are closed
    # and both ran out; lost sales run out only on day 4, before the first receipt.
    result = run(
        flat(10, 20, rows=2),
        Policy.s_q(20, 50),
        lead=2,
        initial_on_hand=45,
        backorders=np.array([True, False]),
    )
    assert_array_equal(result.cycles, [2, 2])
    assert_array_equal(result.cycles_without_stockout, [0, 2])
    assert_allclose(result.cycle_service_level, [0.0, 1.0])


def test_a_lot_expiring_before_use_is_written_off_with_its_value() -> None:
    # 30 on hand with 3 days of life: serves days 0, 1, 2 (5 a day); the 15 left are written
    # off on the morning of day 3, which then runs short. The policy never orders (s = -1).
    result = run(
        flat(5, 6),
        Policy.s_q(-1, 10),
        initial_on_hand=30,
        initial_life=3,
        shelf_life=30,
        backorders=False,
        unit_cost=4.0,
    )
    assert result.trace is not None
    assert_array_equal(result.trace.expired[0], [0, 0, 0, 15, 0, 0])
    assert_array_equal(result.trace.on_hand[0], [25, 20, 15, 0, 0, 0])
    assert_allclose(result.expired_units, [15])
    assert_allclose(result.expired_value, [60])
    assert_allclose(result.fill_rate, [0.5])
    assert_array_equal(result.stockout_days, [3])


def test_received_lots_expire_shelf_life_days_after_arrival() -> None:
    # s = 0, Q = 10, lead time 1, shelf life 2: the lot received on day 1 serves days 1 and 2
    # and its 7 units left are written off on day 3, when the position drops to 0 and the next
    # order goes out (received day 4).
    demand = np.array([[0, 3, 0, 0, 0, 0]], dtype=float)
    result = run(demand, Policy.s_q(0, 10), initial_on_hand=0, shelf_life=2)
    assert result.trace is not None
    assert_array_equal(result.trace.ordered[0], [10, 0, 0, 10, 0, 0])
    assert_array_equal(result.trace.received[0], [0, 10, 0, 0, 10, 0])
    assert_array_equal(result.trace.expired[0], [0, 0, 0, 7, 0, 0])
    assert_array_equal(result.trace.on_hand[0], [0, 7, 7, 0, 10, 10])


def test_fefo_issues_the_older_lot_first() -> None:
    # 10 on hand with 3 days of life, s = 10, Q = 20, lead time 1, shelf life 10, 4 a day.
    # day 0: order 20; issue 4 of the old lot (6 left). day 1: the new lot arrives (expires day
    # 11); issue 4 of the old lot (2 left). day 2: the old lot's last 2, then 2 of the new.
    # Nothing is left to write off on day 3 (newest-first issue would write off 2).
    result = run(
        flat(4, 5),
        Policy.s_q(10, 20),
        initial_on_hand=10,
        initial_life=3,
        shelf_life=10,
    )
    assert result.trace is not None
    assert_array_equal(result.trace.on_hand[0], [6, 22, 18, 14, 10])
    assert_allclose(result.expired_units, [0])
    assert_allclose(result.fill_rate, [1.0])


def test_a_full_set_of_lot_slots_merges_into_the_newest_keeping_the_earlier_expiry() -> None:
    # 10 on hand with 5 days of life, shelf life 10, s = 10, Q = 20, lead time 1, 1 a day.
    # Two slots: the old lot's 5 units left are written off on day 5. One slot: the 20 received
    # on day 1 are merged into the old lot and written off with it (25 units, counted as a
    # merge), conservative.
    options = {"initial_on_hand": 10, "initial_life": 5, "shelf_life": 10, "backorders": False}
    exact = run(flat(1, 8), Policy.s_q(10, 20), lot_slots=2, **options)
    merged = run(flat(1, 8), Policy.s_q(10, 20), lot_slots=1, **options)
    assert_allclose(exact.expired_units, [5])
    assert_array_equal(exact.lot_merges, [0])
    assert_allclose(merged.expired_units, [25])
    assert_array_equal(merged.lot_merges, [1])
    assert merged.total.lot_merges == 1


def test_lots_that_never_expire_are_merged_without_counting() -> None:
    result = run(flat(1, 30), Policy.s_q(10, 3), initial_on_hand=10, lot_slots=1)
    assert_array_equal(result.lot_merges, [0])
    assert result.total.expired_units == 0


def test_periodic_review_orders_up_to_s_on_review_days() -> None:
    # R = 7, S = 100, lead time 3, 10 a day from 100 on hand: day 0 IP = 100, nothing to
    # order; day 7 IP = 30 -> 70 (arrives day 10, when the shelf is exactly empty); day 14 IP
    # = 30 -> 70. With offset 3, reviews on days 3, 10, 17: day 3 orders 30 (IP 70).
    result = run(flat(10, 18), Policy.r_s(7, 100), lead=3, initial_on_hand=100)
    assert result.trace is not None
    assert_array_equal(np.flatnonzero(result.trace.ordered[0]), [7, 14])
    assert_array_equal(result.trace.ordered[0, [7, 14]], [70, 70])
    assert_allclose(result.fill_rate, [1.0])
    shifted = run(flat(10, 18), Policy.r_s(7, 100, review_offset=3), lead=3, initial_on_hand=100)
    assert shifted.trace is not None
    assert_array_equal(np.flatnonzero(shifted.trace.ordered[0]), [3, 10, 17])
    assert_array_equal(shifted.trace.ordered[0, [3, 10, 17]], [30, 70, 70])


def test_s_s_orders_up_to_s_when_the_position_reaches_s() -> None:
    # s = 30, S = 100, 10 a day from 100: IP reaches 30 on the morning of day 7 -> order 70.
    result = run(flat(10, 9), Policy.s_s(30, 100), lead=3, initial_on_hand=100)
    assert result.trace is not None
    assert_array_equal(np.flatnonzero(result.trace.ordered[0]), [7])
    assert result.trace.ordered[0, 7] == 70


def test_order_sizes_respect_moq_and_multiple_and_lift_the_position_above_s() -> None:
    # (s, S) = (20, 50), MOQ 40, multiple 25, 5 a day from 30: day 2 IP = 20 -> 30 -> MOQ 40
    # -> next multiple of 25: 50.
    policy = Policy.s_s(20, 50, min_order=40, order_multiple=25)
    result = run(flat(5, 3), policy, lead=5, initial_on_hand=30)
    assert result.trace is not None
    assert_array_equal(result.trace.ordered[0], [0, 0, 50])
    # (s, Q) = (100, 30) from nothing: IP 0 needs 4 lots (120) to get above 100.
    deep = run(flat(5, 1), Policy.s_q(100, 30), lead=5, initial_on_hand=0)
    assert deep.trace is not None
    assert deep.trace.ordered[0, 0] == 120


def test_default_initial_stock_is_the_top_of_the_policy() -> None:
    policy = Policy(
        reorder_point=np.array([10.0, 10.0, -50.0]),
        order_quantity=np.array([40.0, np.nan, 20.0]),
        order_up_to=np.array([np.nan, 70.0, np.nan]),
    )
    result = simulate(flat(0, 1, rows=3), policy, LeadTime(1), unit_cost=1, holding_rate=0, seed=0)
    assert_allclose(result.start_on_hand, [50, 70, 0])


def test_emergency_order_when_the_shelf_is_empty_and_nothing_arrives_in_time() -> None:
    # s = 10, Q = 50, lead time 10, 5 a day from 20, lost sales; emergency: level 0, 2 days,
    # 20 units. Day 2 orders 50 (due day 12). Day 4 starts empty with nothing due by day 6:
    # emergency order (due day 6); days 4 and 5 run short. Day 10 starts empty again, but the
    # regular order is due on day 12, within 2 days: no emergency; days 10 and 11 run short.
    result = run(
        flat(5, 14),
        Policy.s_q(10, 50),
        lead=10,
        initial_on_hand=20,
        backorders=False,
        emergency=EmergencyRule(level=0, lead_time=2, quantity=20),
    )
    assert result.trace is not None
    assert_array_equal(np.flatnonzero(result.trace.ordered[0]), [2, 4])
    assert result.trace.ordered[0, 4] == 20
    assert_array_equal(np.flatnonzero(result.trace.received[0]), [6, 12])
    assert_array_equal(np.flatnonzero(result.trace.short[0]), [4, 5, 10, 11])
    assert_array_equal(result.orders, [1])
    assert_array_equal(result.emergency_orders, [1])
    assert result.total.emergency_orders == 1
    # the emergency receipt does not start a replenishment cycle
    assert_array_equal(result.cycles, [0])


def test_warm_up_days_are_simulated_but_not_measured() -> None:
    full = run(flat(10, 10), Policy.s_q(20, 50), lead=2, initial_on_hand=45)
    later = run(flat(10, 10), Policy.s_q(20, 50), lead=2, initial_on_hand=45, warm_up=5)
    assert later.days == 5
    assert_allclose(later.start_on_hand, [0])  # the start of day 5, before its receipt
    assert_allclose(later.demand_units, [50])
    assert_allclose(later.fill_rate, [0.9])  # days 5..9: short 5 on day 9
    assert later.trace is not None and full.trace is not None
    assert_array_equal(later.trace.on_hand, full.trace.on_hand)


# --- policies that change from day to day ----------------------------------------------------


def test_a_reorder_point_that_steps_mid_path_changes_the_order_days() -> None:
    # The backorder case of the first test (10 a day, Q = 50, lead time 2, 45 on hand) over 12
    # days; s = 20 throughout orders on days 3 and 8.
    # Row 0, s = 20 on days 0-4 and 40 from day 5: day 5 starts with 50 on hand and 5
    #   backordered (IP 45 > 40); day 6 IP 35 <= 40 -> order (due day 8); days 8-10 mornings 65,
    #   55, 45; day 11 IP 35 -> order. Orders on days 3, 6 and 11, short only on day 4.
    # Row 1, s = 20 on days 0-2 and 0 from day 3: day 3 IP 15 > 0, no order; day 4 runs short;
    #   day 5 IP 0 - 5 <= 0 -> order (due day 7), short 10 on days 5 and 6; day 7 serves the 25
    #   backordered and 10, leaving 15; day 9 ends on 0 with 5 short; day 10 IP -5 -> order.
    # Row 2, s = 20 but Q = 50 on days 0-4 and 30 from day 5: the order of day 8 (IP 15) is one
    #   lot of 30 (due day 10), which leaves 15 after serving the 5 backordered and day 10, so
    #   day 11 (IP 15) orders again.
    days = 12
    point = np.full((3, days), 20.0)
    point[0, 5:] = 40.0
    point[1, 3:] = 0.0
    quantity = np.full((3, days), 50.0)
    quantity[2, 5:] = 30.0
    result = run(flat(10, days, rows=3), Policy.s_q(point, quantity), lead=2, initial_on_hand=45)
    trace = result.trace
    assert trace is not None
    assert_array_equal(np.flatnonzero(trace.ordered[0]), [3, 6, 11])
    assert_array_equal(np.flatnonzero(trace.short[0]), [4])
    assert_array_equal(np.flatnonzero(trace.ordered[1]), [5, 10])
    assert_array_equal(trace.short[1], [0, 0, 0, 0, 5, 10, 10, 0, 0, 5, 10, 10])
    assert_array_equal(trace.on_hand[1, 6:10], [0, 15, 5, 0])
    assert_array_equal(trace.ordered[2], [0, 0, 0, 50, 0, 0, 0, 0, 30, 0, 0, 30])
    assert_array_equal(np.flatnonzero(trace.short[2]), [4, 9])
    constant = run(flat(10, days), Policy.s_q(20, 50), lead=2, initial_on_hand=45)
    assert constant.trace is not None
    assert_array_equal(np.flatnonzero(constant.trace.ordered[0]), [3, 8])


def test_an_emergency_level_in_force_only_from_day_5() -> None:
    # The emergency case above (s = 10, Q = 50, lead time 10, 5 a day from 20, lost sales,
    # emergency 20 units in 2 days), with no emergency level before day 5: day 4 starts empty
    # but may not call; day 5 does (due day 7). Days 7-10 use the 20; day 11 starts empty with
    # the regular order due on day 12: no second emergency order.
    level = np.full((1, 14), np.nan)
    level[0, 5:] = 0.0
    result = run(
        flat(5, 14),
        Policy.s_q(10, 50),
        lead=10,
        initial_on_hand=20,
        backorders=False,
        emergency=EmergencyRule(level=level, lead_time=2, quantity=20),
    )
    assert result.trace is not None
    assert_array_equal(np.flatnonzero(result.trace.ordered[0]), [2, 5])
    assert_array_equal(np.flatnonzero(result.trace.received[0]), [7, 12])
    assert_array_equal(np.flatnonzero(result.trace.short[0]), [4, 5, 6, 11])
    assert_array_equal(result.emergency_orders, [1])
    assert np.isnan(level[0, :5]).all() and (level[0, 5:] == 0).all()  # input left as it was


def test_the_default_initial_stock_is_the_top_of_the_policy_of_day_0() -> None:
    point = np.array([[10.0, 99.0], [30.0, 0.0]])
    quantity = np.array([[40.0, 1.0], [5.0, 5.0]])
    result = run(flat(0, 2, rows=2), Policy.s_q(point, quantity))
    assert_allclose(result.start_on_hand, [50, 35])


def every_day(value: object, n: int, days: int) -> object:
    """An (n,) or scalar policy input as the same value on every day, shape (n, days)."""
    if value is None or np.ndim(value) > 1:
        return value
    return np.repeat(np.broadcast_to(np.asarray(value, dtype=float), (n,))[:, None], days, axis=1)


# --- lead times ------------------------------------------------------------------------------


@pytest.mark.parametrize("distribution", ["gamma", "lognormal"])
def test_random_lead_times_have_the_given_mean_and_spread(distribution: str) -> None:
    rng = np.random.default_rng(5)
    lead = _lead_times(
        LeadTime(np.array([10.0, 4.0]), np.array([3.0, 0.0]), distribution), 2, 20_000, rng
    )  # type: ignore[arg-type]
    assert lead.dtype == np.int64
    assert abs(lead[:, 0].mean() - 10.0) < 0.1
    assert abs(lead[:, 0].std() - np.sqrt(9.0 + 1 / 12)) < 0.1  # rounding adds about 1/12
    assert (lead[:, 1] == 4).all()
    assert lead.min() >= 1


def test_the_same_seed_gives_the_same_simulation() -> None:
    demand = np.random.default_rng(1).poisson(20, (5, 120)).astype(float)
    options = {"unit_cost": 1.0, "holding_rate": 0.2, "shelf_life": 40}
    lead = LeadTime(6, 2)
    first = simulate(demand, Policy.s_q(150, 200), lead, seed=7, **options)
    again = simulate(demand, Policy.s_q(150, 200), lead, seed=7, **options)
    other = simulate(demand, Policy.s_q(150, 200), lead, seed=8, **options)
    assert_array_equal(first.served_units, again.served_units)
    assert_array_equal(first.average_on_hand, again.average_on_hand)
    assert not np.array_equal(first.average_on_hand, other.average_on_hand)


# --- invariants ------------------------------------------------------------------------------


@st.composite
def cases(draw: st.DrawFn, *, varying: bool = False) -> dict:  # type: ignore[type-arg]
    """A random simulation; with `varying`, the policy and the emergency level may change
    from day to day."""
    n = draw(st.integers(1, 3))
    days = draw(st.integers(1, 40))
    whole = draw(st.booleans())
    values = st.integers(0, 15) if whole else st.floats(0, 15, allow_subnormal=False)
    demand = np.array(draw(st.lists(values, min_size=n * days, max_size=n * days)), dtype=float)

    def per_site(strategy: st.SearchStrategy) -> np.ndarray:  # type: ignore[type-arg]
        return np.array(draw(st.lists(strategy, min_size=n, max_size=n)))

    s = per_site(st.integers(-5, 40)).astype(float)
    size = per_site(st.integers(1, 40)).astype(float)
    has_q = per_site(st.booleans())
    daily = varying and draw(st.booleans())
    if daily:

        def per_day(strategy: st.SearchStrategy) -> np.ndarray:  # type: ignore[type-arg]
            drawn = draw(st.lists(strategy, min_size=n * days, max_size=n * days))
            return np.array(drawn, dtype=float).reshape(n, days)

        s = s[:, None] + per_day(st.integers(-5, 20))
        size = per_day(st.integers(1, 40))
        has_q = has_q[:, None] | per_day(st.booleans()).astype(bool)  # kinds may change too
    shelf = per_site(st.sampled_from([np.inf, 0.0, 1.0, 2.0, 5.0, 12.0]))
    life = np.where(np.isfinite(shelf) & (shelf > 0), shelf, 30.0)
    initial_life = np.maximum(np.floor(life * per_site(st.floats(0, 1))), 1.0)
    initial_life = np.where(np.isfinite(shelf) & (shelf > 0), initial_life, np.inf)
    policy = Policy(
        reorder_point=s,
        order_quantity=np.where(has_q, size, np.nan),
        order_up_to=np.where(has_q, np.nan, s + size),
        review_period=per_site(st.integers(1, 4)).astype(float),
        min_order=per_site(st.sampled_from([0.0, 10.0])),
        order_multiple=per_site(st.sampled_from([0.0, 4.0])),
    )
    emergency = None
    if draw(st.booleans()):
        levels = st.sampled_from([np.nan, 0.0, 5.0])
        emergency = EmergencyRule(
            level=per_day(levels) if daily else per_site(levels),
            lead_time=per_site(st.integers(1, 3)).astype(float),
            quantity=per_site(st.integers(0, 20)).astype(float),
        )
    return {
        "demand": demand.reshape(n, days),
        "policy": policy,
        "lead_time": LeadTime(
            per_site(st.integers(1, 6)).astype(float),
            per_site(st.sampled_from([0.0, 0.5, 2.0])),
            draw(st.sampled_from(["gamma", "lognormal"])),
        ),
        "unit_cost": per_site(st.floats(0.5, 10)),
        "holding_rate": 0.2,
        "seed": draw(st.integers(0, 2**16)),
        "shelf_life": shelf,
        "initial_on_hand": per_site(st.integers(0, 50)).astype(float),
        "initial_life": initial_life,
        "backorders": per_site(st.booleans()),
        "emergency": emergency,
        "warm_up": draw(st.integers(0, days - 1)),
        "lot_slots": draw(st.integers(1, 4)),
        "trace": True,
    }


@PROPERTY_SETTINGS
@given(case=cases(varying=True))
def test_stock_balances_and_measures_stay_in_range(case: dict) -> None:  # type: ignore[type-arg]
    result = simulate(**case)
    trace = result.trace
    assert trace is not None
    scale = 1.0 + case["demand"].sum() + case["initial_on_hand"].sum() + result.ordered_units.sum()
    tolerance = 1e-9 * scale
    # start on hand + received = issued + expired + ending on hand
    assert_allclose(
        result.start_on_hand + result.received_units,
        result.issued_units + result.expired_units + result.ending_on_hand,
        atol=tolerance,
    )
    # no negative stock or backorders, ever
    assert (trace.on_hand >= 0).all()
    assert (trace.backorders >= 0).all()
    assert (result.ending_on_hand >= 0).all()
    served, demanded = result.served_units, result.demand_units
    assert (served <= demanded + tolerance).all()
    assert_allclose(served + result.short_units, demanded, atol=tolerance)
    assert_allclose(
        result.lost_units + result.backordered_units, result.short_units, atol=tolerance
    )
    assert (result.lost_units[case["backorders"]] == 0).all()
    assert (result.ending_backorders[~case["backorders"]] == 0).all()
    # fill rate in [0, 1], NaN exactly where nothing was demanded
    assert_array_equal(np.isnan(result.fill_rate), demanded == 0)
    known = ~np.isnan(result.fill_rate)
    assert ((result.fill_rate[known] >= 0) & (result.fill_rate[known] <= 1)).all()
    csl = result.cycle_service_level[result.cycles > 0]
    assert ((csl >= 0) & (csl <= 1)).all()
    assert (result.cycles_without_stockout <= result.cycles).all()
    assert (result.stockout_days <= result.days).all()
    assert (result.stockout_days == (trace.short[:, case["warm_up"] :] > 0).sum(axis=1)).all()
    assert 0 <= result.total.stockout_rate <= 1
    if case["warm_up"] == 0:
        # everything ordered has arrived or is still on order
        assert_allclose(
            result.ordered_units, result.received_units + result.ending_on_order, atol=tolerance
        )
        # backorders raised - backorders served later = backorders outstanding
        later = result.issued_units - served
        assert_allclose(result.backordered_units - later, result.ending_backorders, atol=tolerance)


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(case=cases())
def test_a_policy_given_for_every_day_with_one_value_simulates_identically(
    case: dict,  # type: ignore[type-arg]
) -> None:
    n, days = case["demand"].shape
    policy, emergency = case["policy"], case["emergency"]
    daily = dict(case)
    daily["policy"] = Policy(
        reorder_point=every_day(policy.reorder_point, n, days),  # type: ignore[arg-type]
        order_quantity=every_day(policy.order_quantity, n, days),  # type: ignore[arg-type]
        order_up_to=every_day(policy.order_up_to, n, days),  # type: ignore[arg-type]
        review_period=policy.review_period,
        min_order=policy.min_order,
        order_multiple=policy.order_multiple,
    )
    if emergency is not None:
        daily["emergency"] = EmergencyRule(
            level=every_day(emergency.level, n, days),  # type: ignore[arg-type]
            lead_time=emergency.lead_time,
            quantity=emergency.quantity,
        )
    daily["initial_on_hand"] = None  # the default: the top of the policy (of day 0)
    once = simulate(**(case | {"initial_on_hand": None}))
    again = simulate(**daily)
    assert_equal(asdict(again), asdict(once))  # every measure, the totals and the trace


@PROPERTY_SETTINGS
@given(
    demand=st.lists(st.integers(0, 20), min_size=5, max_size=60),
    level=st.integers(-10, 60),
    size=st.integers(1, 60),
    review=st.integers(1, 5),
    lead=st.integers(1, 6),
    extra=st.integers(0, 30),
    initial=st.integers(0, 80),
    has_q=st.booleans(),
)
def test_more_safety_stock_never_lowers_the_fill_rate(
    *,
    demand: list[int],
    level: int,
    size: int,
    review: int,
    lead: int,
    extra: int,
    initial: int,
    has_q: bool,
) -> None:
    """(R, s, nQ) with s raised, or (R, S) with S raised, on the same demand with backorders
    and a fixed lead time: the inventory position after each review is never lower (for
    (s, nQ) the two differ by a multiple of Q), so neither is the net stock L days later, nor
    any day's service. This need not hold path by path for (s, S) (after s + extra triggers an
    order first, the lower policy may later order up to more), with lost sales, random lead
    times, MOQs or expiry."""
    path = np.array([demand], dtype=float)

    def policy(shift: int) -> Policy:
        if has_q:
            return Policy(reorder_point=level + shift, order_quantity=size, review_period=review)
        return Policy.r_s(review, level + size + shift)

    low = run(path, policy(0), lead=lead, initial_on_hand=initial)
    high = run(path, policy(extra), lead=lead, initial_on_hand=initial)
    assert low.trace is not None and high.trace is not None
    assert (high.trace.short <= low.trace.short).all()
    assert (high.served_units >= low.served_units).all()
    assert (high.average_on_hand >= low.average_on_hand).all()


# --- the textbook service levels on long simulations -----------------------------------------

D_MEAN, D_STD, LEAD, TARGET = 100.0, 30.0, 5, 0.95


def normal_demand(n: int = 1000, days: int = 1500) -> np.ndarray:
    rng = np.random.default_rng(20_261_124)
    return np.maximum(rng.normal(D_MEAN, D_STD, (n, days)), 0.0)


def loss(k: np.ndarray | float) -> np.ndarray:
    """Standard normal loss G(k) = phi(k) - k (1 - Phi(k))."""
    return stats.norm.pdf(k) - k * special.ndtr(-k)


def second_loss(k: float) -> float:
    """G2(k) = integral of G from k to infinity = ((k^2 + 1)(1 - Phi(k)) - k phi(k)) / 2."""
    return 0.5 * ((k * k + 1.0) * special.ndtr(-k) - k * stats.norm.pdf(k))


def test_periodic_review_meets_the_textbook_fill_rate_and_cycle_service() -> None:
    """(R, S) sized with DOMAIN.md's formula: sigma over L + R days, sigma * G(k) = (1 - beta)
    * d * R, S = d (L + R) + k sigma. The simulated fill rate is within 1 point of beta and the
    share of review cycles without a stock-out within 1.5 points of Phi(k) = P(D_{L+R} <= S)."""
    review = 7
    sigma = D_STD * np.sqrt(LEAD + review)
    k = optimize.brentq(lambda k: sigma * loss(k) - (1 - TARGET) * D_MEAN * review, -5, 5)
    order_up_to = D_MEAN * (LEAD + review) + k * sigma
    result = simulate(
        normal_demand(),
        Policy.r_s(review, order_up_to),
        LeadTime(LEAD),
        unit_cost=1.0,
        holding_rate=0.2,
        seed=0,
        warm_up=60,
    )
    assert abs(result.total.fill_rate - TARGET) < 0.01
    assert abs(result.total.cycle_service_level - stats.norm.cdf(k)) < 0.015
    # average on hand ~ safety stock + d R / 2 (+ the half day of the day's demand)
    expected = k * sigma + D_MEAN * review / 2
    assert abs(result.total.average_inventory_value / 1000 - expected) < 0.05 * expected


def test_daily_review_s_nq_meets_the_textbook_fill_rate() -> None:
    """(s, nQ) reviewed daily is (R, s, nQ) with R = 1: the position after a review is uniform
    on (s, s + Q], so a day's expected shortage is (1/Q) * integral over y in (s, s + Q] of
    E(D_{L+1} - y)+ - E(D_L - y)+ (Hadley & Whitin), and for normal demand the integral of
    E(X - y)+ over y in (a, b) is sigma^2 (G2((a - mu)/sigma) - G2((b - mu)/sigma)). With s
    solving fill rate = beta, the simulated fill rate is within 1 point of beta."""
    quantity = 500.0

    def integrated(days: int, s: float) -> float:
        mu, sigma = D_MEAN * days, D_STD * np.sqrt(days)
        return sigma**2 * (second_loss((s - mu) / sigma) - second_loss((s + quantity - mu) / sigma))

    def fill(s: float) -> float:
        shortage = (integrated(LEAD + 1, s) - integrated(LEAD, s)) / quantity
        return 1.0 - shortage / D_MEAN

    reorder_point = optimize.brentq(lambda s: fill(s) - TARGET, 0.0, 2000.0)
    result = simulate(
        normal_demand(),
        Policy.s_q(reorder_point, quantity),
        LeadTime(LEAD),
        unit_cost=1.0,
        holding_rate=0.2,
        seed=0,
        warm_up=60,
    )
    assert abs(result.total.fill_rate - TARGET) < 0.01


# --- demand paths ----------------------------------------------------------------------------


def test_bootstrap_keeps_the_weekday_pattern_and_draws_whole_weeks() -> None:
    # 72 days of history (10 whole weeks and 2 days): weekday w has demand 10*w + the number of
    # its block / 100 (blocks counted back from the last day), so every value tells both.
    days = np.arange(72)
    weekday = (days + 5) % 7
    block = (71 - days) // 7
    history = np.vstack([10.0 * weekday + block / 100, 10.0 * weekday + 0.5])
    paths = bootstrap_demand(history, 30, seed=3)
    assert paths.shape == (2, 30)
    # the first simulated day is day 72, weekday (72 + 5) % 7
    assert_array_equal(np.floor(paths / 10), np.broadcast_to((np.arange(72, 102) + 5) % 7, (2, 30)))
    # each simulated week is one block of the history, never the 2 days before the first block
    blocks = np.round((paths[0] % 10) * 100)
    assert all(len(set(blocks[j : j + 7])) == 1 for j in range(0, 28, 7))
    assert blocks.max() <= 9
    assert_array_equal(paths, bootstrap_demand(history, 30, seed=3))
    assert not np.array_equal(paths, bootstrap_demand(history, 30, seed=4))


def test_bootstrap_can_use_only_recent_weeks_and_the_same_weeks_everywhere() -> None:
    history = np.tile(np.arange(70, dtype=float), (3, 1))  # day index as demand
    recent = bootstrap_demand(history, 14, seed=1, weeks=2)
    assert recent.min() >= 56  # only days 56..69
    common = bootstrap_demand(history, 21, seed=1, common_weeks=True)
    assert (common == common[0]).all()


@pytest.mark.parametrize(
    ("history", "days", "options", "message"),
    [
        (np.ones((1, 6)), 5, {}, "at least one whole week"),
        (np.ones((1, 14)), 0, {}, "days must be a whole number >= 1"),
        (np.ones((1, 14)), 5, {"weeks": 3}, "more than the 2 whole weeks"),
        (np.array([[1.0] * 13 + [np.nan]]), 5, {}, "NaN or infinite"),
    ],
)
def test_bootstrap_refuses_bad_input(
    history: np.ndarray, days: int, options: dict, message: str
) -> None:  # type: ignore[type-arg]
    with pytest.raises(EngineInputError, match=message):
        bootstrap_demand(history, days, seed=0, **options)


# --- input checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"demand": np.ones(5)}, "2-D array"),
        ({"demand": np.array([[1.0, -1.0]])}, "negative days at 1 SKU-site"),
        ({"policy": Policy(reorder_point=5.0)}, "neither is set"),
        ({"policy": Policy(reorder_point=5.0, order_quantity=3.0, order_up_to=9.0)}, "not both"),
        ({"policy": Policy.s_s(10.0, 5.0)}, "order-up-to level must be >= the reorder point"),
        ({"policy": Policy.s_q(5.0, 0.0)}, "Order quantity must be > 0"),
        ({"policy": Policy.r_s(0, 50.0)}, "Review period must be >= 1"),
        ({"policy": Policy.r_s(2.5, 50.0)}, "Review period must be whole days"),
        ({"policy": Policy.r_s(7, 50.0, review_offset=7)}, "offset must be below"),
        ({"lead_time": LeadTime(0.0)}, "Lead time must be > 0"),
        ({"lead_time": LeadTime(5.0, -1.0)}, "Lead-time standard deviation must be >= 0"),
        ({"lead_time": LeadTime(5.0, 1.0, "weibull")}, "must be one of gamma, lognormal"),  # type: ignore[arg-type]
        ({"shelf_life": 2.5}, "Shelf life must be whole days"),
        ({"shelf_life": 10, "initial_life": 20}, "at most the shelf life"),
        ({"unit_cost": np.array([1.0, 2.0, 3.0])}, "one value per SKU-site"),
        ({"warm_up": 4}, "warm_up .4. must be shorter than the 4 days"),
        ({"lot_slots": 0}, "lot_slots must be a whole number >= 1"),
        ({"seed": None}, "seed must be a whole number"),
        ({"emergency": EmergencyRule(0.0, 0.0, 5.0)}, "Emergency lead time must be >= 1"),
        ({"policy": Policy.s_q(np.ones((2, 5)), 10.0)}, r"one per SKU-site and day \(2 x 4\)"),
        ({"policy": Policy.s_q(np.ones((2, 4, 1)), 10.0)}, r"not shape \(2, 4, 1\)"),
        (
            {"policy": Policy.s_q(np.array([[1.0, 1, 1, 1], [1, 1, np.nan, 1]]), 10.0)},
            r"Reorder point is missing \(NaN\) at 1 SKU-site \(first: index \(1, 2\)\)",
        ),
        (
            {"policy": Policy.s_q(5.0, np.array([[1.0, 1, 1, 1], [1, 0, 1, 1]]))},
            r"Order quantity must be > 0, and is not at 1 SKU-site \(first: index \(1, 1\)",
        ),
        (
            {"policy": Policy(5.0, np.array([[1.0, 1, 1, 1], [1, 1, 1, np.nan]]), np.nan)},
            r"neither is set at 1 SKU-site \(first: index \(1, 3\)\)",
        ),
        (
            {"policy": Policy(5.0, 2.0, np.array([[np.nan] * 4, [np.nan, 9.0, np.nan, 9.0]]))},
            r"not both: both are set at 1 SKU-site \(first: index \(1, 1\)\)",
        ),
        (
            {"policy": Policy.s_s(np.array([[1.0, 1, 1, 1], [1, 1, 8, 1]]), 5.0)},
            r"must be >= the reorder point, and is not at 1 SKU-site \(first: index \(1, 2\), "
            r"value 5\)",
        ),
        (
            {"emergency": EmergencyRule(np.full((2, 4), np.inf), 1.0, 5.0)},
            "Emergency level is infinite",
        ),
    ],
)
def test_simulate_refuses_bad_input(change: dict, message: str) -> None:  # type: ignore[type-arg]
    arguments = {
        "demand": np.ones((2, 4)),
        "policy": Policy.s_q(5.0, 10.0),
        "lead_time": LeadTime(2.0),
        "unit_cost": 1.0,
        "holding_rate": 0.2,
        "seed": 0,
    } | change
    with pytest.raises(EngineInputError, match=message):
        simulate(**arguments)
