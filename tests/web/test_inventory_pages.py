import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from inventory.models import DailyDemand
from inventory.services.position_levels import positions_set_policy_levels
from inventory.services.stock import stock_positions_refresh
from tests.factories import LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer_client(client, make_user):  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))
    return client


@pytest.fixture
def stock():  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    dc = SiteFactory(code="DC1", echelon="dc", latitude=50.85, longitude=4.35)
    hospital = SiteFactory(code="H1", replenished_from=dc, latitude=51.2, longitude=4.4)
    vaccine = SkuFactory(
        code="VAC-1", name="Flu vaccine", category="vaccine", temperature_zone="refrigerated"
    )
    tablet = SkuFactory(code="TAB-1", name="Paracetamol 500", category="small_molecule")
    LotFactory(
        sku=vaccine,
        site=hospital,
        lot_number="V1",
        expiry_date=today + timedelta(days=400),
        quantity=500,
        today=today,
    )
    LotFactory(
        sku=tablet,
        site=hospital,
        lot_number="T1",
        expiry_date=today + timedelta(days=20),
        quantity=40,
        today=today - timedelta(days=400),
    )
    DailyDemand.objects.bulk_create(
        DailyDemand(sku=vaccine, site=hospital, date=today - timedelta(days=d), quantity=10)
        for d in range(1, 91)
    )
    stock_positions_refresh(today=today)
    return {"dc": dc, "hospital": hospital, "vaccine": vaccine, "tablet": tablet}


def test_inventory_list_shows_positions_with_cover_and_status(viewer_client, stock) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get("/inventory/").content.decode()

    assert "VAC-1" in page and "TAB-1" in page
    assert ">50<" in page  # 500 units / 10 a day


def test_inventory_list_searches_by_name(viewer_client, stock) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get("/inventory/", {"q": "paracet"}).content.decode()

    assert "TAB-1" in page and "VAC-1" not in page


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"category": "vaccine"}, "VAC-1", "TAB-1"),
        ({"zone": "room"}, "TAB-1", "VAC-1"),
        ({"status": "expiring"}, "TAB-1", "VAC-1"),
    ],
)
def test_inventory_list_filters(viewer_client, stock, params, shown, hidden) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get("/inventory/", params).content.decode()

    assert shown in page and hidden not in page


def test_inventory_list_sorts_descending(viewer_client, stock) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get("/inventory/", {"sort": "on_hand", "desc": "on"}).content.decode()

    assert page.index("VAC-1") < page.index("TAB-1")


def test_inventory_list_htmx_gets_only_the_results(viewer_client, stock) -> None:  # type: ignore[no-untyped-def]
    response = viewer_client.get("/inventory/", {"q": "VAC"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"')
    assert "<nav" not in body.split('id="results"')[0]


def test_inventory_list_empty_state(viewer_client, stock) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get("/inventory/", {"q": "no-such-sku"}).content.decode()

    assert "No stock positions match these filters." in page


def test_unknown_filter_values_are_ignored_not_errors(viewer_client, stock) -> None:  # type: ignore[no-untyped-def]
    response = viewer_client.get(
        "/inventory/", {"status": "bogus", "sort": "evil; drop", "page": "x"}
    )

    assert response.status_code == 200


def test_sku_detail_shows_sites_lots_and_charts(viewer_client, stock) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get(f"/inventory/sku/{stock['vaccine'].pk}/").content.decode()

    assert "Flu vaccine" in page
    assert "V1" in page
    assert 'id="demand-chart"' in page and 'id="expiry-chart"' in page


def test_sku_detail_shows_policy_levels_and_why_a_position_is_below_safety_stock(
    viewer_client, stock
) -> None:  # type: ignore[no-untyped-def]
    positions_set_policy_levels(
        levels={(stock["vaccine"].pk, stock["hospital"].pk): (600.2, 899.5)}
    )

    page = viewer_client.get(f"/inventory/sku/{stock['vaccine'].pk}/").content.decode()

    assert "601 · 900" in page
    assert "Position 500 is below the safety stock of 601" in page
    assert "Below safety stock" in page


def test_sku_detail_of_unknown_sku_is_404(viewer_client, stock) -> None:  # type: ignore[no-untyped-def]
    assert viewer_client.get("/inventory/sku/999999/").status_code == 404


def test_lot_list_filters_by_expiry_window(viewer_client, stock) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get("/inventory/lots/", {"expires": "30"}).content.decode()

    assert "T1" in page and ">V1<" not in page


def test_network_shows_the_tree_and_the_map(viewer_client, stock) -> None:  # type: ignore[no-untyped-def]
    page = viewer_client.get("/inventory/network/").content.decode()

    assert page.index("DC1") < page.index("H1")
    assert "<svg" in page and "<line" in page


def test_network_says_how_each_site_is_replenished(viewer_client, stock) -> None:  # type: ignore[no-untyped-def]
    stock["hospital"].replenishment = "parent"
    stock["hospital"].save()

    page = viewer_client.get("/inventory/network/").content.decode()

    replenishment = re.findall(r'data-testid="site-replenishment">([^<]*)<', page)
    assert replenishment == ["suppliers", "transfer from DC1"]


def test_suppliers_cannot_see_inventory(client, make_user, stock) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.SUPPLIER))

    assert client.get("/inventory/").status_code == 403


def test_demand_chart_shows_whole_weeks_only(stock) -> None:  # type: ignore[no-untyped-def]
    from inventory.selectors.stock import sku_weekly_demand

    today = timezone.localdate()
    weeks = sku_weekly_demand(stock["vaccine"], today=today)

    this_monday = today - timedelta(days=today.weekday())
    assert weeks and all(week < this_monday for week, _ in weeks)


def test_network_map_leaves_room_for_labels_right_of_the_dots(stock) -> None:  # type: ignore[no-untyped-def]
    from inventory.selectors.stock import flatten, network
    from inventory.views.stock import network_map

    drawn = network_map(flatten(network()))

    assert max(point["x"] for point in drawn["points"]) <= drawn["width"] - 70
