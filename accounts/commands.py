from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.audit import audit_context
from accounts.models import User


class AuditedCommand(BaseCommand):
    """A management command whose changes appear in the audit trail as "command:<name>",
    attributed to the user named by --actor (when given) with the --reason text."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", help="Username the changes are attributed to.")
        parser.add_argument("--reason", default="", help="Reason recorded with the changes.")

    def execute(self, *args: Any, **options: Any) -> Any:
        actor = None
        if options.get("actor"):
            try:
                actor = User.objects.get(username=options["actor"], is_active=True)
            except User.DoesNotExist as missing:
                raise CommandError(f"No active user named '{options['actor']}'.") from missing
        name = type(self).__module__.rsplit(".", 1)[-1]
        with audit_context(actor=actor, reason=options.get("reason", ""), source=f"command:{name}"):
            return super().execute(*args, **options)
