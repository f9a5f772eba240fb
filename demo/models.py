"""The demo app's one table: the progress of a world simulation (demo.simulation), a row the
job updates after every simulated day so a page can poll it."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from common.models import ChunkedRunStatus, Run, run_status_field


class SimulationRun(Run):
    """One `simulate_days` run or `demo.tasks.simulate_world` job: what was asked (days, seed,
    parameters, first day), how far it got, each day's summary and the ledger checksum at the
    end. Written only by demo.services."""

    status = run_status_field(ChunkedRunStatus, default=ChunkedRunStatus.PENDING)
    days_asked = models.PositiveIntegerField()
    days_done = models.PositiveIntegerField(default=0)
    seed = models.PositiveIntegerField()
    start_day = models.DateField(help_text="The first simulated day.")
    parameters = models.JSONField(default=dict)
    days = models.JSONField(
        default=list, help_text="One summary per simulated day, in order (demo.simulation.day)."
    )
    checksum = models.CharField(
        max_length=64, blank=True, help_text="demo.simulation.ledger.ledger_checksum at the end."
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ChunkedRunStatus.values),
                name="simulation_run_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(days_done__lte=F("days_asked")),
                name="simulation_run_done_within_asked",
            ),
            models.CheckConstraint(condition=Q(days_asked__gt=0), name="simulation_run_asks_days"),
        ]

    def __str__(self) -> str:
        return (
            f"Simulation {self.pk}: {self.days_done}/{self.days_asked} days from {self.start_day}"
        )
