from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.commands import AuditedCommand
from accounts.models import User
from inventory.models import ImportStatus
from inventory.services.imports import (
    IMPORT_KINDS,
    ImportRefused,
    check_size,
    import_check,
    import_commit,
)


class Command(AuditedCommand):
    help = (
        "Check a CSV/XLSX file of master data or demand history, and with --commit apply it "
        "(all rows or none). The file and the row results are kept as an import batch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("kind", choices=sorted(IMPORT_KINDS))
        parser.add_argument("path", type=Path)
        parser.add_argument("--commit", action="store_true", help="Apply the file if it is valid.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        actor = User.objects.filter(username=options.get("actor") or "").first()
        try:
            check_size(path.stat().st_size)  # before the file is read into memory
            batch = import_check(
                actor=actor, kind=options["kind"], filename=path.name, content=path.read_bytes()
            )
        except ImportRefused as refused:
            raise CommandError(refused.message) from refused
        self.stdout.write(
            f"Import {batch.pk}: {batch.rows_total} rows, {batch.rows_new} new, "
            f"{batch.rows_updated} changed, {batch.rows_unchanged} unchanged, "
            f"{batch.rows_invalid} invalid."
        )
        for error in batch.errors:
            column = f" [{error['column']}]" if error["column"] else ""
            self.stdout.write(f"  row {error['row']}{column}: {error['message']}")
        if batch.status == ImportStatus.REFUSED:
            raise CommandError("The file has invalid rows: nothing was imported.")
        if not options["commit"]:
            self.stdout.write("Checked only; run again with --commit to apply it.")
            return
        batch = import_commit(actor=actor, batch=batch)
        if batch.status != ImportStatus.COMMITTED:
            raise CommandError(f"Nothing was imported: {batch.message}")
        self.stdout.write(self.style.SUCCESS(f"Imported {batch.rows_total} rows."))
