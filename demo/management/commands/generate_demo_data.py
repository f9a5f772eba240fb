from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.db import IntegrityError
from django.utils import timezone

from accounts.commands import AuditedCommand
from demo.generator import DemoConfig, DemoDataError, generate_demo_data, tables_with_rows
from demo.management.arguments import iso_date

DEFAULTS = DemoConfig()  # for the default sizes


class Command(AuditedCommand):
    help = (
        "Generate deterministic demo data: a site network with its replenishment paths, SKUs, "
        "suppliers and their terms, daily demand per SKU-site ending yesterday, lots and stock "
        "movements, purchase orders with receipts, transfers between sites, and stock "
        "positions. The same seed, sizes and --today give the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--skus", type=int, default=DEFAULTS.skus, help="Number of SKUs.")
        parser.add_argument(
            "--days", type=int, default=DEFAULTS.days, help="Days of demand history."
        )
        parser.add_argument(
            "--sites",
            type=int,
            default=DEFAULTS.sites,
            help="Total sites: 1 plant, DCs, warehouses and hospitals/pharmacies.",
        )
        parser.add_argument(
            "--suppliers", type=int, default=DEFAULTS.suppliers, help="Number of suppliers."
        )
        parser.add_argument("--seed", type=int, default=DEFAULTS.seed, help="Random seed.")
        parser.add_argument(
            "--today",
            type=iso_date,
            default=None,
            help="The day the data ends before (demand runs to the day before); default: today.",
        )
        parser.add_argument(
            "--ends-days-ago",
            type=int,
            default=0,
            help="Instead of --today: the data ends this many days before today, for the world "
            "simulator to bring up to date (`simulate_days --to-yesterday`).",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete ALL existing SKUs, sites, lots, movements, demand, positions, "
            "suppliers and purchase orders first.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when inventory data already exists.",
        )
        parser.add_argument(
            "--fk-checks",
            choices=["auto", "rows", "set"],
            default="auto",
            help="PostgreSQL foreign-key checking during the load: 'auto' (set-based when the "
            "user is a superuser, otherwise per row), 'rows' or 'set'.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is disabled by the settings (DEMO_DATA_ALLOWED=0).")
        if options["if_empty"] and tables_with_rows():
            self.stdout.write("Inventory data already exists: no demo data generated.")
            return
        config = DemoConfig(
            skus=options["skus"],
            days=options["days"],
            sites=options["sites"],
            suppliers=options["suppliers"],
            seed=options["seed"],
            today=self._today(options),
        )
        verbosity = options["verbosity"]
        try:
            report = generate_demo_data(
                config,
                replace=options["replace"],
                fk_checks=options["fk_checks"],
                log=self.stdout.write if verbosity >= 2 else None,
            )
        except DemoDataError as refused:
            raise CommandError(str(refused)) from refused
        except IntegrityError as conflict:  # e.g. --replace while other records refer to the data
            raise CommandError(
                f"The demo data could not be written ({conflict}). Nothing was changed."
            ) from conflict
        if verbosity < 1:
            return
        total = sum(report.timings.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data for {config.today:%Y-%m-%d} (seed {config.seed}) loaded in "
                f"{total:.1f} s; foreign keys checked {report.fk_checks}."
            )
        )
        for label, rows in report.counts.items():
            self.stdout.write(f"  {label:<32} {rows:>12,}")
        statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(report.position_statuses.items()))
        self.stdout.write(f"  Stock positions by status: {statuses}")
        for line in report.figures.lines():
            self.stdout.write(f"  {line}")
        if verbosity >= 2:
            for phase, seconds in report.timings.items():
                self.stdout.write(f"  {phase:<40} {seconds:>8.2f} s")

    @staticmethod
    def _today(options: dict[str, Any]) -> date:
        ago = options["ends_days_ago"]
        if ago < 0:
            raise CommandError("--ends-days-ago is 0 or more.")
        if ago and options["today"]:
            raise CommandError("Give --today or --ends-days-ago, not both.")
        return options["today"] or timezone.localdate() - timedelta(days=ago)
