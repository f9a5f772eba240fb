import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from accounts.roles import Role
from inventory.models import ImportBatch, ImportStatus, Sku
from inventory.services.stock import stock_positions_refresh
from tests.factories import LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db

SKUS = (
    b"code,name,category,temperature_zone,shelf_life_days,min_remaining_shelf_life_days,unit_cost\n"
    b"A1,Alpha,vaccine,refrigerated,365,100,12.50\n"
)


def upload(client, content: bytes, kind: str = "skus", name: str = "skus.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        "/inventory/imports/", {"kind": kind, "file": SimpleUploadedFile(name, content)}
    )


def test_upload_checks_the_file_and_shows_the_preview(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = upload(admin_client, SKUS, name="skus.csv")

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "Every row is valid" in page and 'data-testid="import-commit"' in page
    assert batch.status == ImportStatus.PREVIEWED and not Sku.objects.exists()


def test_commit_button_applies_the_file(admin_client) -> None:  # type: ignore[no-untyped-def]
    upload(admin_client, SKUS)
    batch = ImportBatch.objects.get()

    response = admin_client.post(f"/inventory/imports/{batch.pk}/commit/", follow=True)

    assert "Imported 1 rows" in response.content.decode()
    assert Sku.objects.filter(code="A1").exists()


def test_bad_rows_are_listed_and_no_commit_is_offered(admin_client) -> None:  # type: ignore[no-untyped-def]
    upload(admin_client, SKUS + b"A2,Beta,vaccine,refrigerated,365,100,-1\n")

    page = admin_client.get(f"/inventory/imports/{ImportBatch.objects.get().pk}/").content.decode()

    assert "<code>unit_cost</code>" in page and "Nothing was imported" in page
    assert 'data-testid="import-commit"' not in page


def test_unreadable_file_comes_back_to_the_form_with_the_reason(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = upload(admin_client, b"\x00\x00binary", name="skus.csv")

    assert response.status_code == 400
    assert "binary data" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_template_lists_the_columns(admin_client) -> None:  # type: ignore[no-untyped-def]
    body = admin_client.get("/inventory/imports/template/demand/").content.decode()

    assert body.strip() == "sku_code,site_code,date,quantity"


def test_planners_cannot_import(client, planner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    assert upload(client, SKUS).status_code == 403
    assert not ImportBatch.objects.exists()


def test_admin_change_list_links_to_the_import(admin_client) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get("/admin/inventory/sku/").content.decode()

    assert "/inventory/imports/?kind=skus" in page


@pytest.fixture
def listed(make_user, client):  # type: ignore[no-untyped-def]
    site = SiteFactory(code="S1")
    LotFactory(
        sku=SkuFactory(code="=EVIL()", name="@cmd"),
        site=site,
        lot_number="-1+1",
        expiry_date=date(2030, 1, 1),
        quantity=5,
    )
    LotFactory(sku=SkuFactory(code="SAFE"), site=site, expiry_date=date(2030, 1, 1))
    stock_positions_refresh()
    client.force_login(make_user(Role.VIEWER))
    return client


def test_inventory_export_csv_has_the_filtered_rows_escaped(listed) -> None:  # type: ignore[no-untyped-def]
    response = listed.get("/inventory/", {"q": "EVIL", "export": "csv"})

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("sku_code,sku_name")
    assert len(lines) == 2
    assert lines[1].startswith("'=EVIL(),'@cmd")


def test_lot_export_xlsx_escapes_formula_cells(listed) -> None:  # type: ignore[no-untyped-def]
    response = listed.get("/inventory/lots/", {"export": "xlsx"})

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'-1+1" in values and "'=EVIL()" in values
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "@")) for v in values)
