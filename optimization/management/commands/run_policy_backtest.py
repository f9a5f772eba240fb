"""Backtest the current policies against the textbook rule on the last days held out (the
demo set-up runs one so the page has figures)."""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.commands import AuditedCommand
from optimization.models import PolicySimulation
from optimization.services.backtests import SimulationRefused, simulation_compute, simulation_create


class Command(AuditedCommand):
    help = "Run the policy backtest in this process."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--hold-out", type=int, default=180, help="Days held out.")
        parser.add_argument(
            "--if-none", action="store_true", help="Do nothing when a backtest already exists."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_none"] and PolicySimulation.objects.filter(status="succeeded").exists():
            self.stdout.write("A backtest already exists; nothing to do.")
            return
        try:
            created = simulation_create(actor=None, hold_out=options["hold_out"])
        except SimulationRefused as refused:
            raise CommandError(refused.message) from refused
        done = simulation_compute(simulation_id=created.pk)
        ours = done.results["optimized"]["overall"]
        textbook = done.results["textbook"]["overall"]
        self.stdout.write(
            f"Backtest {done.pk}: {done.results['sku_sites']} SKU-sites; fill rate "
            f"{ours['fill_rate']:.3f} (textbook {textbook['fill_rate']:.3f}), inventory value "
            f"{ours['average_inventory_value']:,.0f} (textbook "
            f"{textbook['average_inventory_value']:,.0f})."
        )
