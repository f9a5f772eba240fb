"""The supplier portal's pages and actions, as a supplier user linked to a supplier uses them."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from suppliers.models import (
    LineProposal,
    PurchaseOrderMessage,
    ShippingNotice,
    SupplierItem,
    SupplierScorecard,
    SupplierUser,
)
from suppliers.services.purchase_orders import purchase_order_line_receive
from tests.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SkuFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def supplier():  # type: ignore[no-untyped-def]
    return SupplierFactory(code="ACME", name="Acme Pharma")


@pytest.fixture
def sam(make_user, supplier):  # type: ignore[no-untyped-def]
    user = make_user(Role.SUPPLIER, username="sam", full_name="Sam Supplier")
    SupplierUser.objects.create(user=user, supplier=supplier)
    return user


@pytest.fixture
def order(supplier, today):  # type: ignore[no-untyped-def]
    po = PurchaseOrderFactory(
        number="PO-ACME-1",
        supplier=supplier,
        status="sent",
        ordered_on=today,
        expected_on=today + timedelta(days=14),
        sent_at=timezone.now(),
    )
    PurchaseOrderLineFactory(
        purchase_order=po,
        sku=SkuFactory(code="AMX-500", min_remaining_shelf_life_days=180),
        quantity=100,
        requested_date=today + timedelta(days=14),
    )
    PurchaseOrderLineFactory(
        purchase_order=po,
        sku=SkuFactory(code="IBU-200"),
        quantity=50,
        requested_date=today + timedelta(days=21),
    )
    return po


@pytest.fixture
def client_sam(client, sam):  # type: ignore[no-untyped-def]
    client.force_login(sam)
    return client


def first_line(order):  # type: ignore[no-untyped-def]
    return order.lines.order_by("pk").first()


# ---- pages --------------------------------------------------------------------------------


def test_home_lists_open_orders_with_what_needs_action(client_sam, order) -> None:  # type: ignore[no-untyped-def]
    PurchaseOrderFactory(number="PO-ACME-DRAFT", supplier=order.supplier, status="draft")
    PurchaseOrderFactory(number="PO-ACME-DONE", supplier=order.supplier, status="received")

    response = client_sam.get("/portal/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "PO-ACME-1" in page
    assert "PO-ACME-DRAFT" not in page  # never sent: not the supplier's business yet
    assert "PO-ACME-DONE" not in page  # not open any more
    assert 'data-testid="to-acknowledge">1<' in page
    assert 'data-testid="lines-to-confirm">2<' in page
    assert "2 lines to confirm" in page
    assert 'data-testid="portal-supplier"' in page


def test_home_searches_by_number_and_answers_htmx_with_the_results(client_sam, order) -> None:  # type: ignore[no-untyped-def]
    PurchaseOrderFactory(number="PO-ACME-2", supplier=order.supplier, status="acknowledged")

    response = client_sam.get("/portal/", {"q": "ACME-2"}, **HTMX)

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="results">')
    assert "PO-ACME-2" in page
    assert "PO-ACME-1" not in page


def test_home_says_so_when_nothing_is_open(client_sam) -> None:  # type: ignore[no-untyped-def]
    page = client_sam.get("/portal/").content.decode()

    assert "No open purchase orders for you right now" in page


def test_home_paginates(client_sam, supplier) -> None:  # type: ignore[no-untyped-def]
    for n in range(30):
        PurchaseOrderFactory(number=f"PO-MANY-{n:03d}", supplier=supplier, status="sent")

    first = client_sam.get("/portal/").content.decode()
    second = client_sam.get("/portal/", {"page": 2}).content.decode()

    assert first.count('data-testid="portal-order-row"') == 25
    assert second.count('data-testid="portal-order-row"') == 5


def test_order_page_shows_lines_forms_notices_receipts_and_messages(
    client_sam, order, sam, today
) -> None:  # type: ignore[no-untyped-def]
    line = first_line(order)
    purchase_order_line_receive(
        actor=None,
        line=line,
        quantity_received=40,
        quantity_accepted=35,
        lot_number="L-RECEIVED",
        expiry_date=today + timedelta(days=700),
        today=today,
    )
    PurchaseOrderMessage.objects.create(
        purchase_order=order, author=sam, from_supplier=True, body="On its way soon"
    )

    response = client_sam.get("/portal/orders/PO-ACME-1/")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="po-status">Partially received' in page
    assert "AMX-500" in page and "IBU-200" in page
    assert page.count('data-testid="propose-form"') == 2
    assert 'data-testid="asn-form"' in page
    assert "L-RECEIVED" in page  # the receipt with its quality outcome: 35 accepted, 5 rejected
    assert ">35<" in page and ">5<" in page
    assert "On its way soon" in page


def test_receipts_page_lists_received_lines_and_filters_by_month(client_sam, order, today) -> None:  # type: ignore[no-untyped-def]
    line = first_line(order)
    purchase_order_line_receive(
        actor=None,
        line=line,
        quantity_received=10,
        quantity_accepted=8,
        lot_number="L-JAN",
        expiry_date=date(2030, 1, 1),
        today=date(2026, 1, 15),
    )
    purchase_order_line_receive(
        actor=None,
        line=line,
        quantity_received=10,
        lot_number="L-FEB",
        expiry_date=date(2030, 1, 1),
        today=date(2026, 2, 15),
    )

    everything = client_sam.get("/portal/received/").content.decode()
    january = client_sam.get("/portal/received/", {"month": "2026-01"}).content.decode()

    assert "L-JAN" in everything and "L-FEB" in everything
    assert "January 2026" in everything  # the month filter offers the months with receipts
    assert "L-JAN" in january and "L-FEB" not in january


def test_terms_page_lists_the_suppliers_own_terms(client_sam, supplier) -> None:  # type: ignore[no-untyped-def]
    SupplierItem.objects.create(
        supplier=supplier,
        sku=SkuFactory(code="TERM-1"),
        lead_time_mean_days=12,
        moq=50,
        order_multiple=10,
        unit_price="4.20",
        price_breaks=[{"min_quantity": 500, "unit_price": "3.90"}],
    )

    page = client_sam.get("/portal/terms/").content.decode()

    assert "TERM-1" in page
    assert "4.20" in page
    assert "from 500: 3.90" in page


def test_scorecard_page_has_an_empty_state_then_the_months_and_charts(client_sam, supplier) -> None:  # type: ignore[no-untyped-def]
    empty = client_sam.get("/portal/scorecard/").content.decode()
    assert "No scorecard has been computed for you yet" in empty
    assert "portal_scorecard.js" not in empty

    for month, otif in ((date(2026, 1, 1), 0.9), (date(2026, 2, 1), 0.95)):
        SupplierScorecard.objects.create(
            supplier=supplier, month=month, otif_rate=otif, score=88.5, grade="B"
        )

    page = client_sam.get("/portal/scorecard/").content.decode()

    assert page.count('data-testid="scorecard-row"') == 2
    assert "95.0" in page  # OTIF in percent
    assert 'data-testid="scorecard-grade">B<' in page
    assert 'id="scorecard-data"' in page
    assert "portal_scorecard.js" in page


def test_an_unlinked_supplier_user_is_told_so_and_sees_no_data(client, make_user, order) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.SUPPLIER, username="lonely"))

    for url in ("/portal/", "/portal/received/", "/portal/terms/", "/portal/scorecard/"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "Your account is not linked to a supplier yet" in page, url
        assert "PO-ACME-1" not in page
    assert client.get("/portal/orders/PO-ACME-1/").status_code == 404


# ---- actions ------------------------------------------------------------------------------


def test_acknowledge_answers_htmx_with_the_header(client_sam, order, sam) -> None:  # type: ignore[no-untyped-def]
    response = client_sam.post("/portal/orders/PO-ACME-1/acknowledge/", **HTMX)

    page = response.content.decode()
    order.refresh_from_db()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="po-header"')
    assert 'data-testid="po-status">Acknowledged' in page
    assert order.status == "acknowledged"
    assert order.acknowledged_by == sam


def test_acknowledge_without_htmx_redirects_back_to_the_order(client_sam, order) -> None:  # type: ignore[no-untyped-def]
    response = client_sam.post("/portal/orders/PO-ACME-1/acknowledge/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/orders/PO-ACME-1/"


def test_confirm_a_line_commits_to_its_requested_date(client_sam, order) -> None:  # type: ignore[no-untyped-def]
    line = first_line(order)

    response = client_sam.post(f"/portal/orders/PO-ACME-1/lines/{line.pk}/confirm/", **HTMX)

    line.refresh_from_db()
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(f'<tbody id="line-{line.pk}"')
    assert line.confirmed_date == line.requested_date
    assert line.confirmed_quantity == 100


def test_propose_refuses_a_past_date_by_field_and_saves_nothing(client_sam, order, today) -> None:  # type: ignore[no-untyped-def]
    line = first_line(order)
    url = f"/portal/orders/PO-ACME-1/lines/{line.pk}/propose/"

    response = client_sam.post(
        url,
        {
            "proposed_date": (today - timedelta(days=1)).isoformat(),
            "proposed_quantity": 80,
            "note": "Late",
        },
        **HTMX,
    )

    page = response.content.decode()
    assert 'data-testid="error-proposed_date"' in page
    assert "The delivery date cannot be in the past." in page
    assert 'class="collapse show"' in page  # the form stays open with its messages
    assert not LineProposal.objects.exists()


def test_propose_sends_the_proposal_to_the_planner(client_sam, order, sam, today) -> None:  # type: ignore[no-untyped-def]
    line = first_line(order)
    later = today + timedelta(days=20)

    response = client_sam.post(
        f"/portal/orders/PO-ACME-1/lines/{line.pk}/propose/",
        {"proposed_date": later.isoformat(), "proposed_quantity": 80, "note": "API shortage"},
        **HTMX,
    )

    page = response.content.decode()
    proposal = LineProposal.objects.get()
    assert (proposal.line, proposal.proposed_date, proposal.proposed_quantity) == (line, later, 80)
    assert proposal.note == "API shortage" and proposal.proposed_by == sam
    assert "Proposal sent to the planner." in page
    assert 'data-testid="proposal-pending"' in page
    assert "Waiting for the planner" in page


def test_shipping_notice_with_too_short_shelf_life_is_refused_by_row(
    client_sam, order, today
) -> None:  # type: ignore[no-untyped-def]
    line = first_line(order)
    expected = today + timedelta(days=5)

    response = client_sam.post(
        "/portal/orders/PO-ACME-1/shipping-notices/",
        {
            "number": "ASN-1",
            "shipped_on": today.isoformat(),
            "expected_on": expected.isoformat(),
            f"line-{line.pk}-quantity": 100,
            f"line-{line.pk}-lot_number": "LOT-SHORT",
            f"line-{line.pk}-expiry_date": (expected + timedelta(days=30)).isoformat(),
        },
        **HTMX,
    )

    page = response.content.decode()
    assert page.lstrip().startswith('<section id="asn"')
    assert f'data-testid="error-line-{line.pk}"' in page
    assert "at least 180 days of shelf life" in page
    assert "The shipping notice was not saved" in page
    assert not ShippingNotice.objects.exists()


def test_shipping_notice_saves_the_rows_filled_in_and_ignores_blank_ones(
    client_sam, order, today
) -> None:  # type: ignore[no-untyped-def]
    line = first_line(order)

    response = client_sam.post(
        "/portal/orders/PO-ACME-1/shipping-notices/",
        {
            "number": "ASN-1",
            "shipped_on": today.isoformat(),
            "expected_on": (today + timedelta(days=3)).isoformat(),
            "carrier": "DHL",
            f"line-{line.pk}-quantity": 60,
            f"line-{line.pk}-lot_number": "LOT-GOOD",
            f"line-{line.pk}-expiry_date": (today + timedelta(days=700)).isoformat(),
        },
        **HTMX,
    )

    page = response.content.decode()
    notice = ShippingNotice.objects.get()
    assert [(item.line_id, item.quantity, item.lot_number) for item in notice.lines.all()] == [
        (line.pk, 60, "LOT-GOOD")
    ]
    assert "Shipping notice ASN-1 sent." in page
    assert "lot LOT-GOOD" in page


def test_shipping_notice_header_errors_show_by_field(client_sam, order, today) -> None:  # type: ignore[no-untyped-def]
    response = client_sam.post("/portal/orders/PO-ACME-1/shipping-notices/", {}, **HTMX)

    page = response.content.decode()
    assert 'data-testid="error-number"' in page
    assert 'data-testid="error-expected_on"' in page
    assert "Announce at least one line." in page
    assert not ShippingNotice.objects.exists()


def test_message_is_posted_and_shown_in_the_thread(client_sam, order, sam) -> None:  # type: ignore[no-untyped-def]
    response = client_sam.post(
        "/portal/orders/PO-ACME-1/messages/", {"body": "Can we split the delivery?"}, **HTMX
    )

    page = response.content.decode()
    message = PurchaseOrderMessage.objects.get()
    assert (message.author, message.from_supplier) == (sam, True)
    assert page.lstrip().startswith('<section id="thread"')
    assert "Can we split the delivery?" in page


def test_an_empty_message_is_refused_by_field(client_sam, order) -> None:  # type: ignore[no-untyped-def]
    page = client_sam.post("/portal/orders/PO-ACME-1/messages/", {"body": " "}, **HTMX)

    assert 'data-testid="error-body"' in page.content.decode()
    assert not PurchaseOrderMessage.objects.exists()


def test_actions_on_a_received_order_are_refused(client_sam, order) -> None:  # type: ignore[no-untyped-def]
    order.status = "received"
    order.save()
    line = first_line(order)

    response = client_sam.post(f"/portal/orders/PO-ACME-1/lines/{line.pk}/confirm/", **HTMX)

    assert "can no longer be changed" in response.content.decode()
    line.refresh_from_db()
    assert line.confirmed_date is None
