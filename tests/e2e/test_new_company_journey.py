"""A new company goes live: an administrator imports the sample files (SKUs, sites, suppliers,
terms, demand history, opening lots, open orders); a planner runs a forecast and a plan and
approves a suggested order; the supplier acknowledges it and announces the shipment; the
warehouse receives the shipping notice; quality releases the lot. On-hand, on-order, the
worklist and the alerts follow each step."""

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from alerts.models import Alert, AlertStatus
from inventory.models import Lot, StockPosition
from optimization.models import SuggestedOrder, SuggestionStatus
from suppliers.models import PurchaseOrder, Supplier, SupplierUser
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
ONBOARDING = [
    ("1-skus.csv", "skus"),
    ("2-sites.csv", "sites"),
    ("3-suppliers.csv", "suppliers"),
    ("4-supplier_items.csv", "supplier_items"),
    ("5-demand.csv", "demand"),
    ("6-opening_stock.csv", "opening_stock"),
    ("7-purchase_orders.csv", "purchase_orders"),
]


@pytest.fixture
def company(make_user):  # type: ignore[no-untyped-def]
    return {
        "admin": make_user("admin", username="ada", full_name="Ada Admin"),
        "planner": make_user("planner", username="paula", full_name="Paula Planner"),
        "supplier": make_user("supplier", username="sam", full_name="Sam Supplier"),
        "warehouse": make_user("warehouse", username="wes", full_name="Wes Warehouse"),
        "quality": make_user("quality", username="quinn", full_name="Quinn Quality"),
    }


def position(sku: str, site: str) -> StockPosition:
    return StockPosition.objects.get(sku__code=sku, site__code=site)


def import_file(page, name: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/inventory/imports/")
    form = page.get_by_test_id("import-form")
    form.get_by_label("What the file holds").select_option(kind)
    form.get_by_label("CSV or XLSX file").set_input_files(str(SAMPLES / name))
    form.get_by_role("button", name=re.compile("Check")).click()
    expect(page.get_by_test_id("import-status")).to_contain_text("Checked")
    page.get_by_test_id("import-commit").click()
    expect(page.get_by_test_id("import-status")).to_contain_text("Committed")


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("logout").click()


def onboard(page, sign_in, company) -> None:  # type: ignore[no-untyped-def]
    """The administrator brings the company's data in, file by file, checking each first."""
    sign_in("ada")
    for name, kind in ONBOARDING:
        import_file(page, name, kind)
    sign_out(page)
    assert position("INS-100", "DC-NORTH").on_hand == 300
    assert position("INS-100", "DC-NORTH").on_order == 120
    # Sam acts for BioPharm in the portal (an administrator links the two in user admin).
    SupplierUser.objects.create(
        user=company["supplier"], supplier=Supplier.objects.get(code="BIOPH")
    )


def forecast_plan_and_approve(page, sign_in) -> SuggestedOrder:  # type: ignore[no-untyped-def]
    """The planner runs a forecast, then a plan: HOSP-A has no insulin, a suggestion appears
    and the planner approves it with a signature, then sends the order."""
    sign_in("paula")
    page.get_by_test_id("nav-forecastingruns").click()
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-table")).to_contain_text("Succeeded", timeout=60_000)
    page.goto("/optimization/plan/runs/")
    page.get_by_test_id("run-plan").click()
    expect(page.get_by_test_id("plan-run-table")).to_contain_text("Succeeded", timeout=60_000)
    suggestion = SuggestedOrder.objects.get(sku__code="INS-100", site__code="HOSP-A")

    page.get_by_test_id("nav-optimizationworklist").click()
    row = page.get_by_test_id(f"suggestion-{suggestion.pk}")
    expect(row).to_contain_text("BIOPH")
    row.get_by_test_id("approve").click()
    dialog = page.get_by_test_id("approve-dialog")
    dialog.get_by_label("Password").fill(TEST_PASSWORD)
    dialog.get_by_label("Password").press("Enter")
    expect(dialog.get_by_test_id("approve-outcome")).to_contain_text("1 approved")
    dialog.get_by_test_id("approve-close").click()
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.APPROVED
    line = suggestion.purchase_order_line
    assert position("INS-100", "HOSP-A").on_order == line.quantity

    page.goto(f"/suppliers/purchase-orders/{line.purchase_order_id}/")
    page.get_by_test_id("po-send").click()
    expect(page.get_by_test_id("po-status")).to_have_text("Sent")
    sign_out(page)
    return suggestion


def acknowledge_and_announce(page, sign_in, order: PurchaseOrder, units: int) -> None:  # type: ignore[no-untyped-def]
    """The supplier acknowledges the order and announces the shipment, lot by lot."""
    today = timezone.localdate()
    sign_in("sam")
    page.goto(f"/portal/orders/{order.number}/")
    page.get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("po-status")).to_have_text("Acknowledged")
    notice_form = page.get_by_test_id("asn-form")
    notice_form.get_by_label("Your shipment reference").fill("BP-SHIP-77")
    notice_form.get_by_label("Shipped on").fill(today.isoformat())
    notice_form.get_by_label("Expected on").fill(today.isoformat())
    notice_form.get_by_label("Quantity of INS-100").fill(str(units))
    notice_form.get_by_label("Lot number of INS-100").fill("INS9001")
    notice_form.get_by_label("Expiry date of INS-100").fill(
        today.replace(year=today.year + 2).isoformat()
    )
    notice_form.get_by_test_id("asn-submit").click()
    expect(page.get_by_test_id("asn")).to_contain_text("BP-SHIP-77")
    sign_out(page)


def receive_the_notice(page, sign_in, units: int) -> Lot:  # type: ignore[no-untyped-def]
    """The warehouse finds the notice among those to receive; the form comes prefilled with the
    announced lot, so receiving is checking and confirming."""
    sign_in("wes")
    page.get_by_test_id("nav-warehousetoday").click()
    expect(page.get_by_test_id("notices-waiting")).to_contain_text("1 shipping notice")
    page.get_by_test_id("notices-waiting").click()
    notice = page.get_by_test_id("receiving-notice").filter(has_text="BP-SHIP-77")
    notice.get_by_test_id("receive-notice-link").click()
    row = page.get_by_test_id("receipt-row")
    expect(row.get_by_label("Lot number for INS-100")).to_have_value("INS9001")
    expect(row.get_by_label("Received for INS-100")).to_have_value(str(units))
    page.get_by_test_id("receipt-submit").click()
    expect(page.get_by_test_id("receipt-done")).to_contain_text(f"{units} units received")
    expect(page.get_by_test_id("received-lot")).to_contain_text("INS9001")
    sign_out(page)
    return Lot.objects.get(sku__code="INS-100", site__code="HOSP-A", lot_number="INS9001")


def release(page, sign_in, lot: Lot) -> None:  # type: ignore[no-untyped-def]
    """Quality releases the lot with a signature."""
    sign_in("quinn")
    page.goto(f"/inventory/lots/{lot.pk}/")
    decision = page.get_by_test_id("status-form")
    decision.get_by_label("Reason").fill("Certificate of analysis checked")
    decision.get_by_label("Password").fill(TEST_PASSWORD)
    decision.get_by_test_id("release").click()
    expect(page.get_by_test_id("lot-status")).to_contain_text("Released")
    sign_out(page)


def test_a_new_company_goes_from_its_files_to_received_stock(page, sign_in, company) -> None:  # type: ignore[no-untyped-def]
    onboard(page, sign_in, company)
    suggestion = forecast_plan_and_approve(page, sign_in)
    stockout = Alert.objects.get(
        sku__code="INS-100", site__code="HOSP-A", status=AlertStatus.OPEN, kind="stockout_risk"
    )
    order = suggestion.purchase_order_line.purchase_order
    units = suggestion.purchase_order_line.quantity

    acknowledge_and_announce(page, sign_in, order, units)
    before = position("INS-100", "HOSP-A")
    lot = receive_the_notice(page, sign_in, units)

    # Insulin waits in quarantine for quality: on-order has dropped, on-hand not yet.
    after = position("INS-100", "HOSP-A")
    assert after.on_order == before.on_order - units == 0
    assert after.quarantine == before.quarantine + units
    assert after.on_hand == before.on_hand == 0
    assert PurchaseOrder.objects.get(pk=order.pk).status == "received"

    # Released, the units are on hand and the stock-out alert resolves itself.
    release(page, sign_in, lot)
    assert position("INS-100", "HOSP-A").on_hand == units
    stockout.refresh_from_db()
    assert stockout.status == AlertStatus.RESOLVED

    # The next plan no longer asks for insulin at HOSP-A.
    sign_in("paula")
    page.goto("/optimization/plan/runs/")
    page.get_by_test_id("run-plan").click()
    expect(page.get_by_test_id("plan-run-table").locator("tbody tr").first).to_contain_text(
        "Succeeded", timeout=60_000
    )
    assert not SuggestedOrder.objects.filter(
        sku__code="INS-100", site__code="HOSP-A", status=SuggestionStatus.PROPOSED
    ).exists()
