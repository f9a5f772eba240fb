"""The warehouse's day: each figure is the length of the list it links to, at one site or
across the network."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from inventory.models import TransferOrder, TransferOrderStatus
from tests.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    ShippingNoticeFactory,
    ShippingNoticeLineFactory,
    SiteFactory,
    SkuFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouse(client, make_user):  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.WAREHOUSE))
    return client


def transfer(sku, source, destination, status: str) -> TransferOrder:  # type: ignore[no-untyped-def]
    now = timezone.now()
    return TransferOrder.objects.create(
        number=f"TO-{TransferOrder.objects.count() + 1:06d}",
        sku=sku,
        source=source,
        destination=destination,
        quantity=5,
        status=status,
        shipped_at=now if status == TransferOrderStatus.SHIPPED else None,
    )


def figure(response, testid: str) -> str:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    start = html.index(f'data-testid="{testid}"')
    return html[html.index("<strong>", start) + 8 : html.index("</strong>", start)]


def test_goods_to_receive_are_counted_with_what_is_due(warehouse) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    due = ShippingNoticeFactory(expected_on=today, shipped_on=today)
    ShippingNoticeLineFactory(notice=due)
    later = ShippingNoticeFactory(expected_on=today + timedelta(days=3), shipped_on=today)
    ShippingNoticeLineFactory(notice=later)
    overdue = PurchaseOrderFactory(expected_on=today - timedelta(days=2))
    PurchaseOrderLineFactory(purchase_order=overdue)

    response = warehouse.get("/warehouse/")

    assert response.status_code == 200
    assert figure(response, "notices-waiting") == "2"
    assert "1 due by today" in response.content.decode()
    assert figure(response, "orders-receivable") == "3"
    assert "1 overdue" in response.content.decode()


def test_transfers_are_counted_by_step_and_by_the_site_they_leave_or_reach(warehouse) -> None:  # type: ignore[no-untyped-def]
    sku, dc, hospital = SkuFactory(), SiteFactory(code="DC"), SiteFactory(code="H1")
    transfer(sku, dc, hospital, TransferOrderStatus.OPEN)
    transfer(sku, dc, hospital, TransferOrderStatus.PICKED)
    transfer(sku, dc, hospital, TransferOrderStatus.SHIPPED)
    transfer(sku, hospital, dc, TransferOrderStatus.OPEN)

    network = warehouse.get("/warehouse/")
    at_hospital = warehouse.get(f"/warehouse/?site={hospital.pk}")

    assert [figure(network, t) for t in ("transfers-to-pick", "transfers-to-ship")] == ["2", "1"]
    assert figure(network, "transfers-to-receive") == "1"
    # At the hospital: one order to pick there, none to ship, one on its way in.
    assert [
        figure(at_hospital, t)
        for t in ("transfers-to-pick", "transfers-to-ship", "transfers-to-receive")
    ] == ["1", "0", "1"]
    assert f"?site={hospital.pk}&amp;status=open" in at_hospital.content.decode()


def test_an_unknown_site_shows_the_network(warehouse) -> None:  # type: ignore[no-untyped-def]
    response = warehouse.get("/warehouse/?site=999999")

    assert response.status_code == 200
    assert "across the network" in response.content.decode()


def test_planners_do_not_see_the_warehouse(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.PLANNER))

    assert client.get("/warehouse/").status_code == 403
    assert 'data-testid="nav-warehousetoday"' not in client.get("/").content.decode()


def test_the_warehouse_entry_is_in_the_warehouse_users_navigation(warehouse) -> None:  # type: ignore[no-untyped-def]
    assert 'data-testid="nav-warehousetoday"' in warehouse.get("/").content.decode()
