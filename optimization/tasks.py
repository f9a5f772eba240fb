"""Policy jobs (heavy queue)."""

from celery import shared_task

from . import services


@shared_task(name="optimization.tasks.refresh_policies")
def refresh_policies() -> int:
    """Recompute every SKU-site's policy from the current forecast; returns the run id."""
    return services.policies_refresh().pk


@shared_task(name="optimization.tasks.run_policy_simulation")
def run_policy_simulation(simulation_id: int) -> str:
    from .simulation import simulation_compute

    return simulation_compute(simulation_id=simulation_id).status
