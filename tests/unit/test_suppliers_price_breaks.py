"""Supplier price breaks: one parse, one rule, one all-units price."""

from decimal import Decimal

import numpy as np
import pytest

from suppliers.price_breaks import PriceBreak, PriceBreaks, PriceBreaksInvalid, engine_arrays

SCHEDULE = PriceBreaks.from_stored(
    [{"min_quantity": 100, "unit_price": "9.50"}, {"min_quantity": 500, "unit_price": "9.00"}]
)


def test_unit_price_is_the_largest_break_reached_else_the_list_price() -> None:
    assert SCHEDULE.unit_price_at(99, Decimal("10.00")) == Decimal("10.00")
    assert SCHEDULE.unit_price_at(100, Decimal("10.00")) == Decimal("9.50")
    assert SCHEDULE.unit_price_at(750, Decimal("10.00")) == Decimal("9.00")
    assert SCHEDULE.unit_price_at(750, Decimal("8.00")) == Decimal("8.00")  # never above list


def test_parse_keeps_whole_quantities_and_decimal_prices() -> None:
    parsed = PriceBreaks.parse([{"min_quantity": "500", "unit_price": 9.5}])
    assert parsed.tiers == (PriceBreak(Decimal(500), Decimal("9.5")),)
    assert parsed.to_stored() == [{"min_quantity": 500, "unit_price": "9.5"}]


@pytest.mark.parametrize(
    "rows",
    [
        "500:9.50",
        [{"min_quantity": 500}],
        [{"min_quantity": 0, "unit_price": "1"}],
        [{"min_quantity": 500, "unit_price": "9"}, {"min_quantity": 500, "unit_price": "8"}],
        [{"min_quantity": 500, "unit_price": "-1"}],
    ],
)
def test_parse_refuses_a_schedule_against_the_rule(rows: object) -> None:
    with pytest.raises(PriceBreaksInvalid):
        PriceBreaks.parse(rows)


def test_cell_round_trip() -> None:
    parsed = PriceBreaks.parse_cell("500:9.50; 1000:9.00")
    assert parsed.to_cell() == "500:9.50; 1000:9.00"
    with pytest.raises(PriceBreaksInvalid, match="is not quantity:price"):
        PriceBreaks.parse_cell("500")


def test_engine_arrays_are_nan_padded_floats() -> None:
    quantities, prices = engine_arrays([SCHEDULE, PriceBreaks()])
    assert quantities is not None and prices is not None
    np.testing.assert_array_equal(quantities, [[100.0, 500.0], [np.nan, np.nan]])
    np.testing.assert_array_equal(prices, [[9.5, 9.0], [np.nan, np.nan]])
    assert engine_arrays([PriceBreaks()]) == (None, None)
