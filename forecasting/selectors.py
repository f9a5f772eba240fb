"""Read queries of the forecasting app: the demand matrix the engine reads, the forecasts with
the planners' overrides applied, and the overrides' value added."""

from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone

from forecasting import rules
from forecasting.models import (
    ForecastOverride,
    ForecastPublication,
    ForecastRun,
    LeadTimeEstimate,
    SeriesForecast,
)
from inventory.models import DailyDemand


def series_keys(
    *,
    as_of: date,
    history_days: int,
    first: tuple[int, int] | None = None,
    last: tuple[int, int] | None = None,
) -> list[tuple[int, int]]:
    """Every (sku_id, site_id) with demand in the history window, in a fixed order (the
    order chunks are cut from); with `first` and `last`, only the keys between them."""
    since = as_of - timedelta(days=history_days)
    demand = DailyDemand.objects.filter(date__gte=since, date__lt=as_of)
    if first is not None and last is not None:
        demand = demand.filter(sku_id__gte=first[0], sku_id__lte=last[0])
    rows = demand.values_list("sku_id", "site_id").distinct().order_by("sku_id", "site_id")
    keys = [(sku_id, site_id) for sku_id, site_id in rows]
    if first is not None and last is not None:
        keys = [key for key in keys if first <= key <= last]
    return keys


# Whole days from a given date to DailyDemand.date, as an integer, per database.
DAY_OFFSET_SQL = {
    "postgresql": "date - %s::date",
    "sqlite": "CAST(julianday(date) - julianday(%s) AS INTEGER)",
}


def demand_matrix(keys: list[tuple[int, int]], *, as_of: date, history_days: int) -> np.ndarray:
    """Demand of `keys` (sorted by sku then site) as (len(keys), history_days) units per day,
    oldest first, ending the day before `as_of`; days without a row are 0.

    One query that returns only integers (the database computes each row's day offset), placed
    with numpy: keys are encoded as sku * width + site and found by searchsorted. Building
    date objects per row cost about 4 s per 2,000 series x 730 days; this way it does not."""
    since = as_of - timedelta(days=history_days)
    matrix = np.zeros((len(keys), history_days))
    if not keys:
        return matrix
    skus = sorted({sku for sku, _ in keys})
    sites = sorted({site for _, site in keys})
    table = DailyDemand._meta.db_table
    # Only the table name, a constant expression and placeholder counts are interpolated;
    # every value is a bound parameter.
    sql = (
        f"SELECT sku_id, site_id, {DAY_OFFSET_SQL[connection.vendor]}, quantity FROM {table} "  # noqa: S608
        f"WHERE sku_id IN ({', '.join(['%s'] * len(skus))}) "
        f"AND site_id IN ({', '.join(['%s'] * len(sites))}) AND date >= %s AND date < %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [since, *skus, *sites, since, as_of])
        rows = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 4)
    if not len(rows):
        return matrix
    width = max(int(rows[:, 1].max()), *sites) + 1
    wanted = np.array([sku * width + site for sku, site in keys], dtype=np.int64)
    codes = rows[:, 0] * width + rows[:, 1]
    position = np.minimum(np.searchsorted(wanted, codes), len(wanted) - 1)
    found = wanted[position] == codes
    matrix[position[found], rows[found, 2]] = rows[found, 3]
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


# ---- overrides -----------------------------------------------------------------------------


def effective_forecasts(run: Any, keys: list[tuple[int, int]] | None = None) -> dict:
    """The forecast plans read: per (sku_id, site_id) of `run` (all, or only `keys`), the daily
    values from run.as_of with the active planner overrides applied."""
    series = SeriesForecast.objects.filter(run=run)
    overrides = ForecastOverride.objects.filter(
        withdrawn_at__isnull=True,
        end_date__gte=run.as_of,
        start_date__lte=run.as_of + timedelta(days=run.parameters["horizon"]),
    )
    if keys is not None:
        skus = {sku for sku, _ in keys}
        series = series.filter(sku_id__in=skus)
        overrides = overrides.filter(sku_id__in=skus)
    by_key: dict[tuple[int, int], list] = {}
    for override in overrides:
        by_key.setdefault((override.sku_id, override.site_id), []).append(override)
    wanted = set(keys) if keys is not None else None
    result = {}
    for sku_id, site_id, values in series.values_list("sku_id", "site_id", "values"):
        key = (sku_id, site_id)
        if wanted is not None and key not in wanted:
            continue
        result[key] = rules.apply_overrides(values, run.as_of, by_key.get(key, ()))
    return result


def _actuals(overrides: list, today: date) -> dict[tuple[int, int], dict[date, float]]:
    """Daily demand on the passed days of the overrides' ranges, one query."""
    passed = [o for o in overrides if o.start_date < today]
    if not passed:
        return {}
    demand = DailyDemand.objects.filter(
        sku_id__in={o.sku_id for o in passed},
        site_id__in={o.site_id for o in passed},
        date__gte=min(o.start_date for o in passed),
        date__lte=min(max(o.end_date for o in passed), today - timedelta(days=1)),
    ).values_list("sku_id", "site_id", "date", "quantity")
    actuals: dict[tuple[int, int], dict[date, float]] = {}
    for sku_id, site_id, day, quantity in demand:
        actuals.setdefault((sku_id, site_id), {})[day] = float(quantity)
    return actuals


def _value_added(override: Any, actuals: dict, today: date) -> rules.ValueAdded | None:
    days = (min(override.end_date, today - timedelta(days=1)) - override.start_date).days + 1
    if days <= 0:
        return None
    series_actuals = actuals.get((override.sku_id, override.site_id), {})
    actual = [
        series_actuals.get(override.start_date + timedelta(days=day), 0.0) for day in range(days)
    ]
    statistical = override.statistical[:days]
    adjusted = [rules.adjusted_value(override.kind, override.value, v) for v in statistical]
    return rules.value_added(actual, statistical, adjusted)


def series_overrides(sku_id: int, site_id: int, *, today: date | None = None) -> list:
    """Every override of one SKU-site, newest first, each with `value_added` (None until one of
    its days has passed)."""
    today = today or timezone.localdate()
    overrides = list(
        ForecastOverride.objects.filter(sku_id=sku_id, site_id=site_id).select_related(
            "created_by", "withdrawn_by"
        )
    )
    actuals = _actuals(overrides, today)
    for override in overrides:
        override.value_added = _value_added(override, actuals, today)
    return overrides


def override_value_added_summary(*, today: date | None = None, since_days: int = 365) -> dict:
    """Forecast value added of the overrides whose days have (partly) passed in the last
    `since_days`: how many helped, and the error of the statistical forecast and of the
    overrides, pooled over all their days. Withdrawn overrides are left out."""
    today = today or timezone.localdate()
    overrides = list(
        ForecastOverride.objects.filter(
            withdrawn_at__isnull=True,
            start_date__lt=today,
            end_date__gte=today - timedelta(days=since_days),
        )
    )
    actuals = _actuals(overrides, today)
    measured = [va for o in overrides if (va := _value_added(o, actuals, today)) is not None]
    days = sum(va.days for va in measured)
    if not days:
        return {"overrides": 0}
    statistical_mae = sum(va.statistical_mae * va.days for va in measured) / days
    override_mae = sum(va.override_mae * va.days for va in measured) / days
    added_percent = (
        100 * (statistical_mae - override_mae) / statistical_mae if statistical_mae else None
    )
    return {
        "overrides": len(measured),
        "helped": sum(1 for va in measured if va.added > 0),
        "days": days,
        "statistical_mae": statistical_mae,
        "override_mae": override_mae,
        "added_percent": added_percent,
        "added_percent_abs": None if added_percent is None else abs(added_percent),
    }


def forecast_runs() -> QuerySet[ForecastRun]:
    """Forecast runs, newest first, with who started each and how many series each has stored
    so far (`series_stored`, the progress of a run under way), in one query."""
    return (
        ForecastRun.objects.select_related("created_by")
        .annotate(series_stored=Count("series"))
        .order_by("-created_at", "-pk")  # (a GROUP BY query drops the model's ordering)
    )


def lead_time_estimates(sku_id: int) -> QuerySet[LeadTimeEstimate]:
    """The lead times estimated for one SKU, one per supplier, by supplier code."""
    return (
        LeadTimeEstimate.objects.filter(sku_id=sku_id)
        .select_related("supplier")
        .order_by("supplier__code")
    )


def run_series(run: ForecastRun, sku_id: int) -> QuerySet[SeriesForecast]:
    """The forecasts of one SKU in `run`, one per site, by site code."""
    return (
        SeriesForecast.objects.filter(run=run, sku_id=sku_id)
        .select_related("site")
        .order_by("site__code")
    )
