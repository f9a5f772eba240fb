"""The whole statistical forecast for every series at once:

1. classify each series' demand pattern (smooth, erratic, intermittent, lumpy);
2. backtest the candidate methods (rolling origin), where intermittent and lumpy series may
   only choose Croston-family methods and the others only continuous ones (the naive
   baselines are open to all);
3. per series, the champion is the allowed method with the lowest backtest MASE;
4. each champion is refitted on the full history and forecasts the horizon;
5. prediction intervals come from the champions' backtest errors (backtest.calibrate_intervals)
   and the daily error standard deviation (for safety stock) from the same errors.

Intervals beyond the backtest horizon grow with the square root of the horizon from the last
calibrated day, and intervals never narrow as the horizon grows.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .backtest import (
    BacktestConfig,
    Method,
    MethodScore,
    backtest,
    calibrate_intervals,
    error_scale,
    select_champions,
)
from .patterns import classify
from .types import check_demand

BASELINES = ("seasonal_naive", "moving_average")
INTERMITTENT_METHODS = ("croston", "sba", "tsb")
CONTINUOUS_METHODS = ("ses", "holt", "damped_holt", "holt_winters")


@dataclass(frozen=True)
class EngineConfig:
    horizon: int = 90
    backtest: BacktestConfig = field(default_factory=BacktestConfig)
    levels: tuple[float, ...] = (0.8, 0.95)


@dataclass(frozen=True)
class EngineResult:
    pattern: np.ndarray  # (n_series,) str
    method: np.ndarray  # (n_series,) str, the champion
    forecast: np.ndarray  # (n_series, horizon)
    levels: tuple[float, ...]
    lower: np.ndarray  # (levels, n_series, horizon)
    upper: np.ndarray  # (levels, n_series, horizon)
    wape: np.ndarray  # (n_series,) champion's backtest WAPE
    mase: np.ndarray  # (n_series,) champion's backtest MASE
    bias: np.ndarray  # (n_series,) champion's backtest bias
    error_std: np.ndarray  # (n_series,) daily forecast-error standard deviation
    scores: dict[str, MethodScore]  # every candidate's backtest, for the accuracy pages


def run(y: np.ndarray, config: EngineConfig, methods: Mapping[str, Method]) -> EngineResult:
    demand = check_demand(y, config.horizon)
    n_series = demand.shape[0]
    patterns = classify(demand)
    intermittent = patterns.intermittent
    candidates = {
        name: method
        for name, method in methods.items()
        if name in BASELINES + INTERMITTENT_METHODS + CONTINUOUS_METHODS
    }
    scores = backtest(demand, candidates, config.backtest)
    allowed = {name: intermittent for name in INTERMITTENT_METHODS if name in candidates}
    allowed.update({name: ~intermittent for name in CONTINUOUS_METHODS if name in candidates})
    champions = select_champions(scores, allowed)

    forecast = np.empty((n_series, config.horizon))
    pick = {name: champions == name for name in candidates}
    for name, rows in pick.items():
        if rows.any():
            forecast[rows] = candidates[name](demand[rows], config.horizon).forecast
    champion_errors = np.empty_like(next(iter(scores.values())).errors)
    for name, rows in pick.items():
        champion_errors[rows] = scores[name].errors[rows]

    def of_champion(measure: str) -> np.ndarray:
        values = np.full(n_series, np.nan)
        for name, rows in pick.items():
            values[rows] = getattr(scores[name], measure)[rows]
        return values

    scale = error_scale(champion_errors)
    model = calibrate_intervals(champion_errors, config.levels)
    lower_q = _extend(model.lower, config.horizon, widen=np.minimum)
    upper_q = _extend(model.upper, config.horizon, widen=np.maximum)
    spread = scale[None, :, None]
    lower = np.maximum(forecast[None] + spread * lower_q[:, None, :], 0.0)
    upper = np.maximum(forecast[None] + spread * upper_q[:, None, :], 0.0)
    return EngineResult(
        pattern=patterns.pattern,
        method=champions,
        forecast=np.maximum(forecast, 0.0),
        levels=tuple(config.levels),
        lower=lower,
        upper=upper,
        wape=of_champion("wape"),
        mase=of_champion("mase"),
        bias=of_champion("bias"),
        error_std=scale,
        scores=scores,
    )


def allowed_methods(pattern: str) -> tuple[str, ...]:
    """The methods a series of this demand pattern may choose from."""
    family = INTERMITTENT_METHODS if pattern in ("intermittent", "lumpy") else CONTINUOUS_METHODS
    return BASELINES + family


def _extend(quantiles: np.ndarray, horizon: int, *, widen: np.ufunc) -> np.ndarray:
    """Quantiles (levels, calibrated_days) stretched to `horizon` days: made monotone (an
    interval never narrows further out), then grown with sqrt(k) past the last calibrated day."""
    monotone = widen.accumulate(quantiles, axis=1)
    calibrated = monotone.shape[1]
    if horizon <= calibrated:
        return monotone[:, :horizon]
    days = np.arange(calibrated + 1, horizon + 1)
    growth = np.sqrt(days / calibrated)[None, :]
    return np.hstack([monotone, monotone[:, -1:] * growth])
