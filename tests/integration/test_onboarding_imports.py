"""Onboarding imports: opening stock by lot, open purchase orders and stock counts, checked
whole and committed all rows or none; and the sample files of every kind, in order."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from accounts.models import AuditLogEntry
from accounts.roles import Role
from inventory.models import (
    DailyDemand,
    ImportStatus,
    Lot,
    LotStatus,
    MovementKind,
    Site,
    Sku,
    StockMovement,
    StockPosition,
)
from inventory.services.imports import import_check, import_commit, import_preview
from suppliers.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Supplier,
    SupplierItem,
    SupplierUser,
)
from tests.factories import SiteFactory, SkuFactory, SupplierFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(settings.BASE_DIR) / "docs" / "samples"
TODAY = date.today()
SOON = TODAY - timedelta(days=30)  # a received date in the past
LATER = TODAY + timedelta(days=400)  # an expiry comfortably ahead
OPENING = "sku_code,site_code,lot_number,expiry_date,quantity,status,unit_cost,received_date\n"
COUNT = "sku_code,site_code,lot_number,counted_quantity,reason\n"
ORDERS = (
    "number,supplier_code,site_code,sku_code,ordered_quantity,received_quantity,unit_price,"
    "ordered_on,expected_on,status\n"
)


def run(kind: str, text: str, actor=None):  # type: ignore[no-untyped-def]
    batch = import_check(actor=actor, kind=kind, filename=f"{kind}.csv", content=text.encode())
    if batch.status == ImportStatus.PREVIEWED:
        batch = import_commit(actor=actor, batch=batch)
    return batch


def messages(batch) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    return [(e["row"], e["column"], e["message"]) for e in batch.errors]


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    sku = SkuFactory(code="K1", min_remaining_shelf_life_days=100, unit_cost=10)
    other = SkuFactory(code="K2", min_remaining_shelf_life_days=100)
    site = SiteFactory(code="S1")
    return sku, other, site


# ---- opening stock ---------------------------------------------------------------------------


def test_opening_stock_creates_lots_with_one_receipt_each_and_positions(world, admin_user) -> None:  # type: ignore[no-untyped-def]
    sku, _, site = world
    text = OPENING + (
        f"K1,S1,L1,{LATER},100,released,9.50,{SOON}\n"
        f"K1,S1,L2,{LATER},30,quarantine,,{SOON}\n"
        f"K2,S1,L1,{LATER},5,rejected,,{SOON}\n"
    )

    batch = run("opening_stock", text, admin_user)

    assert (batch.status, batch.rows_new) == (ImportStatus.COMMITTED, 3)
    lot = Lot.objects.get(sku=sku, site=site, lot_number="L1")
    assert (lot.quantity, lot.status, lot.received_on) == (100, LotStatus.RELEASED, SOON)
    movement = StockMovement.objects.get(lot=lot)
    assert (movement.kind, movement.quantity, movement.reference, movement.user) == (
        MovementKind.RECEIPT,
        100,
        "opening stock",
        admin_user,
    )
    position = StockPosition.objects.get(sku=sku, site=site)
    assert (position.on_hand, position.quarantine) == (100, 30)
    entry = AuditLogEntry.objects.filter(content_type__model="stockmovement").first()
    assert (entry.actor, entry.source) == (admin_user, "import:opening_stock")


def test_reimporting_the_same_opening_stock_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    text = OPENING + f"K1,S1,L1,{LATER},100,released,,{SOON}\n"
    run("opening_stock", text)

    again = run("opening_stock", text)

    assert (again.status, again.rows_new, again.rows_unchanged) == (ImportStatus.COMMITTED, 0, 1)
    assert StockMovement.objects.count() == 1


def test_a_different_quantity_for_a_lot_in_stock_points_to_the_stock_count(world) -> None:  # type: ignore[no-untyped-def]
    run("opening_stock", OPENING + f"K1,S1,L1,{LATER},100,released,,{SOON}\n")

    batch = run("opening_stock", OPENING + f"K1,S1,L1,{LATER},90,released,,{SOON}\n")

    assert batch.status == ImportStatus.REFUSED
    ((row, column, message),) = messages(batch)
    assert (row, column) == (2, "quantity")
    assert "stock-count import" in message
    assert Lot.objects.get().quantity == 100


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (f"K9,S1,L1,{LATER},10,released,,{SOON}", "sku_code", "No SKU with code 'K9'"),
        (f"K1,S9,L1,{LATER},10,released,,{SOON}", "site_code", "No site with code 'S9'"),
        (f"K1,S1,L1,{LATER},-5,released,,{SOON}", "quantity", "not a whole number of 1"),
        (f"K1,S1,L1,{LATER},0,released,,{SOON}", "quantity", "not a whole number of 1"),
        (f"K1,S1,L1,{LATER},10,lost,,{SOON}", "status", "is not one of"),
        (f"K1,S1,L1,{LATER},10,expired,,{SOON}", "status", "as quarantine or rejected"),
        ("K1,S1,L1,2020-01-01,10,released,,2019-01-01", "expiry_date", "only as quarantine"),
        (f"K1,S1,L1,31/12/2030,10,released,,{SOON}", "expiry_date", "is not a date"),
        (f"K1,S1,L1,{LATER},10,released,-1,{SOON}", "unit_cost", "not an amount"),
        (f"K1,S1,L1,{LATER},10,released,,{LATER}", "received_date", "in the future"),
        (f"K1,S1,L1,{TODAY + timedelta(days=20)},10,released,,", "expiry_date", "minimum"),
    ],
)
def test_bad_opening_rows_refuse_the_file_and_write_nothing(world, row, column, fragment) -> None:  # type: ignore[no-untyped-def]
    good = f"K2,S1,OK1,{LATER},10,released,,{SOON}\n"

    batch = run("opening_stock", OPENING + good + row + "\n")

    assert batch.status == ImportStatus.REFUSED
    assert any(r == 3 and c == column and fragment in m for r, c, m in messages(batch)), (
        batch.errors
    )
    assert not Lot.objects.exists()
    assert not StockMovement.objects.exists()


def test_an_expired_lot_may_come_in_as_quarantine(world) -> None:  # type: ignore[no-untyped-def]
    batch = run("opening_stock", OPENING + "K1,S1,OLD,2020-06-30,10,quarantine,,2019-01-01\n")

    assert batch.status == ImportStatus.COMMITTED
    assert Lot.objects.get().status == LotStatus.QUARANTINE


def test_duplicate_lots_and_a_lot_of_another_sku_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    run("opening_stock", OPENING + f"K2,S1,SHARED,{LATER},10,released,,{SOON}\n")
    text = OPENING + (
        f"K1,S1,L1,{LATER},10,released,,{SOON}\n"
        f"K1,S1,L1,{LATER},10,released,,{SOON}\n"
        f"K1,S1,SHARED,{LATER},10,released,,{SOON}\n"
    )

    batch = run("opening_stock", text)

    assert batch.status == ImportStatus.REFUSED
    assert (3, "lot_number", "Same SKU, site and lot number as row 2.") in messages(batch)
    assert any(r == 4 and "belongs to SKU K2, not K1" in m for r, _, m in messages(batch))
    assert Lot.objects.count() == 1


# ---- stock counts ----------------------------------------------------------------------------


@pytest.fixture
def stocked(world):  # type: ignore[no-untyped-def]
    run(
        "opening_stock",
        OPENING + f"K1,S1,L1,{LATER},100,released,,{SOON}\nK1,S1,L2,{LATER},50,released,,{SOON}\n",
    )
    return world


def test_count_differences_are_listed_before_commit_and_posted_as_adjustments(
    stocked, admin_user
) -> None:  # type: ignore[no-untyped-def]
    text = COUNT + "K1,S1,L1,96,Quarterly count\nK1,S1,L2,50,Quarterly count\nK2,S1,NEW,0,\n"
    batch = import_check(
        actor=admin_user, kind="stock_count", filename="c.csv", content=text.encode()
    )

    assert (batch.status, batch.rows_updated, batch.rows_unchanged) == (
        ImportStatus.PREVIEWED,
        1,
        2,
    )
    (line,) = import_preview(batch=batch)
    assert (line.lot_number, line.book, line.counted, line.difference) == ("L1", 100, 96, -4)
    assert Lot.objects.get(lot_number="L1").quantity == 100

    batch = import_commit(actor=admin_user, batch=batch)

    assert batch.status == ImportStatus.COMMITTED
    adjustment = StockMovement.objects.get(kind=MovementKind.ADJUSTMENT)
    assert (adjustment.quantity, adjustment.reason, adjustment.user) == (
        -4,
        "Quarterly count",
        admin_user,
    )
    assert Lot.objects.get(lot_number="L1").quantity == 96
    assert StockPosition.objects.get(sku__code="K1").on_hand == 146
    assert import_preview(batch=batch) == []


def test_a_recount_of_the_same_file_changes_nothing(stocked) -> None:  # type: ignore[no-untyped-def]
    text = COUNT + "K1,S1,L1,96,Quarterly count\n"
    run("stock_count", text)

    again = run("stock_count", text)

    assert (again.status, again.rows_unchanged) == (ImportStatus.COMMITTED, 1)
    assert StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).count() == 1


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        ("K1,S1,NEW,5,found", "lot_number", "not in the book"),
        ("K2,S1,L1,5,found", "lot_number", "belongs to SKU K1, not K2"),
        ("K1,S1,L2,-3,broken", "counted_quantity", "not a whole number of 0"),
        ("K1,S1,L2,40,", "reason", "Give a reason"),
        ("K1,S1,L1,90,again", "lot_number", "Same SKU, site and lot number as row 2"),
        ("K1,S9,L1,90,x", "site_code", "No site"),
    ],
)
def test_bad_count_rows_refuse_the_file_and_adjust_nothing(stocked, row, column, fragment) -> None:  # type: ignore[no-untyped-def]
    batch = run("stock_count", COUNT + "K1,S1,L1,90,count\n" + row + "\n")

    assert batch.status == ImportStatus.REFUSED
    assert any(r == 3 and c == column and fragment in m for r, c, m in messages(batch)), (
        batch.errors
    )
    assert not StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).exists()
    assert Lot.objects.get(lot_number="L1").quantity == 100


def test_the_import_page_shows_a_counts_differences(stocked, admin_client) -> None:  # type: ignore[no-untyped-def]
    batch = import_check(
        actor=None,
        kind="stock_count",
        filename="c.csv",
        content=(COUNT + "K1,S1,L2,47,x\n").encode(),
    )

    page = admin_client.get(reverse("inventory:import_detail", kwargs={"pk": batch.pk}))

    assert page.status_code == 200
    assert b'data-testid="import-difference"' in page.content
    assert b"-3" in page.content


# ---- open purchase orders --------------------------------------------------------------------


@pytest.fixture
def buying(world):  # type: ignore[no-untyped-def]
    sku, other, _ = world
    supplier = SupplierFactory(code="SUP")
    SupplierItem.objects.create(
        supplier=supplier, sku=sku, lead_time_mean_days=7, unit_price=9, is_primary=True
    )
    SupplierItem.objects.create(
        supplier=supplier, sku=other, lead_time_mean_days=7, unit_price=3, is_primary=True
    )
    return supplier


GOOD_ORDER = (
    f"PO-1,SUP,S1,K1,100,40,9.00,{SOON},{TODAY},partially_received\n"
    f"PO-1,SUP,S1,K2,50,0,3.00,{SOON},{TODAY},partially_received\n"
    f"PO-2,SUP,S1,K1,20,,9.00,{SOON},,sent\n"
)


def test_open_orders_come_in_grouped_with_on_order_following(buying, admin_user) -> None:  # type: ignore[no-untyped-def]
    batch = run("purchase_orders", ORDERS + GOOD_ORDER, admin_user)

    assert (batch.status, batch.rows_new) == (ImportStatus.COMMITTED, 3)
    order = PurchaseOrder.objects.get(number="PO-1")
    assert (order.status, order.supplier, order.destination.code, order.lines.count()) == (
        PurchaseOrderStatus.PARTIALLY_RECEIVED,
        buying,
        "S1",
        2,
    )
    line = order.lines.get(sku__code="K1")
    assert (line.quantity, line.received_quantity, line.open_quantity) == (100, 40, 60)
    assert PurchaseOrder.objects.get(number="PO-2").sent_at is not None
    assert StockPosition.objects.get(sku__code="K1", site__code="S1").on_order == 80
    assert StockPosition.objects.get(sku__code="K2", site__code="S1").on_order == 50


def test_reimporting_the_same_orders_changes_nothing(buying) -> None:  # type: ignore[no-untyped-def]
    run("purchase_orders", ORDERS + GOOD_ORDER)

    again = run("purchase_orders", ORDERS + GOOD_ORDER)

    assert (again.status, again.rows_new, again.rows_unchanged) == (ImportStatus.COMMITTED, 0, 3)
    assert PurchaseOrderLine.objects.count() == 3


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (f"PO-9,NOPE,S1,K1,10,0,9,{SOON},,sent", "supplier_code", "No supplier"),
        (f"PO-9,SUP,S1,K1,10,11,9,{SOON},,sent", "received_quantity", "more than the 10"),
        (f"PO-9,SUP,S1,K1,-10,0,9,{SOON},,sent", "ordered_quantity", "not a whole number"),
        (f"PO-9,SUP,S1,K1,10,0,9,{SOON},,received", "status", "not an open order status"),
        (f"PO-9,SUP,S1,K1,10,0,9,{TODAY},{SOON},sent", "expected_on", "before the order date"),
        (f"PO-1,SUP,S1,K1,10,0,9,{SOON},{TODAY},partially_received", "sku_code", "on row 2"),
        (f"PO-1,SUP,S1,K2,10,0,9,{SOON},{TODAY},sent", "status", "Differs from row 2"),
        (f"PO-9,SUP,S1,K3,10,0,9,{SOON},,sent", "sku_code", "has no terms for K3"),
        (f"PO-9,SUP,S1,K1,10,10,9,{SOON},,sent", "received_quantity", "fully received"),
    ],
)
def test_bad_order_rows_refuse_the_file_and_write_nothing(buying, row, column, fragment) -> None:  # type: ignore[no-untyped-def]
    SkuFactory(code="K3")
    text = ORDERS + f"PO-1,SUP,S1,K1,100,0,9.00,{SOON},{TODAY},partially_received\n" + row + "\n"

    batch = run("purchase_orders", text)

    assert batch.status == ImportStatus.REFUSED
    assert any(r == 3 and c == column and fragment in m for r, c, m in messages(batch)), (
        batch.errors
    )
    assert not PurchaseOrder.objects.exists()
    assert not StockPosition.objects.filter(on_order__gt=0).exists()


def test_a_changed_line_of_an_imported_order_is_refused(buying) -> None:  # type: ignore[no-untyped-def]
    run("purchase_orders", ORDERS + GOOD_ORDER)

    batch = run(
        "purchase_orders", ORDERS + GOOD_ORDER.replace("PO-2,SUP,S1,K1,20", "PO-2,SUP,S1,K1,25")
    )

    assert batch.status == ImportStatus.REFUSED
    assert any("change an existing line" in m for _, _, m in messages(batch))
    assert PurchaseOrderLine.objects.get(purchase_order__number="PO-2").quantity == 20


def test_imported_orders_show_on_the_order_pages_and_in_the_portal(
    buying, client, make_user
) -> None:  # type: ignore[no-untyped-def]
    run("purchase_orders", ORDERS + GOOD_ORDER)
    order = PurchaseOrder.objects.get(number="PO-1")
    client.force_login(make_user(Role.PLANNER))

    listing = client.get(reverse("suppliers:purchase_orders"))
    detail = client.get(reverse("suppliers:purchase_order_detail", kwargs={"pk": order.pk}))

    assert listing.status_code == detail.status_code == 200
    assert b"PO-1" in listing.content
    assert b"Entered directly" in detail.content
    supplier_user = make_user(Role.SUPPLIER)
    SupplierUser.objects.create(user=supplier_user, supplier=buying)
    client.force_login(supplier_user)
    portal = client.get(reverse("portal:order", kwargs={"number": "PO-1"}))
    assert portal.status_code == 200
    assert b"K1" in portal.content


# ---- the samples, in order -------------------------------------------------------------------

SAMPLE_ORDER = [
    ("1-skus.csv", "skus"),
    ("2-sites.csv", "sites"),
    ("3-suppliers.csv", "suppliers"),
    ("4-supplier_items.csv", "supplier_items"),
    ("5-demand.csv", "demand"),
    ("6-opening_stock.csv", "opening_stock"),
    ("7-purchase_orders.csv", "purchase_orders"),
    ("8-stock_count.csv", "stock_count"),
]


SAMPLES_WRITTEN_ON = date(2026, 12, 7)


def test_the_samples_import_in_order_into_an_empty_database(admin_user, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The samples carry real dates (expiries, receipts, order dates): import them on the day
    # they were written, so the lots are not expired whenever the suite runs.
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *_, **__: SAMPLES_WRITTEN_ON)
    assert sorted(path.name for path in SAMPLES.glob("*.csv")) == [n for n, _ in SAMPLE_ORDER]
    for name, kind in SAMPLE_ORDER:
        call_command(
            "import_data", kind, str(SAMPLES / name), "--commit", actor=admin_user.username
        )

    assert (Sku.objects.count(), Site.objects.count(), Supplier.objects.count()) == (3, 3, 2)
    assert (SupplierItem.objects.count(), DailyDemand.objects.count()) == (3, 6)
    assert (Lot.objects.count(), PurchaseOrder.objects.count()) == (6, 2)
    assert PurchaseOrderLine.objects.count() == 3
    assert StockMovement.objects.filter(kind=MovementKind.RECEIPT).count() == 6
    assert StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).count() == 2
    dc = StockPosition.objects.get(sku__code="AMX-500", site__code="DC-NORTH")
    assert (dc.on_hand, dc.on_order) == (2400, 2000)


def test_every_kind_has_a_sample() -> None:
    from inventory.services.imports import IMPORT_KINDS

    assert {kind for _, kind in SAMPLE_ORDER} == set(IMPORT_KINDS)
