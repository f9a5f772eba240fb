"""The bookkeeping of world simulations (demo.models.SimulationRun): create a run, mark it
running, record each simulated day, and end it succeeded (with the ledger checksum) or
failed (with the first cause). Each is one short transaction of its own, committed at once,
so a page polling the row sees the progress while the simulation goes on."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_context
from accounts.models import User
from common.errors import DomainError
from common.models import ChunkedRunStatus
from demo.models import SimulationRun


class SimulationRefused(DomainError):
    code = "simulation_refused"


def simulation_run_create(
    *,
    actor: User | None,
    days: int,
    seed: int,
    start_day: date,
    parameters: dict[str, Any],
) -> SimulationRun:
    """Record a simulation to run: `days` days (1 or more) from `start_day` with `seed`."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise SimulationRefused("Simulate at least one day.", fields={"days": ["At least 1."]})
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SimulationRefused("The seed is a whole number, 0 or more.", fields={"seed": ["0+"]})
    with transaction.atomic(), audit_context(actor=actor):
        return SimulationRun.objects.create(
            days_asked=days,
            seed=seed,
            start_day=start_day,
            parameters=parameters,
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def simulation_run_start(*, run_id: int) -> SimulationRun:
    """The run is under way (a run already finished is refused)."""
    with transaction.atomic():
        run = SimulationRun.objects.select_for_update().get(pk=run_id)
        if run.status in (ChunkedRunStatus.SUCCEEDED, ChunkedRunStatus.FAILED):
            raise SimulationRefused(f"Simulation {run.pk} has already ended ({run.status}).")
        run.status = ChunkedRunStatus.RUNNING
        run.started_at = run.started_at or timezone.now()
        run.save(update_fields=["status", "started_at"])
    return run


def simulation_run_day_record(*, run_id: int, summary: dict[str, Any]) -> None:
    """One more day done, with its summary appended."""
    with transaction.atomic():
        run = SimulationRun.objects.select_for_update().get(pk=run_id)
        run.days = [*run.days, summary]
        run.days_done += 1
        run.save(update_fields=["days", "days_done"])


def simulation_run_finish(*, run_id: int, checksum: str) -> SimulationRun:
    with transaction.atomic():
        run = SimulationRun.objects.select_for_update().get(pk=run_id)
        run.status = ChunkedRunStatus.SUCCEEDED
        run.checksum = checksum
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "checksum", "finished_at"])
    return run


def simulation_run_fail(*, run_id: int, error: str) -> SimulationRun:
    """Mark the run failed with its first cause (the days done stay on record)."""
    with transaction.atomic():
        run = SimulationRun.objects.select_for_update().get(pk=run_id)
        if run.status != ChunkedRunStatus.FAILED:
            run.status = ChunkedRunStatus.FAILED
            run.error = error[:4000]
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "error", "finished_at"])
    return run
