"""Read queries of the forecasting app: the demand matrix the engine reads."""

from datetime import date, timedelta
from typing import Any

import numpy as np

from inventory.models import DailyDemand

from .models import ForecastPublication, SeriesForecast


def series_keys(*, as_of: date, history_days: int) -> list[tuple[int, int]]:
    """Every (sku_id, site_id) with demand in the history window, in a fixed order (the
    order chunks are cut from)."""
    since = as_of - timedelta(days=history_days)
    rows = (
        DailyDemand.objects.filter(date__gte=since, date__lt=as_of)
        .values_list("sku_id", "site_id")
        .distinct()
        .order_by("sku_id", "site_id")
    )
    return [(sku_id, site_id) for sku_id, site_id in rows]


def demand_matrix(keys: list[tuple[int, int]], *, as_of: date, history_days: int) -> np.ndarray:
    """Demand of `keys` as (len(keys), history_days) units per day, oldest first, ending the
    day before `as_of`; days without a row are 0. One query."""
    since = as_of - timedelta(days=history_days)
    index = {key: row for row, key in enumerate(keys)}
    matrix = np.zeros((len(keys), history_days))
    rows = DailyDemand.objects.filter(
        sku_id__in={sku for sku, _ in keys},
        site_id__in={site for _, site in keys},
        date__gte=since,
        date__lt=as_of,
    ).values_list("sku_id", "site_id", "date", "quantity")
    for sku_id, site_id, day, quantity in rows.iterator(chunk_size=20000):
        row = index.get((sku_id, site_id))
        if row is not None:
            matrix[row, (day - since).days] = quantity
    return matrix


def current_series(sku_id: int, site_id: int) -> Any:
    """The current run's forecast of one SKU-site, or None."""
    publication = ForecastPublication.objects.filter(name="current").first()
    if publication is None:
        return None
    return (
        SeriesForecast.objects.select_related("run", "sku", "site")
        .filter(run_id=publication.run_id, sku_id=sku_id, site_id=site_id)
        .first()
    )
