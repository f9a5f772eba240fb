"""Evaluate the alert rules from the command line (the demo set-up runs it once; workers run
it every 15 minutes)."""

from typing import Any

from django.core.management.base import CommandParser

from accounts.commands import AuditedCommand
from alerts.services.evaluation import alerts_evaluate


class Command(AuditedCommand):
    help = "Evaluate the alert rules and bring the alerts in step with them."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--kind", action="append", help="Only these kinds (repeatable).")

    def handle(self, *args: Any, **options: Any) -> None:
        results = alerts_evaluate(options["kind"] or None)
        for kind, result in results.items():
            self.stdout.write(
                f"{kind}: {len(result.opened)} opened, {result.updated} still open, "
                f"{len(result.resolved)} resolved"
            )
