from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from accounts.commands import AuditedCommand
from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create

DEMO_PASSWORD_PREFIX = "pharma-demo-"  # noqa: S105 - documented demo logins, DEBUG only


DEMO_NAMES = {
    Role.ADMIN: "Alex Admin",
    Role.PLANNER: "Paula Planner",
    Role.QUALITY: "Quentin Quality",
    Role.SUPPLIER: "Sam Supplier",
    Role.VIEWER: "Vera Viewer",
    Role.WAREHOUSE: "Walter Warehouse",
}


# A second planner, so that an approval above the first planner's limit can be completed by
# someone else (four eyes), as it must be.
SECOND_PLANNER = "planner2"
SECOND_PLANNER_NAME = "Piet Planner"


def demo_logins() -> list[tuple[str, str, str, Role]]:
    """(label, username, full name, role) of every demo login, in the order they are listed."""
    logins = [(role.label, role.value, DEMO_NAMES[role], role) for role in Role]
    index = next(i for i, login in enumerate(logins) if login[3] == Role.PLANNER)
    logins.insert(index + 1, ("Second planner", SECOND_PLANNER, SECOND_PLANNER_NAME, Role.PLANNER))
    return logins


def demo_password_of(username: str) -> str:
    return f"{DEMO_PASSWORD_PREFIX}{username}"


class Command(AuditedCommand):
    help = "Create one demo user per role (demo only: refused unless DEBUG is on)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo users are only created for the demo (DEBUG=1).")
        self.stdout.write("Demo logins:")
        for label, username, full_name, role in demo_logins():
            password = demo_password_of(username)
            if not User.objects.filter(username=username).exists():
                user_create(
                    actor=None,
                    username=username,
                    full_name=full_name,
                    email=f"{username}@demo.invalid",
                    password=password,
                    roles={role},
                    reason="demo set-up",
                )
            self.stdout.write(f"  {label:<14} user: {username:<9} password: {password}")
