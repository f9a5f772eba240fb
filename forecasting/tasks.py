"""Forecast-run jobs (heavy queue): the chunked-run tasks of common.runs under the names
workers and stored schedules know, and forecasting's steps of the night
(optimization.nightly)."""

from celery import shared_task

from common.runs import chunked_run_tasks
from forecasting import services
from forecasting.models import ForecastRun

FORECAST_JOB = "forecasting.tasks.forecast_run"

forecast_run, forecast_chunk, forecast_publish, nightly_forecast_run = chunked_run_tasks(
    model=ForecastRun,
    start_name=FORECAST_JOB,
    chunk_name="forecasting.tasks.forecast_chunk",
    publish_name="forecasting.tasks.forecast_publish",
    nightly_name="forecasting.tasks.nightly_forecast_run",
    # looked up when called, so a test can stand in for any of the services
    create=lambda: services.forecast_run_create(actor=None),
    refused=services.ForecastRunRefused,
    compute_chunk=lambda run_id, index: services.forecast_chunk_compute(run_id=run_id, index=index),
    publish=lambda run_id: services.forecast_run_publish(run_id=run_id),
    chunk_soft_time_limit=25 * 60,
    chunk_time_limit=30 * 60,
)


@shared_task(name="forecasting.tasks.refresh_lead_time_estimates")
def refresh_lead_time_estimates() -> int:
    """Nightly: lead time per supplier-SKU from the receipts (terms where history is thin)."""
    return services.lead_time_estimates_refresh()
