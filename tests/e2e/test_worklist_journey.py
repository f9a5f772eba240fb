"""A planner works through the replenishment worklist: opens a suggestion, corrects its quantity,
approves it with an electronic signature and follows it to its purchase order; a colleague then
sees it approved."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from optimization.models import SuggestedOrder
from tests.factories import (
    TEST_PASSWORD,
    SiteFactory,
    SkuFactory,
    SuggestedOrderFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def suggestion(make_user):  # type: ignore[no-untyped-def]
    make_user("planner", username="paula", full_name="Paula Planner")
    make_user("planner", username="pete", full_name="Pete Planner")
    start = date.today()
    without = [max(60 - 8 * day, 0) for day in range(30)]
    with_order = [units + (100 if day >= 14 else 0) for day, units in enumerate(without)]
    return SuggestedOrderFactory(
        sku=SkuFactory(code="AMX-500", name="Amoxicillin 500 mg"),
        site=SiteFactory(code="HOSP-1"),
        supplier=SupplierFactory(code="SUP-1"),
        urgency="critical",
        urgency_rank=0,
        stockout_date=start + timedelta(days=8),
        reason="Stock runs out on day 8, before an order placed today arrives (14 days).",
        projection={
            "start": start.isoformat(),
            "without": without,
            "with": with_order,
            "reorder_point": 60.0,
            "safety_stock": 20.0,
        },
    )


def approve_with_signature(page, row) -> None:  # type: ignore[no-untyped-def]
    """Approve the row through the signature dialog, then close the dialog."""
    row.get_by_test_id("approve").click()
    dialog = page.get_by_test_id("approve-dialog")
    expect(dialog.get_by_test_id("signer-name")).to_have_text("Paula Planner")
    expect(dialog.get_by_test_id("approve-chosen")).to_contain_text("150")
    password = dialog.get_by_label("Password")
    expect(password).to_be_focused()
    password.fill(TEST_PASSWORD)
    password.press("Enter")
    expect(dialog.get_by_test_id("approve-outcome")).to_contain_text(
        "1 approved into purchase order PO-"
    )
    dialog.get_by_test_id("approve-close").click()
    expect(dialog).to_be_hidden()


def test_planner_edits_approves_and_finds_the_purchase_order(page, sign_in, suggestion) -> None:  # type: ignore[no-untyped-def]
    sign_in("paula")
    page.get_by_test_id("nav-optimizationworklist").click()
    page.wait_for_load_state()  # htmx is ready before the next click
    row = page.get_by_test_id(f"suggestion-{suggestion.pk}")
    expect(row.get_by_test_id("urgency")).to_have_text("Critical")

    # Open the row: why, and the projected stock with and without the order.
    row.get_by_role("link", name="AMX-500").click()
    expect(row.get_by_test_id("reason")).to_contain_text("Stock runs out on day 8")
    expect(row.locator("canvas.projection-chart")).to_be_visible()
    expect(row.locator("canvas.projection-chart")).to_have_attribute("data-drawn", "true")

    # A quantity off the order multiple is refused by field and nothing is saved.
    row.get_by_test_id("edit").click()
    quantity = row.get_by_label("Quantity (units)")
    expect(quantity).to_be_focused()
    quantity.fill("155")
    row.get_by_label("Reason for the change").fill("Tender starts next week")
    row.get_by_test_id("save").click()
    expect(row.get_by_test_id("error-quantity")).to_contain_text("Must be a multiple of 10")
    assert SuggestedOrder.objects.get(pk=suggestion.pk).quantity == 100

    row.get_by_label("Quantity (units)").fill("150")
    row.get_by_label("Reason for the change").press("Enter")
    expect(row.get_by_test_id("notice")).to_have_text("Change saved.")
    expect(row.get_by_test_id("quantity")).to_contain_text("150")
    expect(row.get_by_test_id("status")).to_contain_text("edited by Paula Planner")

    approve_with_signature(page, row)

    status = row.get_by_test_id("status")
    expect(status).to_contain_text("Approved")
    number = SuggestedOrder.objects.get(pk=suggestion.pk).purchase_order_line.purchase_order.number
    expect(status.get_by_test_id("po-link")).to_have_text(number)
    expect(page.get_by_test_id("count-status-approved")).to_contain_text("1")
    status.get_by_test_id("po-link").click()
    expect(page).to_have_url(re.compile(r"/suppliers/purchase-orders/\d+/$"))
    expect(page.locator("main")).to_contain_text(number)
    expect(page.locator("main")).to_contain_text("AMX-500")

    # A colleague sees it approved.
    page.get_by_test_id("logout").click()
    sign_in("pete")
    page.goto("/optimization/plan/")
    page.get_by_test_id("worklist-filters").get_by_label("Status").select_option("approved")
    row = page.get_by_test_id(f"suggestion-{suggestion.pk}")
    expect(row.get_by_test_id("status")).to_contain_text("Approved")
    expect(row.get_by_test_id("status")).to_contain_text("by Paula Planner")
    expect(row.get_by_test_id("po-link")).to_have_text(number)
    expect(row.get_by_test_id("approve")).to_have_count(0)
