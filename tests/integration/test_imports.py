import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from accounts.models import AuditLogEntry
from common.exports import escape_cell
from inventory.models import DailyDemand, ImportStatus, Site, Sku
from inventory.services.imports import ImportRefused, import_check, import_commit
from suppliers.models import SupplierItem
from tests.factories import SiteFactory, SkuFactory, SupplierFactory

pytestmark = pytest.mark.django_db

SKU_HEADER = (
    "code,name,category,temperature_zone,shelf_life_days,min_remaining_shelf_life_days,unit_cost\n"
)
GOOD_ROWS = (
    "A1,Alpha,vaccine,refrigerated,365,100,12.50\nA2,Beta,biologic,refrigerated,400,100,300\n"
)


def check(kind: str, text: str, filename: str = "file.csv"):  # type: ignore[no-untyped-def]
    return import_check(actor=None, kind=kind, filename=filename, content=text.encode())


def test_valid_file_is_checked_without_changing_anything() -> None:
    batch = check("skus", SKU_HEADER + GOOD_ROWS)

    assert (batch.status, batch.rows_total, batch.rows_new) == (ImportStatus.PREVIEWED, 2, 2)
    assert not Sku.objects.exists()


def test_commit_applies_every_row_with_the_import_in_the_trail(admin_user) -> None:
    batch = check("skus", SKU_HEADER + GOOD_ROWS)

    batch = import_commit(actor=admin_user, batch=batch)

    assert batch.status == ImportStatus.COMMITTED
    assert set(Sku.objects.values_list("code", flat=True)) == {"A1", "A2"}
    entry = AuditLogEntry.objects.filter(content_type__model="sku").first()
    assert (entry.actor, entry.source) == (admin_user, "import:skus")
    assert entry.reason.startswith(f"import {batch.pk}: ")


def test_one_bad_row_refuses_the_file_naming_row_and_column() -> None:
    batch = check("skus", SKU_HEADER + GOOD_ROWS + "A3,Gamma,vaccine,refrigerated,365,100,-4\n")

    assert batch.status == ImportStatus.REFUSED
    assert {
        "row": 4,
        "column": "unit_cost",
        "message": "Ensure this value is greater than or equal to 0.",
    } in batch.errors
    assert not Sku.objects.exists()


def test_a_refused_batch_cannot_be_committed() -> None:
    batch = check("skus", SKU_HEADER + "A3,Gamma,vaccine,refrigerated,365,400,4\n")

    with pytest.raises(ImportRefused, match="only a checked import"):
        import_commit(actor=None, batch=batch)
    assert not Sku.objects.exists()


def test_commit_rechecks_rows_and_refuses_if_data_changed_since(admin_user) -> None:
    site = SiteFactory(code="S1")
    sku = SkuFactory(code="K1")
    batch = check("demand", "sku_code,site_code,date,quantity\nK1,S1,2026-01-01,5\n")
    sku.code = "RENAMED"
    sku.save()

    batch = import_commit(actor=admin_user, batch=batch)

    assert batch.status == ImportStatus.REFUSED
    assert not DailyDemand.objects.filter(site=site).exists()


def test_existing_records_are_updated_and_counted() -> None:
    import_commit(actor=None, batch=check("skus", SKU_HEADER + GOOD_ROWS))

    batch = check("skus", SKU_HEADER + GOOD_ROWS.replace("Alpha", "Alpha forte"))

    assert (batch.rows_new, batch.rows_updated, batch.rows_unchanged) == (0, 1, 1)


def test_the_raw_file_is_kept_byte_for_byte() -> None:
    content = SKU_HEADER + GOOD_ROWS
    batch = check("skus", content)

    with batch.file.open("rb") as kept:
        assert kept.read() == content.encode()


def test_xlsx_files_are_read_like_csv() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(SKU_HEADER.strip().split(","))
    sheet.append(["X1", "Excel SKU", "oncology", "room", 730, 200, 1500])
    buffer = io.BytesIO()
    workbook.save(buffer)

    batch = import_check(actor=None, kind="skus", filename="skus.xlsx", content=buffer.getvalue())

    assert (batch.status, batch.rows_new) == (ImportStatus.PREVIEWED, 1)


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"\x00\x01\x02PK", "skus.csv", "binary data"),
        (b"not a zip", "skus.xlsx", "not a readable XLSX"),
        (b"code,name\n", "skus.csv", "no data rows"),
        (b"", "skus.csv", "empty"),
        (b'code,name\n"A1,unterminated', "skus.csv", "malformed"),
        (b"code,name", "skus.pdf", "neither a .csv nor a .xlsx"),
        (b"code,code\nA,B\n", "skus.csv", "Columns appear twice"),
        (b"code,name\nA,B\n", "skus.csv", "Missing column(s): category"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(content, filename, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_check(actor=None, kind="skus", filename=filename, content=content)


def test_semicolon_csv_with_bom_and_windows_encoding_is_read() -> None:
    text = SKU_HEADER.replace(",", ";") + "A1;Café crème;vaccine;refrigerated;365;100;12\n"
    content = b"\xef\xbb\xbf" + text.encode("utf-8")

    batch = import_check(actor=None, kind="skus", filename="skus.csv", content=content)

    assert batch.status == ImportStatus.PREVIEWED
    cp1252 = import_check(
        actor=None, kind="skus", filename="skus.csv", content=text.encode("cp1252")
    )
    assert cp1252.status == ImportStatus.PREVIEWED


def test_oversized_files_are_refused(settings) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_MAX_BYTES = 100

    with pytest.raises(ImportRefused, match="limit"):
        check("skus", SKU_HEADER + GOOD_ROWS * 10)


def test_demand_rows_are_validated_per_column() -> None:
    SiteFactory(code="S1")
    SkuFactory(code="K1")

    batch = check(
        "demand",
        "sku_code,site_code,date,quantity\nK1,S1,2026-02-30,5\nNOPE,S1,2026-01-01,-2\n"
        "K1,S1,2026-01-01,3\nK1,S1,2026-01-01,4\n",
    )

    problems = {(e["row"], e["column"]) for e in batch.errors}
    assert problems == {(2, "date"), (3, "sku_code"), (3, "quantity"), (5, "date")}


def test_demand_import_adds_and_replaces_days() -> None:
    site, sku = SiteFactory(code="S1"), SkuFactory(code="K1")
    DailyDemand.objects.create(sku=sku, site=site, date=date(2026, 1, 1), quantity=1)

    batch = import_commit(
        actor=None,
        batch=check(
            "demand", "sku_code,site_code,date,quantity\nK1,S1,2026-01-01,7\nK1,S1,2026-01-02,8\n"
        ),
    )

    assert (batch.rows_new, batch.rows_updated) == (1, 1)
    assert list(DailyDemand.objects.order_by("date").values_list("quantity", flat=True)) == [7, 8]


def test_supplier_terms_import_with_price_breaks() -> None:
    SupplierFactory(code="SUP1")
    SkuFactory(code="K1")

    batch = import_commit(
        actor=None,
        batch=check(
            "supplier_items",
            "supplier_code,sku_code,lead_time_mean_days,unit_price,price_breaks\nSUP1,K1,12,10.00,500:9.50; 1000:9.00\n",
        ),
    )

    assert batch.status == ImportStatus.COMMITTED, batch.errors
    assert SupplierItem.objects.get().price_breaks == [
        {"min_quantity": 500, "unit_price": "9.50"},
        {"min_quantity": 1000, "unit_price": "9.00"},
    ]


def test_supplier_terms_naming_an_unknown_supplier_say_which_code() -> None:
    SkuFactory(code="K1")

    batch = check(
        "supplier_items",
        "supplier_code,sku_code,lead_time_mean_days,unit_price\nNOPE,K1,12,10.00\n",
    )

    assert batch.status == ImportStatus.REFUSED
    assert [error["message"] for error in batch.errors] == ["No supplier with code 'NOPE'."]


def test_a_site_replenished_from_an_unknown_site_says_which_code() -> None:
    batch = check("sites", "code,name,echelon,replenished_from\nH1,Hospital,hospital,DC9\n")

    assert batch.errors == [
        {"row": 2, "column": "replenished_from", "message": "No site with code 'DC9'."}
    ]


def test_sites_reference_their_replenishing_site_by_code() -> None:
    import_commit(
        actor=None,
        batch=check(
            "sites",
            "code,name,echelon,replenished_from\nDC1,Central,dc,\nH1,Hospital,hospital,DC1\n",
        ),
    )

    assert Site.objects.get(code="H1").replenished_from.code == "DC1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("plain", "plain"),
        (-2, -2),
        (None, ""),
    ],
)
def test_export_escapes_formula_like_text(value, expected) -> None:  # type: ignore[no-untyped-def]
    assert escape_cell(value) == expected


def test_command_checks_and_commits(tmp_path, admin_user) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "skus.csv"
    path.write_text(SKU_HEADER + GOOD_ROWS)

    call_command("import_data", "skus", str(path), "--commit", actor=admin_user.username)

    assert Sku.objects.count() == 2


def test_command_reports_bad_rows_and_changes_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "skus.csv"
    path.write_text(SKU_HEADER + "A1,Alpha,vaccine,refrigerated,365,100,abc\n")

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_data", "skus", str(path), "--commit")
    assert not Sku.objects.exists()


def test_sku_import_takes_the_receipt_inspection_column_when_given(admin_user) -> None:
    header = SKU_HEADER.rstrip("\n") + ",receipt_inspection\n"
    rows = "A1,Alpha,vaccine,refrigerated,365,100,12.50,0\nA2,Beta,biologic,refrigerated,400,100,300,1\n"

    import_commit(actor=admin_user, batch=check("skus", header + rows))

    assert dict(Sku.objects.values_list("code", "receipt_inspection")) == {"A1": False, "A2": True}


def test_skus_imported_without_the_column_are_inspected_at_receipt(admin_user) -> None:
    import_commit(actor=admin_user, batch=check("skus", SKU_HEADER + GOOD_ROWS))

    assert set(Sku.objects.values_list("receipt_inspection", flat=True)) == {True}
