"""POST/GET /api/v1/temperature-readings: token auth, who may send, row-level refusals, the
batch limit, and the path from a reading to the critical alert and the quarantined lot."""

from datetime import UTC, date, datetime, timedelta

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.roles import Role
from alerts.models import Alert, AlertKind, Severity
from inventory.models import Excursion, LotStatus, StorageUnit, TemperatureReading
from inventory.services.cold_chain import MAX_BATCH
from tests.factories import LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/temperature-readings"
START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def rows(*minutes_celsius: tuple[int, float], sensor: str = "S-1") -> list[dict]:
    return [
        {
            "unit": "H1/FRIDGE-1",
            "sensor": sensor,
            "recorded_at": (START + timedelta(minutes=minute)).isoformat(),
            "celsius": celsius,
        }
        for minute, celsius in minutes_celsius
    ]


@pytest.fixture
def fridge():  # type: ignore[no-untyped-def]
    site = SiteFactory(code="H1")
    return StorageUnit.objects.create(
        site=site, code="FRIDGE-1", name="Vaccine fridge", zone="refrigerated"
    )


@pytest.fixture
def vaccine_lot(fridge):  # type: ignore[no-untyped-def]
    sku = SkuFactory(code="VAC-1", temperature_zone="refrigerated", category="vaccine")
    return LotFactory(sku=sku, site=fridge.site, expiry_date=date(2030, 1, 1), lot_number="V-1")


@pytest.fixture
def token_client(make_user):  # type: ignore[no-untyped-def]
    def as_role(role: Role) -> APIClient:
        token = Token.objects.create(user=make_user(role))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return as_role


@pytest.fixture
def gateway(token_client) -> APIClient:  # type: ignore[no-untyped-def]
    return token_client(Role.ADMIN)


def test_a_batch_is_stored_and_counted(gateway, fridge) -> None:  # type: ignore[no-untyped-def]
    response = gateway.post(URL, {"readings": rows((0, 5.0), (5, 5.1))}, format="json")

    assert response.status_code == 201
    assert response.json() == {
        "created": 2,
        "duplicates": 0,
        "excursions_opened": 0,
        "excursions_closed": 0,
    }


def test_a_batch_sent_again_answers_200_with_duplicates(gateway, fridge) -> None:  # type: ignore[no-untyped-def]
    batch = {"readings": rows((0, 5.0), (5, 5.1))}
    gateway.post(URL, batch, format="json")

    response = gateway.post(URL, batch, format="json")

    assert (response.status_code, response.json()["duplicates"]) == (200, 2)
    assert TemperatureReading.objects.count() == 2


def test_quality_users_may_send_readings(token_client, fridge) -> None:  # type: ignore[no-untyped-def]
    response = token_client(Role.QUALITY).post(URL, {"readings": rows((0, 5.0))}, format="json")

    assert response.status_code == 201


def test_invalid_rows_answer_400_with_a_message_per_row(gateway, fridge) -> None:  # type: ignore[no-untyped-def]
    batch = rows((0, 5.0), (5, 5.0))
    batch[1]["celsius"] = "warm"

    response = gateway.post(URL, {"readings": batch}, format="json")

    error = response.json()["error"]
    assert (response.status_code, error["code"]) == (400, "invalid_readings")
    assert error["fields"]["readings"] == [
        {"row": 2, "field": "celsius", "message": "Required: a number of degrees Celsius."}
    ]
    assert TemperatureReading.objects.count() == 0


def test_a_body_without_readings_answers_400(gateway, fridge) -> None:  # type: ignore[no-untyped-def]
    response = gateway.post(URL, {"rows": []}, format="json")

    assert response.status_code == 400


def test_a_batch_above_the_limit_is_refused(gateway, fridge) -> None:  # type: ignore[no-untyped-def]
    batch = [
        {**rows((0, 5.0))[0], "recorded_at": (START + timedelta(seconds=s)).isoformat()}
        for s in range(MAX_BATCH + 1)
    ]

    response = gateway.post(URL, {"readings": batch}, format="json")

    assert response.status_code == 400
    assert f"At most {MAX_BATCH:,} readings" in response.json()["error"]["message"]
    assert TemperatureReading.objects.count() == 0


def test_anonymous_calls_answer_401(fridge) -> None:  # type: ignore[no-untyped-def]
    response = APIClient().post(URL, {"readings": rows((0, 5.0))}, format="json")

    assert response.status_code == 401


@pytest.mark.parametrize("role", [Role.PLANNER, Role.VIEWER, Role.SUPPLIER])
def test_other_roles_may_not_send_readings(token_client, fridge, role: Role) -> None:  # type: ignore[no-untyped-def]
    response = token_client(role).post(URL, {"readings": rows((0, 5.0))}, format="json")

    assert response.status_code == 403
    assert TemperatureReading.objects.count() == 0


def test_the_alert_and_the_quarantine_exist_when_the_answer_returns(
    gateway, fridge, vaccine_lot
) -> None:  # type: ignore[no-untyped-def]
    gateway.post(URL, {"readings": rows(*[(m, 9.0) for m in range(0, 31, 5)])}, format="json")
    assert not Alert.objects.exists()

    response = gateway.post(URL, {"readings": rows((35, 9.4))}, format="json")

    alert = Alert.objects.get(kind=AlertKind.TEMPERATURE_EXCURSION)
    vaccine_lot.refresh_from_db()
    assert response.json()["excursions_opened"] == 1
    assert (alert.severity, alert.detail["lots"][0]["lot_number"]) == (Severity.CRITICAL, "V-1")
    assert vaccine_lot.status == LotStatus.QUARANTINE
    assert Excursion.objects.get().unit == fridge


def test_readings_are_listed_by_unit_and_time(token_client, gateway, fridge) -> None:  # type: ignore[no-untyped-def]
    gateway.post(URL, {"readings": rows((0, 5.0), (5, 5.5), (10, 6.0))}, format="json")

    body = (
        token_client(Role.VIEWER)
        .get(URL, {"unit": "H1/FRIDGE-1", "since": (START + timedelta(minutes=5)).isoformat()})
        .json()
    )

    assert [(row["unit"], row["celsius"]) for row in body["results"]] == [
        ("H1/FRIDGE-1", 5.5),
        ("H1/FRIDGE-1", 6.0),
    ]


def test_listing_an_unknown_unit_answers_400(token_client, fridge) -> None:  # type: ignore[no-untyped-def]
    response = token_client(Role.VIEWER).get(URL, {"unit": "H1/NOPE"})

    assert response.status_code == 400
