"""Planner overrides as pure rules: what an override makes of a forecast, and whether it
helped (forecast value added). No database here; the services and selectors feed these."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

PERCENT = "percent"
UNITS = "units"


class OverrideLike(Protocol):
    start_date: date
    end_date: date
    kind: str
    value: Decimal


def adjusted_value(kind: str, value: Decimal | float, statistical: float) -> float:
    """One day's forecast after an override: the statistical value changed by `value` percent,
    or replaced by `value` units per day. Never below 0."""
    if kind == PERCENT:
        return max(statistical * (1 + float(value) / 100), 0.0)
    if kind == UNITS:
        return max(float(value), 0.0)
    raise ValueError(f"Unknown override kind {kind!r}.")


def apply_overrides(
    values: Sequence[float], as_of: date, overrides: Iterable[OverrideLike]
) -> list[float]:
    """A daily forecast starting at `as_of`, with each override applied to the days of its
    range that the forecast covers (overrides do not overlap; the service refuses that)."""
    adjusted = list(values)
    for override in overrides:
        first = max((override.start_date - as_of).days, 0)
        last = min((override.end_date - as_of).days, len(adjusted) - 1)
        for day in range(first, last + 1):
            adjusted[day] = adjusted_value(override.kind, override.value, adjusted[day])
    return adjusted


@dataclass(frozen=True)
class ValueAdded:
    """Forecast value added over the days that have actual demand: mean absolute error of the
    statistical forecast and of the override, and how much the override took off (positive:
    the override was better)."""

    days: int
    statistical_mae: float
    override_mae: float

    @property
    def added(self) -> float:
        return self.statistical_mae - self.override_mae

    @property
    def added_percent(self) -> float | None:
        if self.statistical_mae == 0:
            return None
        return 100 * self.added / self.statistical_mae


def value_added(
    actual: Sequence[float], statistical: Sequence[float], adjusted: Sequence[float]
) -> ValueAdded | None:
    """Compare the statistical and the adjusted forecast with what happened, day by day
    (the three sequences cover the same days); None when no day has passed yet."""
    days = min(len(actual), len(statistical), len(adjusted))
    if days == 0:
        return None
    statistical_error = sum(abs(statistical[d] - actual[d]) for d in range(days))
    override_error = sum(abs(adjusted[d] - actual[d]) for d in range(days))
    return ValueAdded(
        days=days, statistical_mae=statistical_error / days, override_mae=override_error / days
    )
