"""Demand-pattern classification (Syntetos-Boylan), vectorised over series.

ADI = mean interval, in days, between non-zero demands (the first non-zero day counts from the
start of the history); CV² = squared coefficient of variation of the non-zero demand sizes.

    smooth        ADI < 1.32 and CV² < 0.49
    erratic       ADI < 1.32 and CV² >= 0.49
    intermittent  ADI >= 1.32 and CV² < 0.49
    lumpy         ADI >= 1.32 and CV² >= 0.49

A series with no demand at all is "none"; one with a single non-zero day has CV² = 0.
"""

from dataclasses import dataclass

import numpy as np

from forecasting.engine.types import check_demand

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
PATTERNS = ("smooth", "erratic", "intermittent", "lumpy", "none")


@dataclass(frozen=True)
class DemandPatterns:
    adi: np.ndarray  # (n_series,), inf where there is no demand
    cv2: np.ndarray  # (n_series,), nan where there is no demand
    pattern: np.ndarray  # (n_series,) of str, one of PATTERNS

    @property
    def intermittent(self) -> np.ndarray:
        """True where Croston-family methods should be used (intermittent or lumpy)."""
        return np.isin(self.pattern, ("intermittent", "lumpy"))


def classify(y: np.ndarray) -> DemandPatterns:
    demand = check_demand(y, 1)
    nonzero = demand > 0
    count = nonzero.sum(axis=1)
    days = demand.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        adi = np.where(count > 0, days / np.maximum(count, 1), np.inf)
        sizes_sum = np.where(nonzero, demand, 0.0).sum(axis=1)
        mean = sizes_sum / np.maximum(count, 1)
        squares = np.where(nonzero, (demand - mean[:, None]) ** 2, 0.0).sum(axis=1)
        variance = squares / np.maximum(count, 1)
        cv2 = np.where(count > 0, variance / np.maximum(mean, 1e-12) ** 2, np.nan)
    frequent = adi < ADI_CUTOFF
    variable = np.nan_to_num(cv2, nan=0.0) >= CV2_CUTOFF
    pattern = np.select(
        [count == 0, frequent & ~variable, frequent & variable, ~frequent & ~variable],
        ["none", "smooth", "erratic", "intermittent"],
        default="lumpy",
    )
    return DemandPatterns(adi=adi, cv2=cv2, pattern=pattern)
