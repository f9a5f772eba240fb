"""Recompute supplier scorecards from the command line (the demo set-up computes a year's)."""

from typing import Any

from django.core.management.base import CommandParser

from accounts.commands import AuditedCommand
from suppliers.services.scorecards import scorecards_compute


class Command(AuditedCommand):
    help = "Recompute every active supplier's monthly scorecards."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--months", type=int, default=12, help="Calendar months back, this one included."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        written = scorecards_compute(months=options["months"])
        self.stdout.write(f"{written} supplier scorecards computed.")
