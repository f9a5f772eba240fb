"""Recompute the overview dashboard's snapshot now, in this process (the demo set-up runs it
after the plan; the nightly job does the same through Celery)."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reporting.services import dashboard_snapshot_refresh


class Command(BaseCommand):
    help = "Recompute the overview dashboard's KPI snapshot from the current data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="Day the figures are computed for (YYYY-MM-DD; default: today).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        snapshot = dashboard_snapshot_refresh(as_of=options["as_of"])
        windows = ", ".join(
            f"{k.window_days} days: fill rate {k.fill_rate}, stock-out rate {k.stockout_rate}"
            for k in snapshot.kpis.all()
        )
        self.stdout.write(
            f"Dashboard as of {snapshot.as_of:%Y-%m-%d} computed in {snapshot.duration_ms} ms "
            f"over {snapshot.positions} SKU-sites ({windows})."
        )
