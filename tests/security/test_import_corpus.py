"""A corpus of awkward and hostile import files, for every import kind, through the upload page
and through `manage.py import_data`: never a 500, never a partial write, always a reason.

The files are generated into a temporary `import_corpus/` folder (nothing big is committed).
Readable variants (encodings, BOMs, delimiters, line endings, XLSX) must import every row;
hostile ones must be refused with a message and leave the business tables exactly as they were.
Workbooks that would expand (zip bombs, sheets declaring or padding a million rows) are refused
before they are inflated or while they are streamed, never expanded whole into memory.
"""

import codecs
import functools
import io
import re
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db.models import Model
from openpyxl import Workbook

from inventory.models import DailyDemand, ImportBatch, ImportStatus, Site, Sku
from inventory.services.imports import XLSX_MAX_PARTS, XLSX_MAX_ROWS, ImportRefused, read_table
from suppliers.models import Supplier, SupplierItem
from tests.factories import SiteFactory, SkuFactory, SupplierFactory

pytestmark = pytest.mark.django_db

Rows = list[list[str]]

# kind -> (model it writes, header, two valid rows, the same with a bad second row)
KINDS: dict[str, tuple[type[Model], list[str], Rows, Rows]] = {
    "skus": (
        Sku,
        [
            "code",
            "name",
            "category",
            "temperature_zone",
            "shelf_life_days",
            "min_remaining_shelf_life_days",
            "unit_cost",
        ],
        [
            ["N1", "Névé café", "vaccine", "refrigerated", "365", "100", "12.50"],
            ["N2", "Beta", "biologic", "refrigerated", "400", "100", "300"],
        ],
        [
            ["N1", "Névé café", "vaccine", "refrigerated", "365", "100", "12.50"],
            ["N2", "Beta", "biologic", "refrigerated", "400", "100", "-1"],
        ],
    ),
    "sites": (
        Site,
        ["code", "name", "echelon"],
        [["DC9", "Dépôt central", "dc"], ["H9", "Hospital", "hospital"]],
        [["DC9", "Dépôt central", "dc"], ["H9", "Hospital", "moon"]],
    ),
    "suppliers": (
        Supplier,
        ["code", "name"],
        [["SUP9", "Société Acme"], ["SUP8", "Beta"]],
        [["SUP9", "Société Acme"], ["SUP8", ""]],
    ),
    "supplier_items": (
        SupplierItem,
        ["supplier_code", "sku_code", "lead_time_mean_days", "unit_price"],
        [["SUP1", "K1", "12", "10.00"], ["SUP1", "K2", "5", "3"]],
        [["SUP1", "K1", "12", "10.00"], ["SUP1", "K2", "5", "abc"]],
    ),
    "demand": (
        DailyDemand,
        ["sku_code", "site_code", "date", "quantity"],
        [["K1", "S1", "2025-01-01", "5"], ["K1", "S1", "2025-01-02", "7"]],
        [["K1", "S1", "2025-01-01", "5"], ["K1", "S1", "2025-01-02", "-3"]],
    ),
}


def _text(header: list[str], rows: Rows, delimiter: str = ",", newline: str = "\n") -> str:
    return "".join(delimiter.join(row) + newline for row in [header, *rows])


def _xlsx(header: list[str], rows: Rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _mixed_newlines(header: list[str], rows: Rows) -> bytes:
    lines = [",".join(row) for row in [header, *rows]]
    return (lines[0] + "\r\n" + lines[1] + "\n" + "\r\n".join(lines[2:]) + "\r\n").encode()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not-closed")
        archive.writestr("xl/workbook.xml", "\x00\x01garbage")
    return buffer.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def _rezip(
    workbook: bytes,
    sheet: Callable[[str], str] = lambda xml: xml,
    extra: Iterable[tuple[str, bytes]] = (),
) -> bytes:
    """The workbook's parts again, the first sheet's XML edited and extra parts added."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            archive.writestr(info, sheet(data.decode()) if info.filename == SHEET else data)
        for name, data in extra:
            archive.writestr(name, data)
    return buffer.getvalue()


DIMENSION = re.compile(r'<dimension ref="[^"]*" ?/>')


def _declare(ref: str) -> Callable[[str], str]:
    return lambda xml: DIMENSION.sub(f'<dimension ref="{ref}"/>', xml)


def _undeclared(xml: str) -> str:
    return DIMENSION.sub("", xml)


def _undeclared_cell(ref: str) -> Callable[[str], str]:
    """No dimension, and a cell at `ref` (openpyxl pads the rows and cells up to it)."""
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
    return lambda xml: _undeclared(xml).replace("</sheetData>", cell + "</sheetData>")


@functools.cache
def _zip_bomb(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> bytes:
    """A workbook with these rows whose sheet then inflates to 200 MB of empty rows; about
    300 kB on disk. Its dimension declares only the real rows, so openpyxl alone would stop
    reading after them: the refusal must come from the zip's directory."""
    source = zipfile.ZipFile(io.BytesIO(_xlsx(list(header), [list(row) for row in rows])))
    head, tail = source.read(SHEET).split(b"</sheetData>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != SHEET:
                archive.writestr(info, source.read(info))
        with archive.open(SHEET, "w") as sheet:
            sheet.write(head)
            padding = b"<row/>" * (1024 * 1024 // 6)
            for _ in range(200):
                sheet.write(padding)
            sheet.write(b"</sheetData>" + tail)
    return buffer.getvalue()


Maker = Callable[[list[str], Rows, Rows], bytes]

READABLE: dict[str, Maker] = {
    "utf8.csv": lambda h, good, bad: _text(h, good).encode(),
    "utf8-bom.csv": lambda h, good, bad: codecs.BOM_UTF8 + _text(h, good).encode(),
    "utf16-le-bom.csv": lambda h, good, bad: _text(h, good, "\t").encode("utf-16"),
    "utf16-be-bom.txt": lambda h, good, bad: (
        codecs.BOM_UTF16_BE + _text(h, good).encode("utf-16-be")
    ),
    "cp1252.csv": lambda h, good, bad: _text(h, good, ";").encode("cp1252"),
    "semicolon.csv": lambda h, good, bad: _text(h, good, ";").encode(),
    "tab.csv": lambda h, good, bad: _text(h, good, "\t").encode(),
    "crlf.csv": lambda h, good, bad: _text(h, good, newline="\r\n").encode(),
    "mixed-newlines.csv": lambda h, good, bad: _mixed_newlines(h, good),
    "trailing-empty-cells.csv": lambda h, good, bad: _text(
        h, [[*r, "", ""] for r in good]
    ).encode(),
    "workbook.xlsx": lambda h, good, bad: _xlsx(h, good),
    # A sheet that declares fewer cells than it holds: every row is read all the same.
    "understated-dimension.xlsx": lambda h, good, bad: _rezip(
        _xlsx(h, good), sheet=_declare("A1:A1")
    ),
}

HOSTILE: dict[str, Maker] = {
    "empty.csv": lambda h, good, bad: b"",
    "blank-lines.csv": lambda h, good, bad: b"\n\r\n  \n",
    "header-only.csv": lambda h, good, bad: _text(h, []).encode(),
    "header-only.xlsx": lambda h, good, bad: _xlsx(h, []),
    "broken-quotes.csv": lambda h, good, bad: _text(h, good).encode() + b'X1,"open\n',
    "stray-quote.csv": lambda h, good, bad: _text(h, good).encode() + b'X1,"a"b",c\n',
    "png.csv": lambda h, good, bad: PNG,
    "png.xlsx": lambda h, good, bad: PNG,
    "zip.csv": lambda h, good, bad: _zip_bytes(),
    "broken-zip.xlsx": lambda h, good, bad: _zip_bytes(),
    "truncated.xlsx": lambda h, good, bad: _xlsx(h, good)[:700],
    "text-named.xlsx": lambda h, good, bad: _text(h, good).encode(),
    "utf16-no-bom.csv": lambda h, good, bad: _text(h, good).encode("utf-16-le"),
    "nul-in-text.csv": lambda h, good, bad: _text(h, good).encode() + b"X\x00Y\n",
    "duplicate-header.csv": lambda h, good, bad: _text(
        [*h, h[0]], [[*r, r[0]] for r in good]
    ).encode(),
    "missing-column.csv": lambda h, good, bad: _text(h[1:], [r[1:] for r in good]).encode(),
    "extra-column.csv": lambda h, good, bad: _text(
        [*h, "evil"], [[*r, "x"] for r in good]
    ).encode(),
    "ragged-long-row.csv": lambda h, good, bad: _text(h, [good[0], [*good[1], "spill"]]).encode(),
    "bad-last-row.csv": lambda h, good, bad: _text(h, bad).encode(),
    "bad-last-row.xlsx": lambda h, good, bad: _xlsx(h, bad),
    "wrong-extension.json": lambda h, good, bad: _text(h, good).encode(),
    "zip-bomb.xlsx": lambda h, good, bad: _zip_bomb(tuple(h), tuple(map(tuple, good))),
    "huge-dimension.xlsx": lambda h, good, bad: _rezip(
        _xlsx(h, good), sheet=_declare("A1:XFD1048576")
    ),
    "beyond-the-row-limit.xlsx": lambda h, good, bad: _rezip(
        _xlsx(h, good), sheet=_undeclared_cell(f"A{XLSX_MAX_ROWS + 1}")
    ),
    "many-parts.xlsx": lambda h, good, bad: _rezip(
        _xlsx(h, good), extra=[(f"customXml/item{n}.xml", b"<x/>") for n in range(XLSX_MAX_PARTS)]
    ),
    "path-traversal.xlsx": lambda h, good, bad: _rezip(
        _xlsx(h, good), extra=[("../../evil.xml", b"<x/>")]
    ),
}


@pytest.fixture
def reference_data() -> None:
    """What supplier terms and demand rows refer to."""
    SupplierFactory(code="SUP1")
    SkuFactory(code="K1")
    SkuFactory(code="K2")
    SiteFactory(code="S1")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("import_corpus")
    for kind, (_, header, good, bad) in KINDS.items():
        for name, make in {**READABLE, **HOSTILE}.items():
            (folder / f"{kind}-{name}").write_bytes(make(header, good, bad))
    return folder


def _counts() -> dict[str, int]:
    return {kind: model.objects.count() for kind, (model, *_) in KINDS.items()}


def _upload(client, kind: str, path: Path):  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post("/inventory/imports/", {"kind": kind, "file": upload})


def _through_page(client, kind: str, path: Path) -> tuple[bool, str]:  # type: ignore[no-untyped-def]
    """Upload, and commit when the check passed: (imported, what the user was told)."""
    response = _upload(client, kind, path)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        return False, response.content.decode()
    batch = ImportBatch.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    if batch.status != ImportStatus.PREVIEWED:
        page = client.get(response["Location"])
        assert page.status_code == 200
        return False, " ".join(error["message"] for error in batch.errors)
    committed = client.post(f"/inventory/imports/{batch.pk}/commit/", follow=True)
    assert committed.status_code == 200
    batch.refresh_from_db()
    return batch.status == ImportStatus.COMMITTED, committed.content.decode()


def _through_command(kind: str, path: Path) -> tuple[bool, str]:
    out = io.StringIO()
    try:
        call_command("import_data", kind, str(path), "--commit", stdout=out)
    except CommandError as refused:
        return False, str(refused) + out.getvalue()
    return True, out.getvalue()


ROUTES = {"page": _through_page, "command": _through_command}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("variant", READABLE)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.usefixtures("reference_data")
def test_readable_variants_import_every_row(  # type: ignore[no-untyped-def]
    kind, variant, route, corpus, admin_client
) -> None:
    before = _counts()
    path = corpus / f"{kind}-{variant}"
    args = (admin_client, kind, path) if route == "page" else (kind, path)

    imported, told = ROUTES[route](*args)

    assert imported, told
    assert _counts() == {**before, kind: before[kind] + 2}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("variant", HOSTILE)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.usefixtures("reference_data")
def test_hostile_files_are_refused_with_a_reason_and_change_nothing(  # type: ignore[no-untyped-def]
    kind, variant, route, corpus, admin_client
) -> None:
    before = _counts()
    path = corpus / f"{kind}-{variant}"
    args = (admin_client, kind, path) if route == "page" else (kind, path)

    imported, told = ROUTES[route](*args)

    assert not imported
    assert told.strip()
    assert _counts() == before


def test_a_commit_refused_after_the_check_writes_nothing(  # type: ignore[no-untyped-def]
    admin_client, reference_data, tmp_path
) -> None:
    header, rows = KINDS["supplier_items"][1], KINDS["supplier_items"][2]
    path = tmp_path / "supplier_items.csv"
    path.write_text(_text(header, rows))
    response = _upload(admin_client, "supplier_items", path)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == ImportStatus.PREVIEWED
    Sku.objects.filter(code="K2").update(active=False, code="K2-RETIRED")  # row 3 now fails
    before = _counts()

    page = admin_client.post(f"/inventory/imports/{batch.pk}/commit/", follow=True)

    assert page.status_code == 200 and "Nothing was imported" in page.content.decode()
    assert _counts() == before
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REFUSED


def test_formula_cells_in_a_workbook_are_never_evaluated(admin_client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    header, rows = KINDS["skus"][1], KINDS["skus"][2]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    sheet.append(rows[0])
    sheet.append(rows[1])
    sheet["B2"] = '=HYPERLINK("http://attacker.example","click")'  # a real formula
    sheet["B3"].value, sheet["B3"].data_type = "@SUM(1+1)*cmd|' /C calc'!A0", "s"  # text
    path = tmp_path / "formulas.xlsx"
    workbook.save(path)

    imported, told = _through_page(admin_client, "skus", path)

    # A formula has no value the importer trusts (none is evaluated): the row is refused.
    assert not imported
    assert "blank" in told.lower()
    assert not Sku.objects.filter(code__in=["N1", "N2"]).exists()


def test_formula_like_text_is_kept_as_text(admin_client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    header, rows = KINDS["skus"][1], KINDS["skus"][2]
    workbook = Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append(row)
    sheet["B3"].value, sheet["B3"].data_type = "@SUM(1+1)*cmd|' /C calc'!A0", "s"
    path = tmp_path / "formula-text.xlsx"
    workbook.save(path)

    imported, told = _through_page(admin_client, "skus", path)

    assert imported, told
    assert Sku.objects.get(code="N2").name == "@SUM(1+1)*cmd|' /C calc'!A0"


# ---- workbooks that expand ---------------------------------------------------------------------

DEMAND_HEADER, DEMAND_ROWS = KINDS["demand"][1], KINDS["demand"][2]


def _refusal_and_peak_memory(content: bytes) -> tuple[str, int]:
    """What read_table refused `content` with, and the most memory it held meanwhile."""
    tracemalloc.start()
    try:
        with pytest.raises(ImportRefused) as refused:
            read_table(content, "workbook.xlsx")
        return refused.value.message, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_zip_bomb_is_refused_from_the_zip_directory_without_being_inflated() -> None:
    bomb = _zip_bomb(tuple(DEMAND_HEADER), tuple(map(tuple, DEMAND_ROWS)))
    sheet = zipfile.ZipFile(io.BytesIO(bomb)).getinfo(SHEET)
    assert len(bomb) < 500_000 and sheet.file_size > 200_000_000

    message, peak = _refusal_and_peak_memory(bomb)

    assert "compressed more than 100 to 1" in message
    assert peak < 4 * len(bomb) + 2_000_000  # the upload and a little: nothing inflated


def test_a_workbook_that_unzips_past_the_limit_is_refused(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    workbook = _xlsx(DEMAND_HEADER, DEMAND_ROWS)
    expanded = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(workbook)).infolist())
    monkeypatch.setattr("inventory.services.imports.XLSX_MAX_EXPANDED_BYTES", expanded - 1)

    with pytest.raises(ImportRefused, match="The workbook unzips to"):
        read_table(workbook, "workbook.xlsx")


@pytest.mark.parametrize(
    ("sheet", "refusal"),
    [
        (_declare("A1:XFD1048576"), "declares 1,048,576 rows and 16,384 columns"),
        (_undeclared_cell(f"A{XLSX_MAX_ROWS + 1}"), "more than 1,048,576 rows"),
        (_undeclared_cell("BM4"), "Row 4 has 65 columns"),
    ],
    ids=["declared", "padded-rows", "padded-columns"],
)
@pytest.mark.slow
def test_a_sheet_that_expands_past_the_row_or_column_limit_is_refused_while_streamed(  # type: ignore[no-untyped-def]
    sheet, refusal
) -> None:
    workbook = _rezip(_xlsx(DEMAND_HEADER, DEMAND_ROWS), sheet=sheet)

    message, peak = _refusal_and_peak_memory(workbook)

    assert refusal in message
    assert peak < 10_000_000  # a million padded rows were never held


def test_the_row_limit_holds_for_real_rows_declared_or_not(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("inventory.services.imports.XLSX_MAX_ROWS", 10)
    rows = [["K1", "S1", f"2025-01-{day:02d}", "1"] for day in range(1, 21)]
    workbook = _xlsx(DEMAND_HEADER, rows)

    with pytest.raises(ImportRefused, match="The sheet declares 21 rows"):
        read_table(workbook, "workbook.xlsx")
    with pytest.raises(ImportRefused, match="The sheet has more than 10 rows"):
        read_table(_rezip(workbook, sheet=_undeclared), "workbook.xlsx")


# ---- a million rows ---------------------------------------------------------------------------


def _million_demand_rows(path: Path, sku_codes: list[str]) -> int:
    """1,000,000 valid-looking demand rows streamed to disk, the last one invalid."""
    start, per_sku = date(1900, 1, 1), 1_000_000 // len(sku_codes)
    with path.open("w", newline="") as out:
        out.write("sku_code,site_code,date,quantity\n")
        for code in sku_codes:
            day = start
            lines = []
            for _ in range(per_sku):
                lines.append(f"{code},S1,{day.isoformat()},3\n")
                day += timedelta(days=1)
            out.writelines(lines)
        out.write("K1,S1,2199-12-31,not-a-number\n")
    return len(sku_codes) * per_sku + 1


@pytest.mark.slow
def test_a_million_row_file_is_checked_and_refused_without_a_partial_write(  # type: ignore[no-untyped-def]
    admin_client, reference_data, tmp_path
) -> None:
    codes = [f"M{n:02d}" for n in range(20)]
    for code in codes:
        SkuFactory(code=code)
    path = tmp_path / "demand-1m.csv"
    rows = _million_demand_rows(path, codes)
    assert rows == 1_000_001
    started = time.monotonic()

    response = _upload(admin_client, "demand", path)

    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.REFUSED and batch.rows_total == rows
    assert batch.errors == [
        {
            "row": rows + 1,
            "column": "quantity",
            "message": "'not-a-number' is not a whole number of 0 or more.",
        }
    ]
    assert not DailyDemand.objects.exists()
    assert time.monotonic() - started < 120


@pytest.mark.slow
def test_a_million_row_file_over_the_size_limit_is_refused_before_it_is_read(  # type: ignore[no-untyped-def]
    admin_client, reference_data, settings, tmp_path
) -> None:
    settings.IMPORT_MAX_BYTES = 5 * 1024 * 1024
    path = tmp_path / "demand-1m.csv"
    _million_demand_rows(path, ["K1", "K2"])

    response = _upload(admin_client, "demand", path)
    with pytest.raises(CommandError, match=r"the limit is 5\.2 MB"):
        call_command("import_data", "demand", str(path), "--commit")

    assert response.status_code == 413  # refused from its Content-Length, before it is read
    assert "the limit is 5.3 MB" in response.content.decode()
    assert not ImportBatch.objects.exists() and not DailyDemand.objects.exists()
