"""Run the night's chain (optimization.nightly) now, from its first step or from the step
that failed.

With a broker configured the chain is queued for the workers; without one (the demo) it runs
in this process and the command returns when the last step has finished or one has failed."""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.commands import AuditedCommand
from optimization.nightly import STEP_NAMES
from optimization.tasks import nightly_chain


class Command(AuditedCommand):
    help = "Run the nightly chain: lead times, forecast, policies, plan, alerts, overview."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--from-step",
            choices=STEP_NAMES,
            default=STEP_NAMES[0],
            help="Start here (after fixing the step that failed); the earlier steps are skipped.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            nightly_chain.delay(options["from_step"])
        except Exception as error:
            raise CommandError(f"The night stopped: {type(error).__name__}: {error}") from error
        self.stdout.write(f"The night from {options['from_step']}: started.")
