"""A planner changes the terms of an approved purchase-order line with a reason: the line waits
for approval, its earlier signature no longer holds and the order cannot be sent. Another
planner signs the change with their password; the order then goes to the supplier."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from optimization.services.approvals import suggestions_approve
from suppliers.models import PurchaseOrderLine
from tests.factories import TEST_PASSWORD, SkuFactory, SuggestedOrderFactory, SupplierFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def line(make_user) -> PurchaseOrderLine:  # type: ignore[no-untyped-def]
    """A line of an approved order, from a suggestion Ann approved and signed: 100 units."""
    ann = make_user(
        Role.PLANNER, username="ann", full_name="Ann Author", approval_limit=Decimal("5000")
    )
    make_user(
        Role.PLANNER, username="rob", full_name="Rob Reviewer", approval_limit=Decimal("5000")
    )
    suggestion = SuggestedOrderFactory(
        sku=SkuFactory(code="AMX-500", name="Amoxicillin 500 mg"),
        supplier=SupplierFactory(code="SUP-1"),
    )
    suggestions_approve(actor=ann, suggestion_ids=[suggestion.pk], password=TEST_PASSWORD)
    suggestion.refresh_from_db()
    return PurchaseOrderLine.objects.select_related("purchase_order").get(
        pk=suggestion.purchase_order_line_id
    )


def change_terms(page, item, line) -> None:  # type: ignore[no-untyped-def]
    """Open "Change terms" on the line, try without a reason, then save 150 units with one."""
    # Without a reason the change is refused and nothing is saved.
    form = item.get_by_test_id("line-amend-form")
    expect(form).to_be_hidden()
    item.get_by_test_id("line-amend-toggle").click()
    expect(form).to_be_visible()
    form.get_by_label("Quantity", exact=True).fill("150")
    form.get_by_test_id("line-amend-save").click()
    expect(form.get_by_test_id("error-reason")).to_be_visible()
    expect(form).to_be_visible()  # the form stays open on the refusal
    expect(item.get_by_test_id("line-reapproval")).to_have_count(0)
    assert PurchaseOrderLine.objects.get(pk=line.pk).quantity == 100

    # With a reason the change is saved: the line waits for another planner.
    form.get_by_label("Quantity", exact=True).fill("150")
    form.get_by_label("Reason for change").fill("Tender volume agreed with the ward")
    form.get_by_test_id("line-amend-save").click()
    expect(page.get_by_test_id("notice")).to_have_text(
        "AMX-500 changed: it waits for another planner's approval."
    )
    expect(item.get_by_test_id("po-line").get_by_role("cell").nth(1)).to_have_text("150")
    waiting = item.get_by_test_id("line-reapproval")
    expect(waiting).to_be_visible()
    expect(waiting).to_contain_text("Changed after approval by Ann Author")
    expect(waiting.get_by_test_id("line-reapprove-own")).to_be_visible()  # not her own approval
    expect(waiting.get_by_test_id("line-reapprove-form")).to_have_count(0)
    stale = item.locator('[data-testid="signature"][data-covers="order line"]')
    expect(stale).to_have_count(1)
    expect(stale).to_contain_text("Ann Author")
    expect(stale.get_by_test_id("signature-stale")).to_have_text("terms changed since")
    expect(item.get_by_test_id("signature-valid")).to_have_count(0)
    assert PurchaseOrderLine.objects.get(pk=line.pk).reapproval_required is True


def sign_the_change(page, item) -> None:  # type: ignore[no-untyped-def]
    """Sign the waiting change with the password and a comment (the session is fresh: no user
    id is asked)."""
    sign = item.get_by_test_id("line-reapprove-form")
    expect(sign).to_be_visible()
    expect(sign.get_by_test_id("signer-username")).to_have_count(0)  # a fresh session
    expect(item.get_by_test_id("line-reapprove-own")).to_have_count(0)
    sign.get_by_label("Password").fill(TEST_PASSWORD)
    sign.get_by_label("Comment").fill("Agreed by phone")
    sign.get_by_test_id("line-reapprove").click()
    expect(page.get_by_test_id("notice")).to_have_text(
        "The change to AMX-500 is approved and signed."
    )


def test_a_changed_line_waits_for_another_planners_signature_before_sending(
    page, sign_in, line
) -> None:  # type: ignore[no-untyped-def]
    order = line.purchase_order
    assert line.quantity == 100
    assert order.status == "approved"

    # Ann finds the order she approved.
    sign_in("ann")
    page.get_by_test_id("nav-supplierspurchase_orders").click()
    page.wait_for_load_state()  # htmx is ready before the next click
    page.get_by_test_id("po-table").get_by_role("link", name=order.number).click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("po-number")).to_contain_text(order.number)
    expect(page.get_by_test_id("po-status")).to_have_text("Approved")
    item = page.locator(f"#po-line-{line.pk}")
    expect(item.get_by_test_id("po-line").get_by_role("cell").nth(1)).to_have_text("100")
    expect(item.get_by_test_id("signature-valid")).to_have_count(1)  # the line's own terms
    expect(item.get_by_test_id("signature-stale")).to_have_count(0)

    change_terms(page, item, line)

    # The order cannot be sent while the change waits: the send button follows the lines.
    expect(page.get_by_test_id("po-send")).to_be_disabled()
    expect(page.get_by_test_id("po-send-blocked")).to_have_text(
        "1 changed line must be approved first"
    )
    expect(page.get_by_test_id("po-status")).to_have_text("Approved")
    page.get_by_test_id("logout").click()
    page.wait_for_load_state()

    # Rob opens the order and signs the change with his password.
    sign_in("rob")
    page.goto(f"/suppliers/purchase-orders/{order.pk}/")
    page.wait_for_load_state()
    item = page.locator(f"#po-line-{line.pk}")
    expect(item.get_by_test_id("line-amendment-reason")).to_contain_text(
        "Tender volume agreed with the ward"
    )
    sign_the_change(page, item)
    expect(item.get_by_test_id("line-reapproval")).to_have_count(0)
    signed = item.locator('[data-testid="signature"][data-covers="order line"]').filter(
        has_text="Rob Reviewer"
    )
    expect(signed).to_have_count(1)
    expect(signed.get_by_test_id("signature-valid")).to_have_text("terms as signed")
    expect(signed).to_contain_text("Agreed by phone")
    # Ann's signature still vouches only for the terms she signed.
    expect(
        item.locator('[data-testid="signature"][data-covers="order line"]')
        .filter(has_text="Ann Author")
        .get_by_test_id("signature-stale")
    ).to_be_visible()
    assert PurchaseOrderLine.objects.get(pk=line.pk).reapproval_required is False

    # Now the order goes to the supplier.
    expect(page.get_by_test_id("po-send-blocked")).to_have_count(0)
    page.get_by_test_id("po-send").click()
    expect(page.get_by_test_id("po-status")).to_have_text("Sent")
    expect(page.locator("#po-workflow").get_by_test_id("notice")).to_have_text(
        f"{order.number} sent to SUP-1."
    )
    expect(page.get_by_test_id("po-send")).to_have_count(0)
    order.refresh_from_db()
    assert order.status == "sent"
