"""POST /api/v1/stock-movements: token auth, who may post, the error shape per row, replay
and the 409 of a key reused with another row, and the schema."""

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.roles import Role
from inventory.models import DailyDemand, Lot, StockMovement, StockMovementKey
from suppliers.models import PurchaseOrderStatus, Receipt
from tests.factories import (
    LotFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SiteFactory,
    SkuFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/stock-movements"


@pytest.fixture
def lot():  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    return LotFactory(
        sku=SkuFactory(code="AMOX-500"),
        site=SiteFactory(code="HOSP-1"),
        lot_number="L-1",
        expiry_date=today + timedelta(days=400),
        quantity=100,
        today=today,
    )


@pytest.fixture
def token_client(make_user):  # type: ignore[no-untyped-def]
    def as_role(role: Role) -> APIClient:
        token = Token.objects.create(user=make_user(role))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return as_role


def movement(**fields: Any) -> dict[str, Any]:
    return {
        "idempotency_key": "pharmacy-1-0001",
        "kind": "dispense",
        "sku": "AMOX-500",
        "site": "HOSP-1",
        "lot": "L-1",
        "quantity": 4,
        "occurred_on": timezone.localdate().isoformat(),
        **fields,
    }


def written() -> tuple[int, int, int, int]:
    return (
        StockMovement.objects.count(),
        Lot.objects.aggregate(total=Sum("quantity"))["total"] or 0,
        DailyDemand.objects.count(),
        StockMovementKey.objects.count(),
    )


@pytest.mark.parametrize("role", [Role.WAREHOUSE, Role.ADMIN])
def test_warehouse_and_admin_tokens_post_a_batch(token_client, lot, role) -> None:  # type: ignore[no-untyped-def]
    response = token_client(role).post(URL, {"movements": [movement()]}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["replayed"]) == (1, 0)
    row = body["movements"][0]
    assert (row["row"], row["idempotency_key"], row["replayed"]) == (1, "pharmacy-1-0001", False)
    assert StockMovement.objects.get(pk=row["movement"]).quantity == -4
    lot.refresh_from_db()
    assert lot.quantity == 96


@pytest.mark.parametrize("role", [Role.PLANNER, Role.QUALITY, Role.VIEWER, Role.SUPPLIER])
def test_other_roles_may_not_post(token_client, lot, role) -> None:  # type: ignore[no-untyped-def]
    before = written()

    response = token_client(role).post(URL, {"movements": [movement()]}, format="json")

    assert response.status_code == 403
    assert written() == before


def test_an_anonymous_call_is_refused_with_401(lot) -> None:  # type: ignore[no-untyped-def]
    response = APIClient().post(URL, {"movements": [movement()]}, format="json")

    assert response.status_code == 401


def test_a_bad_row_answers_400_with_an_error_per_row_and_writes_nothing(token_client, lot) -> None:  # type: ignore[no-untyped-def]
    before = written()
    batch = [
        movement(),
        movement(idempotency_key="k-2", lot="NOPE"),
        movement(idempotency_key="k-3", quantity=0, kind="write_off"),
    ]

    response = token_client(Role.WAREHOUSE).post(URL, {"movements": batch}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_movements"
    assert error["message"] == "2 of 3 movements are invalid. Nothing was written."
    assert error["fields"]["movements"] == [
        {"row": 2, "field": "lot", "message": "No lot NOPE of AMOX-500 at HOSP-1."},
        {"row": 3, "field": "quantity", "message": "Must be above zero (got 0)."},
        {"row": 3, "field": "reason", "message": "Required for a write-off."},
    ]
    assert written() == before


def test_text_with_a_nul_character_is_refused_on_its_row_and_writes_nothing(
    token_client, lot
) -> None:  # type: ignore[no-untyped-def]
    before = written()
    batch = [
        movement(),
        movement(idempotency_key="k-2", site="HOSP\u00001", lot="L\u0000"),
        movement(idempotency_key="k-3", purchase_order="PO\u0000", kind="receipt"),
    ]

    response = token_client(Role.WAREHOUSE).post(URL, {"movements": batch}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["movements"] == [
        {"row": 2, "field": "lot", "message": "Text cannot contain the NUL character."},
        {"row": 2, "field": "site", "message": "Text cannot contain the NUL character."},
        {"row": 3, "field": "purchase_order", "message": "Text cannot contain the NUL character."},
    ]
    assert written() == before


def test_malformed_rows_and_rows_the_stock_refuses_are_listed_together(token_client, lot) -> None:  # type: ignore[no-untyped-def]
    batch = [movement(quantity=101), movement(idempotency_key="k-2", quantity="four")]

    response = token_client(Role.WAREHOUSE).post(URL, {"movements": batch}, format="json")

    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["error"]["fields"]["movements"]] == [
        (1, "quantity"),
        (2, "quantity"),
    ]


def test_a_replay_answers_200_as_the_first_time(token_client, lot) -> None:  # type: ignore[no-untyped-def]
    client = token_client(Role.WAREHOUSE)
    first = client.post(URL, {"movements": [movement()]}, format="json").json()
    before = written()

    again = client.post(URL, {"movements": [movement()]}, format="json")

    assert again.status_code == 200
    assert again.json()["movements"][0]["movement"] == first["movements"][0]["movement"]
    assert again.json()["movements"][0]["replayed"] is True
    assert written() == before


def test_the_same_key_with_another_body_answers_409(token_client, lot) -> None:  # type: ignore[no-untyped-def]
    client = token_client(Role.WAREHOUSE)
    client.post(URL, {"movements": [movement()]}, format="json")
    before = written()

    response = client.post(URL, {"movements": [movement(quantity=5)]}, format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_conflict"
    assert error["fields"]["movements"][0]["row"] == 1
    assert written() == before


@pytest.mark.parametrize("body", [{}, {"movements": "x"}, ["a"]])
def test_a_body_without_a_list_of_movements_answers_400(token_client, body) -> None:  # type: ignore[no-untyped-def]
    response = token_client(Role.WAREHOUSE).post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"movements": ["Required."]}


def test_the_endpoint_is_in_the_openapi_schema(token_client) -> None:  # type: ignore[no-untyped-def]
    response = token_client(Role.WAREHOUSE).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/stock-movements"]["post"]
    assert set(operation["responses"]) >= {"200", "201"}


def test_a_dispense_without_a_lot_is_taken_first_expired_first_out(token_client, lot) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    sooner = LotFactory(
        sku=lot.sku,
        site=lot.site,
        lot_number="L-0",
        expiry_date=today + timedelta(days=200),
        quantity=3,
        today=today,
    )
    row = movement(quantity=5)
    del row["lot"]

    response = token_client(Role.WAREHOUSE).post(URL, {"movements": [row]}, format="json")

    assert response.status_code == 201
    taken = StockMovement.objects.filter(sku=lot.sku).exclude(kind="receipt").order_by("pk")
    assert [(m.lot.lot_number, m.quantity) for m in taken] == [("L-0", -3), ("L-1", -2)]
    assert response.json()["movements"][0]["movement"] == taken[0].pk
    assert Lot.objects.get(pk=sooner.pk).quantity == 0


def test_a_dispense_without_a_lot_beyond_the_usable_stock_answers_400(token_client, lot) -> None:  # type: ignore[no-untyped-def]
    before = written()
    row = movement(quantity=101)
    del row["lot"]

    response = token_client(Role.WAREHOUSE).post(URL, {"movements": [row]}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["movements"] == [
        {
            "row": 1,
            "field": "quantity",
            "message": "AMOX-500 at HOSP-1 has 100 usable units (released, unexpired); "
            "101 were asked for.",
        }
    ]
    assert written() == before


def test_a_receipt_against_a_purchase_order_receives_the_line(token_client, lot) -> None:  # type: ignore[no-untyped-def]
    line = PurchaseOrderLineFactory(
        purchase_order=PurchaseOrderFactory(number="PO-7", destination=lot.site),
        sku=lot.sku,
        quantity=50,
    )
    row = movement(
        kind="receipt",
        lot="L-9",
        quantity=50,
        expiry_date=(timezone.localdate() + timedelta(days=400)).isoformat(),
        purchase_order="PO-7",
    )

    response = token_client(Role.WAREHOUSE).post(URL, {"movements": [row]}, format="json")

    assert response.status_code == 201
    line.refresh_from_db()
    assert line.received_quantity == 50
    assert line.purchase_order.status == PurchaseOrderStatus.RECEIVED
    assert Receipt.objects.get(line=line).lot.lot_number == "L-9"


def test_a_receipt_against_an_unknown_order_answers_400(token_client, lot) -> None:  # type: ignore[no-untyped-def]
    before = written()
    row = movement(
        kind="receipt",
        lot="L-9",
        quantity=5,
        expiry_date=(timezone.localdate() + timedelta(days=400)).isoformat(),
        purchase_order="PO-404",
    )

    response = token_client(Role.WAREHOUSE).post(URL, {"movements": [row]}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["movements"] == [
        {"row": 1, "field": "purchase_order", "message": "No purchase order PO-404."}
    ]
    assert written() == before
