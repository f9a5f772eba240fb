"""Every download the project offers defuses formula-like text, in CSV and in XLSX.

The export views are found, not listed: every URL whose view uses ExportMixin (the
`?export=csv|xlsx` downloads). One record whose text fields start with each formula prefix is
visible in every export; each of its values must come out with the apostrophe in front.
"""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from accounts.roles import Role
from common.exports import FORMULA_PREFIXES
from common.views import ExportMixin
from inventory.models import Site
from inventory.services.counts import cycle_count_create
from inventory.services.stock import stock_positions_refresh
from tests.factories import (
    LotFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SiteFactory,
    SkuFactory,
    SuggestedOrderFactory,
    SupplierFactory,
    published_plan,
)
from tests.url_walker import all_endpoints

pytestmark = pytest.mark.django_db

# One hostile value per formula prefix; codes are short fields, so they get the short ones.
HOSTILE = {
    "sku_name": '=HYPERLINK("http://attacker.example","x")',
    "sku_code": "+1+cmd",
    "site_code": "-2+3",
    "supplier_name": "@SUM(1+1)*cmd",
    "lot_number": "\t=1+1",
    "po_number": "\r=1+1",
}
KNOWN_EXPORTS = {
    "/inventory/",
    "/inventory/lots/",
    "/suppliers/purchase-orders/",
    "/suppliers/lot-trace/",
    "/optimization/plan/",
}
# Exports of one record, each covered by its own test below.
RECORD_EXPORTS = {"inventory/counts/<int:pk>/"}
# Exports that show nothing until the query names what to show.
EXPORT_QUERIES = {
    "/suppliers/lot-trace/": {"sku": HOSTILE["sku_code"], "lot": HOSTILE["lot_number"]},
}


def _export_urls() -> set[str]:
    urls = set()
    for endpoint in all_endpoints():
        view = endpoint.view_class
        if view is not None and issubclass(view, ExportMixin):
            if endpoint.route in RECORD_EXPORTS:
                continue
            assert "<" not in endpoint.route, (
                f"{endpoint.route}: export URLs with parameters need a test here"
            )
            urls.add("/" + endpoint.route)
    return urls


@pytest.fixture
def hostile_record(make_user, client):  # type: ignore[no-untyped-def]
    sku = SkuFactory(code=HOSTILE["sku_code"], name=HOSTILE["sku_name"])
    site = SiteFactory(code=HOSTILE["site_code"])
    supplier = SupplierFactory(name=HOSTILE["supplier_name"])
    LotFactory(sku=sku, site=site, lot_number=HOSTILE["lot_number"], expiry_date=date(2030, 1, 1))
    stock_positions_refresh()
    order = PurchaseOrderFactory(number=HOSTILE["po_number"], supplier=supplier, destination=site)
    PurchaseOrderLineFactory(purchase_order=order, sku=sku)
    SuggestedOrderFactory(plan=published_plan(), sku=sku, site=site, supplier=supplier)
    # Admin for the inventory and order lists; the worklist is a planner's.
    client.force_login(make_user(Role.ADMIN, Role.PLANNER))
    return client


def _cells(response, fmt: str) -> list[str]:  # type: ignore[no-untyped-def]
    if fmt == "csv":
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    else:
        sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return [cell for row in rows[1:] for cell in row if isinstance(cell, str)]


def test_every_export_url_is_known() -> None:
    assert _export_urls() == KNOWN_EXPORTS


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("url", sorted(KNOWN_EXPORTS))
def test_formula_like_text_is_escaped(hostile_record, url: str, fmt: str) -> None:  # type: ignore[no-untyped-def]
    response = hostile_record.get(url, {**EXPORT_QUERIES.get(url, {}), "export": fmt})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    cells = _cells(response, fmt)
    found = [value for value in HOSTILE.values() if f"'{value}" in cells]
    assert found, f"{url}: the hostile record is not in the export"
    assert not [cell for cell in cells if cell.startswith(FORMULA_PREFIXES)], cells


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_count_sheet_export_escapes_formula_like_text(hostile_record, fmt: str) -> None:  # type: ignore[no-untyped-def]
    count = cycle_count_create(actor=None, site=Site.objects.get(code=HOSTILE["site_code"]))

    response = hostile_record.get(f"/inventory/counts/{count.pk}/", {"export": fmt})

    assert response.status_code == 200
    cells = _cells(response, fmt)
    assert f"'{HOSTILE['lot_number']}" in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_PREFIXES)], cells
