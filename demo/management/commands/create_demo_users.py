from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from accounts.commands import AuditedCommand
from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create

DEMO_PASSWORD_PREFIX = "pharma-demo-"  # noqa: S105 - documented demo logins, DEBUG only


def demo_password(role: Role) -> str:
    return f"{DEMO_PASSWORD_PREFIX}{role.value}"


DEMO_NAMES = {
    Role.ADMIN: "Alex Admin",
    Role.PLANNER: "Paula Planner",
    Role.QUALITY: "Quentin Quality",
    Role.SUPPLIER: "Sam Supplier",
    Role.VIEWER: "Vera Viewer",
    Role.WAREHOUSE: "Walter Warehouse",
}


class Command(AuditedCommand):
    help = "Create one demo user per role (demo only: refused unless DEBUG is on)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo users are only created for the demo (DEBUG=1).")
        self.stdout.write("Demo logins:")
        for role in Role:
            username = role.value
            if not User.objects.filter(username=username).exists():
                user_create(
                    actor=None,
                    username=username,
                    full_name=DEMO_NAMES[role],
                    email=f"{username}@demo.invalid",
                    password=demo_password(role),
                    roles={role},
                    reason="demo set-up",
                )
            self.stdout.write(
                f"  {role.label:<14} user: {username:<9} password: {demo_password(role)}"
            )
