"""Every list page runs as many queries for many rows as for a few.

Each page is rendered once with FEW rows and once with MANY, and both renders must run the
same number of queries: a page that loads a related record per row (an N+1) grows with the
rows and fails here long before it is slow in production. Each page also states the most
queries it may run, so a page that starts loading more per request is noticed too.

Both counts are taken after a first render, so caches filled once per process (content
types, the session) count in neither. Every row's marker must show in the page, so a filter
that hides the rows cannot make the test pass on an empty table. MANY stays under the
smallest page size (the ten most recent plan runs), so every row is rendered.

A page known to run a query per row is marked xfail(strict=True) with the reason: the test
starts passing, and so fails as an unexpected pass, the day the page is fixed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from alerts.services.alerts import Condition, alert_raise
from forecasting.models import ForecastRun
from inventory.models import (
    Excursion,
    ExcursionLot,
    Lot,
    Sku,
    StockPosition,
    StorageUnit,
    TransferOrder,
)
from inventory.services.counts import cycle_count_create
from inventory.services.dispense import stock_dispense
from inventory.services.imports import import_check
from inventory.services.stock import stock_positions_refresh
from optimization.models import Scenario, SuggestedTransfer
from optimization.services.policies import policies_refresh
from suppliers.models import SupplierItem, SupplierScorecard, SupplierUser
from suppliers.services.purchase_orders import purchase_order_line_receive
from tests.factories import (
    LotFactory,
    PlanRunFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    ShippingNoticeFactory,
    ShippingNoticeLineFactory,
    SiteFactory,
    SkuFactory,
    SuggestedOrderFactory,
    SupplierFactory,
    UserFactory,
    current_plan_or_new,
    published_series,
)

pytestmark = pytest.mark.django_db

FEW, MANY = 2, 8
OFFICE_ROLES = (Role.ADMIN, Role.PLANNER, Role.QUALITY, Role.VIEWER)


@dataclass
class World:
    """What the rows of a page hang on: one site, one supplier and its portal user."""

    site: Any
    supplier: Any
    supplier_user: Any
    forecast_run: Any = None  # the published forecast the policies are computed from
    made: int = 0

    def marker(self, prefix: str) -> str:
        """A text unique to one row, which the page must show."""
        self.made += 1
        return f"{prefix}{self.made:03d}"


# ---- one builder per page: add `count` rows, return their markers ------------------------------


def stock_rows(world: World, count: int) -> list[str]:
    codes = [world.marker("STK-") for _ in range(count)]
    for code in codes:
        LotFactory(sku=SkuFactory(code=code), site=world.site, expiry_date=date(2030, 1, 1))
    stock_positions_refresh()
    return codes


def lot_rows(world: World, count: int) -> list[str]:
    numbers = [world.marker("LOT-Q") for _ in range(count)]
    for number in numbers:
        LotFactory(
            sku=SkuFactory(), site=world.site, lot_number=number, expiry_date=date(2030, 1, 1)
        )
    return numbers


def cycle_count_rows(world: World, count: int) -> list[str]:
    """Counts at sites of their own (a lot is on one open count at a time), one in a unit."""
    codes = [world.marker("CNT-") for _ in range(count)]
    for code in codes:
        site = SiteFactory(code=code)
        unit = StorageUnit.objects.create(site=site, code="F1", name="Fridge", zone="room")
        lot = LotFactory(sku=SkuFactory(), site=site, expiry_date=date(2030, 1, 1))
        Lot.objects.filter(pk=lot.pk).update(storage_unit=unit)
        cycle_count_create(actor=UserFactory(), site=site, storage_unit=unit)
    return codes


def purchase_order_rows(world: World, count: int) -> list[str]:
    numbers = [world.marker("PO-Q") for _ in range(count)]
    for number in numbers:
        order = PurchaseOrderFactory(
            number=number, supplier=SupplierFactory(), destination=world.site
        )
        PurchaseOrderLineFactory(purchase_order=order)
    return numbers


def receiving_order_rows(world: World, count: int) -> list[str]:
    numbers = [world.marker("PO-R") for _ in range(count)]
    for number in numbers:
        order = PurchaseOrderFactory(
            number=number, supplier=SupplierFactory(), destination=world.site
        )
        PurchaseOrderLineFactory(purchase_order=order)
        ShippingNoticeFactory(purchase_order=order)
    return numbers


def receiving_notice_rows(world: World, count: int) -> list[str]:
    numbers = [world.marker("ASN-R") for _ in range(count)]
    for number in numbers:
        ShippingNoticeLineFactory(
            notice__number=number,
            notice__purchase_order__supplier=SupplierFactory(),
            notice__purchase_order__destination=world.site,
        )
    return numbers


def worklist_rows(world: World, count: int) -> list[str]:
    codes = [world.marker("WRK-") for _ in range(count)]
    for code in codes:
        SuggestedOrderFactory(
            sku=SkuFactory(code=code), site=world.site, supplier=SupplierFactory()
        )
    return codes


def transfer_rows(world: World, count: int) -> list[str]:
    codes = [world.marker("TRF-") for _ in range(count)]
    for code in codes:
        SuggestedTransfer.objects.create(
            plan=current_plan_or_new(),
            sku=SkuFactory(code=code),
            source=SiteFactory(),
            destination=world.site,
            quantity=40,
            unit_cost=Decimal("0.50"),
            saving=Decimal("20.00"),
            reason="Surplus at the source.",
        )
    return codes


def transfer_order_rows(world: World, count: int) -> list[str]:
    codes = [world.marker("TO-SKU-") for _ in range(count)]
    for code in codes:
        TransferOrder.objects.create(
            number=f"TO-{code}",
            sku=SkuFactory(code=code),
            source=SiteFactory(),
            destination=world.site,
            quantity=10,
            reason="Rebalance",
            created_by=UserFactory(),
        )
    return codes


def plan_run_rows(world: World, count: int) -> list[str]:
    names = [world.marker("Plan Runner ") for _ in range(count)]
    for name in names:
        PlanRunFactory(created_by=UserFactory(full_name=name))
    return names


def forecast_run_rows(world: World, count: int) -> list[str]:
    names = [world.marker("Forecast Runner ") for _ in range(count)]
    for name in names:
        ForecastRun.objects.create(
            as_of=date(2026, 1, 1),
            engine_version="test",
            status="succeeded",
            created_by=UserFactory(full_name=name),
        )
    return names


def policy_rows(world: World, count: int) -> list[str]:
    codes = [world.marker("POL-") for _ in range(count)]
    for code in codes:
        sku = SkuFactory(code=code)
        SupplierItem.objects.create(
            supplier=world.supplier,
            sku=sku,
            lead_time_mean_days=12,
            lead_time_std_days=3,
            unit_price=2,
            cost_per_order=60,
            moq=10,
            order_multiple=10,
            is_primary=True,
        )
        world.forecast_run = published_series(
            sku, world.site, [40.0] * 60, as_of=date(2026, 12, 1), run=world.forecast_run
        )
        StockPosition.objects.create(sku=sku, site=world.site, abc_class="C", xyz_class="X")
    policies_refresh()
    return codes


def alert_rows(world: World, count: int) -> list[str]:
    titles = [world.marker("Late order ") for _ in range(count)]
    for title in titles:
        alert_raise(
            Condition(kind="po_late", key=title, severity="high", title=title, message=title)
        )
    return titles


def audit_rows(world: World, count: int) -> list[str]:
    codes = [world.marker("AUD-") for _ in range(count)]
    for code in codes:
        SkuFactory(code=code)
    return codes


def portal_order_rows(world: World, count: int) -> list[str]:
    numbers = [world.marker("PO-P") for _ in range(count)]
    for number in numbers:
        order = PurchaseOrderFactory(number=number, supplier=world.supplier, destination=world.site)
        PurchaseOrderLineFactory(purchase_order=order)
    return numbers


def portal_receipt_rows(world: World, count: int) -> list[str]:
    today = timezone.localdate()
    lot_numbers = [world.marker("REC-") for _ in range(count)]
    for lot_number in lot_numbers:
        order = PurchaseOrderFactory(supplier=world.supplier, destination=world.site)
        purchase_order_line_receive(
            actor=None,
            line=PurchaseOrderLineFactory(purchase_order=order, quantity=20),
            quantity_received=5,
            lot_number=lot_number,
            expiry_date=today + timedelta(days=700),
            today=today,
        )
    return lot_numbers


def scorecard_rows(world: World, count: int) -> list[str]:
    names = [world.marker("Scored Supplier ") for _ in range(count)]
    for name in names:
        SupplierScorecard.objects.create(
            supplier=SupplierFactory(name=name), month=date(2026, 1, 1), score=80, grade="B"
        )
    return names


def excursion_rows(world: World, count: int) -> list[str]:
    codes = [world.marker("FRIDGE-") for _ in range(count)]
    for code in codes:
        unit = StorageUnit.objects.create(
            site=world.site, code=code, name="Fridge", zone="refrigerated"
        )
        excursion = Excursion.objects.create(
            unit=unit, started_at=timezone.now(), min_celsius=9, max_celsius=11
        )
        lot = LotFactory(sku=SkuFactory(), site=world.site, expiry_date=date(2030, 1, 1))
        ExcursionLot.objects.create(excursion=excursion, lot=lot, quantity=10)
    return codes


def import_rows(world: World, count: int) -> list[str]:
    names = [f"{world.marker('sites-')}.csv" for _ in range(count)]
    for name in names:
        import_check(
            actor=None, kind="sites", filename=name, content=b"code,name,echelon\nX9,X,dc\n"
        )
    return names


def trace_rows(world: World, count: int) -> list[str]:
    """Lot TRACE-LOT of one SKU received from a supplier's order at `count` more sites."""
    sku = Sku.objects.filter(code="TRACE-SKU").first() or SkuFactory(code="TRACE-SKU")
    today = timezone.localdate()
    site_codes = [world.marker("TRS-") for _ in range(count)]
    for code in site_codes:
        order = PurchaseOrderFactory(supplier=SupplierFactory(), destination=SiteFactory(code=code))
        purchase_order_line_receive(
            actor=None,
            line=PurchaseOrderLineFactory(purchase_order=order, sku=sku, quantity=20),
            quantity_received=5,
            lot_number="TRACE-LOT",
            expiry_date=today + timedelta(days=700),
            today=today,
        )
    return site_codes


def dispense_rows(world: World, count: int) -> list[str]:
    references = [world.marker("DSP-") for _ in range(count)]
    for reference in references:
        lot = LotFactory(sku=SkuFactory(), site=world.site, expiry_date=date(2030, 1, 1))
        stock_dispense(
            actor=UserFactory(), sku=lot.sku, site=world.site, quantity=1, reference=reference
        )
    return references


def scenario_rows(world: World, count: int) -> list[str]:
    names = [world.marker("Scenario ") for _ in range(count)]
    for name in names:
        Scenario.objects.create(name=name, status="succeeded")
    return names


@dataclass(frozen=True)
class ListPage:
    url_name: str
    add_rows: Callable[[World, int], list[str]]
    max_queries: int
    supplier_view: bool = False  # seen by the supplier's portal user, not by office staff
    query: str = ""  # for a page that lists nothing until asked ({site}: the world's site)
    known_n_plus_one: str = ""  # why the page runs a query per row, until it is fixed


LIST_PAGES = [
    ListPage("inventory:stock_list", stock_rows, max_queries=10),
    ListPage("inventory:lot_list", lot_rows, max_queries=10),
    ListPage("inventory:excursions", excursion_rows, max_queries=8),
    ListPage("inventory:imports", import_rows, max_queries=8),
    ListPage("inventory:counts", cycle_count_rows, max_queries=10),
    ListPage("inventory:dispense", dispense_rows, max_queries=10, query="site={site}"),
    ListPage("inventory:transfer_orders", transfer_order_rows, max_queries=10),
    ListPage("suppliers:purchase_orders", purchase_order_rows, max_queries=10),
    ListPage("suppliers:performance", scorecard_rows, max_queries=10),
    ListPage("suppliers:receiving", receiving_order_rows, max_queries=10),
    ListPage("suppliers:receiving", receiving_notice_rows, max_queries=10, query="show=notices"),
    ListPage(
        "suppliers:lot_trace", trace_rows, max_queries=12, query="sku=TRACE-SKU&lot=TRACE-LOT"
    ),
    ListPage("portal:home", portal_order_rows, max_queries=12, supplier_view=True),
    ListPage("portal:receipts", portal_receipt_rows, max_queries=10, supplier_view=True),
    ListPage(
        "forecasting:runs",
        forecast_run_rows,
        max_queries=12,
    ),
    ListPage("optimization:policies", policy_rows, max_queries=12),
    ListPage("optimization:worklist", worklist_rows, max_queries=15),
    ListPage("optimization:plan_transfers", transfer_rows, max_queries=10),
    ListPage(
        "optimization:plan_runs",
        plan_run_rows,
        max_queries=10,
    ),
    ListPage(
        "optimization:scenarios",
        scenario_rows,
        max_queries=12,
    ),
    ListPage("alerts:inbox", alert_rows, max_queries=10),
    ListPage("audit_trail", audit_rows, max_queries=10),
]
LIST_PAGE_PARAMS = [
    pytest.param(
        page,
        id=page.url_name,
        marks=[pytest.mark.xfail(strict=True, reason=f"N+1: {page.known_n_plus_one}")]
        if page.known_n_plus_one
        else [],
    )
    for page in LIST_PAGES
]


@pytest.fixture
def world(make_user) -> World:  # type: ignore[no-untyped-def]
    supplier = SupplierFactory(name="Portal Supplier")
    supplier_user = make_user(Role.SUPPLIER, username="portal-user")
    SupplierUser.objects.create(user=supplier_user, supplier=supplier)
    return World(site=SiteFactory(), supplier=supplier, supplier_user=supplier_user)


def render(client, url: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """The number of queries one GET runs, and the page."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


@pytest.mark.parametrize("page", LIST_PAGE_PARAMS)
def test_the_queries_of_a_list_page_do_not_grow_with_its_rows(
    client, make_user, world: World, page: ListPage
) -> None:  # type: ignore[no-untyped-def]
    visitor = world.supplier_user if page.supplier_view else make_user(*OFFICE_ROLES)
    client.force_login(visitor)
    query = page.query.format(site=world.site.pk)
    url = reverse(page.url_name) + (f"?{query}" if query else "")
    markers = page.add_rows(world, FEW)
    render(client, url)  # fills what is cached once per process

    few_queries, _ = render(client, url)
    markers += page.add_rows(world, MANY - FEW)
    many_queries, content = render(client, url)

    assert [marker for marker in markers if marker not in content] == []
    assert many_queries == few_queries, (
        f"{url}: {few_queries} queries for {FEW} rows, {many_queries} for {MANY}"
    )
    assert many_queries <= page.max_queries
