from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.tasks import ping


class Command(BaseCommand):
    help = "Send the diagnostic task and wait for a worker's answer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=10.0)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = ping.delay("pong").get(timeout=options["timeout"])
        except Exception as error:
            raise CommandError(f"No worker answered: {type(error).__name__}: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"{result['worker']} answered {result['reply']}"))
