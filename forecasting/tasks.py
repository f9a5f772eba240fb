"""Forecast-run jobs (heavy queue). A run fans out one task per chunk and publishes once every
chunk succeeded; a chunk that raises marks the run failed, so the previous run stays current."""

from celery import chord, shared_task

from . import services

CHUNK_SOFT_LIMIT = 25 * 60
CHUNK_HARD_LIMIT = 30 * 60


@shared_task(name="forecasting.tasks.forecast_run")
def forecast_run(run_id: int) -> None:
    run = services.forecast_run_mark_running(run_id=run_id)
    if run.chunks_total == 0:
        services.forecast_run_publish(run_id=run_id)
        return
    chunks = [forecast_chunk.si(run_id, index) for index in range(run.chunks_total)]
    chord(chunks)(forecast_publish.si(run_id))


@shared_task(
    name="forecasting.tasks.forecast_chunk",
    soft_time_limit=CHUNK_SOFT_LIMIT,
    time_limit=CHUNK_HARD_LIMIT,
)
def forecast_chunk(run_id: int, index: int) -> int:
    try:
        return services.forecast_chunk_compute(run_id=run_id, index=index)
    except Exception as error:
        services.forecast_run_fail(
            run_id=run_id, error=f"chunk {index}: {type(error).__name__}: {error}"
        )
        raise


@shared_task(name="forecasting.tasks.forecast_publish")
def forecast_publish(run_id: int) -> str:
    return services.forecast_run_publish(run_id=run_id).status


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
