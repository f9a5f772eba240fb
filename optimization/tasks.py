"""Policy and plan jobs (heavy queue). A plan run fans out one task per chunk and publishes
once every chunk succeeded; a chunk that fails for good marks the run failed, so the previous
plan stays current. A dropped connection is retried (config.celery.Task) before the run is
given up; every step reports as the plan-run job, so its failure raises one alert."""

from typing import Any

from celery import chord, shared_task

from optimization.models import PlanRunStatus
from optimization.services import plans
from optimization.services import policies as services

PLAN_JOB = "optimization.tasks.plan_run"

CHUNK_SOFT_LIMIT = 10 * 60
CHUNK_HARD_LIMIT = 15 * 60


@shared_task(name="optimization.tasks.refresh_policies")
def refresh_policies() -> int:
    """Recompute every SKU-site's policy from the current forecast; returns the run id."""
    return services.policies_refresh().pk


@shared_task(name="optimization.tasks.run_policy_simulation")
def run_policy_simulation(simulation_id: int) -> str:
    from optimization.services.backtests import simulation_compute

    return simulation_compute(simulation_id=simulation_id).status


class PlanRunFailed(Exception):
    """The run ended failed: raised so the job shows as failed (and alerts)."""


@shared_task(bind=True, name=PLAN_JOB)
def plan_run(self: Any, run_id: int) -> None:
    try:
        run = plans.plan_run_mark_running(run_id=run_id)
        if run.chunks_total == 0:
            plans.plan_run_publish(run_id=run_id)
            return
        chunks = [plan_chunk.si(run_id, index) for index in range(run.chunks_total)]
        chord(chunks)(plan_publish.si(run_id))
    except Exception as error:
        if not self.will_retry(error):
            plans.plan_run_fail(run_id=run_id, error=f"start: {type(error).__name__}: {error}")
        raise


@shared_task(
    bind=True,
    name="optimization.tasks.plan_chunk",
    job_name=PLAN_JOB,
    soft_time_limit=CHUNK_SOFT_LIMIT,
    time_limit=CHUNK_HARD_LIMIT,
)
def plan_chunk(self: Any, run_id: int, index: int) -> int:
    try:
        return plans.plan_chunk_compute(run_id=run_id, index=index)
    except Exception as error:
        if not self.will_retry(error):
            plans.plan_run_fail(
                run_id=run_id, error=f"chunk {index}: {type(error).__name__}: {error}"
            )
        raise


@shared_task(name="optimization.tasks.plan_publish", job_name=PLAN_JOB)
def plan_publish(run_id: int) -> str:
    run = plans.plan_run_publish(run_id=run_id)
    if run.status == PlanRunStatus.FAILED:
        raise PlanRunFailed(f"Plan run {run.pk} failed: {run.error}")
    return run.status


@shared_task(name="optimization.tasks.nightly_plan_run")
def nightly_plan_run() -> int | None:
    """The scheduled run: skipped (None) while another run is under way or without policies."""
    try:
        run = plans.plan_run_create(actor=None)
    except plans.PlanRunRefused:
        return None
    plan_run.delay(run.pk)
    return run.pk


@shared_task(name="optimization.tasks.run_scenario")
def run_scenario(scenario_id: int) -> str:
    """Simulate a saved what-if scenario; returns its status."""
    from optimization.services.scenarios import scenario_compute

    return scenario_compute(scenario_id=scenario_id).status
