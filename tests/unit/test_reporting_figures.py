"""The overview's figures on plain rows, no database: each test one behaviour, with the answer
worked out by hand in the comment beside it."""

from datetime import date, timedelta

from reporting.figures import MeasureTotals, expiry_breakdown, weekly_trend

AS_OF = date(2026, 3, 15)


def totals(**values: float) -> MeasureTotals:
    return MeasureTotals(**{"days": 30, "holding_rate": 0.25, **values})  # type: ignore[arg-type]


def test_fill_rate_is_units_served_over_units_asked() -> None:
    assert totals(units_asked=200, units_served=150).fill_rate == 0.75


def test_value_fill_rate_weighs_units_by_their_cost() -> None:
    assert totals(value_asked=400.0, value_served=100.0).value_fill_rate == 0.25


def test_no_demand_no_fill_rate() -> None:
    assert totals().fill_rate is None
    assert totals().value_fill_rate is None


def test_turnover_is_the_annualised_cost_of_goods_over_average_inventory() -> None:
    # 3,000 issued in 30 days is 36,500 a year; over 10,000 held on average: 3.65 turns.
    assert totals(cogs_issued=3000.0, inventory_value_days=300000.0).turnover == 3.65


def test_no_inventory_no_turnover() -> None:
    assert totals(cogs_issued=3000.0).turnover is None


def test_carrying_cost_is_average_inventory_at_the_holding_rate_for_the_days() -> None:
    week = totals(days=73, inventory_value_days=730000.0)  # 10,000 on average
    assert week.carrying_cost_per_year == 2500.0
    assert week.carrying_cost == 500.0  # 73 days are a fifth of a year


def test_groups_add_their_sums_over_the_same_days() -> None:
    both = totals(units_asked=10, stockout_days=1) + totals(units_asked=5, stockout_days=2)
    assert (both.days, both.units_asked, both.stockout_days) == (30, 15, 3)


def test_the_last_trend_week_ends_the_day_before_as_of() -> None:
    issued = {AS_OF - timedelta(days=1): (5, 50.0), AS_OF: (7, 70.0)}
    [week] = weekly_trend(AS_OF, issued, {AS_OF - timedelta(days=7): 9}, weeks=1)
    assert week == {
        "start": "2026-03-08",
        "end": "2026-03-14",
        "units_issued": 5,
        "value_issued": 50.0,
        "units_asked": 9,
    }


def test_expiry_months_start_with_the_lots_past_expiry_and_stop_after_the_last_month() -> None:
    # A lot expiring on as_of itself is not past expiry yet: it counts in March.
    lots = [
        (date(2026, 3, 1), 10, 2.0),
        (AS_OF, 1, 1.0),
        (date(2026, 3, 20), 5, 1.0),
        (date(2026, 5, 1), 7, 1.0),
    ]
    past, march, april = expiry_breakdown(lots, AS_OF, months=2)
    assert (past["month"], past["units"], past["value"]) == ("past", 10, 20.0)
    assert (march["month"], march["units"], march["lots"]) == ("2026-03", 6, 2)
    assert (april["month"], april["units"]) == ("2026-04", 0)
