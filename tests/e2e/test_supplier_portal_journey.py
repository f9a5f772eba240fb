"""A supplier user opens an order in the portal, acknowledges it and proposes a later date for
a line; a planner sees the proposal on the purchase order and accepts it; the supplier then
sees the accepted date as the confirmed one."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from suppliers.models import LineProposal, PurchaseOrder, SupplierUser
from tests.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SkuFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def order(make_user):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    supplier = SupplierFactory(code="ACME", name="Acme Pharma")
    sam = make_user("supplier", username="sam", full_name="Sam Supplier")
    SupplierUser.objects.create(user=sam, supplier=supplier)
    make_user("planner", username="paula", full_name="Paula Planner")
    po = PurchaseOrderFactory(
        number="PO-2026-000042",
        supplier=supplier,
        status="sent",
        ordered_on=today,
        expected_on=today + timedelta(days=14),
        sent_at=timezone.now(),
    )
    PurchaseOrderLineFactory(
        purchase_order=po,
        sku=SkuFactory(code="AMX-500", name="Amoxicillin 500 mg"),
        quantity=100,
        requested_date=today + timedelta(days=14),
    )
    # Another supplier's order: never shown to Sam.
    PurchaseOrderFactory(number="PO-2026-000043", status="sent")
    return po


def test_supplier_acknowledges_and_proposes_then_the_planner_accepts(page, sign_in, order) -> None:  # type: ignore[no-untyped-def]
    line = order.lines.get()
    later = line.requested_date + timedelta(days=7)

    # The supplier finds the order in the portal, with what it needs from them.
    sign_in("sam")
    page.get_by_test_id("nav-portalhome").click()
    page.wait_for_load_state()  # htmx is ready before the next click
    expect(page.get_by_test_id("to-acknowledge")).to_have_text("1")
    rows = page.get_by_test_id("portal-order-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Acknowledge")
    rows.first.get_by_role("link", name="PO-2026-000042").click()

    # Acknowledge.
    expect(page.get_by_test_id("po-status")).to_have_text("Sent")
    page.get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("po-status")).to_have_text("Acknowledged")
    expect(page.get_by_test_id("acknowledged")).to_contain_text("Sam Supplier")

    # Propose a later date for the line, with a note; a past date is refused first.
    item = page.get_by_test_id(f"portal-line-{line.pk}")
    item.get_by_test_id("line-propose").click()
    date_field = item.get_by_label("Delivery date")
    expect(date_field).to_be_visible()
    date_field.fill((timezone.localdate() - timedelta(days=1)).isoformat())
    item.get_by_test_id("propose-submit").click()
    expect(item.get_by_test_id("error-proposed_date")).to_contain_text("cannot be in the past")
    assert not LineProposal.objects.exists()

    item.get_by_label("Delivery date").fill(later.isoformat())
    item.get_by_label("Note for the planner").fill("API batch delayed by a week")
    item.get_by_test_id("propose-submit").click()
    expect(item.get_by_test_id("line-notice")).to_have_text("Proposal sent to the planner.")
    expect(item.get_by_test_id("proposal-pending")).to_be_visible()
    expect(item.get_by_test_id("confirmed")).to_contain_text("Not confirmed")
    page.get_by_test_id("logout").click()

    # The planner sees the proposal on the purchase order and accepts it.
    sign_in("paula")
    page.goto(f"/suppliers/purchase-orders/{order.pk}/")
    proposal = page.get_by_test_id("proposal")
    expect(proposal).to_contain_text(later.isoformat())
    expect(proposal).to_contain_text("API batch delayed by a week")
    proposal.get_by_test_id("proposal-accept").click()
    expect(page.get_by_test_id("proposal")).to_contain_text("Accepted")
    assert LineProposal.objects.get().status == "accepted"
    page.get_by_test_id("logout").click()

    # The supplier sees the accepted date as the confirmed one.
    sign_in("sam")
    page.goto("/portal/orders/PO-2026-000042/")
    item = page.get_by_test_id(f"portal-line-{line.pk}")
    expect(item.get_by_test_id("confirmed")).to_contain_text(later.isoformat())
    expect(item.get_by_test_id("proposal-status")).to_have_text("Accepted")
    expect(item).to_contain_text("Accepted by Paula Planner")
    assert PurchaseOrder.objects.get(pk=order.pk).status == "acknowledged"
