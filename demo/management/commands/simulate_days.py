import logging
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from accounts.commands import AuditedCommand
from common.errors import DomainError
from demo.management.arguments import add_planner_arguments, iso_date
from demo.services import simulation_run_create
from demo.simulation.day import DaySummary
from demo.simulation.parameters import PlannerMode, PolicyMethod, SimulationParameters
from demo.simulation.runs import (
    days_to_yesterday,
    first_day,
    require_demo,
    simulation_run_execute,
)

DEFAULTS = SimulationParameters()


# A simulated day runs hundreds of in-process jobs and refuses some orders on purpose; their
# log lines (one per job, one per refusal) drown the day's own line. -v 2 shows them.
CHATTY_LOGGERS = ("celery.app.trace", "demo.simulation.day")


def quiet_simulated_jobs() -> None:
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


class Command(AuditedCommand):
    help = (
        "Simulate N days of the world through the product's services: suppliers ship, the "
        "warehouse receives, quality releases, transfers move, patients ask and are served "
        "from stock, the night plans and the planners approve (demo and benchmark worlds only: "
        "DEBUG=1). Prints one line per day, a summary and the ledger checksum."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "days", type=int, nargs="?", default=None, help="How many days to simulate."
        )
        parser.add_argument(
            "--to-yesterday",
            action="store_true",
            help="Instead of a number of days: simulate from the day after the last recorded "
            "demand to yesterday (nothing when the world is already current).",
        )
        parser.add_argument(
            "--leave-last-plan",
            action="store_true",
            help="The planners do not act on the last day: its plan waits for a person.",
        )
        parser.add_argument("--seed", type=int, default=DEFAULTS.seed, help="Random seed.")
        add_planner_arguments(parser)
        parser.add_argument(
            "--policy",
            choices=[method.value for method in PolicyMethod],
            default=DEFAULTS.policy_method.value,
            help="How every simulated night sizes the policies: optimized (the product's) or "
            "textbook (the baseline rule).",
        )
        parser.add_argument(
            "--start",
            type=iso_date,
            default=None,
            help="The first simulated day (default: the day after the last recorded demand).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] < 2:
            quiet_simulated_jobs()
        try:
            require_demo()
            days = options["days"]
            if options["to_yesterday"] and days is not None:
                raise CommandError("Give a number of days or --to-yesterday, not both.")
            start = first_day(options["start"])
            if options["to_yesterday"]:
                days = days_to_yesterday(start, timezone.localdate())
                if days == 0:
                    self.stdout.write(f"The world is current (its next day is {start}).")
                    return
            elif days is None:
                raise CommandError("Give the number of days to simulate (or --to-yesterday).")
            params = SimulationParameters(
                seed=options["seed"],
                leave_last_plan=options["leave_last_plan"],
                planner=PlannerMode(options["planner"]),
                policy_method=PolicyMethod(options["policy"]),
                forecast_every_days=options["forecast_every"],
            )
            params.validate()
            run = simulation_run_create(
                actor=None,
                days=days,
                seed=params.seed,
                start_day=start,
                parameters=params.as_dict(),
            )
        except (DomainError, ValueError) as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(
            f"Simulation {run.pk}: {run.days_asked} days from {run.start_day}, seed {run.seed}, "
            f"planner {params.planner}, {params.policy_method} policies, "
            f"forecast every {params.forecast_every_days} days"
        )
        self.stdout.write(
            f"{'date':<10} {'asked':>8} {'served':>8} {'fill':>6} {'receipts':>8} "
            f"{'orders':>6} {'transfers':>9} {'written off':>11} {'seconds':>8}"
        )
        run = simulation_run_execute(run_id=run.pk, on_day=self._day)
        days = [DaySummary(**{**day, "seconds": day["seconds"]}) for day in run.days]
        asked, served = sum(day.asked for day in days), sum(day.served for day in days)
        seconds = sum(sum(day.seconds.values()) for day in days)
        by_step: dict[str, float] = {}
        for day in days:
            for step, spent in day.seconds.items():
                by_step[step] = by_step.get(step, 0.0) + spent
        self.stdout.write(
            f"{len(days)} days: {asked:,} units asked, {served:,} served "
            f"(fill rate {served / asked:.1%}), "
            if asked
            else f"{len(days)} days: nothing asked, "
        )
        self.stdout.write(
            f"  {sum(day.receipts for day in days):,} receipt rows, "
            f"{sum(day.orders_approved for day in days):,} orders approved, "
            f"{sum(day.orders_sent for day in days):,} purchase orders sent, "
            f"{sum(day.transfers_shipped for day in days):,} transfers shipped, "
            f"{sum(day.written_off_units for day in days):,} units written off, "
            f"{sum(day.refused for day in days):,} refusals"
        )
        self.stdout.write(
            f"  {seconds:.1f} s ({seconds / max(len(days), 1):.2f} s/day): "
            + ", ".join(f"{step} {spent:.1f}" for step, spent in by_step.items())
        )
        self.stdout.write(f"Ledger checksum: {run.checksum}")

    def _day(self, day: DaySummary) -> None:
        fill = f"{day.fill_rate:.1%}" if day.fill_rate is not None else "-"
        transfers = f"{day.transfers_shipped}/{day.transfers_received}"
        self.stdout.write(
            f"{day.day:<10} {day.asked:>8,} {day.served:>8,} {fill:>6} {day.receipts:>8,} "
            f"{day.orders_sent:>6,} {transfers:>9} {day.written_off_units:>11,} "
            f"{sum(day.seconds.values()):>8.2f}"
        )
