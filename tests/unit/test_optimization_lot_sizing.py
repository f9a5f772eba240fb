"""Lot sizing: textbook EOQ and quantity-discount answers, brute force over every feasible
quantity, the shelf-life cap, MOQ and multiples, edge cases and input checks."""

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from optimization.engine.lot_sizing import economic_order_quantity, lot_size, shelf_life_cap
from optimization.engine.types import EngineInputError

NAN = np.nan

# --- published answers -----------------------------------------------------------------------


def test_eoq_of_the_sharp_needles_example() -> None:
    """Heizer & Render, Operations Management (Pearson), chapter "Inventory Management",
    Sharp, Inc. (hypodermic needles): D = 1,000 units per year, S = $10 per order,
    H = $0.50 per unit per year. Published: Q* = 200 units, 5 orders a year, total annual
    ordering + holding cost $100."""
    lots = lot_size(1000.0, 10.0, 1.0, 0.5)  # H = 0.5 * $1

    assert_allclose(economic_order_quantity(1000.0, 10.0, 0.5), [200.0])
    assert_array_equal(lots.quantity, [200.0])
    assert_allclose(lots.annual_cost - 1000.0 * 1.0, [100.0])  # less the purchase cost
    assert lots.reason[0] == "eoq"


def test_eoq_of_snyder_and_shen_example_3_1() -> None:
    """Snyder & Shen, Fundamentals of Supply Chain Theory, 2nd ed. (Wiley, 2019), Example 3.1:
    K = 8, h = 0.225, lambda = 1,300 per year. Published: Q* = 304.05, g(Q*) = 68.41."""
    assert_allclose(economic_order_quantity(1300.0, 8.0, 0.225), [304.0467800264368])
    lots = lot_size(1300.0, 8.0, 1.0, 0.225)  # whole units: 304
    assert_array_equal(lots.quantity, [304.0])
    assert_allclose(lots.annual_cost - 1300.0, [68.41], atol=0.005)


def test_all_units_discount_of_the_wohls_discount_store_example() -> None:
    """Heizer & Render, Operations Management (Pearson), chapter "Inventory Management",
    quantity-discount model, Wohl's Discount Store: D = 5,000 per year, S = $49 per order,
    I = 20 % of the price per year; $5.00 below 1,000 units, $4.80 from 1,000, $4.75 from
    2,000. Published: EOQs 700, 714 (raised to 1,000) and 718 (raised to 2,000); total costs
    $25,700, $24,725 and $24,822.50; order 1,000 units at $4.80."""
    lots = lot_size(
        5000.0,
        49.0,
        5.00,
        0.20,
        break_quantities=np.array([[1000.0, 2000.0]]),
        break_prices=np.array([[4.80, 4.75]]),
    )

    assert_array_equal(lots.quantity, [1000.0])
    assert_allclose(lots.unit_price, [4.80])
    assert_allclose(lots.annual_cost, [24725.0])
    assert_allclose(lots.eoq, [700.0])
    assert lots.reason[0] == "price_break"
    # The other two published totals, each tier on its own:
    assert_allclose(lot_size(5000.0, 49.0, 5.00, 0.20, cap=999).annual_cost, [25700.0])
    assert_allclose(lot_size(5000.0, 49.0, 4.75, 0.20, moq=2000).annual_cost, [24822.5])


def test_breaks_may_come_in_any_order_and_padded_with_nan() -> None:
    lots = lot_size(
        np.array([5000.0, 5000.0]),
        49.0,
        5.00,
        0.20,
        break_quantities=np.array([[2000.0, NAN, 1000.0], [NAN, NAN, NAN]]),
        break_prices=np.array([[4.75, NAN, 4.80], [NAN, NAN, NAN]]),
    )
    assert_array_equal(lots.quantity, [1000.0, 700.0])
    assert_allclose(lots.unit_price, [4.80, 5.00])


def test_a_deep_discount_makes_the_largest_break_win() -> None:
    lots = lot_size(
        5000.0,
        49.0,
        5.00,
        0.20,
        break_quantities=np.array([[1000.0, 2000.0]]),
        break_prices=np.array([[4.80, 4.50]]),
    )
    # 2,000 at $4.50: 22,500 + 122.50 + 900 = 23,522.50
    assert_array_equal(lots.quantity, [2000.0])
    assert_allclose(lots.annual_cost, [23522.5])


# --- brute force -----------------------------------------------------------------------------


def _brute_force(
    *,
    demand: float,
    setup: float,
    base: float,
    rate: float,
    moq: float,
    multiple: float,
    breaks: list[tuple[float, float]],
    cap: float,
) -> tuple[float, float]:
    """The cheapest feasible quantity by trying every multiple up to well past every EOQ."""
    prices = [base] + [price for _, price in breaks]
    top = max(
        [moq + multiple, *(q + multiple for q, _ in breaks)]
        + [3.0 * np.sqrt(2 * demand * setup / (rate * p)) + multiple for p in prices]
    )
    if np.isfinite(cap):
        top = min(top, cap)
    q_min = multiple * max(np.ceil(moq / multiple - 1e-9), 1.0)
    quantities = np.arange(q_min, top + 1e-9, multiple)
    if quantities.size == 0:
        return np.nan, np.nan
    price = np.full(quantities.shape, base)
    for quantity, unit in sorted(breaks):
        price = np.where(quantities >= quantity, unit, price)
    cost = demand * price + demand * setup / quantities + rate * price * quantities / 2
    best = int(np.argmin(cost))
    return float(quantities[best]), float(cost[best])


BREAKS = st.lists(
    st.tuples(st.integers(1, 400).map(float), st.floats(0.5, 12.0)), min_size=0, max_size=3
).filter(lambda breaks: len({q for q, _ in breaks}) == len(breaks))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    demand=st.one_of(st.just(0.0), st.floats(1.0, 20_000.0)),
    setup=st.one_of(st.just(0.0), st.floats(1.0, 300.0)),
    base=st.floats(0.5, 12.0),
    rate=st.floats(0.05, 0.5),
    moq=st.integers(0, 120).map(float),
    multiple=st.sampled_from([1.0, 2.0, 5.0, 12.0, 25.0]),
    breaks=BREAKS,
    cap=st.one_of(st.just(np.inf), st.integers(0, 600).map(float)),
)
@example(
    demand=5000.0,
    setup=49.0,
    base=5.0,
    rate=0.2,
    moq=0.0,
    multiple=1.0,
    breaks=[(1000.0, 4.8), (2000.0, 4.75)],
    cap=np.inf,
)
def test_lot_size_is_the_cheapest_feasible_quantity(
    *,
    demand: float,
    setup: float,
    base: float,
    rate: float,
    moq: float,
    multiple: float,
    breaks: list[tuple[float, float]],
    cap: float,
) -> None:
    quantities = np.array([[q for q, _ in breaks]]) if breaks else None
    prices = np.array([[p for _, p in breaks]]) if breaks else None
    lots = lot_size(
        demand,
        setup,
        base,
        rate,
        moq=moq,
        order_multiple=multiple,
        break_quantities=quantities,
        break_prices=prices,
        cap=cap,
    )
    expected_q, expected_cost = _brute_force(
        demand=demand,
        setup=setup,
        base=base,
        rate=rate,
        moq=moq,
        multiple=multiple,
        breaks=breaks,
        cap=cap,
    )
    q_min = multiple * max(np.ceil(moq / multiple - 1e-9), 1.0)
    if np.isnan(expected_q):  # nothing the supplier accepts fits under the cap
        assert lots.reason[0] == "shelf_life_conflict"
        assert_allclose(lots.quantity, [q_min])
        return
    assert lots.reason[0] != "shelf_life_conflict"
    assert_allclose(lots.annual_cost, [expected_cost], rtol=1e-12)
    q = lots.quantity[0]
    assert q <= cap and q >= moq
    assert abs(q / multiple - round(q / multiple)) < 1e-9


# --- constraints, one at a time --------------------------------------------------------------


def test_moq_and_order_multiple() -> None:
    # EOQ 200 each: multiple 30 -> 210 (cheaper than 180); MOQ 250 -> 250; MOQ 250 with
    # multiple 40 -> 280, the first multiple of 40 at or above 250.
    lots = lot_size(
        1000.0, 10.0, 1.0, 0.5, moq=[1.0, 250.0, 250.0], order_multiple=[30.0, 1.0, 40.0]
    )
    assert_array_equal(lots.quantity, [210.0, 250.0, 280.0])
    assert lots.reason.tolist() == ["eoq", "moq", "moq"]


def test_shelf_life_cap_is_demand_in_the_usable_window() -> None:
    # 10 a day; arrives with 100 days left; unusable below 30 days left: 10 * 70 = 700.
    # No shelf life (inf or NaN): no cap. Arrives with less than the minimum: 0.
    cap = shelf_life_cap(10.0, np.array([100.0, np.inf, NAN, 20.0]), 30.0)
    assert_array_equal(cap, [700.0, np.inf, np.inf, 0.0])


def test_the_cap_lowers_the_order_and_rounds_down_to_the_multiple() -> None:
    # EOQ 200; cap 150 -> 150; cap 150 with multiple 40 -> 120.
    lots = lot_size(1000.0, 10.0, 1.0, 0.5, order_multiple=[1.0, 40.0], cap=150.0)
    assert_array_equal(lots.quantity, [150.0, 120.0])
    assert lots.reason.tolist() == ["shelf_life", "shelf_life"]


def test_the_cap_keeps_a_price_break_out_of_reach() -> None:
    lots = lot_size(
        5000.0,
        49.0,
        5.00,
        0.20,
        break_quantities=np.array([[1000.0, 2000.0]]),
        break_prices=np.array([[4.80, 4.75]]),
        cap=900.0,
    )
    assert_array_equal(lots.quantity, [700.0])
    assert_allclose(lots.unit_price, [5.00])


def test_moq_above_the_cap_orders_the_moq_and_says_it_conflicts() -> None:
    lots = lot_size(1000.0, 10.0, 1.0, 0.5, moq=500.0, cap=300.0)
    assert_array_equal(lots.quantity, [500.0])
    assert lots.reason[0] == "shelf_life_conflict"


def test_zero_demand_and_zero_order_cost_order_the_smallest_accepted_quantity() -> None:
    lots = lot_size(np.array([0.0, 1000.0]), np.array([10.0, 0.0]), 2.0, 0.25, moq=12.0)
    assert_array_equal(lots.quantity, [12.0, 12.0])
    assert np.isfinite(lots.annual_cost).all()
    assert (lots.annual_cost >= 0).all()


def test_a_batch_is_computed_row_by_row() -> None:
    rng = np.random.default_rng(3)
    n = 50
    demand = rng.uniform(0, 5000, n)
    setup = rng.uniform(0, 200, n)
    price = rng.uniform(1, 20, n)
    moq = rng.integers(0, 100, n).astype(float)
    multiple = rng.choice([1.0, 6.0, 10.0], n)
    quantities = np.where(rng.random((n, 2)) < 0.3, NAN, rng.integers(50, 900, (n, 2)))
    prices = np.where(np.isnan(quantities), NAN, price[:, None] * rng.uniform(0.8, 1.0, (n, 2)))
    cap = np.where(rng.random(n) < 0.5, np.inf, rng.uniform(0, 1000, n))
    batch = lot_size(
        demand,
        setup,
        price,
        0.25,
        moq=moq,
        order_multiple=multiple,
        break_quantities=quantities,
        break_prices=prices,
        cap=cap,
    )
    for i in range(n):
        alone = lot_size(
            demand[i],
            setup[i],
            price[i],
            0.25,
            moq=moq[i],
            order_multiple=multiple[i],
            break_quantities=quantities[i : i + 1],
            break_prices=prices[i : i + 1],
            cap=cap[i],
        )
        assert alone.quantity[0] == batch.quantity[i]
        assert alone.reason[0] == batch.reason[i]


# --- input checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"annual_demand": -1.0}, "Annual demand must be >= 0"),
        ({"annual_demand": NAN}, "Annual demand is missing"),
        ({"unit_price": 0.0}, "Unit price must be > 0"),
        ({"holding_rate": 0.0}, "Holding rate must be > 0"),
        ({"order_cost": -5.0}, "Order cost must be >= 0"),
        ({"order_multiple": 0.0}, "Order multiple must be > 0"),
        ({"moq": -1.0}, "Minimum order quantity must be >= 0"),
        ({"cap": -1.0}, "Order cap must be >= 0"),
        ({"annual_demand": np.ones((2, 2))}, "one value per SKU-site"),
        ({"break_quantities": np.array([[100.0]])}, "both break quantities and break prices"),
        (
            {"break_quantities": np.array([[100.0, NAN]]), "break_prices": np.array([[1.0, 2.0]])},
            "needs a quantity and a price",
        ),
        (
            {"break_quantities": np.array([[-5.0]]), "break_prices": np.array([[1.0]])},
            "must be finite and > 0",
        ),
        (
            {"break_quantities": np.ones((3, 1)), "break_prices": np.ones((3, 1))},
            "one value per SKU-site \\(3\\)",
        ),
    ],
)
def test_lot_size_refuses_impossible_input(kwargs: dict, message: str) -> None:
    arguments = {
        "annual_demand": np.array([1000.0, 500.0]),
        "order_cost": 10.0,
        "unit_price": 1.0,
        "holding_rate": 0.5,
    } | kwargs
    with pytest.raises(EngineInputError, match=message):
        lot_size(**arguments)


def test_errors_say_where() -> None:
    with pytest.raises(
        EngineInputError,
        match=r"must be >= 0, and is not at 2 SKU-sites \(first: index 1, value -3\)",
    ):
        lot_size(np.array([5.0, -3.0, -1.0]), 10.0, 1.0, 0.5)


def test_the_cost_curve_reproduces_the_textbook_tier_costs() -> None:
    """Heizer & Render's Wohl's Discount Store: D = 5,000, S = 49, i = 20 %, base price 5.00,
    breaks 1,000 at 4.80 and 2,000 at 4.75: 700 units cost 25,700 a year, 1,000 cost 24,725
    and 2,000 cost 24,822.50."""
    from optimization.engine.lot_sizing import total_cost_curve

    curve = total_cost_curve(
        np.array([700.0, 1000.0, 2000.0]),
        5000,
        49,
        5.0,
        0.2,
        break_quantities=np.array([2000.0, 1000.0]),
        break_prices=np.array([4.75, 4.80]),
    )

    np.testing.assert_allclose(curve["total"], [25700, 24725, 24822.5])
    np.testing.assert_allclose(curve["unit_price"], [5.0, 4.8, 4.75])
