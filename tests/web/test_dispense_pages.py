"""The warehouse's dispense page: the form and its fragments (SKU options, the lots of a SKU at
a site with what first-expired-first-out takes), a post that dispenses or comes back with
what is wrong, and the site's recent dispenses."""

import json
import re
from datetime import date

import pytest

from accounts.roles import Role
from inventory.models import DailyDemand, Lot, LotStatus, MovementKind, StockMovement
from inventory.services.dispense import stock_dispense
from tests.factories import LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db

URL = "/inventory/dispense/"
LOTS_URL = "/inventory/dispense/lots/"
SKUS_URL = "/inventory/dispense/skus/"


@pytest.fixture
def sku():  # type: ignore[no-untyped-def]
    return SkuFactory(code="AMOX-500", name="Amoxicillin 500 mg x 20")


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    return SiteFactory(code="HOSP-1")


@pytest.fixture
def lots(sku, site):  # type: ignore[no-untyped-def]
    return {
        "late": LotFactory(
            sku=sku, site=site, lot_number="LATE", expiry_date=date(2031, 9, 1), quantity=50
        ),
        "early": LotFactory(
            sku=sku, site=site, lot_number="EARLY", expiry_date=date(2030, 3, 1), quantity=20
        ),
        "middle": LotFactory(
            sku=sku, site=site, lot_number="MIDDLE", expiry_date=date(2030, 9, 1), quantity=30
        ),
    }


@pytest.fixture
def warehouse(client, make_user):  # type: ignore[no-untyped-def]
    user = make_user(Role.WAREHOUSE, full_name="Wanda Warehouse")
    client.force_login(user)
    return client


def form_data(site, **fields):  # type: ignore[no-untyped-def]
    return {
        "site": site.pk,
        "sku": "AMOX-500",
        "quantity": 45,
        "reference": "",
        "reason": "",
        "lot": "",
        **fields,
    }


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def takes_by_lot(page: str) -> list[tuple[str, str]]:
    """(lot number, what FEFO takes) of each lot row of the lot list, in the order shown."""
    rows = re.findall(r'<tr[^>]*data-testid="lot-line">(.*?)</tr>', page, re.S)
    found = []
    for row in rows:
        number = re.search(r'<label class="form-check-label" for="lot-\d+">([^<]+)</label>', row)
        takes = re.search(r'data-testid="lot-takes">(?:<strong>)?([^<]+)', row)
        assert number and takes
        found.append((number.group(1), takes.group(1)))
    return found


def issued(sku) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return sorted(
        StockMovement.objects.filter(sku=sku, kind=MovementKind.ISSUE).values_list(
            "lot__lot_number", "quantity"
        )
    )


# ---- the page and its fragments ------------------------------------------------------------


def test_the_page_shows_the_form_with_the_sku_lookup(warehouse, site) -> None:  # type: ignore[no-untyped-def]
    page = html(warehouse.get(URL))

    assert 'data-testid="dispense-form"' in page
    assert 'list="sku-options"' in page and '<datalist id="sku-options">' in page
    assert f'hx-get="{SKUS_URL}"' in page
    assert 'data-testid="lots-hint"' in page
    assert "Choose a site to see its last dispenses." in page
    assert 'data-testid="tab-dispense"' in page


def test_a_site_in_the_address_is_chosen_and_its_dispenses_listed(warehouse, site) -> None:  # type: ignore[no-untyped-def]
    page = html(warehouse.get(URL, {"site": site.pk}))

    assert f'<option value="{site.pk}" selected>' in page
    assert "Recent dispenses at HOSP-1" in page
    assert "Nothing dispensed at this site yet." in page


def test_viewers_may_not_open_the_page(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    assert client.get(URL).status_code == 403
    assert 'data-testid="tab-dispense"' not in html(client.get("/inventory/lots/"))


@pytest.mark.parametrize("typed", ["amox", "cillin 500"])
def test_the_sku_options_match_code_or_name(warehouse, sku, typed) -> None:  # type: ignore[no-untyped-def]
    SkuFactory(code="PARA-1", name="Paracetamol 1 g")

    options = html(warehouse.get(SKUS_URL, {"sku": typed}))

    assert '<option value="AMOX-500"' in options
    assert "PARA-1" not in options


def test_the_lots_fragment_lists_usable_lots_first_expired_first_with_what_fefo_takes(
    warehouse, sku, site, lots
) -> None:  # type: ignore[no-untyped-def]
    fragment = html(
        warehouse.get(
            LOTS_URL, {"site": site.pk, "sku": "AMOX-500", "quantity": 45}, HTTP_HX_REQUEST="true"
        )
    )

    assert takes_by_lot(fragment) == [("EARLY", "20"), ("MIDDLE", "25"), ("LATE", "—")]
    assert re.search(r'data-testid="lots-available">100<', fragment)
    assert 'id="lot-fefo" checked' in fragment
    assert "lots-shortfall" not in fragment


def test_the_lots_fragment_says_when_the_quantity_is_more_than_can_be_dispensed(
    warehouse, sku, site, lots
) -> None:  # type: ignore[no-untyped-def]
    fragment = html(warehouse.get(LOTS_URL, {"site": site.pk, "sku": "amox-500", "quantity": 130}))

    assert "Only 100 units can be dispensed here; 130 asked for." in fragment


def test_the_lots_fragment_shows_blocked_lots_without_a_radio(warehouse, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
    held = LotFactory(
        sku=sku,
        site=site,
        lot_number="HELD",
        expiry_date=date(2029, 1, 1),
        quantity=5,
        status=LotStatus.QUARANTINE,
    )

    fragment = html(warehouse.get(LOTS_URL, {"site": site.pk, "sku": "AMOX-500", "quantity": 1}))

    assert "1 lot holding stock cannot be dispensed" in fragment
    assert f'href="/inventory/lots/{held.pk}/"' in fragment
    assert f'value="{held.pk}"' not in fragment
    assert [number for number, _ in takes_by_lot(fragment)] == ["EARLY", "MIDDLE", "LATE"]


def test_the_lots_fragment_asks_for_a_site_and_a_sku_first(warehouse, site) -> None:  # type: ignore[no-untyped-def]
    fragment = html(warehouse.get(LOTS_URL, {"site": site.pk, "sku": "no such"}))

    assert 'data-testid="lots-hint"' in fragment


# ---- dispensing ----------------------------------------------------------------------------


def test_a_dispense_confirms_its_movements_and_readies_the_form_for_the_next(
    warehouse, sku, site, lots
) -> None:  # type: ignore[no-untyped-def]
    response = warehouse.post(URL, form_data(site, reference="Ward 3"), HTTP_HX_REQUEST="true")

    page = html(response)
    assert response.status_code == 200
    assert issued(sku) == [("EARLY", -20), ("MIDDLE", -25)]
    assert "Dispensed 45 units of AMOX-500 at HOSP-1</strong> for Ward 3" in page
    assert (
        f'href="/inventory/lots/{lots["early"].pk}/" data-testid="dispensed-lot">Lot EARLY</a>: 20 units'
        in page
    )
    assert (
        f'href="/inventory/lots/{lots["middle"].pk}/" data-testid="dispensed-lot">Lot MIDDLE</a>: 25 units'
        in page
    )
    assert f'<option value="{site.pk}" selected>' in page
    assert 'value="AMOX-500"' not in page  # the SKU field is empty again
    assert "dispensed" in json.loads(response["HX-Trigger"])  # the recent list reloads
    assert DailyDemand.objects.get(sku=sku, site=site).quantity == 45


def test_without_htmx_a_dispense_returns_to_the_page_for_the_same_site(
    warehouse, sku, site, lots
) -> None:  # type: ignore[no-untyped-def]
    response = warehouse.post(URL, form_data(site, quantity=5))

    assert response.status_code == 302
    assert response["Location"] == f"{URL}?site={site.pk}"
    assert issued(sku) == [("EARLY", -5)]


def test_asking_for_too_much_comes_back_with_what_is_available_and_the_input_kept(
    warehouse, sku, site, lots
) -> None:  # type: ignore[no-untyped-def]
    response = warehouse.post(
        URL, form_data(site, quantity=130, reference="PO-77"), HTTP_HX_REQUEST="true"
    )

    page = html(response)
    assert "Only 100 units of AMOX-500 are available at HOSP-1; 130 were asked for." in page
    assert 'value="130"' in page and 'value="AMOX-500"' in page and 'value="PO-77"' in page
    assert f'<option value="{site.pk}" selected>' in page
    assert "dispense-confirmation" not in page
    assert issued(sku) == []
    assert not DailyDemand.objects.exists()


def test_without_htmx_a_refusal_renders_the_page_again_with_400(warehouse, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
    response = warehouse.post(URL, form_data(site, quantity=0))

    page = html(response)
    assert response.status_code == 400
    assert "A whole number above zero." in page
    assert 'value="AMOX-500"' in page
    assert "Recent dispenses at HOSP-1" in page
    assert issued(sku) == []


def test_an_unknown_sku_is_refused_on_its_field(warehouse, site, lots) -> None:  # type: ignore[no-untyped-def]
    page = html(warehouse.post(URL, form_data(site, sku="NOPE"), HTTP_HX_REQUEST="true"))

    assert "No active SKU has the code or name &#x27;NOPE&#x27;" in page
    assert 'value="NOPE"' in page


def test_a_later_lot_without_a_reason_is_refused_and_keeps_the_lot_chosen(
    warehouse, sku, site, lots
) -> None:  # type: ignore[no-untyped-def]
    late = lots["late"]

    page = html(
        warehouse.post(URL, form_data(site, quantity=5, lot=late.pk), HTTP_HX_REQUEST="true")
    )

    assert "Lot LATE expires on 2031-09-01, after lot EARLY (2030-03-01)" in page
    assert 'data-testid="error-reason"' in page
    assert f'value="{late.pk}" id="lot-{late.pk}" checked' in page
    assert issued(sku) == []


def test_a_later_lot_with_a_reason_is_dispensed_and_the_reason_recorded(
    warehouse, sku, site, lots
) -> None:  # type: ignore[no-untyped-def]
    data = form_data(site, quantity=5, lot=lots["late"].pk, reason="ward asked for this lot")

    page = html(warehouse.post(URL, data, HTTP_HX_REQUEST="true"))

    assert issued(sku) == [("LATE", -5)]
    movement = StockMovement.objects.get(sku=sku, kind=MovementKind.ISSUE)
    assert movement.reason == "Not first-expired: ward asked for this lot"
    assert "Not first-expired: ward asked for this lot" in page


def test_a_quarantined_lot_cannot_be_chosen(warehouse, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
    held = LotFactory(
        sku=sku,
        site=site,
        lot_number="HELD",
        expiry_date=date(2029, 1, 1),
        quantity=5,
        status=LotStatus.QUARANTINE,
    )

    page = html(
        warehouse.post(
            URL, form_data(site, quantity=1, lot=held.pk, reason="x"), HTTP_HX_REQUEST="true"
        )
    )

    assert "Lot HELD is in quarantine: it cannot be dispensed." in page
    assert Lot.objects.get(pk=held.pk).quantity == 5
    assert issued(sku) == []


# ---- the recent dispenses ------------------------------------------------------------------


def test_the_recent_list_shows_the_last_twenty_dispenses_at_the_site_newest_first(
    warehouse, sku, site, lots
) -> None:  # type: ignore[no-untyped-def]
    other_site = SiteFactory(code="HOSP-2")
    LotFactory(sku=sku, site=other_site, lot_number="ELSEWHERE", expiry_date=date(2030, 1, 1))
    stock_dispense(actor=None, sku=sku, site=other_site, quantity=1, reference="other")
    for number in range(1, 23):
        stock_dispense(actor=None, sku=sku, site=site, quantity=1, reference=f"R-{number:02d}")

    fragment = html(warehouse.get(URL, {"site": site.pk}, HTTP_HX_REQUEST="true"))

    references = re.findall(r"<td>(R-\d\d|other)</td>", fragment)
    assert references == [f"R-{number:02d}" for number in range(22, 2, -1)]
    assert 'id="recent-dispenses"' in fragment and "dispense-form" not in fragment
