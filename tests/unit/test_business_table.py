"""The business case's table (demo.business_table): changes computed from the two arms'
stored figures, in points for rates and per cent otherwise, and the fill rates stated beside
the stock figures, saying so when service differs."""

from hypothesis import given
from hypothesis import strategies as st

from demo.business_table import (
    MEASURES,
    UNEQUAL_SERVICE_POINTS,
    business_table,
    change_of,
    table_lines,
)

RATE = next(m for m in MEASURES if m.key == "fill_rate")
STOCK = next(m for m in MEASURES if m.key == "average_inventory_value")
EXPIRED = next(m for m in MEASURES if m.key == "expired_value")


def totals(fill: float, inventory: float, expired: float = 0.0) -> dict:
    return {
        "fill_rate": fill,
        "value_fill_rate": fill,
        "stockout_rate": 1 - fill,
        "turnover": 1.0 / inventory * 1e5 if inventory else None,
        "average_inventory_value": inventory,
        "carrying_cost": inventory * 0.25 * 90 / 365,
        "emergency_orders": 3,
        "expired_value": expired,
    }


def arm(fill: float, inventory: float, by_abc: dict | None = None) -> dict:
    return {"total": totals(fill, inventory), "by_abc": by_abc or {}}


def test_rates_change_in_points_and_money_in_per_cent_of_the_textbook_figure() -> None:
    table = business_table(arm(0.95, 200_000.0), arm(0.97, 150_000.0))

    fill = next(row for row in table.total.rows if row.measure is RATE)
    stock = next(row for row in table.total.rows if row.measure is STOCK)
    assert fill.change is not None and round(fill.change, 6) == 2.0
    assert (fill.change_text, fill.better) == ("+2.0 pt", True)
    assert stock.change == -25.0
    assert (stock.change_text, stock.better) == ("-25.0 %", True)


def test_a_change_from_zero_or_a_missing_figure_is_not_a_percentage() -> None:
    assert change_of(EXPIRED, 0.0, 120.0) is None
    assert change_of(EXPIRED, None, 120.0) is None
    assert change_of(RATE, 0.0, 0.5) == 50.0


def test_unequal_service_is_stated_beside_the_stock_figures() -> None:
    table = business_table(arm(0.97, 200_000.0), arm(0.95, 150_000.0))

    assert not table.total.equal_service
    assert "Not at equal service" in table.total.service_note
    assert "-2.0 points" in table.total.service_note
    assert f"  {table.total.service_note}" in table_lines(table)


def test_within_half_a_point_the_service_is_called_about_equal() -> None:
    table = business_table(arm(0.970, 200_000.0), arm(0.966, 150_000.0))

    assert table.total.equal_service
    assert "about equal service" in table.total.service_note


def test_every_class_either_arm_has_gets_a_section_unclassified_last() -> None:
    textbook = arm(0.95, 1.0, {"B": totals(0.9, 1.0), "": totals(0.8, 1.0)})
    optimized = arm(0.96, 1.0, {"A": totals(0.99, 1.0), "B": totals(0.92, 1.0)})

    table = business_table(textbook, optimized)

    assert [section.name for section in table.sections] == ["total", "A", "B", "unclassified"]
    only_optimized = table.section("A").rows[0]
    assert (only_optimized.textbook, only_optimized.change) == (None, None)


@given(
    st.floats(min_value=0.01, max_value=1e7, allow_nan=False),
    st.floats(min_value=0.0, max_value=1e7, allow_nan=False),
)
def test_a_lower_stock_figure_is_better_exactly_when_its_change_is_negative(
    textbook: float, optimized: float
) -> None:
    table = business_table(arm(0.95, textbook), arm(0.95, optimized))
    row = next(row for row in table.total.rows if row.measure is STOCK)

    assert row.change is not None
    if optimized == textbook:
        assert row.better is None
    else:
        assert row.better == (row.change < 0)


@given(
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
)
def test_equal_service_means_fill_rates_within_the_threshold(a: float, b: float) -> None:
    section = business_table(arm(a, 1.0), arm(b, 1.0)).total

    assert section.equal_service == (abs(b - a) * 100 <= UNEQUAL_SERVICE_POINTS)
