"""Export of the rows a user is looking at, as CSV or XLSX (every app's exports, the audit
trail's too; pages offer it through common.views.ExportMixin).

Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage
return) is prefixed with an apostrophe, so an exported file never executes anything when it is
opened (CSV/formula injection). Numbers stay numbers.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def escape_cell(value: Any) -> Any:
    """A cell safe for spreadsheets: numbers and dates as they are, text defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal | date | datetime):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str
) -> HttpResponse | StreamingHttpResponse:
    """A download of `rows` under `headers`; CSV streams, XLSX is built in memory."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Export")
        sheet.append(list(headers))
        for row in rows:
            sheet.append([_xlsx_value(escape_cell(value)) for value in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response: HttpResponse | StreamingHttpResponse = HttpResponse(
            buffer.getvalue(), content_type=XLSX_TYPE
        )
    else:
        writer = csv.writer(_Echo())
        lines = (writer.writerow([escape_cell(v) for v in row]) for row in rows)
        response = StreamingHttpResponse(
            _with_header(writer.writerow(list(headers)), lines),
            content_type="text/csv; charset=utf-8",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _with_header(header: str, lines: Iterable[str]) -> Iterable[str]:
    yield "\ufeff" + header  # BOM: spreadsheet programs then read the file as UTF-8
    yield from lines


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # XLSX has no time zones; values are UTC
    return value
