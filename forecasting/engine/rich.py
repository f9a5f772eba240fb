"""Per-series ("rich") statistical models: statsmodels ETS and SARIMAX, and Prophet.

The vectorised methods (methods.py) fit every series at once; these fit one model per series
and cost about 0.1-0.5 s each, so the pipeline runs them only on a selected subset of rows
(e.g. A-class items) and lets them compete in the same rolling-origin backtest. None of them
is ever a default: a rich method becomes a series' champion only by beating the vectorised
candidates' backtest MASE (pipeline.py). The statsmodels fits spend their time in many small
linear-algebra calls: run them with one BLAS thread (OPENBLAS_NUM_THREADS=1); several threads
make them 4-10x slower on a busy machine.

Every method has the engine's Method signature `method(y, horizon) -> Fit`, with `y` of shape
(n_series, n_days), units per day, oldest day first, and loops over the series itself.

Robustness, per series: warnings and the cmdstanpy/prophet log messages are silenced; a
series whose fit raises, or whose forecast has the wrong length or non-finite values, gets
the seasonal naive (methods.seasonal_naive: the last 7 days repeated) for that row instead,
and `params["fallback"]` is True there. Forecasts and fitted values are clipped at 0.

`fitted` (Fit.fitted): one-step-ahead forecasts where the model provides them and NaN where
it does not:

- statsmodels_ets: the model's one-step-ahead predictions (parameters and initial states are
  estimated on the whole history, as the vectorised methods choose theirs);
- sarimax: the one-step-ahead predictions of the seasonally differenced model plus y[t - 7];
  NaN for the first 7 days, which the differencing uses up;
- prophet: NaN everywhere. Prophet's in-sample values are a smooth curve fitted to all the
  days, not forecasts made from the days before, so they are not reported as such;
- a fallback row: the seasonal naive's fitted values.

The models
----------
statsmodels_ets: statsmodels' ETSModel (innovations state space, maximum likelihood), additive
    errors, additive damped trend and additive weekly season, every parameter and initial
    state estimated. A history shorter than two weeks has no season (one cycle cannot tell a
    weekly pattern from noise). Chosen over holtwinters.ExponentialSmoothing because it is a
    likelihood model and its forecast uses the updated seasonal terms at every horizon.
sarimax: SARIMAX (1,0,1)x(0,1,1,7), no constant. The seasonal difference y[t] - y[t-7] takes
    out the weekly profile and the level, as the seasonal naive does; the seasonal MA(1) term
    then smooths the weekly profile over past weeks (with a coefficient near -1 the profile
    is almost fixed, near 0 it is last week's), which is seasonal exponential smoothing; the
    ARMA(1,1) part follows short-lived swings that persist for a few days (an outbreak, a
    ward's stock-up). No non-seasonal difference and no drift: daily demand wanders around a
    slowly moving level rather than trending without bound, and a drift term would extrapolate
    a year of growth into every forecast. Four estimated numbers (three coefficients; the
    variance is concentrated out), estimated on the differenced series (simple_differencing)
    with at most SARIMAX_MAXITER optimiser iterations: about 0.3 s for two years of days, where
    an order search (auto-ARIMA) would fit dozens of models per series. A history shorter
    than three weeks falls back.
prophet: Prophet (maximum a posteriori fit, seeded), with weekly and yearly seasonality and
    optionally one country's public holidays; no daily seasonality (the data are daily).
    Built by `prophet_method(start, ...)` because Prophet needs dates: day 0 of `y` is
    `start`, so the shortened histories of a backtest keep their dates and the forecast days
    are the days after the history.

`RICH_METHODS` names the models (the Prophet entry is the factory); `rich_methods` builds the
name -> Method mapping for one start date and set of options, as pipeline.run takes it.
"""

import logging
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX

from forecasting.engine.backtest import Method
from forecasting.engine.methods import seasonal_naive
from forecasting.engine.types import EngineInputError, Fit, check_demand

SEASON = 7
SARIMAX_ORDER = (1, 0, 1)
SARIMAX_SEASONAL_ORDER = (0, 1, 1, SEASON)
SARIMAX_MAXITER = 50
SARIMAX_MIN_DAYS = 3 * SEASON
PROPHET_SEED = 0
SEASONALITY_MODES = ("additive", "multiplicative")

_QUIET_LOGGERS = ("cmdstanpy", "prophet", "prophet.plot", "prophet.models")


@dataclass(frozen=True)
class _SeriesFit:
    """One series' model output: fitted (n_days,), forecast (horizon,), scalar parameters."""

    fitted: np.ndarray
    forecast: np.ndarray
    params: dict[str, float] = field(default_factory=dict)


@contextmanager
def _quiet() -> Iterator[None]:
    """No warnings, no floating-point complaints and no cmdstanpy/prophet log lines inside."""
    loggers = [logging.getLogger(name) for name in _QUIET_LOGGERS]
    previous = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, state in zip(loggers, previous, strict=True):
            logger.disabled = state


def _per_series(
    name: str,
    demand: np.ndarray,
    horizon: int,
    fit_one: Callable[[np.ndarray, int], _SeriesFit],
) -> Fit:
    """Fit `fit_one` on each row; rows that fail get the seasonal naive (see the docstring)."""
    n_series, n_days = demand.shape
    naive = seasonal_naive(demand, horizon)
    fitted = np.full((n_series, n_days), np.nan)
    forecast = np.empty((n_series, horizon))
    fallback = np.zeros(n_series, dtype=bool)
    params: dict[str, np.ndarray] = {}
    for row in range(n_series):
        try:
            with _quiet():
                one: _SeriesFit | None = fit_one(demand[row], horizon)
        except Exception:  # any failure of the model on this series: fall back, row by row
            one = None
        if (
            one is None
            or one.forecast.shape != (horizon,)
            or one.fitted.shape != (n_days,)
            or not np.isfinite(one.forecast).all()
        ):
            fallback[row] = True
            fitted[row] = naive.fitted[row]
            forecast[row] = naive.forecast[row]
            continue
        fitted[row] = np.where(np.isfinite(one.fitted), one.fitted, np.nan)
        forecast[row] = one.forecast
        for key, value in one.params.items():
            params.setdefault(key, np.full(n_series, np.nan))[row] = value
    params["fallback"] = fallback
    return Fit(name, np.maximum(fitted, 0.0), np.maximum(forecast, 0.0), params)


# --- statsmodels ETS -------------------------------------------------------------------------


def _ets_one(series: np.ndarray, horizon: int) -> _SeriesFit:
    seasonal = "add" if series.size >= 2 * SEASON else None
    model = ETSModel(
        series,
        error="add",
        trend="add",
        damped_trend=True,
        seasonal=seasonal,
        seasonal_periods=SEASON if seasonal else None,
    )
    result = model.fit(disp=False)
    estimated = dict(zip(model.param_names, np.asarray(result.params), strict=True))
    return _SeriesFit(
        fitted=np.asarray(result.fittedvalues, dtype=np.float64),
        forecast=np.asarray(result.forecast(horizon), dtype=np.float64),
        params={
            "alpha": estimated["smoothing_level"],
            "beta": estimated["smoothing_trend"],
            "gamma": estimated.get("smoothing_seasonal", np.nan),
            "phi": estimated["damping_trend"],
        },
    )


def statsmodels_ets(y: np.ndarray, horizon: int) -> Fit:
    """statsmodels ETS, additive damped trend and additive weekly season, per series.

    params: alpha, beta, gamma (NaN without a season), phi, fallback."""
    demand = check_demand(y, horizon)
    return _per_series("statsmodels_ets", demand, horizon, _ets_one)


# --- SARIMAX ---------------------------------------------------------------------------------


def _sarimax_one(series: np.ndarray, horizon: int) -> _SeriesFit:
    if series.size < SARIMAX_MIN_DAYS:
        raise ValueError(f"SARIMAX needs {SARIMAX_MIN_DAYS} days, the series has {series.size}.")
    model = SARIMAX(
        series,
        order=SARIMAX_ORDER,
        seasonal_order=SARIMAX_SEASONAL_ORDER,
        trend="n",
        simple_differencing=True,
        concentrate_scale=True,
    )
    result = model.fit(disp=False, maxiter=SARIMAX_MAXITER)
    # With simple differencing the model describes d[t] = y[t] - y[t-7]: undo the difference.
    fitted = np.full(series.size, np.nan)
    fitted[SEASON:] = np.asarray(result.fittedvalues) + series[:-SEASON]
    extended = np.concatenate([series, np.asarray(result.forecast(horizon), dtype=np.float64)])
    for day in range(series.size, series.size + horizon):
        extended[day] += extended[day - SEASON]
    estimated = dict(zip(model.param_names, np.asarray(result.params), strict=True))
    return _SeriesFit(
        fitted=fitted,
        forecast=extended[series.size :],
        params={
            "ar": estimated["ar.L1"],
            "ma": estimated["ma.L1"],
            "seasonal_ma": estimated[f"ma.S.L{SEASON}"],
        },
    )


def sarimax(y: np.ndarray, horizon: int) -> Fit:
    """SARIMAX (1,0,1)x(0,1,1,7) per series (see the module docstring for the order).

    params: ar, ma, seasonal_ma (the three coefficients), fallback."""
    demand = check_demand(y, horizon)
    return _per_series("sarimax", demand, horizon, _sarimax_one)


# --- Prophet ---------------------------------------------------------------------------------


def _prophet_class() -> Any:
    """Prophet, imported on first use (the import is slow and logs about optional plotting)."""
    with _quiet():
        from prophet import Prophet

    return Prophet


def _check_country(country: str) -> None:
    with _quiet():
        from prophet.make_holidays import get_holiday_names

        try:
            get_holiday_names(country)
        except (AttributeError, KeyError, NotImplementedError) as error:
            raise EngineInputError(
                f"No public holidays are known for country {country!r}."
            ) from error


def prophet_method(
    start: date,
    *,
    weekly: bool = True,
    yearly: bool | int | Literal["auto"] = "auto",
    country_holidays: str | None = None,
    seasonality_mode: str = "additive",
) -> Method:
    """A Prophet Method for histories whose day 0 is `start`.

    weekly / yearly: Prophet's weekly_seasonality / yearly_seasonality ("auto" turns yearly on
    with two years of history; a number is the count of Fourier terms); country_holidays: a
    country code or name known to the `holidays` package (e.g. "DE", "US"), added with
    Prophet's add_country_holidays; seasonality_mode: "additive" or "multiplicative".
    params: fallback only."""
    if not isinstance(start, date):
        raise EngineInputError(f"start must be a date, not {start!r}.")
    if not isinstance(weekly, bool):
        raise EngineInputError(f"weekly must be True or False, not {weekly!r}.")
    if not (
        yearly == "auto"
        or isinstance(yearly, bool)
        or (isinstance(yearly, int | np.integer) and yearly >= 1)
    ):
        raise EngineInputError(
            f'yearly must be True, False, "auto" or a whole number >= 1, not {yearly!r}.'
        )
    if seasonality_mode not in SEASONALITY_MODES:
        raise EngineInputError(
            f"seasonality_mode must be one of {', '.join(SEASONALITY_MODES)}, "
            f"not {seasonality_mode!r}."
        )
    if country_holidays is not None:
        _check_country(country_holidays)
    first_day = pd.Timestamp(start)

    def fit_one(series: np.ndarray, horizon: int) -> _SeriesFit:
        model = _prophet_class()(
            growth="linear",
            weekly_seasonality=weekly,
            yearly_seasonality=yearly,
            daily_seasonality=False,
            seasonality_mode=seasonality_mode,
            uncertainty_samples=0,
        )
        if country_holidays is not None:
            model.add_country_holidays(country_holidays)
        days = pd.date_range(first_day, periods=series.size + horizon, freq="D")
        model.fit(pd.DataFrame({"ds": days[: series.size], "y": series}), seed=PROPHET_SEED)
        predicted = model.predict(pd.DataFrame({"ds": days[series.size :]}))
        return _SeriesFit(
            fitted=np.full(series.size, np.nan),
            forecast=predicted["yhat"].to_numpy(dtype=np.float64),
        )

    def prophet(y: np.ndarray, horizon: int) -> Fit:
        demand = check_demand(y, horizon)
        return _per_series("prophet", demand, horizon, fit_one)

    return prophet


# --- the set ---------------------------------------------------------------------------------

RICH_METHODS: dict[str, Callable[..., Any]] = {
    "statsmodels_ets": statsmodels_ets,  # a Method
    "sarimax": sarimax,  # a Method
    "prophet": prophet_method,  # a factory: prophet_method(start, ...) -> Method
}
_DATED = frozenset({"prophet"})


def rich_methods(
    start: date,
    *,
    names: Iterable[str] | None = None,
    weekly: bool = True,
    yearly: bool | int | Literal["auto"] = "auto",
    country_holidays: str | None = None,
    seasonality_mode: str = "additive",
) -> dict[str, Method]:
    """The rich Methods called `names` (all of RICH_METHODS by default, in its order), for
    histories whose day 0 is `start`; the other options go to prophet_method."""
    chosen = list(RICH_METHODS) if names is None else list(names)
    unknown = [name for name in chosen if name not in RICH_METHODS]
    if unknown:
        raise EngineInputError(
            f"Unknown rich method(s): {', '.join(unknown)}; known: {', '.join(RICH_METHODS)}."
        )
    built: dict[str, Method] = {}
    for name in chosen:
        if name in _DATED:
            built[name] = RICH_METHODS[name](
                start,
                weekly=weekly,
                yearly=yearly,
                country_holidays=country_holidays,
                seasonality_mode=seasonality_mode,
            )
        else:
            built[name] = RICH_METHODS[name]
    return built
