"""A planner reviews the replenishment policies and tries a what-if in the calculator."""

from datetime import date

import pytest
from playwright.sync_api import expect

from inventory.models import StockPosition
from optimization.services.policies import policies_refresh
from suppliers.models import SupplierItem
from tests.factories import SiteFactory, SkuFactory, SupplierFactory, published_series

pytestmark = pytest.mark.e2e


@pytest.fixture
def policies(make_user):  # type: ignore[no-untyped-def]
    site = SiteFactory(code="HOSP-1", name="St. Mary")
    supplier = SupplierFactory(code="SUP-1")
    run = None
    for code, abc, price in (("AMX-500", "A", 4), ("PCM-100", "C", 1)):
        sku = SkuFactory(code=code, unit_cost=price)
        SupplierItem.objects.create(
            supplier=supplier,
            sku=sku,
            lead_time_mean_days=10,
            lead_time_std_days=2,
            unit_price=price,
            cost_per_order=40,
            is_primary=True,
        )
        StockPosition.objects.create(sku=sku, site=site, abc_class=abc, xyz_class="X")
        run = published_series(sku, site, [25.0] * 60, as_of=date(2026, 12, 1), run=run)
    policies_refresh()
    make_user("planner", username="paula", full_name="Paula Planner")


def test_planner_reviews_a_policy_and_tries_a_target_in_the_calculator(
    page, sign_in, policies
) -> None:  # type: ignore[no-untyped-def]
    sign_in("paula")
    page.get_by_test_id("nav-optimizationpolicies").click()
    page.wait_for_load_state()  # htmx is ready before the next click
    table = page.get_by_test_id("policy-table")
    expect(table).to_contain_text("AMX-500")
    expect(table).to_contain_text("PCM-100")

    page.get_by_label("ABC").select_option("A")
    expect(table).not_to_contain_text("PCM-100")
    table.get_by_role("link", name="AMX-500").click()

    expect(page.get_by_test_id("policy-title")).to_contain_text("AMX-500")
    expect(page.get_by_test_id("policy-why")).to_contain_text("Lead time 10.0 ± 2.0 days")
    expect(page.locator("#eoq-chart")).to_be_visible()
    expect(page.locator("#tradeoff-chart")).to_be_visible()

    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name="Policies").click()
    page.get_by_test_id("tab-calculator").click()
    form = page.get_by_test_id("ss-form")
    before = page.get_by_test_id("ss-value").inner_text()
    form.get_by_label("Target level (%)").fill("99")
    expect(page.get_by_test_id("ss-value")).not_to_have_text(before)
    assert float(page.get_by_test_id("ss-value").inner_text().replace(",", "")) > float(
        before.replace(",", "")
    )
    form.get_by_label("Demand (units/day)").fill("-3")
    expect(page.get_by_test_id("ss-result")).to_contain_text("greater than or equal to 0")
