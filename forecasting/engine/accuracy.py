"""Forecast accuracy per series, vectorised (DOMAIN.md):

    WAPE = sum|y - f| / sum|y|                       (nan when the actuals are all zero)
    MASE = MAE of the forecast / in-sample MAE of the seasonal naive (period m: 7 for daily
           demand, SEASON; the backtest passes the engine's period)
    bias = sum(f - y) / sum(y)                        (nan when the actuals are all zero)

Arrays are (n_series, n_days); NaN forecasts (days a method could not forecast) are left out
of every sum, together with their actuals.
"""

import numpy as np

SEASON = 7


def _paired(actual: np.ndarray, forecast: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    actual = np.asarray(actual, dtype=np.float64)
    forecast = np.asarray(forecast, dtype=np.float64)
    if actual.shape != forecast.shape:
        raise ValueError(f"Shapes differ: actuals {actual.shape}, forecasts {forecast.shape}.")
    usable = np.isfinite(forecast)
    return np.where(usable, actual, 0.0), np.where(usable, forecast, 0.0)


def wape(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    y, f = _paired(actual, forecast)
    total = np.abs(y).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, np.abs(y - f).sum(axis=1) / total, np.nan)


def bias(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    y, f = _paired(actual, forecast)
    total = y.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, (f - y).sum(axis=1) / total, np.nan)


def naive_scale(history: np.ndarray, season: int = SEASON) -> np.ndarray:
    """In-sample MAE of the seasonal naive forecast y[t] = y[t - season] over the history
    (nan when the history is shorter than one season plus a day); `season` is the period m."""
    history = np.asarray(history, dtype=np.float64)
    if history.shape[1] <= season:
        return np.full(history.shape[0], np.nan)
    scale: np.ndarray = np.abs(history[:, season:] - history[:, :-season]).mean(axis=1)
    return scale


def mase(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """MASE with the given per-series scale (naive_scale of the training history). Where the
    scale is 0 (a perfectly repeating history) the result is 0 for a perfect forecast and inf
    otherwise."""
    y, f = _paired(actual, forecast)
    counted = np.isfinite(np.asarray(forecast, dtype=np.float64)).sum(axis=1)
    mae = np.abs(y - f).sum(axis=1) / np.maximum(counted, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(scale > 0, mae / scale, np.where(mae == 0, 0.0, np.inf))
