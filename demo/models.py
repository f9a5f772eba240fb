"""The demo app's tables: the progress of a world simulation (demo.simulation), a row the
job updates after every simulated day so a page can poll it; and the business case, the same
world simulated with the textbook and with the optimized policy, and both measured.

Neither refers to the world's data (SKUs, sites, orders): the business case replaces the world
twice while it runs, and its row, like the simulations', stays."""

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


class BusinessCase(Run):
    """One closed-loop business case (demo.simulation.business_case): the world built from
    `seed` at the given sizes and `today`, simulated `days` days with the textbook policy,
    measured (reporting.selectors.business), then built again from the same seed (the same
    starting ledger checksum) and simulated the same days with the optimized policy.

    `textbook` and `optimized` hold each arm's result: the simulation run's id, the ledger
    checksums at its start and end, its timings in seconds and its business measures
    (BusinessMeasures.as_dict: totals, per ABC class, weekly series). Written only by
    demo.services."""

    status = run_status_field(ChunkedRunStatus, default=ChunkedRunStatus.PENDING)
    seed = models.PositiveIntegerField(help_text="Seed of the world's generator and simulation.")
    skus = models.PositiveIntegerField()
    sites = models.PositiveIntegerField()
    suppliers = models.PositiveIntegerField()
    history_days = models.PositiveIntegerField(help_text="Days of demand history generated.")
    today = models.DateField(help_text="The generated world's today: the first simulated day.")
    days = models.PositiveIntegerField(help_text="Days simulated with each policy.")
    parameters = models.JSONField(
        default=dict, help_text="The simulation's parameters (policy method aside)."
    )
    phase = models.CharField(max_length=200, blank=True, help_text="What it is doing now.")
    days_done = models.PositiveIntegerField(
        default=0, help_text="Simulated days done, both arms together (2 x days at the end)."
    )
    start_checksum = models.CharField(
        max_length=64, blank=True, help_text="The ledger checksum both arms start from."
    )
    textbook = models.JSONField(default=dict)
    optimized = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ChunkedRunStatus.values),
                name="business_case_status_valid",
            ),
            models.CheckConstraint(condition=Q(days__gt=0), name="business_case_simulates_days"),
            models.CheckConstraint(
                condition=Q(days_done__lte=F("days") * 2),
                name="business_case_done_within_asked",
            ),
        ]

    def __str__(self) -> str:
        return f"Business case {self.pk}: seed {self.seed}, {self.skus} SKUs x {self.sites} sites"

    @property
    def days_total(self) -> int:
        return self.days * 2
