"""Planners working with a supplier on one order's page: send an approved order, accept or
reject the supplier's proposals (a reason to reject), read the shipping notices and write
messages. Viewers read the same page and may take none of the actions."""

import re
from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import AuditLogEntry
from accounts.roles import Role
from suppliers.models import (
    LineProposal,
    PurchaseOrderLine,
    PurchaseOrderMessage,
    ShippingNotice,
    ShippingNoticeLine,
    SupplierUser,
)
from tests.factories import PurchaseOrderFactory, PurchaseOrderLineFactory, SkuFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def detail_url(pk: int) -> str:
    return f"/suppliers/purchase-orders/{pk}/"


@pytest.fixture
def planner_client(client, planner):  # type: ignore[no-untyped-def]
    client.force_login(planner)
    return client


@pytest.fixture
def viewer_client(client, make_user):  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))
    return client


@pytest.fixture
def supplier_user(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.SUPPLIER, username="sam-supplier", full_name="Sam Supplier")


@pytest.fixture
def order(supplier_user):  # type: ignore[no-untyped-def]
    """A sent order with one line, whose supplier has one portal user."""
    order = PurchaseOrderFactory(number="PO-77", status="sent", sent_at=timezone.now())
    SupplierUser.objects.create(user=supplier_user, supplier=order.supplier)
    PurchaseOrderLineFactory(
        purchase_order=order,
        sku=SkuFactory(code="AMOX-500"),
        quantity=100,
        requested_date=date.today() + timedelta(days=10),
    )
    return order


@pytest.fixture
def proposal(order, supplier_user):  # type: ignore[no-untyped-def]
    return LineProposal.objects.create(
        line=order.lines.get(),
        proposed_date=date.today() + timedelta(days=20),
        proposed_quantity=80,
        note="Raw material late",
        proposed_by=supplier_user,
    )


def audit_entries(model: type, pk: int) -> list[AuditLogEntry]:
    content_type = ContentType.objects.get_for_model(model)
    return list(AuditLogEntry.objects.filter(content_type=content_type, object_pk=str(pk)))


# ---- send -----------------------------------------------------------------------------------


def test_planner_sends_an_approved_order(planner_client, planner) -> None:  # type: ignore[no-untyped-def]
    approved = PurchaseOrderFactory(status="approved")
    PurchaseOrderLineFactory(purchase_order=approved)

    page = planner_client.get(detail_url(approved.pk)).content.decode()
    assert 'data-testid="po-send"' in page

    response = planner_client.post(f"/suppliers/purchase-orders/{approved.pk}/send/", **HTMX)

    approved.refresh_from_db()
    assert (approved.status, approved.sent_at is not None) == ("sent", True)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="po-workflow"' in body and "<html" not in body
    assert f"{approved.number} sent to {approved.supplier.code}" in body
    assert 'hx-swap-oob="true"' in body and ">Sent</span>" in body  # the status badge
    assert 'data-testid="po-send"' not in body
    assert any(entry.actor_id == planner.pk for entry in audit_entries(type(approved), approved.pk))


def test_sending_an_order_that_is_not_approved_is_refused_in_place(planner_client, order) -> None:  # type: ignore[no-untyped-def]
    response = planner_client.post(f"/suppliers/purchase-orders/{order.pk}/send/", **HTMX)

    assert response.status_code == 200
    assert 'data-testid="form-error"' in response.content.decode()
    assert "Only approved orders can be sent" in response.content.decode()


def test_send_without_htmx_redirects_to_the_order(planner_client) -> None:  # type: ignore[no-untyped-def]
    approved = PurchaseOrderFactory(status="approved")

    response = planner_client.post(f"/suppliers/purchase-orders/{approved.pk}/send/")

    assert response.status_code == 302
    assert response["Location"] == detail_url(approved.pk)


def test_the_page_shows_the_acknowledgement(planner_client, order, supplier_user) -> None:  # type: ignore[no-untyped-def]
    order.status, order.acknowledged_at = "acknowledged", timezone.now()
    order.acknowledged_by = supplier_user
    order.save()

    page = planner_client.get(detail_url(order.pk)).content.decode()

    acknowledged = re.search(r'data-testid="po-acknowledged">(.*?)</dd>', page, re.S).group(1)
    assert "UTC by Sam Supplier" in acknowledged


# ---- proposals ------------------------------------------------------------------------------


def test_a_pending_proposal_shows_with_accept_and_reject(planner_client, order, proposal) -> None:  # type: ignore[no-untyped-def]
    page = planner_client.get(detail_url(order.pk)).content.decode()

    assert page.count('data-testid="proposal"') == 1
    assert 'data-testid="proposal-accept"' in page
    assert 'data-testid="proposal-reject-form"' in page
    assert "Raw material late" in page


def test_accepting_a_proposal_changes_the_line(planner_client, planner, order, proposal) -> None:  # type: ignore[no-untyped-def]
    response = planner_client.post(
        f"/suppliers/purchase-orders/proposals/{proposal.pk}/accept/", **HTMX
    )

    assert response.status_code == 200
    line = PurchaseOrderLine.objects.get(pk=proposal.line_id)
    assert (line.confirmed_date, line.confirmed_quantity) == (proposal.proposed_date, 80)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("accepted", planner)
    body = response.content.decode()
    assert 'id="po-lines"' in body and "Accepted: AMOX-500" in body
    assert 'data-testid="proposal-accept"' not in body  # decided: no more buttons
    assert audit_entries(LineProposal, proposal.pk)
    assert any(entry.actor_id == planner.pk for entry in audit_entries(PurchaseOrderLine, line.pk))


def test_rejecting_needs_a_reason_and_changes_nothing_without(
    planner_client, order, proposal
) -> None:  # type: ignore[no-untyped-def]
    url = f"/suppliers/purchase-orders/proposals/{proposal.pk}/reject/"

    response = planner_client.post(url, {f"p{proposal.pk}-reason": "  "}, **HTMX)

    assert response.status_code == 200
    assert 'data-testid="error-reason"' in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "pending"

    response = planner_client.post(url, {f"p{proposal.pk}-reason": "We need it sooner"}, **HTMX)

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_reason) == ("rejected", "We need it sooner")
    assert PurchaseOrderLine.objects.get(pk=proposal.line_id).confirmed_quantity is None
    assert "We need it sooner" in response.content.decode()
    reasons = {entry.reason for entry in audit_entries(LineProposal, proposal.pk)}
    assert "We need it sooner" in reasons


def test_rejecting_without_htmx_and_without_reason_is_a_400_page(
    planner_client, order, proposal
) -> None:  # type: ignore[no-untyped-def]
    response = planner_client.post(f"/suppliers/purchase-orders/proposals/{proposal.pk}/reject/")

    assert response.status_code == 400
    assert 'data-testid="error-reason"' in response.content.decode()


def test_deciding_twice_is_refused_on_the_proposal(planner_client, order, proposal) -> None:  # type: ignore[no-untyped-def]
    url = f"/suppliers/purchase-orders/proposals/{proposal.pk}/accept/"
    planner_client.post(url, **HTMX)

    response = planner_client.post(url, **HTMX)

    assert "already accepted" in response.content.decode()


def test_an_unknown_proposal_is_404(planner_client) -> None:  # type: ignore[no-untyped-def]
    assert (
        planner_client.post("/suppliers/purchase-orders/proposals/999/accept/").status_code == 404
    )


# ---- shipping notices and messages ----------------------------------------------------------


def test_shipping_notices_show_their_lots_and_expiries(
    planner_client, order, supplier_user
) -> None:  # type: ignore[no-untyped-def]
    notice = ShippingNotice.objects.create(
        purchase_order=order,
        number="ASN-9",
        shipped_on=date(2026, 3, 1),
        expected_on=date(2026, 3, 4),
        carrier="FastFreight",
        created_by=supplier_user,
    )
    ShippingNoticeLine.objects.create(
        notice=notice,
        line=order.lines.get(),
        quantity=60,
        lot_number="L-123",
        expiry_date=date(2028, 6, 30),
    )

    page = planner_client.get(detail_url(order.pk)).content.decode()

    assert 'data-testid="shipping-notice"' in page
    row = re.search(r'data-testid="shipping-notice-line">(.*?)</tr>', page, re.S).group(1)
    assert "AMOX-500" in row and "L-123" in row and "2028-06-30" in row and ">60<" in row


def test_planner_writes_a_message(planner_client, planner, order, supplier_user) -> None:  # type: ignore[no-untyped-def]
    PurchaseOrderMessage.objects.create(
        purchase_order=order, author=supplier_user, from_supplier=True, body="Shipping Friday"
    )

    response = planner_client.post(
        f"/suppliers/purchase-orders/{order.pk}/messages/", {"body": "Thanks, noted"}, **HTMX
    )

    body = response.content.decode()
    assert response.status_code == 200 and 'id="po-messages"' in body
    assert body.index("Shipping Friday") < body.index("Thanks, noted")
    message = PurchaseOrderMessage.objects.get(body="Thanks, noted")
    assert (message.author, message.from_supplier) == (planner, False)
    assert audit_entries(PurchaseOrderMessage, message.pk)


def test_an_empty_message_is_refused_on_its_field(planner_client, order) -> None:  # type: ignore[no-untyped-def]
    response = planner_client.post(
        f"/suppliers/purchase-orders/{order.pk}/messages/", {"body": "   "}, **HTMX
    )

    assert 'data-testid="error-body"' in response.content.decode()
    assert not PurchaseOrderMessage.objects.exists()


# ---- who may act ----------------------------------------------------------------------------


def test_viewers_read_the_page_without_any_action(viewer_client, order, proposal) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get(detail_url(order.pk)).content.decode()

    assert 'data-testid="proposal"' in page
    for action in ("proposal-accept", "proposal-reject-form", "message-form", "po-send"):
        assert f'data-testid="{action}"' not in page


@pytest.mark.parametrize(
    "path",
    [
        "/suppliers/purchase-orders/{order}/send/",
        "/suppliers/purchase-orders/{order}/messages/",
        "/suppliers/purchase-orders/proposals/{proposal}/accept/",
        "/suppliers/purchase-orders/proposals/{proposal}/reject/",
    ],
)
def test_viewers_and_suppliers_may_not_act(client, make_user, order, proposal, path) -> None:  # type: ignore[no-untyped-def]
    url = path.format(order=order.pk, proposal=proposal.pk)
    for role in (Role.VIEWER, Role.SUPPLIER):
        client.force_login(make_user(role))
        assert client.post(url, {"body": "x", f"p{proposal.pk}-reason": "x"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    assert not PurchaseOrderMessage.objects.exists()
