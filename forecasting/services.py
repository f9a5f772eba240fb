"""Forecast runs: create, compute chunk by chunk, publish all at once or fail.

A run's results become current only when every series has its result: publishing switches the
ForecastPublication pointer in one transaction, so planners always see one complete run, and a
failed run leaves the previous one current. A chunk computed twice (a retry) replaces its own
rows, so a run never holds duplicates.
"""

from datetime import date
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone

from accounts.audit import audit_context
from accounts.errors import DomainError

from . import selectors
from .engine.backtest import BacktestConfig
from .engine.methods import METHODS
from .engine.pipeline import EngineConfig, allowed_methods, run
from .models import ForecastPublication, ForecastRun, RunStatus, SeriesForecast

ENGINE_VERSION = "vectorised-1"
DEFAULT_HISTORY_DAYS = 730
MAX_HORIZON = 365


class ForecastRunRefused(DomainError):
    code = "forecast_run_refused"


def forecast_run_create(
    *,
    actor: Any,
    as_of: date | None = None,
    horizon: int = 90,
    history_days: int = DEFAULT_HISTORY_DAYS,
    chunk_size: int = 2000,
) -> ForecastRun:
    """Record a new run and cut its series into chunks. Refused while another run is under way
    (one run at a time) or when the parameters are impossible."""
    errors = {}
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
        busy = ForecastRun.objects.select_for_update().filter(
            status__in=[RunStatus.PENDING, RunStatus.RUNNING]
        )
        if busy.exists():
            raise ForecastRunRefused(f"Forecast run {busy.first().pk} is still under way.")
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
            },
            series_total=len(keys),
            chunks_total=len(chunks),
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def forecast_run_start(*, actor: Any, **parameters: Any) -> ForecastRun:
    """Create a run and start its job once the transaction commits."""
    from .tasks import forecast_run  # the task module imports this one

    created = forecast_run_create(actor=actor, **parameters)
    transaction.on_commit(lambda: forecast_run.delay(created.pk))
    return created


def forecast_run_mark_running(*, run_id: int) -> ForecastRun:
    ForecastRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )
    return ForecastRun.objects.get(pk=run_id)


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
    result = run(demand, config, METHODS)
    rows = [_series_row(forecast_run, key, row, result) for row, key in enumerate(keys)]
    with transaction.atomic():
        SeriesForecast.objects.filter(
            run=forecast_run,
            sku_id__in={sku for sku, _ in keys},
            site_id__in={site for _, site in keys},
        ).delete()
        SeriesForecast.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(value), 3) for value in values]


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _series_row(
    forecast_run: ForecastRun, key: tuple[int, int], row: int, result: Any
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
            if name in allowed_methods(str(result.pattern[row]))
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


def forecast_run_fail(*, run_id: int, error: str) -> ForecastRun:
    """Mark a run failed (the current publication does not change)."""
    ForecastRun.objects.filter(pk=run_id).exclude(status=RunStatus.SUCCEEDED).update(
        status=RunStatus.FAILED, error=error[:4000], finished_at=timezone.now()
    )
    return ForecastRun.objects.get(pk=run_id)


def current_run() -> ForecastRun | None:
    publication = ForecastPublication.objects.select_related("run").filter(name="current").first()
    return publication.run if publication else None
