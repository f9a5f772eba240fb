"""Forecast-run jobs (heavy queue). A run fans out one task per chunk and publishes once every
chunk succeeded; a chunk that fails for good marks the run failed, so the previous run stays
current. A dropped connection is retried (config.celery.Task) before the run is given up;
every step reports as the forecast-run job, so its failure raises one alert."""

from typing import Any

from celery import chord, shared_task

from forecasting import services
from forecasting.models import RunStatus

FORECAST_JOB = "forecasting.tasks.forecast_run"

CHUNK_SOFT_LIMIT = 25 * 60
CHUNK_HARD_LIMIT = 30 * 60


class ForecastRunFailed(Exception):
    """The run ended failed: raised so the job shows as failed (and alerts)."""


@shared_task(bind=True, name=FORECAST_JOB)
def forecast_run(self: Any, run_id: int) -> None:
    try:
        run = services.forecast_run_mark_running(run_id=run_id)
        if run.chunks_total == 0:
            services.forecast_run_publish(run_id=run_id)
            return
        chunks = [forecast_chunk.si(run_id, index) for index in range(run.chunks_total)]
        chord(chunks)(forecast_publish.si(run_id))
    except Exception as error:
        if not self.will_retry(error):
            services.forecast_run_fail(
                run_id=run_id, error=f"start: {type(error).__name__}: {error}"
            )
        raise


@shared_task(
    bind=True,
    name="forecasting.tasks.forecast_chunk",
    job_name=FORECAST_JOB,
    soft_time_limit=CHUNK_SOFT_LIMIT,
    time_limit=CHUNK_HARD_LIMIT,
)
def forecast_chunk(self: Any, run_id: int, index: int) -> int:
    try:
        return services.forecast_chunk_compute(run_id=run_id, index=index)
    except Exception as error:
        if not self.will_retry(error):
            services.forecast_run_fail(
                run_id=run_id, error=f"chunk {index}: {type(error).__name__}: {error}"
            )
        raise


@shared_task(name="forecasting.tasks.forecast_publish", job_name=FORECAST_JOB)
def forecast_publish(run_id: int) -> str:
    run = services.forecast_run_publish(run_id=run_id)
    if run.status == RunStatus.FAILED:
        raise ForecastRunFailed(f"Forecast run {run.pk} failed: {run.error}")
    return run.status


@shared_task(name="forecasting.tasks.nightly_forecast_run")
def nightly_forecast_run() -> int | None:
    """The scheduled run: skipped (None) while another run is under way."""
    try:
        run = services.forecast_run_create(actor=None)
    except services.ForecastRunRefused:
        return None
    forecast_run.delay(run.pk)
    return run.pk


@shared_task(name="forecasting.tasks.refresh_lead_time_estimates")
def refresh_lead_time_estimates() -> int:
    """Nightly: lead time per supplier-SKU from the receipts (terms where history is thin)."""
    return services.lead_time_estimates_refresh()
