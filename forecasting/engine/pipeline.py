"""The whole statistical forecast for every series at once:

1. classify each series' demand pattern (smooth, erratic, intermittent, lumpy);
2. backtest the candidate methods (rolling origin), where intermittent and lumpy series may
   only choose Croston-family methods (croston, sba, tsb) and the others only continuous ones
   (ses, holt, damped_holt, seasonal_es, holt_winters, damped_holt_winters); the naive
   baselines are open to all;
3. per series, the champion is the allowed method with the lowest backtest MASE, except that
   among the methods within 15 % of it the one with the lowest in-sample one-step MASE wins
   (backtest.select_champions; a remaining tie goes to the method listed first);
4. each champion is refitted on the full history and forecasts the horizon;
5. prediction intervals come from the champions' backtest errors (backtest.calibrate_intervals)
   and the daily error standard deviation (for safety stock) from the same errors.

Rich methods (rich.py: per-series statsmodels and Prophet models, slow) are optional extra
candidates for a selection of series (`rich_rows`, e.g. A-class items). They are backtested
with the same BacktestConfig on the selected series whose pattern is smooth or erratic (the
only ones they may win: they model continuous demand; the others are not computed), enter the
same champion selection (a method without in-sample forecasts, such as Prophet, has no
one-step error, so it wins a series only where the backtest MASE of every method that has one
is more than 15 % above its own), and a series they win is refitted with its winner on its full
history. Their scores are NaN (and their errors NaN) on every other series. If that final
refit falls back to the seasonal naive (rich.py), the series takes the champion it would have
had without rich methods instead. With no rich methods the result is exactly that of the
vectorised candidates alone.

Seasonal period: EngineConfig.period (m, default 7 for daily demand with a weekly profile)
is the season of every candidate that takes a `period` keyword (in methods.py:
seasonal_naive, seasonal_es, holt_winters, damped_holt_winters; a candidate without one is
used as given) and of the seasonal naive that scales the backtest MASE. For monthly data pass
12, for quarterly 4, for hourly 24. Rich methods keep their own weekly season (rich.py).

Intervals beyond the backtest horizon grow with the square root of the horizon from the last
calibrated day, and intervals never narrow as the horizon grows.
"""

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from forecasting.engine.accuracy import SEASON
from forecasting.engine.backtest import (
    BacktestConfig,
    Method,
    MethodScore,
    backtest,
    calibrate_intervals,
    error_scale,
    select_champions,
)
from forecasting.engine.patterns import classify
from forecasting.engine.types import EngineInputError, Fit, check_demand

BASELINES = ("seasonal_naive", "moving_average")
INTERMITTENT_METHODS = ("croston", "sba", "tsb")
CONTINUOUS_METHODS = (
    "ses",
    "holt",
    "damped_holt",
    "seasonal_es",
    "holt_winters",
    "damped_holt_winters",
)
RICH_PATTERNS = ("smooth", "erratic")


@dataclass(frozen=True)
class EngineConfig:
    horizon: int = 90
    backtest: BacktestConfig = field(default_factory=BacktestConfig)
    levels: tuple[float, ...] = (0.8, 0.95)
    period: int = SEASON  # the seasonal period m, in days (module docstring)


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


def run(
    y: np.ndarray,
    config: EngineConfig,
    methods: Mapping[str, Method],
    *,
    rich_methods: Mapping[str, Method] | None = None,
    rich_rows: np.ndarray | None = None,
) -> EngineResult:
    """Forecast every series of `y` (n_series, n_days) with its champion method.

    `rich_methods` (name -> Method, e.g. rich.rich_methods(...)) are extra per-series
    candidates for the series where `rich_rows` (boolean, (n_series,); None = every series) is
    True and the pattern is smooth or erratic; see the module docstring."""
    demand = check_demand(y, config.horizon)
    n_series = demand.shape[0]
    patterns = classify(demand)
    intermittent = patterns.intermittent
    period = _period(config.period)
    candidates = {
        name: _with_period(method, period)
        for name, method in methods.items()
        if name in BASELINES + INTERMITTENT_METHODS + CONTINUOUS_METHODS
    }
    scores = backtest(demand, candidates, config.backtest, period=period)
    allowed = {name: intermittent for name in INTERMITTENT_METHODS if name in candidates}
    allowed.update({name: ~intermittent for name in CONTINUOUS_METHODS if name in candidates})
    champions = select_champions(scores, allowed)

    forecast = np.empty((n_series, config.horizon))
    if rich_methods:
        rich = dict(rich_methods)
        eligible = _rich_rows(rich_rows, n_series) & np.isin(patterns.pattern, RICH_PATTERNS)
        clash = sorted(set(rich) & set(candidates))
        if clash:
            raise EngineInputError(f"Rich method names clash with methods: {', '.join(clash)}.")
        base_champions = champions
        scores = {**scores, **_rich_backtest(demand, rich, eligible, config.backtest, period)}
        allowed.update(dict.fromkeys(rich, eligible))
        champions = select_champions(scores, allowed)
        for name, method in rich.items():
            rows = np.flatnonzero(champions == name)
            if rows.size:
                fit = method(demand[rows], config.horizon)
                fell_back = np.asarray(fit.params.get("fallback", np.zeros(rows.size, bool)))
                forecast[rows] = fit.forecast
                # A refit that fell back to the seasonal naive has not earned the rich score.
                champions[rows[fell_back]] = base_champions[rows[fell_back]]
    pick = {name: champions == name for name in scores}
    for name, rows in pick.items():
        if name in candidates and rows.any():
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


def _period(value: object) -> int:
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
        raise EngineInputError(f"The seasonal period must be a whole number >= 1, not {value}.")
    return int(value)


def _with_period(method: Method, period: int) -> Method:
    """`method` with its `period` keyword set to `period`, if it takes one (the seasonal
    methods of methods.py do); any other method as it is."""
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return method
    option = parameters.get("period")
    if option is None or option.kind not in (option.KEYWORD_ONLY, option.POSITIONAL_OR_KEYWORD):
        return method
    # The signature check above is what makes `period` a valid keyword, which Method's type
    # cannot say: the partial is built on the method seen as taking any arguments.
    seasonal: Callable[..., Fit] = method
    return partial(seasonal, period=period)


def _rich_rows(rich_rows: np.ndarray | None, n_series: int) -> np.ndarray:
    if rich_rows is None:
        return np.ones(n_series, dtype=bool)
    mask = np.asarray(rich_rows)
    if mask.dtype != np.bool_ or mask.shape != (n_series,):
        raise EngineInputError(
            f"rich_rows must be a boolean mask of shape ({n_series},), "
            f"not {mask.dtype} of shape {mask.shape}."
        )
    return mask


def _rich_backtest(
    demand: np.ndarray,
    rich: Mapping[str, Method],
    rows: np.ndarray,
    config: BacktestConfig,
    period: int,
) -> dict[str, MethodScore]:
    """The rich methods' backtest on `rows` only, as scores over every series (NaN elsewhere)."""
    n_series = demand.shape[0]
    subset = backtest(demand[rows], rich, config, period=period) if rows.any() else {}
    expanded = {}
    for name in rich:
        measures = {key: np.full(n_series, np.nan) for key in ("wape", "mase", "bias", "one_step")}
        errors = np.full((n_series, config.origins, config.horizon), np.nan)
        if name in subset:
            for key, values in measures.items():
                values[rows] = getattr(subset[name], key)
            errors[rows] = subset[name].errors
        expanded[name] = MethodScore(errors=errors, **measures)
    return expanded


def allowed_methods(pattern: str, *, rich: Iterable[str] = ()) -> tuple[str, ...]:
    """The methods a series of this demand pattern may choose from; with `rich` (the names of
    the rich methods run for this series), those too where the pattern allows them."""
    family = INTERMITTENT_METHODS if pattern in ("intermittent", "lumpy") else CONTINUOUS_METHODS
    extra = tuple(rich) if pattern in RICH_PATTERNS else ()
    return BASELINES + family + extra


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
