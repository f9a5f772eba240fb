"""Forecast runs (create, compute chunk by chunk, publish all at once or fail), planner
overrides, and the lead-time estimates per supplier-SKU.

A run's results become current only when every series has its result: publishing switches the
ForecastPublication pointer in one transaction, so planners always see one complete run, and a
failed run leaves the previous one current. A chunk computed twice (a retry) replaces its own
rows, so a run never holds duplicates.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from celery import Signature, chain
from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from accounts.audit import audit_context
from accounts.models import User
from common.errors import DomainError, ReasonRequired
from common.runs import refuse_while_under_way, run_mark_running, task_by_name
from forecasting import selectors
from forecasting.engine.backtest import BacktestConfig
from forecasting.engine.lead_time import lead_time_model
from forecasting.engine.methods import METHODS
from forecasting.engine.pipeline import EngineConfig, allowed_methods, run
from forecasting.engine.rich import rich_methods as rich_method_set
from forecasting.models import (
    ForecastOverride,
    ForecastPublication,
    ForecastRun,
    LeadTimeEstimate,
    OverrideKind,
    RunStatus,
    SeriesForecast,
)
from inventory.models import Site, Sku, StockPosition
from suppliers.models import Receipt, SupplierItem

ENGINE_VERSION = "vectorised-1"
DEFAULT_CHUNK_SIZE = 2000
RICH_CHUNK_SIZE = 200
RICH_METHOD_LABELS = {
    "statsmodels_ets": "statsmodels ETS (damped trend, weekly season)",
    "sarimax": "SARIMAX (1,0,1)(0,1,1)7",
    "prophet": "Prophet (weekly and yearly seasonality, holidays)",
}
RUN_LOCK = "forecasting.forecast_run_create"
DEFAULT_HISTORY_DAYS = 730
MAX_HORIZON = 365


class ForecastRunRefused(DomainError):
    code = "forecast_run_refused"


def forecast_run_create(
    *,
    actor: User | None,
    as_of: date | None = None,
    horizon: int = 90,
    history_days: int = DEFAULT_HISTORY_DAYS,
    chunk_size: int | None = None,
    rich_methods: Sequence[str] | None = None,
    rich_classes: Sequence[str] | None = None,
) -> ForecastRun:
    """Record a new run and cut its series into chunks. Refused while another run is under way
    (one run at a time) or when the parameters are impossible.

    `rich_methods` (names from RICH_METHOD_LABELS; settings.FORECAST_RICH_METHODS when None)
    are tried, besides the vectorised methods, on the series of SKU-sites whose ABC class is in
    `rich_classes` (settings.FORECAST_RICH_ABC_CLASSES when None). They cost about a second per
    series and method, so runs that use them are cut into smaller chunks."""
    rich_methods = list(settings.FORECAST_RICH_METHODS if rich_methods is None else rich_methods)
    rich_classes = sorted(
        settings.FORECAST_RICH_ABC_CLASSES if rich_classes is None else rich_classes
    )
    if chunk_size is None:
        chunk_size = RICH_CHUNK_SIZE if rich_methods else DEFAULT_CHUNK_SIZE
    errors = {}
    unknown = [name for name in rich_methods if name not in RICH_METHOD_LABELS]
    if unknown:
        errors["rich_methods"] = [f"Unknown: {', '.join(unknown)}."]
    if rich_methods and (not rich_classes or not set(rich_classes) <= {"A", "B", "C"}):
        errors["rich_classes"] = ["Choose one or more of the ABC classes A, B and C."]
    if not 1 <= horizon <= MAX_HORIZON:
        errors["horizon"] = [f"Between 1 and {MAX_HORIZON} days."]
    if history_days < 60:
        errors["history_days"] = ["At least 60 days: the backtest needs them."]
    if chunk_size < 1:
        errors["chunk_size"] = ["At least 1."]
    if errors:
        raise ForecastRunRefused("The run parameters are not valid.", fields=errors)
    as_of = as_of or timezone.localdate()
    with transaction.atomic(), audit_context(actor=actor):
        refuse_while_under_way(ForecastRun, lock=RUN_LOCK, refused=ForecastRunRefused)
        keys = selectors.series_keys(as_of=as_of, history_days=history_days)
        chunks = [keys[start : start + chunk_size] for start in range(0, len(keys), chunk_size)]
        return ForecastRun.objects.create(
            as_of=as_of,
            engine_version=ENGINE_VERSION,
            parameters={
                "horizon": horizon,
                "history_days": history_days,
                "chunk_size": chunk_size,
                # first and last key of each chunk, so a chunk reads only its own keys
                "chunk_bounds": [[*chunk[0], *chunk[-1]] for chunk in chunks],
                "backtest": {"origins": 4, "step": 7, "horizon": 28},
                "levels": [0.8, 0.95],
                "rich": {
                    "methods": rich_methods,
                    "abc_classes": rich_classes if rich_methods else [],
                    "holidays": settings.FORECAST_HOLIDAY_COUNTRY,
                },
            },
            series_total=len(keys),
            chunks_total=len(chunks),
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def after_publishing() -> Signature:
    """What a forecast run started on demand sets off once it is published: the policies
    refreshed from it, then the alert rules that read the forecast. (At night the chain in
    optimization.nightly says what follows instead.) Both are reached by task name: the apps
    that do them sit above forecasting."""
    return chain(
        task_by_name("optimization.tasks.refresh_policies"),
        task_by_name("alerts.tasks.evaluate_alerts_after", "forecast_published"),
    )


def forecast_run_start(*, actor: User | None, **parameters: Any) -> ForecastRun:
    """Create a run and start its job once the transaction commits; once published, the run
    sets off what follows it (`after_publishing`)."""
    from forecasting.tasks import forecast_run  # the task module imports this one

    created = forecast_run_create(actor=actor, **parameters)
    transaction.on_commit(lambda: forecast_run.delay(created.pk, after_publishing()))
    return created


def forecast_run_mark_running(*, run_id: int) -> ForecastRun:
    return run_mark_running(ForecastRun, run_id=run_id)


def forecast_chunk_compute(*, run_id: int, index: int) -> int:
    """Forecast the series of chunk `index` and store them (replacing any earlier attempt of
    the same chunk). Returns the number of series written."""
    forecast_run = ForecastRun.objects.get(pk=run_id)
    if forecast_run.status == RunStatus.FAILED:
        return 0
    params = forecast_run.parameters
    if index >= len(params["chunk_bounds"]):
        return 0
    sku_lo, site_lo, sku_hi, site_hi = params["chunk_bounds"][index]
    keys = selectors.series_keys(
        as_of=forecast_run.as_of,
        history_days=params["history_days"],
        first=(sku_lo, site_lo),
        last=(sku_hi, site_hi),
    )
    if not keys:
        return 0
    demand = selectors.demand_matrix(
        keys, as_of=forecast_run.as_of, history_days=params["history_days"]
    )
    config = EngineConfig(
        horizon=params["horizon"],
        backtest=BacktestConfig(**params["backtest"]),
        levels=tuple(params["levels"]),
    )
    rich = params.get("rich") or {}
    rich_rows = _rich_rows(keys, rich.get("abc_classes") or [])
    if rich.get("methods") and rich_rows.any():
        start = forecast_run.as_of - timedelta(days=params["history_days"])
        candidates = rich_method_set(
            start, names=rich["methods"], country_holidays=rich.get("holidays") or None
        )
        result = run(demand, config, METHODS, rich_methods=candidates, rich_rows=rich_rows)
    else:
        result = run(demand, config, METHODS)
    rich_names = [name for name in result.scores if name in RICH_METHOD_LABELS]
    rows = [
        _series_row(forecast_run, key, row, result, rich_names if rich_rows[row] else [])
        for row, key in enumerate(keys)
    ]
    with transaction.atomic():
        SeriesForecast.objects.filter(_exactly(keys), run=forecast_run).delete()
        SeriesForecast.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _exactly(keys: list[tuple[int, int]]) -> Q:
    """The rows of exactly these (sku, site) keys. A chunk may end inside one SKU's sites and
    the next begin there, so its SKUs crossed with its sites would reach a neighbour's rows."""
    sites_of: dict[int, list[int]] = defaultdict(list)
    for sku_id, site_id in keys:
        sites_of[sku_id].append(site_id)
    condition = Q()
    for sku_id, site_ids in sites_of.items():
        condition |= Q(sku_id=sku_id, site_id__in=site_ids)
    return condition


def _rich_rows(keys: list[tuple[int, int]], classes: Sequence[str]) -> np.ndarray:
    """Which of `keys` get the rich candidates: those whose stock position has an ABC class in
    `classes`."""
    if not classes or not keys:
        return np.zeros(len(keys), dtype=bool)
    chosen = set(
        StockPosition.objects.filter(
            sku_id__gte=keys[0][0], sku_id__lte=keys[-1][0], abc_class__in=classes
        ).values_list("sku_id", "site_id")
    )
    return np.array([key in chosen for key in keys], dtype=bool)


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(value), 3) for value in values]


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _series_row(
    forecast_run: ForecastRun, key: tuple[int, int], row: int, result: Any, rich: list[str]
) -> SeriesForecast:
    return SeriesForecast(
        run=forecast_run,
        sku_id=key[0],
        site_id=key[1],
        pattern=str(result.pattern[row]),
        method=str(result.method[row]),
        values=_rounded(result.forecast[row]),
        lower_80=_rounded(result.lower[0, row]),
        upper_80=_rounded(result.upper[0, row]),
        lower_95=_rounded(result.lower[1, row]),
        upper_95=_rounded(result.upper[1, row]),
        mase=_finite(result.mase[row]),
        wape=_finite(result.wape[row]),
        bias=_finite(result.bias[row]),
        error_std=float(result.error_std[row]),
        candidates={
            name: _finite(score.mase[row])
            for name, score in result.scores.items()
            if name in allowed_methods(str(result.pattern[row]), rich=rich)
        },
    )


def forecast_run_publish(*, run_id: int) -> ForecastRun:
    """Make the run current if every series has its result; otherwise mark it failed. The
    pointer switch and the status change happen in one transaction."""
    with transaction.atomic():
        forecast_run = ForecastRun.objects.select_for_update().get(pk=run_id)
        if forecast_run.status == RunStatus.FAILED:
            return forecast_run
        written = forecast_run.series.count()
        now = timezone.now()
        if written != forecast_run.series_total:
            forecast_run.status = RunStatus.FAILED
            forecast_run.error = (
                f"Only {written} of {forecast_run.series_total} series were forecast."
            )
        else:
            forecast_run.status = RunStatus.SUCCEEDED
            forecast_run.summary = _summary(forecast_run)
            ForecastPublication.objects.update_or_create(
                name="current", defaults={"run": forecast_run, "published_at": now}
            )
        forecast_run.finished_at = now
        forecast_run.save(update_fields=["status", "error", "summary", "finished_at"])
    return forecast_run


def _summary(forecast_run: ForecastRun) -> dict[str, Any]:
    series = forecast_run.series.all()
    averages = series.aggregate(mase=Avg("mase"), wape=Avg("wape"), bias=Avg("bias"))
    champions = dict(series.values_list("method").annotate(n=Count("pk")).order_by())
    patterns = dict(series.values_list("pattern").annotate(n=Count("pk")).order_by())
    return {
        "mean_mase": averages["mase"],
        "mean_wape": averages["wape"],
        "mean_bias": averages["bias"],
        "champions": champions,
        "patterns": patterns,
    }


def current_run() -> ForecastRun | None:
    publication = ForecastPublication.objects.select_related("run").filter(name="current").first()
    return publication.run if publication else None


# ---- planner overrides ---------------------------------------------------------------------

MAX_PERCENT_CHANGE = Decimal("1000")
MAX_UNITS_PER_DAY = Decimal("1000000")


class OverrideRefused(DomainError):
    code = "override_refused"


def forecast_override_create(
    *,
    actor: User,
    sku: Sku,
    site: Site,
    start_date: date,
    end_date: date,
    kind: str,
    value: Decimal,
    reason: str,
    today: date | None = None,
) -> ForecastOverride:
    """Adjust the current forecast of one SKU-site over a date range (percent change or units
    per day), with a mandatory reason. Refused, with nothing written, for past days, days the
    current forecast does not cover, a range that overlaps an active override, or a value out
    of bounds."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(
            "Give a reason for overriding the forecast.", fields={"reason": ["Required."]}
        )
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if kind not in OverrideKind.values:
        errors["kind"] = ["Choose a percentage change or units per day."]
    elif kind == OverrideKind.PERCENT and not -100 <= value <= MAX_PERCENT_CHANGE:
        errors["value"] = [f"A change between -100 % and +{MAX_PERCENT_CHANGE} %."]
    elif kind == OverrideKind.UNITS and not 0 <= value <= MAX_UNITS_PER_DAY:
        errors["value"] = [f"Between 0 and {MAX_UNITS_PER_DAY:,} units per day."]
    if end_date < start_date:
        errors["end_date"] = ["The range ends before it starts."]
    if start_date < today:
        errors["start_date"] = [f"Past days cannot be changed; start on {today} or later."]
    if errors:
        raise OverrideRefused("The override is not valid.", fields=errors)
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        series = (
            SeriesForecast.objects.select_related("run")
            .filter(run=current_run(), sku=sku, site=site)
            .first()
        )
        if series is None:
            raise OverrideRefused(f"{sku.code} at {site.code} has no published forecast to adjust.")
        first_day = series.run.as_of
        last_day = first_day + timedelta(days=len(series.values) - 1)
        if start_date < first_day or end_date > last_day:
            raise OverrideRefused(
                "The range must lie within the forecast.",
                fields={"end_date": [f"The current forecast covers {first_day} to {last_day}."]},
            )
        # Lock the series' overrides so two planners cannot add overlapping ones at once.
        existing = list(
            ForecastOverride.objects.select_for_update().filter(
                sku=sku, site=site, withdrawn_at__isnull=True
            )
        )
        clash = next(
            (o for o in existing if o.start_date <= end_date and start_date <= o.end_date), None
        )
        if clash is not None:
            raise OverrideRefused(
                f"An override from {clash.start_date} to {clash.end_date} ({clash.describe()}) "
                "already covers some of these days; withdraw it first.",
                fields={"start_date": ["Overlaps an active override."]},
            )
        offset = (start_date - first_day).days
        statistical = series.values[offset : offset + (end_date - start_date).days + 1]
        return ForecastOverride.objects.create(
            sku=sku,
            site=site,
            start_date=start_date,
            end_date=end_date,
            kind=kind,
            value=value,
            reason=reason,
            run=series.run,
            statistical=statistical,
            created_by=actor,
        )


def forecast_override_withdraw(
    *, actor: User | None, override: ForecastOverride, reason: str
) -> ForecastOverride:
    """Stop applying an override (it stays on record, with who withdrew it and why)."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(
            "Give a reason for withdrawing the override.", fields={"reason": ["Required."]}
        )
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        override = ForecastOverride.objects.select_for_update().get(pk=override.pk)
        if override.withdrawn_at is not None:
            raise OverrideRefused("This override has already been withdrawn.")
        override.withdrawn_at = timezone.now()
        override.withdrawn_by = actor
        override.withdraw_reason = reason
        override.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    return override


# ---- lead times ----------------------------------------------------------------------------

LEAD_TIME_HISTORY_DAYS = 730
LEAD_TIME_MIN_OBSERVATIONS = 5


def lead_time_estimates_refresh(
    *,
    today: date | None = None,
    history_days: int = LEAD_TIME_HISTORY_DAYS,
    min_observations: int = LEAD_TIME_MIN_OBSERVATIONS,
) -> int:
    """Recompute the lead-time estimate of every supplier-SKU with terms from the receipts of
    orders placed in the last `history_days`; all rows are replaced in one transaction.
    Returns the number of estimates."""
    today = today or timezone.localdate()
    since = today - timedelta(days=history_days)
    items = list(
        SupplierItem.objects.order_by("supplier_id", "sku_id").values_list(
            "supplier_id", "sku_id", "lead_time_mean_days", "lead_time_std_days"
        )
    )
    number = {(supplier, sku): index for index, (supplier, sku, _, _) in enumerate(items)}
    receipts = Receipt.objects.filter(
        line__purchase_order__ordered_on__gte=since,
        line__purchase_order__ordered_on__lte=today,
        received_on__gte=F("line__purchase_order__ordered_on"),
    ).values_list(
        "line__purchase_order__supplier_id",
        "line__sku_id",
        "line__purchase_order__ordered_on",
        "received_on",
    )
    groups, ordered, lead = [], [], []
    for supplier, sku, ordered_on, received_on in receipts.iterator(chunk_size=5000):
        index = number.get((supplier, sku))
        # (both dates are set: the query compares them)
        if index is not None and ordered_on is not None and received_on is not None:
            groups.append(index)
            ordered.append((ordered_on - since).days)
            lead.append((received_on - ordered_on).days)
    model = lead_time_model(
        np.array(groups, dtype=np.int64),
        np.array(ordered, dtype=np.float64),
        np.array(lead, dtype=np.float64),
        terms_mean=np.array([float(mean) for _, _, mean, _ in items]),
        terms_std=np.array([float(std) for _, _, _, std in items]),
        today=(today - since).days,
        min_observations=min_observations,
    )
    rows = [
        LeadTimeEstimate(
            supplier_id=supplier,
            sku_id=sku,
            observations=int(model.n[i]),
            mean_days=round(float(model.mean[i]), 2),
            std_days=round(float(model.std[i]), 2),
            trend_days_per_year=round(float(model.trend_per_year[i]), 2),
            projected_mean_days=round(float(model.projected_mean[i]), 2),
            source=str(model.source[i]),
            terms_mean_days=float(terms_mean),
            terms_std_days=float(terms_std),
            computed_on=today,
        )
        for i, (supplier, sku, terms_mean, terms_std) in enumerate(items)
    ]
    with transaction.atomic():
        LeadTimeEstimate.objects.all().delete()
        LeadTimeEstimate.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
