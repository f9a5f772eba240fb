"""A planner narrows the inventory list down and opens a SKU."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.models import DailyDemand
from inventory.services.stock import stock_positions_refresh
from tests.factories import LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def stocked(make_user):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    site = SiteFactory(code="HOSP-1", name="St. Mary")
    vaccine = SkuFactory(
        code="VAC-100",
        name="Rotavirus vaccine",
        category="vaccine",
        temperature_zone="refrigerated",
    )
    for number in range(12):
        sku = SkuFactory(code=f"TAB-{number:03d}", name=f"Tablet {number}")
        LotFactory(
            sku=sku, site=site, expiry_date=today + timedelta(days=500), quantity=50, today=today
        )
    LotFactory(
        sku=vaccine,
        site=site,
        lot_number="RV-7",
        expiry_date=today + timedelta(days=300),
        quantity=240,
        today=today,
    )
    DailyDemand.objects.bulk_create(
        DailyDemand(sku=vaccine, site=site, date=today - timedelta(days=d), quantity=4 + d % 3)
        for d in range(1, 200)
    )
    stock_positions_refresh(today=today)
    make_user("planner", username="paula", full_name="Paula Planner")
    return vaccine


def test_planner_filters_the_inventory_list_and_opens_a_sku(page, sign_in, stocked) -> None:  # type: ignore[no-untyped-def]
    sign_in("paula")
    page.get_by_test_id("nav-inventorystock_list").click()
    page.wait_for_load_state()  # htmx is ready before the next click
    table = page.get_by_test_id("stock-table")
    expect(table.locator("tbody tr")).to_have_count(13)

    page.get_by_label("Category").select_option("vaccine")

    expect(table.locator("tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"[?&]category=vaccine(&|$)"))
    page.get_by_role("link", name="VAC-100").click()

    expect(page.get_by_test_id("sku-title")).to_have_text("VAC-100 · Rotavirus vaccine")
    expect(page.get_by_test_id("sku-lots")).to_contain_text("RV-7")
    expect(page.locator("#demand-chart")).to_be_visible()
    assert page.evaluate("Chart.getChart(document.getElementById('demand-chart')) !== undefined")


def test_planner_searches_by_name_as_they_type(page, sign_in, stocked) -> None:  # type: ignore[no-untyped-def]
    sign_in("paula")
    page.goto("/inventory/")

    page.get_by_label("Search").fill("rotavirus")

    expect(page.get_by_test_id("stock-table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("stock-table")).to_contain_text("VAC-100")
