"""Lead-time model per supplier-SKU from receipts, for all supplier-SKUs at once.

Each receipt is one observation: the days from the order date to the receipt date. For
every group (a supplier-SKU, numbered 0 .. n_groups - 1):

- n: the number of observations;
- mean and standard deviation (sample, ddof = 1) of the lead time in days;
- trend: the least-squares slope of lead time against order date, in days of lead time per
  365 days of calendar time (0 when all orders fell on one day); positive means deliveries
  are getting slower;
- projected mean: the mean moved along the trend to `today`
  (mean + slope * (today - mean order day)), never below 1 day and never more than twice
  the longest lead time seen, so one odd receipt cannot project an absurd figure.

With fewer than `min_observations` observations the history is too thin to trust: the group
uses the supplier's terms (the mean and standard deviation they quote) and trend 0, and its
source says so. Days are counted as integers on any common origin (e.g. days since
1970-01-01).
"""

from dataclasses import dataclass

import numpy as np

from forecasting.engine.types import EngineInputError

HISTORY = "history"
TERMS = "terms"


@dataclass(frozen=True)
class LeadTimeModel:
    n: np.ndarray  # (n_groups,) observations
    mean: np.ndarray  # (n_groups,) days
    std: np.ndarray  # (n_groups,) days
    trend_per_year: np.ndarray  # (n_groups,) days of lead time per 365 days
    projected_mean: np.ndarray  # (n_groups,) days
    source: np.ndarray  # (n_groups,) HISTORY or TERMS


def lead_time_model(
    group: np.ndarray,
    ordered_day: np.ndarray,
    lead_days: np.ndarray,
    *,
    terms_mean: np.ndarray,
    terms_std: np.ndarray,
    today: int,
    min_observations: int = 5,
) -> LeadTimeModel:
    """The lead-time model of every group from its receipts (`group`, `ordered_day` and
    `lead_days` are aligned arrays, one entry per receipt) and the quoted terms per group."""
    group = np.asarray(group, dtype=np.int64)
    ordered_day = np.asarray(ordered_day, dtype=np.float64)
    lead_days = np.asarray(lead_days, dtype=np.float64)
    terms_mean = np.asarray(terms_mean, dtype=np.float64)
    terms_std = np.asarray(terms_std, dtype=np.float64)
    n_groups = terms_mean.shape[0]
    if not group.shape == ordered_day.shape == lead_days.shape or group.ndim != 1:
        raise EngineInputError("group, ordered_day and lead_days must be 1-D and of one length.")
    if terms_std.shape != (n_groups,):
        raise EngineInputError("terms_mean and terms_std must have one entry per group.")
    if group.size and (group.min() < 0 or group.max() >= n_groups):
        raise EngineInputError(f"Group numbers must lie in 0 .. {n_groups - 1}.")
    if (lead_days < 0).any() or not np.isfinite(lead_days).all():
        raise EngineInputError("A lead time is negative or not a number: received before ordered?")
    if (terms_mean <= 0).any() or (terms_std < 0).any():
        raise EngineInputError("Quoted lead times must be positive, their deviations not negative.")
    if min_observations < 2:
        raise EngineInputError("At least 2 observations are needed for a standard deviation.")

    def per_group(values: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=values, minlength=n_groups)

    n = np.bincount(group, minlength=n_groups).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = per_group(lead_days) / n
        mean_day = per_group(ordered_day) / n
        lead_dev = lead_days - mean[group]
        day_dev = ordered_day - mean_day[group]
        variance = per_group(lead_dev**2) / (n - 1)
        spread = per_group(day_dev**2)
        slope = np.where(spread > 0, per_group(day_dev * lead_dev) / spread, 0.0)
    longest = np.zeros(n_groups)
    np.maximum.at(longest, group, lead_days)

    enough = n >= min_observations
    history_std = np.sqrt(np.maximum(variance, 0.0))
    projected = mean + slope * (today - mean_day)
    projected = np.clip(projected, 1.0, np.maximum(2 * longest, 1.0))
    return LeadTimeModel(
        n=n.astype(np.int64),
        mean=np.where(enough, mean, terms_mean),
        std=np.where(enough, history_std, terms_std),
        trend_per_year=np.where(enough, slope * 365, 0.0),
        projected_mean=np.where(enough, projected, terms_mean),
        source=np.where(enough, HISTORY, TERMS),
    )
