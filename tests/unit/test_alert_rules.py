"""The alert rules on plain inputs, no database: each test one behaviour, with the answer worked
out by hand in the comment beside it."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np

from alerts import rules
from alerts.models import AlertKind, Severity
from alerts.rules import (
    DailyForecasts,
    ExpiringLot,
    GradedMonth,
    Names,
    OpenLine,
    Policy,
    Position,
    RunAccuracy,
    SentOrder,
    SeriesAccuracy,
)

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEY = (1, 2)  # SKU 1 at site 2
NAMES = Names(skus={1: ("AMX", Decimal("2.50"))}, sites={2: "H1"})


def flat(per_day: float, days: int = 400) -> DailyForecasts:
    return DailyForecasts(as_of=TODAY, values={KEY: [per_day] * days})


def stockout(on_hand: int, *, per_day: float = 5, lead_time: float = 10, **kwargs):  # type: ignore[no-untyped-def]
    arguments = {
        "positions": {KEY: Position(on_hand=on_hand, inventory_position=on_hand)},
        "policies": {KEY: Policy(lead_time_mean=lead_time, safety_stock=0)},
        "open_lines": [],
        "forecasts": flat(per_day),
        "names": NAMES,
        "today": TODAY,
        "extra_days": 0,
    }
    return rules.stockout_risk(**{**arguments, **kwargs})


def line(pk: int, *, due: date | None, order: int = 7, units: int = 10, sku: int = 1) -> OpenLine:
    return OpenLine(pk, sku, due, units, order, f"PO-{order}", 3, "Acme", 2)


# ---- the kinds and severities are the models' values ----------------------------------------


def test_rule_kinds_are_alert_kinds() -> None:
    kinds = [
        rules.STOCKOUT_RISK,
        rules.BELOW_SAFETY_STOCK,
        rules.EXPIRY_RISK,
        rules.PO_LATE,
        rules.PO_UNACKNOWLEDGED,
        rules.FORECAST_ACCURACY,
        rules.SUPPLIER_GRADE,
    ]
    assert set(kinds) <= set(AlertKind.values)


def test_rule_severities_are_alert_severities() -> None:
    assert {rules.CRITICAL, rules.HIGH, rules.MEDIUM, rules.LOW} == set(Severity.values)


# ---- the daily forecast --------------------------------------------------------------------------


def test_daily_forecast_starts_today_not_at_the_runs_as_of() -> None:
    forecasts = DailyForecasts(as_of=TODAY - timedelta(days=2), values={KEY: [1, 2, 3, 4, 5]})
    assert forecasts.daily(KEY, today=TODAY, days=3).tolist() == [3, 4, 5]


def test_daily_forecast_continues_past_its_horizon_at_the_last_four_weeks_mean() -> None:
    values = [0.0] * 10 + [2.0] * 28  # the last 28 days average 2
    forecasts = DailyForecasts(as_of=TODAY, values={KEY: values})
    assert forecasts.daily(KEY, today=TODAY, days=40).tolist()[38:] == [2.0, 2.0]


def test_daily_forecast_without_a_series_is_the_fallback_or_nothing() -> None:
    assert DailyForecasts().daily(KEY, today=TODAY, days=2, fallback=1.5).tolist() == [1.5, 1.5]
    assert DailyForecasts().daily(KEY, today=TODAY, days=2) is None


# ---- stock-out risk ---------------------------------------------------------------------------


def test_stockout_within_lead_time_is_critical_on_the_first_short_day() -> None:
    # 30 units at 5 a day: 0 left after day 5 (day index 5), short on day index 6.
    [condition] = stockout(30)
    assert condition.severity == rules.CRITICAL
    assert condition.detail["stockout_date"] == "2026-03-08"
    assert condition.detail["days_to_stockout"] == 6
    assert condition.key == "sku:1:site:2"


def test_stock_lasting_the_lead_time_does_not_alert() -> None:
    # 10 days of lead time at 5 a day need 50 units.
    assert stockout(50) == []


def test_stockout_in_the_extra_days_after_the_lead_time_is_high() -> None:
    # 60 units last 12 days; lead time 10, 5 extra days: short on day index 12.
    [condition] = stockout(60, extra_days=5)
    assert condition.severity == rules.HIGH
    assert condition.detail["days_to_stockout"] == 12


def test_an_open_order_arriving_in_time_prevents_the_stockout() -> None:
    # 30 on hand + 100 arriving on day 3 cover the 50 units of the lead time.
    arriving = line(1, due=TODAY + timedelta(days=3), units=100)
    assert stockout(30, open_lines=[arriving]) == []


def test_an_empty_shelf_is_out_of_stock_today() -> None:
    [condition] = stockout(0)
    assert "is out of stock today" in condition.message


def test_no_forecast_no_stockout_judgement() -> None:
    assert stockout(0, forecasts=DailyForecasts()) == []


# ---- below safety stock ---------------------------------------------------------------------


def below(level: int, *, policy_safety: float | None, position_safety: float | None = None):  # type: ignore[no-untyped-def]
    policies = {} if policy_safety is None else {KEY: Policy(10, policy_safety)}
    position = Position(on_hand=level, inventory_position=level, safety_stock=position_safety)
    return rules.below_safety_stock(positions={KEY: position}, policies=policies, names=NAMES)


def test_position_below_the_policys_safety_stock_alerts_high() -> None:
    [condition] = below(15, policy_safety=20, position_safety=5)
    assert condition.severity == rules.HIGH
    assert condition.detail["safety_stock"] == 20.0


def test_position_at_its_safety_stock_does_not_alert() -> None:
    assert below(20, policy_safety=20) == []


def test_without_a_policy_the_positions_own_safety_stock_counts() -> None:
    assert len(below(4, policy_safety=None, position_safety=5)) == 1
    assert below(4, policy_safety=None, position_safety=None) == []


# ---- expiry risk -----------------------------------------------------------------------------


def test_projected_waste_is_what_fefo_demand_leaves_by_expiry() -> None:
    # 2 a day: lot A (10 days) uses 20 of 50; lot B (40 days) gets the next 60 of 100.
    lots = [(TODAY + timedelta(days=40), 100, "B"), (TODAY + timedelta(days=10), 50, "A")]
    assert rules.projected_waste(lots, np.full(100, 2.0), TODAY) == [
        ("A", TODAY + timedelta(days=10), 50, 30.0),
        ("B", TODAY + timedelta(days=40), 100, 40.0),
    ]


def expiry(min_value: str, *, quantity: int = 50):  # type: ignore[no-untyped-def]
    # 1 a day for a lot expiring in 10 days: 10 used, the rest wasted at 2.50 a unit.
    return rules.expiry_risk(
        lots={KEY: [ExpiringLot(TODAY + timedelta(days=10), quantity, "L1")]},
        positions={},
        forecasts=flat(1),
        names=NAMES,
        today=TODAY,
        window_days=30,
        min_value=Decimal(min_value),
    )


def test_expiry_waste_is_valued_at_unit_cost() -> None:
    [condition] = expiry("0")
    assert condition.detail["waste_units"] == 40
    assert condition.detail["waste_value"] == "100.00"
    assert condition.severity == rules.MEDIUM


def test_expiry_waste_below_the_minimum_value_does_not_alert() -> None:
    assert expiry("100.01") == []


def test_expiry_waste_of_ten_times_the_minimum_and_1000_is_high() -> None:
    # 410 wasted units x 2.50 = 1,025.00 >= max(10 x 100, 1,000).
    [condition] = expiry("100", quantity=420)
    assert condition.severity == rules.HIGH


def test_expiry_without_a_forecast_uses_the_recent_daily_demand() -> None:
    # 5 a day for 10 days uses all 50 units.
    conditions = rules.expiry_risk(
        lots={KEY: [ExpiringLot(TODAY + timedelta(days=10), 50, "L1")]},
        positions={KEY: Position(on_hand=50, inventory_position=50, avg_daily_demand=5)},
        forecasts=DailyForecasts(),
        names=NAMES,
        today=TODAY,
        window_days=30,
        min_value=Decimal(0),
    )
    assert conditions == []


# ---- purchase orders ---------------------------------------------------------------------------


def test_a_line_due_within_the_grace_days_is_not_late() -> None:
    lines = [line(1, due=TODAY - timedelta(days=1))]
    assert rules.po_late(open_lines=lines, names=NAMES, today=TODAY, grace_days=1) == []


def test_late_lines_of_one_order_make_one_alert_from_the_oldest_due_date() -> None:
    lines = [line(1, due=TODAY - timedelta(days=3)), line(2, due=TODAY - timedelta(days=5))]
    [condition] = rules.po_late(open_lines=lines, names=NAMES, today=TODAY, grace_days=1)
    assert condition.key == "po:7"
    assert condition.detail == {
        "lines": [1, 2],
        "oldest_due": (TODAY - timedelta(days=5)).isoformat(),
        "days_late": 5,
        "open_units": 20,
    }


def test_a_line_without_an_agreed_date_is_never_late() -> None:
    assert (
        rules.po_late(open_lines=[line(1, due=None)], names=NAMES, today=TODAY, grace_days=0) == []
    )


def sent(hours_ago: float) -> SentOrder:
    return SentOrder(9, "PO-9", NOW - timedelta(hours=hours_ago), 3, "Acme", 2)


def test_an_order_unacknowledged_past_the_hours_alerts_medium() -> None:
    [condition] = rules.po_unacknowledged(orders=[sent(50)], now=NOW, hours=48)
    assert condition.severity == rules.MEDIUM
    assert condition.detail["hours_waiting"] == 50.0


def test_an_order_sent_exactly_the_hours_ago_does_not_alert_yet() -> None:
    assert rules.po_unacknowledged(orders=[sent(48)], now=NOW, hours=48) == []


# ---- forecast accuracy and supplier grades ----------------------------------------------------


def accuracy(now: float, before: float, *, ratio: float = 1.3, floor: float = 1.0):  # type: ignore[no-untyped-def]
    return rules.forecast_accuracy(
        current=RunAccuracy(2, TODAY, [SeriesAccuracy(1, 2, now, "ets")]),
        previous=RunAccuracy(1, TODAY - timedelta(days=7), [SeriesAccuracy(1, 2, before, "ets")]),
        names=NAMES,
        ratio=ratio,
        floor=floor,
    )


def test_mase_growing_by_the_ratio_above_the_floor_alerts_low() -> None:
    [condition] = accuracy(1.3, 1.0)
    assert condition.severity == rules.LOW
    assert condition.detail["run"] == 2 and condition.detail["previous_run"] == 1


def test_mase_at_least_doubling_alerts_medium() -> None:
    [condition] = accuracy(2.4, 1.2)
    assert condition.severity == rules.MEDIUM


def test_mase_growing_less_than_the_ratio_does_not_alert() -> None:
    assert accuracy(1.29, 1.0) == []


def test_mase_below_the_floor_does_not_alert_however_it_grew() -> None:
    assert accuracy(0.9, 0.3) == []


def test_no_previous_run_no_accuracy_alert() -> None:
    current = RunAccuracy(2, TODAY, [SeriesAccuracy(1, 2, 5.0, "ets")])
    assert (
        rules.forecast_accuracy(current=current, previous=None, names=NAMES, ratio=1, floor=0) == []
    )


def graded(supplier: int, month: int, grade: str) -> GradedMonth:
    return GradedMonth(supplier, f"Supplier {supplier}", date(2026, month, 1), grade, None)


def test_falling_one_grade_alerts_medium() -> None:
    [condition] = rules.supplier_grade(months=[graded(3, 1, "A"), graded(3, 2, "B")])
    assert condition.severity == rules.MEDIUM
    assert condition.detail["grade"] == "B" and condition.detail["previous_grade"] == "A"


def test_falling_two_grades_alerts_high() -> None:
    [condition] = rules.supplier_grade(months=[graded(3, 1, "A"), graded(3, 2, "C")])
    assert condition.severity == rules.HIGH


def test_only_the_latest_two_graded_months_count() -> None:
    # D in January, then A and A: no fall between the latest two.
    months = [graded(3, 1, "D"), graded(3, 3, "A"), graded(3, 2, "A")]
    assert rules.supplier_grade(months=months) == []


def test_a_better_grade_does_not_alert() -> None:
    assert rules.supplier_grade(months=[graded(3, 1, "C"), graded(3, 2, "B")]) == []
