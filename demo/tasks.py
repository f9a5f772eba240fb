"""The world simulation as a background job: the row it updates after every day
(demo.models.SimulationRun) is what a page polls."""

from celery import shared_task

from demo.simulation.runs import require_demo, simulation_run_execute


@shared_task(name="demo.tasks.simulate_world")
def simulate_world(run_id: int) -> str:
    """Simulate the days of the recorded run (demo.services.simulation_run_create); returns
    the ledger checksum. Run again after a failure, it goes on from the last day done."""
    require_demo()
    return simulation_run_execute(run_id=run_id).checksum
