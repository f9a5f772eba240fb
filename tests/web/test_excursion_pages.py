"""The quality pages of temperature excursions: list, detail, and the signed decision per lot."""

from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.models import SecurityEvent
from accounts.roles import Role
from inventory.models import Excursion, LotStatus, StorageUnit
from inventory.services.cold_chain import readings_ingest
from tests.factories import TEST_PASSWORD, LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def excursion(make_user):  # type: ignore[no-untyped-def]
    site = SiteFactory(code="H1")
    StorageUnit.objects.create(
        site=site, code="FRIDGE-1", name="Vaccine fridge", zone="refrigerated"
    )
    sku = SkuFactory(code="VAC-1", temperature_zone="refrigerated", category="vaccine")
    LotFactory(sku=sku, site=site, expiry_date=date(2030, 1, 1), lot_number="V-1")
    readings_ingest(
        actor=make_user(Role.ADMIN),
        readings=[
            {
                "unit": "H1/FRIDGE-1",
                "sensor": "S-1",
                "recorded_at": (START + timedelta(minutes=minute)).isoformat(),
                "celsius": 9.5,
            }
            for minute in range(0, 40, 5)
        ],
    )
    return Excursion.objects.get()


def decide_url(excursion: Excursion) -> str:
    lot = excursion.lots.get()
    return f"/inventory/excursions/{excursion.pk}/lots/{lot.pk}/decide/"


def test_the_list_shows_the_excursion(client, make_user, excursion) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    page = client.get("/inventory/excursions/").content.decode()

    assert "H1/FRIDGE-1" in page
    assert f"/inventory/excursions/{excursion.pk}/" in page


def test_viewers_see_the_lots_without_decision_forms(client, make_user, excursion) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    page = client.get(f"/inventory/excursions/{excursion.pk}/").content.decode()

    assert "V-1" in page
    assert 'data-testid="decide-form"' not in page


def test_quality_releases_a_lot_from_the_page(client, make_user, excursion) -> None:  # type: ignore[no-untyped-def]
    back_in_zone = {
        "unit": "H1/FRIDGE-1",
        "sensor": "S-1",
        "recorded_at": (START + timedelta(minutes=40)).isoformat(),
    }
    readings_ingest(actor=make_user(Role.ADMIN), readings=[{**back_in_zone, "celsius": 5.0}])
    client.force_login(make_user(Role.QUALITY))

    response = client.post(
        decide_url(excursion),
        {"decision": "released", "reason": "Within stability data", "password": TEST_PASSWORD},
        HTTP_HX_REQUEST="true",
    )

    assert 'data-testid="decision"' in response.content.decode()
    assert "excursion:decided" in response["HX-Trigger"]
    assert excursion.lots.get().status == LotStatus.RELEASED


def test_a_release_during_the_excursion_shows_why_it_is_refused(
    client, make_user, excursion
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.QUALITY))

    response = client.post(
        decide_url(excursion),
        {"decision": "released", "reason": "Within stability data", "password": TEST_PASSWORD},
        HTTP_HX_REQUEST="true",
    )

    assert "while the temperature excursion in H1/FRIDGE-1" in response.content.decode()
    assert excursion.lots.get().status == LotStatus.QUARANTINE


def test_a_wrong_password_shows_on_the_form(client, make_user, excursion) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.QUALITY))

    response = client.post(
        decide_url(excursion),
        {"decision": "rejected", "reason": "Too warm", "password": "wrong"},
        HTTP_HX_REQUEST="true",
    )

    assert 'data-testid="error-password"' in response.content.decode()
    assert excursion.lots.get().status == LotStatus.QUARANTINE
    assert SecurityEvent.objects.count() == 1


def test_planners_cannot_decide(client, make_user, excursion) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.PLANNER))

    response = client.post(
        decide_url(excursion),
        {"decision": "released", "reason": "x", "password": TEST_PASSWORD},
    )

    assert response.status_code == 403
    assert excursion.lots.get().status == LotStatus.QUARANTINE
