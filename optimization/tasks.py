"""Policy jobs (heavy queue)."""

from celery import shared_task

from . import services


@shared_task(name="optimization.tasks.refresh_policies")
def refresh_policies() -> int:
    """Recompute every SKU-site's policy from the current forecast; returns the run id."""
    return services.policies_refresh().pk
