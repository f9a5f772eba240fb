"""Policy and plan jobs (heavy queue): the plan run's chunked-run tasks (common.runs) under the
names workers and stored schedules know, the night's policy and plan steps
(optimization.nightly), simulations and scenarios."""

from celery import shared_task
from django.utils import timezone

from common.runs import chunked_run_tasks
from optimization import nightly
from optimization.models import PlanRun
from optimization.services import plans
from optimization.services import policies as services

PLAN_JOB = "optimization.tasks.plan_run"


@shared_task(name="optimization.tasks.refresh_policies")
def refresh_policies(method: str | None = None) -> int:
    """Recompute every SKU-site's policy (`method`: "optimized" from the current forecast or
    "textbook"; None: settings.OPTIMIZATION_POLICY_METHOD); returns the run id."""
    return services.policies_refresh(method=method).pk


@shared_task(name="optimization.tasks.run_policy_simulation")
def run_policy_simulation(simulation_id: int) -> str:
    from optimization.services.backtests import simulation_compute

    return simulation_compute(simulation_id=simulation_id).status


plan_run, plan_chunk, plan_publish, nightly_plan_run = chunked_run_tasks(
    model=PlanRun,
    start_name=PLAN_JOB,
    chunk_name="optimization.tasks.plan_chunk",
    publish_name="optimization.tasks.plan_publish",
    nightly_name="optimization.tasks.nightly_plan_run",
    # looked up when called, so a test can stand in for any of the services; a plan is also
    # refused (skipped at night) while there are no policies
    create=lambda: plans.plan_run_create(actor=None),
    refused=plans.PlanRunRefused,
    compute_chunk=lambda run_id, index: plans.plan_chunk_compute(run_id=run_id, index=index),
    publish=lambda run_id: plans.plan_run_publish(run_id=run_id),
    chunk_soft_time_limit=10 * 60,
    chunk_time_limit=15 * 60,
)


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
