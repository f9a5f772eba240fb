"""The overview's figures on plain rows, no database: each test one behaviour, with the answer
worked out by hand in the comment beside it."""

from datetime import date, timedelta

import pandas as pd

from reporting.figures import (
    WindowFigures,
    average_inventory_value,
    expiry_breakdown,
    serve_demand,
    weekly_trend,
)

AS_OF = date(2026, 3, 15)


def window(**values: float) -> WindowFigures:
    figures = {
        "window_days": 30,
        "start_date": AS_OF - timedelta(days=30),
        "end_date": AS_OF - timedelta(days=1),
        "units_asked": 0,
        "units_served": 0,
        "sku_site_days": 0,
        "stockout_days": 0,
        "average_inventory_value": 0.0,
        "cogs_issued": 0.0,
        "expired_value": 0.0,
        "expired_units": 0,
        "holding_rate": 0.25,
    }
    return WindowFigures(**{**figures, **values})  # type: ignore[arg-type]


def test_fill_rate_is_units_served_over_units_asked() -> None:
    assert window(units_asked=200, units_served=150).fill_rate == 0.75


def test_no_demand_no_fill_rate() -> None:
    assert window().fill_rate is None


def test_turnover_is_the_annualised_cost_of_goods_over_average_inventory() -> None:
    # 3,000 issued in 30 days is 36,500 a year; over 10,000 held: 3.65 turns.
    assert window(cogs_issued=3000.0, average_inventory_value=10000.0).turnover == 3.65


def test_carrying_cost_is_average_inventory_at_the_holding_rate() -> None:
    assert window(average_inventory_value=10000.0).carrying_cost == 2500.0


def test_average_inventory_value_rolls_the_ledger_back_day_by_day() -> None:
    # 100 now; +10 on the 15th (after the window), +20 on the 14th. End of the 14th: 90;
    # end of the 13th: 70. Mean 80.
    start, end = date(2026, 3, 13), date(2026, 3, 14)
    net = {date(2026, 3, 14): 20.0, date(2026, 3, 15): 10.0}
    assert average_inventory_value(100.0, net, start, end) == 80.0


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


def frame(rows: list[tuple[int, int]], value: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sku_id": [1] * len(rows),
            "site_id": [1] * len(rows),
            "day": [d for d, _ in rows],
            value: [n for _, n in rows],
        }
    )


def test_demand_is_served_by_an_issue_within_the_span_in_date_order() -> None:
    # Days -10 and -9 ask 4 each; one issue of 6 on day -7 serves 4, then 2.
    served = serve_demand(frame([(-10, 4), (-9, 4)], "asked"), frame([(-7, 6)], "issued"))
    assert served["served"].tolist() == [4, 2]


def test_demand_with_no_issue_within_the_span_is_not_served() -> None:
    served = serve_demand(frame([(-10, 4)], "asked"), frame([(-3, 6)], "issued"), span_days=6)
    assert served["served"].tolist() == [0]
