"""The world simulation and the business case as background jobs: the rows they update after
every simulated day (demo.models.SimulationRun, BusinessCase) are what a page polls."""

from celery import shared_task
from django.conf import settings

from demo.simulation.business_case import business_case_run
from demo.simulation.runs import require_demo, simulation_run_execute


@shared_task(name="demo.tasks.simulate_world")
def simulate_world(run_id: int) -> str:
    """Simulate the days of the recorded run (demo.services.simulation_run_create); returns
    the ledger checksum. Run again after a failure, it goes on from the last day done."""
    require_demo()
    return simulation_run_execute(run_id=run_id).checksum


@shared_task(
    name="demo.tasks.compute_business_case",
    queue=settings.CELERY_HEAVY_QUEUE,
    # Two world builds and two simulations: the longest job the workers allow.
    soft_time_limit=settings.CELERY_LONGEST_TASK_LIMIT - 60,
    time_limit=settings.CELERY_LONGEST_TASK_LIMIT,
)
def compute_business_case(case_id: int) -> str:
    """Compute the recorded business case (demo.services.business_case_create); its row
    (demo.models.BusinessCase) shows the phase and the simulated days done as it goes.
    Returns the case's status. A case is computed once: start a new one after a failure."""
    return business_case_run(case_id=case_id).status
