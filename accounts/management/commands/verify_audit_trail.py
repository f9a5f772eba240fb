from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.audit_chain import verify_chain


class Command(BaseCommand):
    help = (
        "Recompute the audit trail's hash chain in sequence order: prints OK with the number of "
        "entries, or names the first entry that was changed, removed or slipped in, and exits "
        "with status 1."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit trail broken at {report.first_break} "
                f"({report.checked} entries before it are intact)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"OK: {report.checked} audit trail entries, hash chain intact.")
        )
