"""Shapes shared by the forecasting engine.

Demand arrives as a float array `y` of shape (n_series, n_days): one row per SKU-site, one
column per day, oldest first, units per day, no NaN (a day without demand is 0).
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Fit:
    """The result of one method on every series at once.

    - `fitted[i, t]` is the one-step-ahead forecast of `y[i, t]` made from `y[i, :t]` (NaN
      where the method cannot forecast yet, e.g. the first `period` days of a seasonal naive);
    - `forecast[i, k]` is the forecast of day n + k + 1 (k = 0 .. horizon - 1);
    - `params` holds the chosen parameters per series, each an array of shape (n_series,).
    """

    method: str
    fitted: np.ndarray
    forecast: np.ndarray
    params: dict[str, np.ndarray] = field(default_factory=dict)


class EngineInputError(ValueError):
    """Input the engine refuses: wrong shape, NaN, infinite or negative demand, bad horizon."""


def check_demand(y: np.ndarray, horizon: int) -> np.ndarray:
    """The demand array as float64 (n_series, n_days), or EngineInputError saying why not."""
    array = np.asarray(y, dtype=np.float64)
    if array.ndim != 2:
        raise EngineInputError(f"Demand must be a 2-D array (series x days), not {array.ndim}-D.")
    if array.shape[1] < 1:
        raise EngineInputError("Demand needs at least one day.")
    if not np.isfinite(array).all():
        raise EngineInputError("Demand contains NaN or infinite values.")
    if (array < 0).any():
        raise EngineInputError("Demand contains negative values.")
    if not isinstance(horizon, int | np.integer) or horizon < 1:
        raise EngineInputError(f"The horizon must be a whole number of days >= 1, not {horizon}.")
    return array
