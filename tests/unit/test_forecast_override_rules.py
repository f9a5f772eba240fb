from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from forecasting.rules import adjusted_value, apply_overrides, value_added

AS_OF = date(2026, 12, 1)


def override(start: date, end: date, kind: str, value: str) -> SimpleNamespace:
    return SimpleNamespace(start_date=start, end_date=end, kind=kind, value=Decimal(value))


def test_a_percent_override_scales_the_statistical_value() -> None:
    assert adjusted_value("percent", Decimal("20"), 10.0) == pytest.approx(12.0)


def test_a_units_override_replaces_the_statistical_value() -> None:
    assert adjusted_value("units", Decimal("7.5"), 10.0) == 7.5


def test_minus_one_hundred_percent_gives_zero_never_less() -> None:
    assert adjusted_value("percent", Decimal("-100"), 10.0) == 0.0


def test_overrides_change_only_the_days_of_their_range() -> None:
    values = [10.0] * 6
    adjusted = apply_overrides(
        values, AS_OF, [override(date(2026, 12, 2), date(2026, 12, 3), "percent", "-50")]
    )

    assert adjusted == [10.0, 5.0, 5.0, 10.0, 10.0, 10.0]
    assert values == [10.0] * 6  # the statistical forecast is left as it was


def test_a_range_reaching_past_either_end_of_the_forecast_is_clipped_to_it() -> None:
    adjusted = apply_overrides(
        [1.0, 2.0, 3.0], AS_OF, [override(date(2026, 11, 20), date(2027, 1, 1), "units", "4")]
    )

    assert adjusted == [4.0, 4.0, 4.0]


def test_value_added_compares_both_errors_with_what_happened() -> None:
    # statistical misses by 4, 4, 2 (MAE 10/3); the override by 1, 0, 1 (MAE 2/3)
    result = value_added(actual=[14, 14, 12], statistical=[10, 10, 10], adjusted=[13, 14, 13])

    assert result.days == 3
    assert result.statistical_mae == pytest.approx(10 / 3)
    assert result.override_mae == pytest.approx(2 / 3)
    assert result.added == pytest.approx(8 / 3)
    assert result.added_percent == pytest.approx(80.0)


def test_an_override_that_made_things_worse_has_negative_value_added() -> None:
    result = value_added(actual=[10, 10], statistical=[10, 10], adjusted=[15, 15])

    assert result.added == -5
    assert result.added_percent is None  # the statistical forecast was perfect: no ratio


def test_no_value_added_before_any_day_has_passed() -> None:
    assert value_added(actual=[], statistical=[], adjusted=[]) is None
