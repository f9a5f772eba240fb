"""The warehouse's transfer-order pages (list, new transfer, one order with its steps) and the
planners' "Create transfer order" button on the plan's suggested transfers."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role
from inventory.models import (
    Lot,
    StockMovement,
    StockPosition,
    TransferOrder,
    TransferOrderStatus,
)
from inventory.services.transfers import (
    transfer_order_create,
    transfer_order_pick,
    transfer_order_ship,
)
from optimization.models import SuggestedTransfer
from tests.factories import LotFactory, SiteFactory, SkuFactory, published_plan

pytestmark = pytest.mark.django_db


def in_days(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def sku():  # type: ignore[no-untyped-def]
    return SkuFactory(code="AMOX-500", min_remaining_shelf_life_days=90)


@pytest.fixture
def source():  # type: ignore[no-untyped-def]
    return SiteFactory(code="DC-1")


@pytest.fixture
def destination():  # type: ignore[no-untyped-def]
    return SiteFactory(code="HOSP-1", transit_days=5)


@pytest.fixture
def lots(sku, source):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    return [
        LotFactory(
            sku=sku,
            site=source,
            lot_number=f"L-{n}",
            expiry_date=in_days(days),
            quantity=30,
            today=today,
        )
        for n, days in ((1, 200), (2, 400))
    ]


@pytest.fixture
def warehouse(client, make_user):  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.WAREHOUSE, full_name="Wanda Warehouse"))
    return client


def open_order(sku, source, destination, quantity=40):  # type: ignore[no-untyped-def]
    return transfer_order_create(
        actor=None,
        sku=sku,
        source=source,
        destination=destination,
        quantity=quantity,
        reason="Rebalance",
    )


def status_of(order: TransferOrder) -> str:
    order.refresh_from_db()
    return order.status


# ---- the list ---------------------------------------------------------------------------------


def test_the_list_shows_an_empty_state_without_orders(warehouse) -> None:  # type: ignore[no-untyped-def]
    page = warehouse.get("/inventory/transfers/").content.decode()

    assert 'data-testid="empty-state"' in page
    assert "No transfer orders yet" in page


def test_the_list_links_each_order(warehouse, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
    order = open_order(sku, source, destination)

    page = warehouse.get("/inventory/transfers/").content.decode()

    assert f'href="/inventory/transfers/{order.pk}/"' in page
    assert order.number in page


def test_the_list_filters_by_status(warehouse, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
    kept = open_order(sku, source, destination, 10)
    gone = open_order(sku, source, destination, 10)
    transfer_order_pick(actor=None, order=gone)

    page = warehouse.get("/inventory/transfers/?status=open").content.decode()

    assert kept.number in page and gone.number not in page


def test_the_list_filters_by_a_site_at_either_end(
    warehouse, sku, source, destination, lots
) -> None:  # type: ignore[no-untyped-def]
    elsewhere = SiteFactory(code="HOSP-2")
    to_hospital = open_order(sku, source, destination, 10)
    to_elsewhere = open_order(sku, source, elsewhere, 10)

    page = warehouse.get(f"/inventory/transfers/?site={destination.pk}").content.decode()

    assert to_hospital.number in page and to_elsewhere.number not in page


def test_the_list_sorts_by_quantity(warehouse, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
    big = open_order(sku, source, destination, 50)
    small = open_order(sku, source, destination, 5)

    page = warehouse.get("/inventory/transfers/?sort=quantity").content.decode()

    assert page.index(small.number) < page.index(big.number)


def test_the_list_says_when_a_filter_finds_nothing(
    warehouse, sku, source, destination, lots
) -> None:  # type: ignore[no-untyped-def]
    open_order(sku, source, destination, 10)

    page = warehouse.get("/inventory/transfers/?q=NOTHING").content.decode()

    assert "No transfer orders match these filters." in page


def test_the_htmx_list_answers_with_the_results_only(warehouse) -> None:  # type: ignore[no-untyped-def]
    response = warehouse.get("/inventory/transfers/", HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert content.lstrip().startswith('<div id="results">')
    assert "<html" not in content


def test_planners_may_not_open_the_warehouse_pages(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.PLANNER))

    assert client.get("/inventory/transfers/").status_code == 403


# ---- a new transfer by hand -------------------------------------------------------------------


def test_a_new_transfer_opens_the_order_page(warehouse, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
    response = warehouse.post(
        "/inventory/transfers/new/",
        {
            "sku": "amox-500",
            "source": source.pk,
            "destination": destination.pk,
            "quantity": 40,
            "reason": "Hospital short",
        },
    )

    order = TransferOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/inventory/transfers/{order.pk}/"
    assert (order.quantity, order.reason, order.status) == (40, "Hospital short", "open")


def test_a_new_transfer_for_more_than_the_source_holds_is_refused(
    warehouse, sku, source, destination, lots
) -> None:  # type: ignore[no-untyped-def]
    response = warehouse.post(
        "/inventory/transfers/new/",
        {
            "sku": "AMOX-500",
            "source": source.pk,
            "destination": destination.pk,
            "quantity": 61,
            "reason": "Hospital short",
        },
    )

    assert response.status_code == 400
    assert "Only 60 units of AMOX-500 at DC-1 can be sent to HOSP-1" in response.content.decode()
    assert not TransferOrder.objects.exists()


def test_a_new_transfer_to_the_same_site_is_refused_on_the_field(
    warehouse, sku, source, lots
) -> None:  # type: ignore[no-untyped-def]
    response = warehouse.post(
        "/inventory/transfers/new/",
        {
            "sku": "AMOX-500",
            "source": source.pk,
            "destination": source.pk,
            "quantity": 5,
            "reason": "x",
        },
    )

    assert response.status_code == 400
    assert 'id="id_destination-errors"' in response.content.decode()
    assert not TransferOrder.objects.exists()


def test_an_unknown_sku_code_is_refused(warehouse, source, destination) -> None:  # type: ignore[no-untyped-def]
    response = warehouse.post(
        "/inventory/transfers/new/",
        {
            "sku": "NOPE",
            "source": source.pk,
            "destination": destination.pk,
            "quantity": 5,
            "reason": "x",
        },
    )

    assert response.status_code == 400
    assert "No SKU has the code NOPE." in response.content.decode()


# ---- one order and its steps ------------------------------------------------------------------


def test_the_order_page_previews_the_fefo_pick(warehouse, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
    order = open_order(sku, source, destination, 40)

    page = warehouse.get(f"/inventory/transfers/{order.pk}/").content.decode()

    assert 'data-testid="pick-preview"' in page
    # FEFO takes all 30 of L-1 and 10 of L-2: the inputs come filled with that.
    assert f'name="lot_{lots[0].pk}" value="30"' in page
    assert f'name="lot_{lots[1].pk}" value="10"' in page
    assert 'data-testid="ship"' not in page


def test_a_picked_order_shows_its_picks_and_the_ship_button(
    warehouse, sku, source, destination, lots
) -> None:  # type: ignore[no-untyped-def]
    order = open_order(sku, source, destination, 40)
    transfer_order_pick(actor=None, order=order, picks={lots[0].pk: 10, lots[1].pk: 30})

    page = warehouse.get(f"/inventory/transfers/{order.pk}/").content.decode()

    assert f'name="lot_{lots[0].pk}" value="10"' in page
    assert f'name="lot_{lots[1].pk}" value="30"' in page
    assert 'data-testid="ship"' in page


def test_pick_fefo_from_the_page(warehouse, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
    order = open_order(sku, source, destination, 40)

    response = warehouse.post(f"/inventory/transfers/{order.pk}/pick/", {"mode": "fefo"})

    assert response.status_code == 302
    assert status_of(order) == TransferOrderStatus.PICKED
    assert {p.source_lot_id: p.quantity for p in order.picks.all()} == {
        lots[0].pk: 30,
        lots[1].pk: 10,
    }


def test_pick_other_lots_from_the_page(warehouse, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
    order = open_order(sku, source, destination, 40)

    warehouse.post(
        f"/inventory/transfers/{order.pk}/pick/",
        {"mode": "lots", f"lot_{lots[0].pk}": "10", f"lot_{lots[1].pk}": "30"},
    )

    assert {p.source_lot_id: p.quantity for p in order.picks.all()} == {
        lots[0].pk: 10,
        lots[1].pk: 30,
    }


def test_a_pick_that_does_not_add_up_answers_with_the_steps_panel(
    warehouse, sku, source, destination, lots
) -> None:  # type: ignore[no-untyped-def]
    order = open_order(sku, source, destination, 40)

    response = warehouse.post(
        f"/inventory/transfers/{order.pk}/pick/",
        {"mode": "lots", f"lot_{lots[0].pk}": "10"},
        HTTP_HX_REQUEST="true",
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div class="card shadow-sm mb-3" id="transfer-steps"')
    assert "The picked lots add up to 10 units" in content
    assert status_of(order) == TransferOrderStatus.OPEN


def test_ship_from_the_page(warehouse, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
    order = open_order(sku, source, destination, 40)
    transfer_order_pick(actor=None, order=order)

    response = warehouse.post(f"/inventory/transfers/{order.pk}/ship/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    assert status_of(order) == TransferOrderStatus.SHIPPED
    assert StockPosition.objects.get(sku=sku, site=destination).in_transit == 40
    page = warehouse.get(f"/inventory/transfers/{order.pk}/").content.decode()
    assert "shipped: 40 units left DC-1" in page
    assert 'data-testid="receive"' in page


def test_shipping_an_order_not_picked_is_refused_with_a_message(
    warehouse, sku, source, destination, lots
) -> None:  # type: ignore[no-untyped-def]
    order = open_order(sku, source, destination, 40)

    response = warehouse.post(f"/inventory/transfers/{order.pk}/ship/")

    assert response.status_code == 400
    assert "is open: it cannot be shipped" in response.content.decode()
    assert not StockMovement.objects.filter(kind="transfer_out").exists()


def test_receive_from_the_page(warehouse, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
    order = open_order(sku, source, destination, 40)
    transfer_order_pick(actor=None, order=order)
    transfer_order_ship(actor=None, order=order)

    response = warehouse.post(f"/inventory/transfers/{order.pk}/receive/")

    assert response.status_code == 302
    assert status_of(order) == TransferOrderStatus.RECEIVED
    assert Lot.objects.filter(site=destination).count() == 2
    page = warehouse.get(f"/inventory/transfers/{order.pk}/").content.decode()
    assert page.count("Transfer in") == 2 and page.count("Transfer out") == 2


def test_cancel_from_the_page_needs_a_reason(warehouse, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
    order = open_order(sku, source, destination, 40)

    refused = warehouse.post(f"/inventory/transfers/{order.pk}/cancel/", {"reason": ""})
    assert refused.status_code == 400
    assert "Give a reason for cancelling the transfer order." in refused.content.decode()
    assert status_of(order) == TransferOrderStatus.OPEN

    warehouse.post(f"/inventory/transfers/{order.pk}/cancel/", {"reason": "Demand fell"})
    assert status_of(order) == TransferOrderStatus.CANCELLED


def test_an_unknown_order_is_404(warehouse) -> None:  # type: ignore[no-untyped-def]
    assert warehouse.get("/inventory/transfers/999999/").status_code == 404
    assert warehouse.post("/inventory/transfers/999999/ship/").status_code == 404


def test_the_network_page_counts_units_in_transit(
    warehouse, sku, source, destination, lots
) -> None:  # type: ignore[no-untyped-def]
    order = open_order(sku, source, destination, 40)
    transfer_order_pick(actor=None, order=order)
    transfer_order_ship(actor=None, order=order)

    page = warehouse.get("/inventory/network/").content.decode()

    assert '<td class="text-end fw-semibold" data-testid="network-in-transit">40</td>' in page
    assert '<td class="text-end fw-semibold" data-testid="network-position">60</td>' in page


def test_the_sku_page_shows_units_in_transit_to_a_site(
    warehouse, sku, source, destination, lots
) -> None:  # type: ignore[no-untyped-def]
    order = open_order(sku, source, destination, 40)
    transfer_order_pick(actor=None, order=order)
    transfer_order_ship(actor=None, order=order)

    page = warehouse.get(f"/inventory/sku/{sku.pk}/").content.decode()

    hospital_row = page[page.index("HOSP-1 <span") :].split("</tr>")[0]
    assert '<td class="text-end">40</td><td class="text-end">40</td>' in hospital_row


# ---- planners: a transfer order from a suggested transfer -----------------------------------


@pytest.fixture
def suggestion(sku, source, destination, lots):  # type: ignore[no-untyped-def]
    return SuggestedTransfer.objects.create(
        plan=published_plan(),
        sku=sku,
        source=source,
        destination=destination,
        quantity=25,
        unit_cost=Decimal("1.00"),
        saving=Decimal("100.00"),
        reason="DC-1 has surplus that HOSP-1 needs.",
    )


@pytest.fixture
def planner_client(client, planner):  # type: ignore[no-untyped-def]
    client.force_login(planner)
    return client


def test_planners_see_the_create_button_per_suggestion(planner_client, suggestion) -> None:  # type: ignore[no-untyped-def]
    page = planner_client.get("/optimization/plan/transfers/").content.decode()

    assert f'hx-post="/optimization/plan/transfers/{suggestion.pk}/order/"' in page


def test_viewers_see_no_create_button(client, make_user, suggestion) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    page = client.get("/optimization/plan/transfers/").content.decode()

    assert 'data-testid="create-transfer-order"' not in page


def test_a_planner_makes_the_transfer_order(planner_client, planner, suggestion) -> None:  # type: ignore[no-untyped-def]
    response = planner_client.post(
        f"/optimization/plan/transfers/{suggestion.pk}/order/", HTTP_HX_REQUEST="true"
    )

    order = TransferOrder.objects.get()
    assert response.status_code == 200
    assert f"Transfer order {order.number} opened" in response.content.decode()
    assert (order.suggested_transfer_id, order.plan_run_id) == (suggestion.pk, suggestion.plan_id)
    assert (order.quantity, order.created_by) == (25, planner)
    assert "DC-1 has surplus that HOSP-1 needs." in order.reason


def test_asking_twice_shows_the_existing_order(planner_client, suggestion) -> None:  # type: ignore[no-untyped-def]
    url = f"/optimization/plan/transfers/{suggestion.pk}/order/"
    planner_client.post(url, HTTP_HX_REQUEST="true")

    response = planner_client.post(url, HTTP_HX_REQUEST="true")

    order = TransferOrder.objects.get()
    content = response.content.decode()
    assert f"This suggestion already has transfer order {order.number}" in content
    assert 'data-testid="create-transfer-order"' not in content


def test_the_list_shows_the_order_made_from_a_suggestion(planner_client, suggestion) -> None:  # type: ignore[no-untyped-def]
    planner_client.post(f"/optimization/plan/transfers/{suggestion.pk}/order/")
    order = TransferOrder.objects.get()

    page = planner_client.get("/optimization/plan/transfers/").content.decode()

    assert f'<span data-testid="transfer-order">{order.number}</span>' in page


def test_a_suggestion_of_an_older_plan_is_refused(planner_client, suggestion) -> None:  # type: ignore[no-untyped-def]
    published_plan()  # a newer plan is now current

    response = planner_client.post(
        f"/optimization/plan/transfers/{suggestion.pk}/order/", follow=True
    )

    assert "not the current plan" in response.content.decode()
    assert not TransferOrder.objects.exists()


def test_the_warehouse_may_not_make_an_order_from_a_suggestion(
    client, make_user, suggestion
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.WAREHOUSE))

    response = client.post(f"/optimization/plan/transfers/{suggestion.pk}/order/")

    assert response.status_code == 403
    assert not TransferOrder.objects.exists()
