"""Policy and plan jobs (heavy queue): the plan run's chunked-run tasks (common.runs) under the
names workers and stored schedules know, the night's policy and plan steps
(optimization.nightly), simulations and scenarios."""

from typing import Any

from celery import shared_task
from django.utils import timezone

from common.runs import chunked_run_tasks, then_start
from optimization import nightly
from optimization.models import PlanRun
from optimization.services import plans
from optimization.services import policies as services

PLAN_JOB = "optimization.tasks.plan_run"


@shared_task(name="optimization.tasks.refresh_policies")
def refresh_policies() -> int:
    """Recompute every SKU-site's policy from the current forecast; returns the run id."""
    return services.policies_refresh().pk


@shared_task(name="optimization.tasks.run_policy_simulation")
def run_policy_simulation(simulation_id: int) -> str:
    from optimization.services.backtests import simulation_compute

    return simulation_compute(simulation_id=simulation_id).status


plan_run, plan_chunk, plan_publish = chunked_run_tasks(
    model=PlanRun,
    start_name=PLAN_JOB,
    chunk_name="optimization.tasks.plan_chunk",
    publish_name="optimization.tasks.plan_publish",
    # looked up when called, so a test can stand in for either service
    compute_chunk=lambda run_id, index: plans.plan_chunk_compute(run_id=run_id, index=index),
    publish=lambda run_id: plans.plan_run_publish(run_id=run_id),
    chunk_soft_time_limit=10 * 60,
    chunk_time_limit=15 * 60,
)


@shared_task(name="optimization.tasks.nightly_plan_run")
def nightly_plan_run(then: dict[str, Any] | None = None) -> int | None:
    """The night's plan; `then` starts once it is published. While another run is under way,
    or without policies, the night's plan is skipped (None) and `then` starts at once."""
    try:
        run = plans.plan_run_create(actor=None)
    except plans.PlanRunRefused:
        then_start(then)
        return None
    plan_run.delay(run.pk, then)
    return run.pk


@shared_task(name="optimization.tasks.nightly_chain")
def nightly_chain(from_step: str = nightly.STEP_NAMES[0]) -> str:
    """Start the night (optimization.nightly) from `from_step`; the beat starts it from the
    first step. Returns the step it started from."""
    nightly.night(today=timezone.localdate(), from_step=from_step).delay()
    return from_step


@shared_task(name="optimization.tasks.run_scenario")
def run_scenario(scenario_id: int) -> str:
    """Simulate a saved what-if scenario; returns its status."""
    from optimization.services.scenarios import scenario_compute

    return scenario_compute(scenario_id=scenario_id).status
