"""Start a replenishment plan run from the command line (the demo set-up runs one after the
forecast and its policies).

With a broker configured the run is queued for the workers; without one (the demo) it runs
in this process and the command returns when it has been published or has failed."""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.commands import AuditedCommand
from optimization.models import PlanRun
from optimization.services import plans
from optimization.tasks import plan_run


class Command(AuditedCommand):
    help = "Start a replenishment plan run over every SKU-site with a policy."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--horizon", type=int, default=None, help="Days to project.")
        parser.add_argument(
            "--if-none-published",
            action="store_true",
            help="Do nothing when a plan is already published (for repeated set-ups).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_none_published"] and plans.current_plan() is not None:
            self.stdout.write("A plan is already published; nothing to do.")
            return
        try:
            run = plans.plan_run_create(actor=None, horizon=options["horizon"])
        except plans.PlanRunRefused as refused:
            raise CommandError(f"{refused.message} {refused.fields or ''}".strip()) from refused
        plan_run.delay(run.pk, plans.after_publishing())
        run = PlanRun.objects.get(pk=run.pk)
        summary = run.summary or {}
        self.stdout.write(
            f"Plan run {run.pk}: {run.keys_total} SKU-sites in {run.chunks_total} chunks, "
            f"{run.get_status_display().lower()}"
            + (
                f"; {summary.get('orders', 0)} suggested orders, "
                f"{summary.get('transfers', 0)} transfers."
                if run.status == "succeeded"
                else "."
            )
        )
