from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.commands import AuditedCommand
from accounts.models import User
from accounts.roles import Role
from accounts.services import user_set_roles
from common.errors import DomainError


class Command(AuditedCommand):
    help = "Give a user exactly the named roles (audited; --reason is required)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("username")
        parser.add_argument("roles", nargs="*", choices=[role.value for role in Role])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as missing:
            raise CommandError(f"No user named '{options['username']}'.") from missing
        actor = User.objects.filter(username=options.get("actor") or "").first()
        try:
            user_set_roles(
                actor=actor,
                user=user,
                roles={Role(name) for name in options["roles"]},
                reason=options["reason"],
            )
        except DomainError as refused:
            raise CommandError(refused.message) from refused
        roles = ", ".join(sorted(options["roles"])) or "no roles"
        self.stdout.write(self.style.SUCCESS(f"{user.username} now has: {roles}"))
