from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.rules import (
    LotOnHand,
    abc_classes,
    coefficient_of_variation,
    days_of_cover,
    fefo_takes,
    projected_expiring_units,
    stock_status,
    xyz_class,
)

TODAY = date(2026, 3, 1)


def lot(quantity: int, days: int) -> LotOnHand:
    return LotOnHand(quantity, TODAY + timedelta(days=days))


def test_lot_consumed_before_expiry_is_not_at_risk() -> None:
    # 10 a day for 30 usable days (expiry day included: 29 + 1) consumes 300 units.
    assert projected_expiring_units([lot(300, 29)], daily_demand=10, today=TODAY) == 0


def test_only_what_demand_cannot_reach_is_at_risk() -> None:
    assert projected_expiring_units([lot(500, 29)], daily_demand=10, today=TODAY) == 200


def test_fefo_first_lot_takes_demand_before_the_second() -> None:
    # First lot (usable 10 days) takes 100 of the 100 the demand allows; the second lot
    # (usable 20 days) gets the next 100 of its 300.
    lots = [lot(300, 19), lot(100, 9)]
    assert projected_expiring_units(lots, daily_demand=10, today=TODAY) == 200


def test_lots_beyond_the_window_are_not_counted() -> None:
    assert projected_expiring_units([lot(10_000, 200)], daily_demand=1, today=TODAY) == 0


def test_no_demand_means_every_unit_in_the_window_is_at_risk() -> None:
    assert projected_expiring_units([lot(40, 10)], daily_demand=0, today=TODAY) == 40


@given(
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 120)), max_size=8),
    st.floats(0, 500, allow_nan=False),
)
def test_at_risk_units_are_between_zero_and_the_stock_in_the_window(lots, demand) -> None:  # type: ignore[no-untyped-def]
    on_hand = [lot(quantity, days) for quantity, days in lots]
    at_risk = projected_expiring_units(on_hand, daily_demand=demand, today=TODAY)
    in_window = sum(item.quantity for item in on_hand if (item.expiry_date - TODAY).days < 90)
    assert 0 <= at_risk <= in_window


@given(
    st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 89)), min_size=1, max_size=6),
    st.floats(0, 50, allow_nan=False),
)
def test_more_demand_never_means_more_waste(lots, demand) -> None:  # type: ignore[no-untyped-def]
    on_hand = [lot(quantity, days) for quantity, days in lots]
    assert projected_expiring_units(on_hand, daily_demand=demand + 5, today=TODAY) <= (
        projected_expiring_units(on_hand, daily_demand=demand, today=TODAY)
    )


def test_days_of_cover_is_stock_over_daily_demand() -> None:
    assert days_of_cover(120, 8) == 15
    assert days_of_cover(120, 0) is None


def figures(**overrides: object) -> dict:
    base = {
        "on_hand": 100,
        "inventory_position": 100,
        "daily_demand": 5.0,
        "safety_stock": 50,
        "expiring_units": 0,
        "cover_days": 20.0,
    }
    return {**base, **overrides}


def test_status_stockout_when_nothing_on_hand_and_demand_exists() -> None:
    assert stock_status(**figures(on_hand=0, inventory_position=300)) == "stockout"


def test_status_below_safety_uses_the_inventory_position() -> None:
    assert stock_status(**figures(inventory_position=49)) == "below_safety"


def test_status_stockout_risk_when_the_stockout_rule_projects_one() -> None:
    assert stock_status(**figures(stockout_projected=True, expiring_units=3)) == "stockout_risk"


def test_status_below_safety_outranks_a_projected_stockout() -> None:
    assert stock_status(**figures(inventory_position=49, stockout_projected=True)) == (
        "below_safety"
    )


def test_status_expiring_when_units_will_expire_unused() -> None:
    assert stock_status(**figures(expiring_units=3)) == "expiring"


def test_status_excess_beyond_180_days_of_cover() -> None:
    assert stock_status(**figures(cover_days=181.0)) == "excess"


def test_status_excess_when_stock_has_no_demand() -> None:
    assert stock_status(**figures(daily_demand=0.0, cover_days=None, safety_stock=None)) == (
        "excess"
    )


def test_status_ok_for_stock_kept_for_the_sites_it_replenishes() -> None:
    assert stock_status(**figures(daily_demand=0.0, cover_days=None)) == "ok"


def test_status_ok_otherwise_and_without_policy() -> None:
    assert stock_status(**figures(safety_stock=None)) == "ok"


def test_abc_textbook_example() -> None:
    # Shares 50, 25, 10, 8, 4, 3 (%): cumulative before each: 0, 50, 75, 85, 93, 97.
    values = [50, 25, 10, 8, 4, 3]
    assert abc_classes(values) == ["A", "A", "A", "B", "B", "C"]


def test_abc_ignores_input_order() -> None:
    assert abc_classes([3, 50, 8, 25, 4, 10]) == ["C", "A", "B", "A", "B", "A"]


def test_abc_items_without_consumption_are_c() -> None:
    assert abc_classes([0, 0]) == ["C", "C"]


def test_abc_refuses_thresholds_out_of_order() -> None:
    with pytest.raises(ValueError, match="0 < A < B"):
        abc_classes([1, 2], a_share=0.9, b_share=0.8)


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=50))
def test_abc_a_items_never_have_less_value_than_c_items(values) -> None:  # type: ignore[no-untyped-def]
    classes = abc_classes(values)
    a_values = [v for v, c in zip(values, classes, strict=True) if c == "A"]
    c_values = [v for v, c in zip(values, classes, strict=True) if c == "C"]
    if a_values and c_values:
        assert min(a_values) >= max(c_values)


def test_cv_of_steady_demand_is_zero_and_xyz_thresholds() -> None:
    assert coefficient_of_variation([10, 10, 10]) == 0
    assert coefficient_of_variation([0, 0]) is None
    assert [xyz_class(cv) for cv in (0.49, 0.5, 0.99, 1.0, None)] == ["X", "Y", "Y", "Z", "Z"]


def test_cv_known_value() -> None:
    # mean 10, population std 5 -> CV 0.5
    assert coefficient_of_variation([5, 15, 5, 15]) == pytest.approx(0.5)


def test_fefo_takes_empties_each_lot_before_the_next() -> None:
    assert fefo_takes([20, 30, 50], 45) == [20, 25, 0]


def test_fefo_takes_exactly_what_the_lots_hold() -> None:
    assert fefo_takes([20, 30], 50) == [20, 30]


def test_fefo_takes_every_lot_whole_when_they_hold_too_little() -> None:
    assert fefo_takes([20, 30], 80) == [20, 30]


def test_fefo_takes_nothing_for_no_quantity() -> None:
    assert fefo_takes([20, 30], 0) == [0, 0]
