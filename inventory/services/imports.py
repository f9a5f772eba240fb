"""Imports of master data and demand history from CSV or XLSX: check first, then commit all
rows or none.

`import_check` keeps the uploaded file and every row error in an ImportBatch (the raw layer)
and changes no business data. `import_commit` re-reads the kept file and applies it in one
transaction; a single bad row refuses the whole file. Row numbers are lines of the file: the
header is row 1, the first data row is row 2.

Kinds are registered in IMPORT_KINDS: this module registers SKUs, sites and demand history;
inventory.services.stock_imports adds opening stock and stock counts, and the suppliers app
its own kinds, when the apps start (apps depend left to right, so inventory never
imports suppliers).
"""

import codecs
import csv
import hashlib
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import Any, Protocol

import tablib
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from import_export import fields, resources, widgets

from accounts.audit import audit_context
from accounts.models import User
from common.errors import DomainError
from inventory.models import DailyDemand, ImportBatch, ImportStatus, Site, Sku

MAX_ERRORS_KEPT = 500
CSV_DELIMITERS = ",;\t|"

# What an XLSX file may expand to. IMPORT_MAX_BYTES bounds the upload, but a workbook is a zip
# archive whose parts can inflate a thousandfold, and a sheet can declare or pad rows that are
# not in the file. The zip's directory is checked before openpyxl opens the workbook, then the
# first sheet is read as a stream that stops at the row and column limits.
XLSX_MAX_PARTS = 1_000  # a workbook has a dozen or so
XLSX_MAX_EXPANDED_BYTES = 256 * 1024 * 1024  # all parts unzipped; a million rows fit
XLSX_MAX_COMPRESSION_RATIO = 100  # a real sheet's XML deflates 10 to 20 times
XLSX_RATIO_EXEMPT_BYTES = 1024 * 1024  # a part this small may compress better, harmlessly
XLSX_MAX_ROWS = 1_048_576  # the most a spreadsheet can hold
XLSX_MAX_COLUMNS = 64  # the widest import has ten


class ImportRefused(DomainError):
    code = "import_refused"


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportReport:
    rows_total: int = 0
    rows_new: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows_invalid(self) -> int:
        return len({error.row for error in self.errors})


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


class ImportKind(Protocol):
    key: str
    label: str
    columns: tuple[str, ...]  # required columns, in the order of the template
    optional_columns: tuple[str, ...]

    def run(self, table: Table, *, commit: bool) -> ImportReport: ...


IMPORT_KINDS: dict[str, ImportKind] = {}


def register_import_kind(kind: ImportKind) -> None:
    IMPORT_KINDS[kind.key] = kind


# ---- reading files --------------------------------------------------------------------------


def read_table(content: bytes, filename: str) -> Table:
    """Headers (lower-cased, trimmed) and rows of the first sheet of an XLSX file or of a CSV
    file (UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252; comma, semicolon, tab
    or pipe). Every row has the header's width."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        raw_rows = _xlsx_rows(content)
    elif suffix in {".csv", ".txt"}:
        raw_rows = _csv_rows(content)
    else:
        raise ImportRefused(f"'{filename}' is neither a .csv nor a .xlsx file.")
    rows = [row for row in raw_rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ImportRefused("The file is empty: it needs a header row and at least one data row.")
    headers = [cell.strip().lower() for cell in rows[0]]
    if len(rows) == 1:
        raise ImportRefused("The file has a header row but no data rows.")
    duplicates = sorted({name for name in headers if name and headers.count(name) > 1})
    if duplicates:
        raise ImportRefused(f"Columns appear twice: {', '.join(duplicates)}.")
    return Table(
        headers=headers,
        rows=[_fit(row, len(headers), n) for n, row in enumerate(rows[1:], start=2)],
    )


def _fit(row: list[str], width: int, number: int) -> list[str]:
    """A data row trimmed and padded to the header's width; a value beyond the last column
    refuses the file (it would otherwise be silently dropped or shift other values)."""
    cells = [cell.strip() for cell in row]
    if any(cells[width:]):
        raise ImportRefused(
            f"Row {number}: it has {len(cells)} cells but the header has {width} columns."
        )
    return cells[:width] + [""] * (width - len(cells))


def _csv_rows(content: bytes) -> list[list[str]]:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)  # "Unicode text" as spreadsheets save it
    elif b"\x00" in content[:65536]:
        raise ImportRefused("This is not a text file (it contains binary data). Use CSV or XLSX.")
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRefused("The file's text encoding is not UTF-8, UTF-16 or Windows-1252.")
    if "\x00" in text:
        raise ImportRefused("This is not a text file (it contains binary data). Use CSV or XLSX.")
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=CSV_DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return [list(row) for row in reader]
    except csv.Error as error:
        raise ImportRefused(f"Row {reader.line_num}: the CSV is malformed ({error}).") from error


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _check_xlsx_archive(content)
    # A damaged or disguised workbook fails in many ways while it is unzipped and its XML
    # parsed (XML parse errors are SyntaxErrors); each of them means the same to the user.
    unreadable: tuple[type[BaseException], ...] = (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        OSError,
        ValueError,
        TypeError,
        IndexError,
        SyntaxError,
    )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except unreadable as error:
        raise ImportRefused("The file is not a readable XLSX workbook.") from error
    try:
        sheet = workbook.worksheets[0]
        rows, columns = sheet.max_row or 0, sheet.max_column or 0  # as the sheet declares them
        if rows > XLSX_MAX_ROWS or columns > XLSX_MAX_COLUMNS:
            raise ImportRefused(
                f"The sheet declares {rows:,} rows and {columns:,} columns; an import reads at "
                f"most {XLSX_MAX_ROWS:,} rows and {XLSX_MAX_COLUMNS} columns."
            )
        # Read every row the sheet holds, not only those its dimension declares: a workbook
        # written by another tool may understate it, and openpyxl would drop the rest.
        sheet.reset_dimensions()
        return list(_sheet_rows(sheet.iter_rows(values_only=True)))
    except unreadable as error:
        raise ImportRefused("The file is not a readable XLSX workbook.") from error
    finally:
        workbook.close()


def _check_xlsx_archive(content: bytes) -> None:
    """ImportRefused for a workbook whose zip directory lists too many parts, a part named
    outside the package, or parts that would inflate past the limits; nothing is inflated to
    find out. The declared sizes are a real bound: Python's zipfile stops a part at the size
    the directory gives it (a longer stream then fails its CRC)."""
    # zipfile reads the whole directory, in time and memory per entry, so its entries are
    # counted first: each starts with this signature (an upper bound, cheap on 50 MB).
    if content.count(b"PK\x01\x02") > XLSX_MAX_PARTS:
        raise ImportRefused(
            f"The workbook has more than {XLSX_MAX_PARTS:,} parts; a spreadsheet has a few dozen."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportRefused("The file is not a readable XLSX workbook.") from error
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/"):
            raise ImportRefused(
                f"The workbook has a part whose path leaves the archive ('{name[:80]}')."
            )
        if (
            info.file_size > XLSX_RATIO_EXEMPT_BYTES
            and info.file_size > XLSX_MAX_COMPRESSION_RATIO * info.compress_size
        ):
            raise ImportRefused(
                f"The workbook's part '{name[:80]}' is compressed more than "
                f"{XLSX_MAX_COMPRESSION_RATIO} to 1; it is refused as a zip bomb."
            )
    expanded = sum(info.file_size for info in infos)
    if expanded > XLSX_MAX_EXPANDED_BYTES:
        raise ImportRefused(
            f"The workbook unzips to {expanded / 1e6:,.0f} MB; the limit is "
            f"{XLSX_MAX_EXPANDED_BYTES / 1e6:,.0f} MB."
        )


def _sheet_rows(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[str]]:
    """The sheet's rows as text, refused past XLSX_MAX_ROWS rows or XLSX_MAX_COLUMNS columns
    (openpyxl pads missing rows and cells, so a sheet can expand beyond the cells it holds).
    Trailing empty cells of data rows are dropped: read_table pads rows to the header's width."""
    header_seen = False
    for number, row in enumerate(rows, start=1):
        if number > XLSX_MAX_ROWS:
            raise ImportRefused(
                f"The sheet has more than {XLSX_MAX_ROWS:,} rows, the most it may have."
            )
        if len(row) > XLSX_MAX_COLUMNS:
            raise ImportRefused(
                f"Row {number} has {len(row):,} columns; an import reads at most "
                f"{XLSX_MAX_COLUMNS}."
            )
        width = len(row)
        if header_seen:
            while width and row[width - 1] is None:
                width -= 1
            if not width:
                continue
        cells = [_cell_text(value) for value in row[:width]]
        header_seen = header_seen or any(cell.strip() for cell in cells)
        yield cells


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---- kinds backed by django-import-export resources ----------------------------------------


class ResourceKind:
    """An import kind whose rows map to a model through a django-import-export resource. Rows
    are validated by the model (full_clean: field validators, clean() and constraints)."""

    def __init__(
        self,
        key: str,
        label: str,
        resource_class: type[resources.ModelResource],
        columns: tuple[str, ...],
        optional_columns: tuple[str, ...] = (),
    ) -> None:
        self.key, self.label, self.resource_class = key, label, resource_class
        self.columns, self.optional_columns = columns, optional_columns

    def run(self, table: Table, *, commit: bool) -> ImportReport:
        dataset = tablib.Dataset(*table.rows, headers=table.headers)
        result = self.resource_class().import_data(
            dataset,
            dry_run=not commit,
            use_transactions=True,
            rollback_on_validation_errors=True,
            raise_errors=False,
        )
        report = ImportReport(rows_total=len(table.rows))
        totals = result.totals
        report.rows_new, report.rows_updated = totals.get("new", 0), totals.get("update", 0)
        report.rows_unchanged = totals.get("skip", 0)
        for number, row_errors in result.row_errors():
            report.errors.extend(RowError(number + 1, "", str(error.error)) for error in row_errors)
        for invalid in result.invalid_rows:
            for column, messages in invalid.error_dict.items():
                name = "" if column == "__all__" else column
                report.errors.extend(RowError(invalid.number + 1, name, str(m)) for m in messages)
        report.errors.extend(RowError(0, "", str(error.error)) for error in result.base_errors)
        return report


class CleanedModelResource(resources.ModelResource):
    """Every imported row goes through the model's full validation before it is saved."""

    class Meta:
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class CodeWidget(widgets.ForeignKeyWidget):
    """A foreign key named by its code; an unknown code is the row's problem, said plainly."""

    def __init__(self, model: Any) -> None:
        super().__init__(model, field="code")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(
                f"No {self.model._meta.verbose_name} with code '{str(value).strip()}'."
            ) from None


class SkuResource(CleanedModelResource):
    class Meta(CleanedModelResource.Meta):
        model = Sku
        import_id_fields = ["code"]
        fields = Sku.MASTER_FIELDS


class SiteResource(CleanedModelResource):
    replenished_from = fields.Field(
        attribute="replenished_from",
        column_name="replenished_from",
        widget=CodeWidget(Site),
    )

    class Meta(CleanedModelResource.Meta):
        model = Site
        import_id_fields = ["code"]
        fields = Site.MASTER_FIELDS


SKU_OPTIONAL_COLUMNS = (
    "criticality",
    "controlled_substance",
    "receipt_inspection",
    "direct_delivery",
    "active",
)
SKU_REQUIRED_COLUMNS = tuple(
    field for field in Sku.MASTER_FIELDS if field not in SKU_OPTIONAL_COLUMNS
)
register_import_kind(
    ResourceKind("skus", "SKUs", SkuResource, SKU_REQUIRED_COLUMNS, SKU_OPTIONAL_COLUMNS)
)
register_import_kind(
    ResourceKind(
        "sites",
        "Sites",
        SiteResource,
        ("code", "name", "echelon"),
        (
            "region",
            "latitude",
            "longitude",
            "replenished_from",
            "transit_days",
            "replenishment",
            "active",
        ),
    )
)


# ---- demand history: many rows, loaded in bulk -----------------------------------------------


class DemandKind:
    """Daily demand per SKU code, site code and date. A row for a day that already has demand
    replaces it."""

    key = "demand"
    label = "Demand history"
    columns: tuple[str, ...] = ("sku_code", "site_code", "date", "quantity")
    optional_columns: tuple[str, ...] = ()

    def run(self, table: Table, *, commit: bool) -> ImportReport:
        report = ImportReport(rows_total=len(table.rows))
        position = {name: table.headers.index(name) for name in self.columns}
        skus = dict(Sku.objects.values_list("code", "pk"))
        sites = dict(Site.objects.values_list("code", "pk"))
        parsed: dict[tuple[int, int, date], int] = {}
        seen_at: dict[tuple[int, int, date], int] = {}
        for number, row in enumerate(table.rows, start=2):
            values = {name: (row[i] if i < len(row) else "") for name, i in position.items()}
            errors = self._row_errors(number, values, skus, sites)
            if errors:
                report.errors.extend(errors)
                continue
            key = (
                skus[values["sku_code"]],
                sites[values["site_code"]],
                date.fromisoformat(values["date"]),
            )
            if key in seen_at:
                report.errors.append(
                    RowError(number, "date", f"Same SKU, site and date as row {seen_at[key]}.")
                )
                continue
            seen_at[key] = number
            parsed[key] = int(values["quantity"])
        existing = self._existing_keys(parsed)
        report.rows_updated = len(existing)
        report.rows_new = len(parsed) - len(existing)
        if commit and not report.errors:
            self._write(parsed, existing)
        return report

    @staticmethod
    def _row_errors(number: int, values: dict[str, str], skus: dict, sites: dict) -> list[RowError]:
        errors = []
        if values["sku_code"] not in skus:
            errors.append(RowError(number, "sku_code", f"No SKU with code '{values['sku_code']}'."))
        if values["site_code"] not in sites:
            errors.append(
                RowError(number, "site_code", f"No site with code '{values['site_code']}'.")
            )
        try:
            date.fromisoformat(values["date"])
        except ValueError:
            errors.append(
                RowError(number, "date", f"'{values['date']}' is not a date (YYYY-MM-DD).")
            )
        quantity = values["quantity"]
        if not quantity.isdigit():
            errors.append(
                RowError(number, "quantity", f"'{quantity}' is not a whole number of 0 or more.")
            )
        return errors

    @staticmethod
    def _existing_keys(parsed: dict[tuple[int, int, date], int]) -> set[tuple[int, int, date]]:
        by_series: dict[tuple[int, int], list[date]] = defaultdict(list)
        for sku_id, site_id, day in parsed:
            by_series[(sku_id, site_id)].append(day)
        existing: set[tuple[int, int, date]] = set()
        for (sku_id, site_id), days in by_series.items():
            rows = DailyDemand.objects.filter(
                sku_id=sku_id, site_id=site_id, date__gte=min(days), date__lte=max(days)
            ).values_list("date", flat=True)
            wanted = set(days)
            existing.update((sku_id, site_id, day) for day in rows if day in wanted)
        return existing

    @staticmethod
    def _write(parsed: dict[tuple[int, int, date], int], existing: set) -> None:
        for sku_id, site_id, day in existing:
            DailyDemand.objects.filter(sku_id=sku_id, site_id=site_id, date=day).update(
                quantity=parsed[(sku_id, site_id, day)]
            )
        DailyDemand.objects.bulk_create(
            (
                DailyDemand(sku_id=s, site_id=t, date=d, quantity=q)
                for (s, t, d), q in parsed.items()
                if (s, t, d) not in existing
            ),
            batch_size=5000,
        )


register_import_kind(DemandKind())


# ---- the two business actions ---------------------------------------------------------------


def _kind(key: str) -> ImportKind:
    try:
        return IMPORT_KINDS[key]
    except KeyError as missing:
        raise ImportRefused(f"Unknown import kind '{key}'.") from missing


def _check_columns(kind: ImportKind, table: Table) -> None:
    missing = [name for name in kind.columns if name not in table.headers]
    if missing:
        raise ImportRefused(
            f"Missing column(s): {', '.join(missing)}. Expected: "
            f"{', '.join(kind.columns + kind.optional_columns)}."
        )
    unknown = [n for n in table.headers if n and n not in kind.columns + kind.optional_columns]
    if unknown:
        raise ImportRefused(f"Unknown column(s): {', '.join(unknown)}.")


class _Rollback(Exception):
    pass


def _run(
    kind: ImportKind, table: Table, *, commit: bool, actor: User | None, reason: str
) -> ImportReport:
    """Run inside a transaction that is rolled back unless this is a commit with no error."""
    report = ImportReport()
    try:
        with (
            transaction.atomic(),
            audit_context(actor=actor, reason=reason, source=f"import:{kind.key}"),
        ):
            report = kind.run(table, commit=commit)
            if not commit or report.errors:
                raise _Rollback
    except _Rollback:
        pass
    return report


def check_size(size: int) -> None:
    """ImportRefused when a file of `size` bytes is over IMPORT_MAX_BYTES (checked before a file
    is read, and again by import_check)."""
    if size > settings.IMPORT_MAX_BYTES:
        limit = settings.IMPORT_MAX_BYTES / 1e6
        raise ImportRefused(
            f"The file is {size / 1e6:.1f} MB; the limit is {limit:.{0 if limit >= 10 else 1}f} MB."
        )


def import_check(*, actor: User | None, kind: str, filename: str, content: bytes) -> ImportBatch:
    """Keep the file and check every row; nothing but the ImportBatch is written. A file that
    cannot be read at all raises ImportRefused and is not kept."""
    import_kind = _kind(kind)
    check_size(len(content))
    table = read_table(content, filename)
    _check_columns(import_kind, table)
    report = _run(import_kind, table, commit=False, actor=actor, reason=f"check of {filename}")
    batch = ImportBatch(
        kind=kind,
        original_name=filename[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _store_report(batch, report)
    batch.status = ImportStatus.REFUSED if report.errors else ImportStatus.PREVIEWED
    batch.file.save(PurePath(filename).name, ContentFile(content), save=False)
    batch.save()
    return batch


def import_commit(*, actor: User | None, batch: ImportBatch) -> ImportBatch:
    """Apply a checked file: every row or, when any row fails now, none."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportStatus.PREVIEWED:
            raise ImportRefused(
                f"This import is {batch.get_status_display().lower()}; "
                "only a checked import without errors can be committed."
            )
        batch.file.open("rb")
        try:
            content = batch.file.read()
        finally:
            batch.file.close()
        table = read_table(content, batch.original_name)
        report = _run(
            _kind(batch.kind),
            table,
            commit=True,
            actor=actor,
            reason=f"import {batch.pk}: {batch.original_name}",
        )
        _store_report(batch, report)
        if report.errors:
            batch.status = ImportStatus.REFUSED
            batch.message = "The data changed since the check: some rows are no longer valid."
        else:
            batch.status = ImportStatus.COMMITTED
            batch.committed_at = timezone.now()
        batch.save()
    return batch


def import_preview(*, batch: ImportBatch) -> list[Any]:
    """What committing a checked batch would change, for kinds that can say so before commit
    (a stock count's differences against the book); empty for other kinds and other statuses.
    Reads the kept file; writes nothing."""
    preview = getattr(IMPORT_KINDS.get(batch.kind), "preview", None)
    if preview is None or batch.status != ImportStatus.PREVIEWED:
        return []
    batch.file.open("rb")
    try:
        content = batch.file.read()
    finally:
        batch.file.close()
    return list(preview(read_table(content, batch.original_name)))


def _store_report(batch: ImportBatch, report: ImportReport) -> None:
    batch.rows_total, batch.rows_new = report.rows_total, report.rows_new
    batch.rows_updated, batch.rows_unchanged = report.rows_updated, report.rows_unchanged
    batch.rows_invalid = report.rows_invalid
    batch.errors = [error.as_dict() for error in report.errors[:MAX_ERRORS_KEPT]]
    if len(report.errors) > MAX_ERRORS_KEPT:
        batch.message = f"{len(report.errors)} errors; the first {MAX_ERRORS_KEPT} are kept."
