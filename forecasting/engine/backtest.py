"""Rolling-origin backtest, champion selection and prediction intervals, for all series at once.

Backtest: the history is cut at `origins` points, `step` days apart, the last one `horizon`
days before its end. At each cut every method forecasts the next `horizon` days from the days
before the cut only; the errors (forecast - actual) are kept per series, origin and horizon
day. WAPE and bias pool every backtest day; MASE is the mean over origins of each origin's
MASE, scaled by the seasonal naive's in-sample MAE of the history before that cut.

Champion: per series, the method with the lowest backtest MASE among the methods allowed for
that series (NaN counts as worst; ties go to the earlier method in the mapping).

Intervals: each series' errors are divided by its own error scale (root mean square over the
backtest), the scaled errors of all series are pooled per horizon day, and their empirical
quantiles give the interval around each forecast: lower = f + s * q(low), upper = f + s *
q(high), never below 0. Pooling across series is what makes 80 % intervals hold about 80 %
of days with only a few origins per series.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .accuracy import bias, mase, naive_scale, wape
from .types import EngineInputError, Fit, check_demand

Method = Callable[[np.ndarray, int], Fit]


@dataclass(frozen=True)
class BacktestConfig:
    origins: int = 4
    step: int = 7
    horizon: int = 28

    def cuts(self, days: int) -> list[int]:
        """The day indexes where training ends, oldest first."""
        last = days - self.horizon
        cuts = [last - self.step * k for k in range(self.origins - 1, -1, -1)]
        if cuts[0] < 1:
            needed = self.horizon + self.step * (self.origins - 1) + 1
            raise EngineInputError(
                f"A backtest with {self.origins} origins {self.step} days apart and a "
                f"{self.horizon}-day horizon needs at least {needed} days of history; "
                f"there are {days}."
            )
        return cuts


@dataclass(frozen=True)
class MethodScore:
    wape: np.ndarray  # (n_series,)
    mase: np.ndarray  # (n_series,)
    bias: np.ndarray  # (n_series,)
    errors: np.ndarray  # (n_series, origins, horizon): forecast - actual


def backtest(
    y: np.ndarray, methods: Mapping[str, Method], config: BacktestConfig
) -> dict[str, MethodScore]:
    demand = check_demand(y, config.horizon)
    cuts = config.cuts(demand.shape[1])
    n_series = demand.shape[0]
    scores = {}
    for name, method in methods.items():
        forecasts = np.empty((n_series, len(cuts), config.horizon))
        actuals = np.empty_like(forecasts)
        mases = np.empty((n_series, len(cuts)))
        for index, cut in enumerate(cuts):
            history = demand[:, :cut]
            fit = method(history, config.horizon)
            if fit.forecast.shape != (n_series, config.horizon):
                raise EngineInputError(
                    f"Method {name} returned forecasts of shape {fit.forecast.shape}."
                )
            forecasts[:, index] = fit.forecast
            actuals[:, index] = demand[:, cut : cut + config.horizon]
            mases[:, index] = mase(actuals[:, index], forecasts[:, index], naive_scale(history))
        pooled_actual = actuals.reshape(n_series, -1)
        pooled_forecast = forecasts.reshape(n_series, -1)
        # Origins where MASE is undefined (a flat history and a miss) are left out; a series
        # with no defined origin gets NaN, which champion selection ranks last.
        defined = np.isfinite(mases)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_mase = np.where(defined, mases, 0.0).sum(axis=1) / defined.sum(axis=1)
        scores[name] = MethodScore(
            wape=wape(pooled_actual, pooled_forecast),
            mase=mean_mase,
            bias=bias(pooled_actual, pooled_forecast),
            errors=forecasts - actuals,
        )
    return scores


def select_champions(
    scores: Mapping[str, MethodScore], allowed: Mapping[str, np.ndarray] | None = None
) -> np.ndarray:
    """Per series, the name of the method with the lowest backtest MASE among those allowed
    (`allowed[name]` is a boolean mask over series; a method absent from it is allowed)."""
    names = list(scores)
    stacked = np.vstack([scores[name].mase for name in names])  # (methods, series)
    everywhere = np.ones(stacked.shape[1], dtype=bool)
    mask = np.vstack([(allowed or {}).get(name, everywhere) for name in names])
    if not mask.any(axis=0).all():
        raise EngineInputError("Every series needs at least one allowed method.")
    ranked = np.where(mask & ~np.isnan(stacked), stacked, np.inf)
    best = np.argmin(ranked, axis=0)
    # Where no allowed method has a finite score, fall back to the first allowed one.
    first_allowed = np.argmax(mask, axis=0)
    choice = np.where(np.isfinite(ranked.min(axis=0)), best, first_allowed)
    return np.array(names, dtype=object)[choice]


def error_scale(errors: np.ndarray) -> np.ndarray:
    """Root mean square of a series' backtest errors (n_series,): the daily error standard
    deviation safety stock uses."""
    return np.sqrt(np.nanmean(errors.reshape(errors.shape[0], -1) ** 2, axis=1))


@dataclass(frozen=True)
class IntervalModel:
    """Quantiles of scaled backtest errors per horizon day, for each interval level."""

    levels: tuple[float, ...]
    lower: np.ndarray  # (levels, horizon)
    upper: np.ndarray  # (levels, horizon)

    def intervals(self, forecast: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds (levels, n_series, horizon) around `forecast`."""
        spread = scale[None, :, None]
        horizon = forecast.shape[1]
        low = forecast[None] + spread * self.lower[:, None, :horizon]
        high = forecast[None] + spread * self.upper[:, None, :horizon]
        return np.maximum(low, 0.0), np.maximum(high, 0.0)


def calibrate_intervals(
    errors: np.ndarray, levels: tuple[float, ...] = (0.8, 0.95)
) -> IntervalModel:
    """Fit the interval model from backtest errors (n_series, origins, horizon)."""
    scale = error_scale(errors)
    usable = scale > 0
    if not usable.any():
        zero = np.zeros((len(levels), errors.shape[2]))
        return IntervalModel(levels=tuple(levels), lower=zero, upper=zero)
    scaled = errors[usable] / scale[usable, None, None]  # (series, origins, horizon)
    pooled = scaled.transpose(2, 0, 1).reshape(errors.shape[2], -1)  # (horizon, samples)
    # The interval [f + s*q_low, f + s*q_high] must hold the actual y = f - e, so the bounds
    # come from the opposite tails of the errors.
    lower = np.vstack([-np.nanquantile(pooled, (1 + level) / 2, axis=1) for level in levels])
    upper = np.vstack([-np.nanquantile(pooled, (1 - level) / 2, axis=1) for level in levels])
    return IntervalModel(levels=tuple(levels), lower=lower, upper=upper)
