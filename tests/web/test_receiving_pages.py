"""The warehouse's receiving pages: what can be received, the receipt form of an order and of
a shipping notice (prefilled), its refusals on the rows, and what a receipt put into stock."""

import re
from datetime import date

import pytest

from accounts.roles import Role
from inventory.models import Lot, StockMovement
from suppliers.models import PurchaseOrderStatus, Receipt
from tests.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    ShippingNoticeFactory,
    ShippingNoticeLineFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

RECEIVING = "/suppliers/receiving/"


def order_url(pk: int) -> str:
    return f"/suppliers/receiving/orders/{pk}/"


def notice_url(pk: int) -> str:
    return f"/suppliers/receiving/notices/{pk}/"


@pytest.fixture
def clerk(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.WAREHOUSE, full_name="Wanda Warehouse")


@pytest.fixture
def clerk_client(client, clerk):  # type: ignore[no-untyped-def]
    client.force_login(clerk)
    return client


@pytest.fixture
def order():  # type: ignore[no-untyped-def]
    order = PurchaseOrderFactory(
        number="PO-RECV-1", status=PurchaseOrderStatus.SENT, expected_on=date(2026, 1, 10)
    )
    PurchaseOrderLineFactory(purchase_order=order, quantity=100, sku__code="AMOX-500")
    PurchaseOrderLineFactory(purchase_order=order, quantity=30, sku__code="INSU-100")
    return order


@pytest.fixture
def notice():  # type: ignore[no-untyped-def]
    order = PurchaseOrderFactory(number="PO-RECV-2", status=PurchaseOrderStatus.ACKNOWLEDGED)
    notice = ShippingNoticeFactory(purchase_order=order, number="ASN-900")
    ShippingNoticeLineFactory(
        notice=notice,
        line__sku__code="VAX-10",
        quantity=25,
        lot_number="VX-LOT-7",
        expiry_date=date(2028, 2, 29),
    )
    return notice


def order_rows(order, *values: dict) -> dict:  # type: ignore[no-untyped-def]
    """POST data for the order's receipt form: one dict of inputs per open line, in order."""
    data: dict[str, object] = {}
    for number, inputs in enumerate(values):
        for name, value in inputs.items():
            data[f"row-{number}-{name}"] = value
    return data


class TestReceivingList:
    def test_lists_open_orders_with_their_open_units_and_a_link_to_receive(
        self, clerk_client, order
    ) -> None:  # type: ignore[no-untyped-def]
        PurchaseOrderFactory(number="PO-DRAFT", status=PurchaseOrderStatus.DRAFT)

        page = clerk_client.get(RECEIVING).content.decode()

        assert "PO-RECV-1" in page and order_url(order.pk) in page
        assert "PO-DRAFT" not in page
        assert ">130<" in page  # units open over both lines

    def test_lists_shipping_notices_not_yet_received(self, clerk_client, notice) -> None:  # type: ignore[no-untyped-def]
        page = clerk_client.get(RECEIVING, {"show": "notices"}).content.decode()

        assert "ASN-900" in page and notice_url(notice.pk) in page

    def test_a_received_notice_is_no_longer_listed(self, clerk_client, notice, clerk) -> None:  # type: ignore[no-untyped-def]
        notice.received_at, notice.received_by = notice.created_at, clerk
        notice.save()

        page = clerk_client.get(RECEIVING, {"show": "notices"}).content.decode()

        assert "ASN-900" not in page
        assert "No shipping notices are waiting to be received." in page

    def test_filters_by_destination_site(self, clerk_client, order) -> None:  # type: ignore[no-untyped-def]
        other = SiteFactory()

        page = clerk_client.get(RECEIVING, {"site": other.pk}).content.decode()

        assert "PO-RECV-1" not in page
        assert "No open orders match these filters." in page

    def test_searches_orders_by_the_number_of_their_shipping_notice(
        self, clerk_client, order, notice
    ) -> None:  # type: ignore[no-untyped-def]
        page = clerk_client.get(RECEIVING, {"q": "ASN-900"}).content.decode()

        assert "PO-RECV-2" in page and "PO-RECV-1" not in page

    def test_an_htmx_filter_answers_with_the_results_only(self, clerk_client, order) -> None:  # type: ignore[no-untyped-def]
        response = clerk_client.get(RECEIVING, {"q": "PO-RECV"}, HTTP_HX_REQUEST="true")

        assert b'id="results"' in response.content and b"<html" not in response.content


class TestReceivingAnOrder:
    def test_the_form_has_a_row_per_open_line(self, clerk_client, order) -> None:  # type: ignore[no-untyped-def]
        page = clerk_client.get(order_url(order.pk)).content.decode()

        assert page.count('data-testid="receipt-row"') == 2
        assert "AMOX-500" in page and "INSU-100" in page

    def test_a_partial_receipt_redirects_to_what_was_received(self, clerk_client, order) -> None:  # type: ignore[no-untyped-def]
        data = order_rows(
            order,
            {"quantity_received": 60, "lot_number": "AM-1", "expiry_date": "2027-12-31"},
            {"quantity_received": ""},
        )

        response = clerk_client.post(order_url(order.pk), data)

        receipt = Receipt.objects.get()
        assert response.status_code == 302
        assert response["Location"] == (
            f"/suppliers/receiving/orders/{order.pk}/received/?receipt={receipt.pk}"
        )
        assert (receipt.quantity_received, receipt.lot.lot_number) == (60, "AM-1")

    def test_the_summary_links_each_lot_and_says_it_waits_in_quarantine(
        self, clerk_client, order
    ) -> None:  # type: ignore[no-untyped-def]
        data = order_rows(
            order, {"quantity_received": 60, "lot_number": "AM-1", "expiry_date": "2027-12-31"}
        )
        response = clerk_client.post(order_url(order.pk), data, follow=True)

        page = response.content.decode()
        lot = Lot.objects.get(lot_number="AM-1")
        assert f'href="/inventory/lots/{lot.pk}/"' in page
        assert "1 lot waits in quarantine for quality release." in page

    def test_a_row_with_too_short_a_shelf_life_comes_back_with_its_message_and_nothing_is_written(
        self, clerk_client, order
    ) -> None:  # type: ignore[no-untyped-def]
        data = order_rows(
            order,
            {"quantity_received": 60, "lot_number": "AM-1", "expiry_date": "2027-12-31"},
            {"quantity_received": 10, "lot_number": "IN-1", "expiry_date": "2026-02-01"},
        )

        response = clerk_client.post(order_url(order.pk), data)

        page = response.content.decode()
        assert response.status_code == 400
        assert "Nothing was received: 1 row to correct." in page
        assert "Lot IN-1 of INSU-100 expires on 2026-02-01" in page
        assert 'value="AM-1"' in page  # what was typed stays
        assert not (Receipt.objects.exists() or StockMovement.objects.exists())

    def test_rejected_units_without_a_reason_are_refused_on_the_reason(
        self, clerk_client, order
    ) -> None:  # type: ignore[no-untyped-def]
        data = order_rows(
            order,
            {
                "quantity_received": 10,
                "quantity_rejected": 2,
                "lot_number": "AM-1",
                "expiry_date": "2027-12-31",
            },
        )

        response = clerk_client.post(order_url(order.pk), data)

        page = response.content.decode()
        assert response.status_code == 400
        assert "Give a reason for the rejected units." in page
        reason_input = re.search(r'<input[^>]*name="row-0-rejection_reason"[^>]*>', page)
        assert reason_input is not None and "is-invalid" in reason_input.group()
        assert not Receipt.objects.exists()

    def test_posting_no_quantity_at_all_is_refused(self, clerk_client, order) -> None:  # type: ignore[no-untyped-def]
        response = clerk_client.post(order_url(order.pk), order_rows(order))

        assert response.status_code == 400
        assert b"Enter the units received on at least one line." in response.content

    def test_an_order_not_yet_sent_shows_why_it_cannot_be_received(self, clerk_client) -> None:  # type: ignore[no-untyped-def]
        line = PurchaseOrderLineFactory(
            purchase_order__status=PurchaseOrderStatus.APPROVED, purchase_order__number="PO-APP"
        )

        page = clerk_client.get(order_url(line.purchase_order_id)).content.decode()

        assert "Nothing can be received on PO-APP: it is approved." in page
        assert 'data-testid="receipt-form"' not in page


class TestReceivingANotice:
    def test_the_form_is_prefilled_with_the_announced_lot(self, clerk_client, notice) -> None:  # type: ignore[no-untyped-def]
        page = clerk_client.get(notice_url(notice.pk)).content.decode()

        assert 'name="row-0-quantity_received" value="25"' in page
        assert 'name="row-0-lot_number" value="VX-LOT-7"' in page
        assert 'name="row-0-expiry_date" value="2028-02-29"' in page

    def test_receiving_the_notice_as_announced_marks_it_received(
        self, clerk_client, notice, clerk
    ) -> None:  # type: ignore[no-untyped-def]
        data = {
            "row-0-quantity_received": 25,
            "row-0-quantity_rejected": 0,
            "row-0-lot_number": "VX-LOT-7",
            "row-0-expiry_date": "2028-02-29",
        }

        response = clerk_client.post(notice_url(notice.pk), data)

        notice.refresh_from_db()
        assert response.status_code == 302
        assert notice.received_by == clerk
        assert Receipt.objects.get().shipping_notice == notice

    def test_a_received_notice_says_when_and_by_whom(self, clerk_client, notice, clerk) -> None:  # type: ignore[no-untyped-def]
        notice.received_at, notice.received_by = notice.created_at, clerk
        notice.save()

        response = clerk_client.post(notice_url(notice.pk), {"row-0-quantity_received": 25})

        assert response.status_code == 400
        assert b"Shipping notice ASN-900 was received on" in response.content
        assert b"by Wanda Warehouse" in response.content
        assert not Receipt.objects.exists()


class TestPurchaseOrderPageLink:
    def test_the_warehouse_sees_receive_on_a_receivable_order(self, clerk_client, order) -> None:  # type: ignore[no-untyped-def]
        page = clerk_client.get(f"/suppliers/purchase-orders/{order.pk}/").content.decode()

        assert f'href="{order_url(order.pk)}" data-testid="po-receive"' in page

    def test_a_planner_sees_no_receive_link(self, client, make_user, order) -> None:  # type: ignore[no-untyped-def]
        client.force_login(make_user(Role.PLANNER))

        page = client.get(f"/suppliers/purchase-orders/{order.pk}/").content.decode()

        assert 'data-testid="po-receive"' not in page


@pytest.mark.parametrize("role", [Role.PLANNER, Role.VIEWER, Role.SUPPLIER, Role.QUALITY])
def test_only_the_warehouse_and_admins_may_receive(client, make_user, order, role) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(role))

    response = client.post(
        order_url(order.pk),
        order_rows(order, {"quantity_received": 5, "lot_number": "X", "expiry_date": "2027-12-31"}),
    )

    assert response.status_code == 403
    assert not Receipt.objects.exists()


def test_the_sku_admin_shows_and_edits_inspection_at_receipt(admin_client, order) -> None:  # type: ignore[no-untyped-def]
    sku = order.lines.first().sku

    listing = admin_client.get("/admin/inventory/sku/").content.decode()
    change = admin_client.get(f"/admin/inventory/sku/{sku.pk}/change/").content.decode()

    assert "column-receipt_inspection" in listing
    assert 'name="receipt_inspection"' in change
    assert "Received stock waits in quarantine for quality release." in change
