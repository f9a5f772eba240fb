"""Echelon demand: what an upstream site must cover for one SKU when other sites are
replenished from it by transfer.

For one SKU, each site i has its own (direct) daily forecast d_i(t) in units per day (zero
where it has none) and the standard deviation of its daily forecast error s_i. A site replenished
from parent p by transfer passes its whole demand up to p, so p's echelon demand is its own
demand plus the echelon demand of every site it feeds, recursively up the tree:

    D_p(t) = d_p(t) + sum over the sites c fed by p of D_c(t)       (units per day)
    S_p    = sqrt(s_p^2 + sum over c of S_c^2)                      (units per day)

The error deviations add as the root of the sum of squares: the sites' forecast errors are
taken as independent (pooled), which understates the spread when one cause (an outbreak, a
shortage elsewhere) moves several sites together. The parent sees the children's orders, not
their daily use; using their demand rate instead is the usual echelon simplification and is
right on average, since every unit a child uses is eventually ordered from the parent.

Series of different lengths are summed over their common first days (the shortest one): a
forecast run's series all have the run's horizon, so this only matters for odd input.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from optimization.engine.types import EngineInputError


@dataclass(frozen=True)
class EchelonDemand:
    """One site's echelon demand for one SKU: `daily` (units per day, from the first forecast
    day), `error_std` (units per day), and `fed` (the sites it replenishes directly)."""

    daily: np.ndarray
    error_std: float
    fed: tuple[int, ...]


def echelon_demand(
    *,
    own_daily: Mapping[int, np.ndarray],
    own_error_std: Mapping[int, float],
    fed_from: Mapping[int, int],
) -> dict[int, EchelonDemand]:
    """Echelon demand of every site that has its own demand or feeds one that has (one SKU).

    `own_daily`: the sites' own daily forecasts (sites without one are taken as zero);
    `own_error_std`: their daily forecast-error deviations (missing: 0);
    `fed_from`: for each site replenished by transfer, the site it is replenished from.
    Sites not in `fed_from` pass nothing up. Raises EngineInputError when following
    `fed_from` loops back to a site, or a demand is negative or not finite."""
    for site, values in own_daily.items():
        array = np.asarray(values, dtype=float)
        if array.ndim != 1 or not (np.isfinite(array).all() and (array >= 0).all()):
            raise EngineInputError(
                f"The daily forecast of site {site} must be finite values >= 0, one per day."
            )
    length = min((len(values) for values in own_daily.values()), default=0)
    involved: set[int] = set(own_daily)
    for site in list(own_daily):
        seen = {site}
        upstream = fed_from.get(site)
        while upstream is not None:
            if upstream in seen:
                raise EngineInputError(
                    f"Site {site}'s replenishment path loops back to site {upstream}."
                )
            seen.add(upstream)
            involved.add(upstream)
            upstream = fed_from.get(upstream)

    def depth(site: int) -> int:
        steps, upstream = 0, fed_from.get(site)
        while upstream is not None:
            steps, upstream = steps + 1, fed_from.get(upstream)
        return steps

    daily = {
        site: np.asarray(own_daily[site], dtype=float)[:length].copy()
        if site in own_daily
        else np.zeros(length)
        for site in involved
    }
    variance = {site: float(own_error_std.get(site, 0.0)) ** 2 for site in involved}
    fed: dict[int, list[int]] = {site: [] for site in involved}
    for site in sorted(involved, key=lambda s: (-depth(s), s)):  # the farthest sites first
        parent = fed_from.get(site)
        if parent is None:
            continue
        daily[parent] += daily[site]
        variance[parent] += variance[site]
        fed[parent].append(site)
    return {
        site: EchelonDemand(
            daily=daily[site],
            error_std=float(np.sqrt(variance[site])),
            fed=tuple(sorted(fed[site])),
        )
        for site in involved
    }
