"""Compute the closed-loop business case (demo.simulation.business_case) and print its table."""

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from accounts.commands import AuditedCommand
from common.errors import DomainError
from demo.business_table import business_table, table_lines
from demo.management.arguments import add_planner_arguments, iso_date
from demo.models import BusinessCase
from demo.services import business_case_create
from demo.simulation.business_case import business_case_run
from demo.simulation.parameters import PlannerMode, SimulationParameters
from demo.tasks import compute_business_case

DEFAULTS = SimulationParameters()


def case_lines(case: BusinessCase) -> list[str]:
    """The case's set-up, checksums and timings, then its table (both arms measured)."""
    lines = [
        f"Business case {case.pk}: seed {case.seed}, {case.skus:,} SKUs x {case.sites} sites, "
        f"{case.suppliers} suppliers, {case.history_days} days of history, {case.days} days "
        f"simulated from {case.today} with each policy",
        f"Ledger checksum at the start of both runs: {case.start_checksum}",
    ]
    for arm in ("textbook", "optimized"):
        result = getattr(case, arm)
        timings = ", ".join(
            f"{step.removesuffix('_s')} {seconds:.0f} s"
            for step, seconds in result["timings"].items()
        )
        lines.append(f"  {arm:<9} end checksum {result['end_checksum']} ({timings})")
    lines += table_lines(business_table(case.textbook["measures"], case.optimized["measures"]))
    return lines


class Command(AuditedCommand):
    help = (
        "The business case: build the demo world from a seed, simulate N days with the textbook "
        "policy and measure them; build the same world again, simulate the same days with the "
        "optimized policy and measure them; print both side by side. Deletes and rebuilds the "
        "world's data (DEMO_DATA_ALLOWED=1 and DEBUG=1 only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--skus", type=int, default=150, help="Number of SKUs.")
        parser.add_argument("--sites", type=int, default=8, help="Number of sites.")
        parser.add_argument("--suppliers", type=int, default=8, help="Number of suppliers.")
        parser.add_argument(
            "--days-history", type=int, default=730, help="Days of demand history generated."
        )
        parser.add_argument("--days", type=int, default=90, help="Days simulated with each policy.")
        parser.add_argument("--seed", type=int, default=42, help="The world's and runs' seed.")
        parser.add_argument(
            "--today",
            type=iso_date,
            default=None,
            help="The world's today, the first simulated day (default: today).",
        )
        add_planner_arguments(parser)
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the case for the workers (demo.tasks.compute_business_case) and return; "
            "/business-case/ shows its progress, then its table.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            params = SimulationParameters(
                seed=options["seed"],
                planner=PlannerMode(options["planner"]),
                forecast_every_days=options["forecast_every"],
            )
            params.validate()
            case = business_case_create(
                actor=None,
                seed=options["seed"],
                skus=options["skus"],
                sites=options["sites"],
                suppliers=options["suppliers"],
                history_days=options["days_history"],
                today=options["today"] or timezone.localdate(),
                days=options["days"],
                parameters=params.as_dict(),
            )
        except (DomainError, ValueError) as refused:
            raise CommandError(str(refused)) from refused
        if options["background"]:
            compute_business_case.delay(case.pk)
            self.stdout.write(
                f"Business case {case.pk} queued: /business-case/ shows its progress."
            )
            return
        self.stdout.write(
            f"Business case {case.pk}: {case.days} days with the textbook policy, then the "
            "same world and days with the optimized one ..."
        )
        try:
            case = business_case_run(case_id=case.pk, on_arm=self._arm)
        except DomainError as refused:
            raise CommandError(str(refused)) from refused
        for line in case_lines(case):
            self.stdout.write(line)

    def _arm(self, arm: str, result: dict[str, Any]) -> None:
        total = result["measures"]["total"]
        fill = "-" if total["fill_rate"] is None else f"{total['fill_rate']:.2%}"
        self.stdout.write(
            f"  {arm}: simulated and measured (fill rate {fill}, "
            f"{sum(result['timings'].values()):.0f} s)"
        )
