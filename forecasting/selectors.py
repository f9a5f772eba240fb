"""Read queries of the forecasting app: the demand matrix the engine reads."""

from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import numpy as np
from django.db.models import Avg, Count, F, Q

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


MASE_BINS = [0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0]


def accuracy_overview(run: Any, *, worst: int = 20) -> dict[str, Any]:
    """Backtest accuracy of a run's champions: overall, as a MASE histogram, by demand pattern
    and by SKU category, and the series with the worst MASE."""
    series = SeriesForecast.objects.filter(run=run)
    totals = series.aggregate(
        n=Count("pk"),
        mean_mase=Avg("mase"),
        mean_wape=Avg("wape"),
        mean_bias=Avg("bias"),
        beats_naive=Count("pk", filter=Q(mase__lt=1)),
    )
    mases = np.array(
        [value for value in series.values_list("mase", flat=True) if value is not None]
    )
    edges = [*MASE_BINS, max(float(mases.max()) if mases.size else 0.0, MASE_BINS[-1]) + 1e-9]
    counts, _ = np.histogram(mases, bins=edges)
    labels = [f"{low:g}-{high:g}" for low, high in pairwise(MASE_BINS)]
    labels.append(f"≥ {MASE_BINS[-1]:g}")
    grouped = {
        "pattern": list(
            series.values("pattern")
            .annotate(n=Count("pk"), mean_mase=Avg("mase"), mean_wape=Avg("wape"))
            .order_by("pattern")
        ),
        "category": list(
            series.values("sku__category")
            .annotate(n=Count("pk"), mean_mase=Avg("mase"), mean_wape=Avg("wape"))
            .order_by("sku__category")
        ),
    }
    worst_rows = list(
        series.select_related("sku", "site")
        .filter(mase__isnull=False)
        .order_by(F("mase").desc())[:worst]
    )
    return {
        "totals": totals,
        "histogram": {"labels": labels, "counts": counts.tolist()},
        "by_pattern": grouped["pattern"],
        "by_category": grouped["category"],
        "worst": worst_rows,
    }
