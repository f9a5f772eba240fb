"""Start a forecast run from the command line (the demo set-up runs one after loading data).

With a broker configured the run is queued for the workers; without one (the demo) it runs
in this process and the command returns when it has been published or has failed."""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.commands import AuditedCommand
from forecasting import services
from forecasting.models import ForecastRun
from forecasting.tasks import forecast_run


class Command(AuditedCommand):
    help = "Start a forecast run over every SKU-site with demand history."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--horizon", type=int, default=90, help="Days to forecast.")
        parser.add_argument(
            "--if-none-published",
            action="store_true",
            help="Do nothing when a forecast is already published (for repeated set-ups).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_none_published"] and services.current_run() is not None:
            self.stdout.write("A forecast is already published; nothing to do.")
            return
        try:
            run = services.forecast_run_create(actor=None, horizon=options["horizon"])
        except services.ForecastRunRefused as refused:
            raise CommandError(f"{refused.message} {refused.fields or ''}".strip()) from refused
        forecast_run.delay(run.pk, services.after_publishing())
        run = ForecastRun.objects.get(pk=run.pk)
        self.stdout.write(
            f"Forecast run {run.pk}: {run.series_total} series in {run.chunks_total} chunks, "
            f"{run.get_status_display().lower()}."
        )
