"""The supplier API: scorecards (every supplier for operations users, their own for supplier
users), and acknowledging orders, confirming and proposing per line from a supplier's system.
Supplier A's users never reach supplier B's orders or lines: by number, by line id or by
listing, they answer 404 or an empty list."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditLogEntry
from accounts.roles import Role
from suppliers.models import LineProposal, PurchaseOrder, SupplierScorecard, SupplierUser
from tests.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SkuFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db

PERFORMANCE = "/api/v1/suppliers/performance"
ORDERS = "/api/v1/purchase-orders/"


def acknowledge_url(number: str) -> str:
    return f"/api/v1/purchase-orders/{number}/acknowledge"


def line_url(number: str, line_id: int, action: str) -> str:
    return f"/api/v1/purchase-orders/{number}/lines/{line_id}/{action}"


@pytest.fixture
def world(make_user):  # type: ignore[no-untyped-def]
    """Suppliers A and B, each with a portal user, a sent order with one line and two monthly
    scorecards; A also has an approved order it may not see yet."""
    made: dict = {}
    for key in ("a", "b"):
        supplier = SupplierFactory(code=f"SUP-{key.upper()}")
        user = make_user(Role.SUPPLIER, username=f"user-{key}")
        SupplierUser.objects.create(user=user, supplier=supplier)
        order = PurchaseOrderFactory(
            number=f"PO-{key.upper()}", supplier=supplier, status="sent", sent_at=timezone.now()
        )
        line = PurchaseOrderLineFactory(
            purchase_order=order,
            sku=SkuFactory(),
            quantity=100,
            requested_date=date.today() + timedelta(days=14),
        )
        for month, score in ((date(2026, 1, 1), 70.0), (date(2026, 2, 1), 80.0)):
            SupplierScorecard.objects.create(
                supplier=supplier, month=month, score=score, grade="B", otif_rate=0.8
            )
        made[key] = {"supplier": supplier, "user": user, "order": order, "line": line}
    made["a"]["approved"] = PurchaseOrderFactory(
        number="PO-A-APPROVED", supplier=made["a"]["supplier"], status="approved"
    )
    return made


@pytest.fixture
def api_for(make_user):  # type: ignore[no-untyped-def]
    def make(who: object) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(who) if isinstance(who, Role) else who)
        return client

    return make


def supplier_codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted({row["supplier_code"] for row in response.json()["results"]})


# ---- performance ----------------------------------------------------------------------------


def test_planners_see_every_suppliers_scorecards(api_for, world) -> None:  # type: ignore[no-untyped-def]
    response = api_for(Role.PLANNER).get(PERFORMANCE)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert supplier_codes(response) == ["SUP-A", "SUP-B"]
    first = body["results"][0]
    assert first["month"] == "2026-02-01"
    assert {"otif_rate", "quality_acceptance_rate", "lead_time_mean", "score", "grade"} <= set(
        first
    )


def test_performance_filters_by_supplier_and_month_range(api_for, world) -> None:  # type: ignore[no-untyped-def]
    client = api_for(Role.VIEWER)

    by_supplier = client.get(PERFORMANCE, {"supplier": world["b"]["supplier"].pk})
    by_month = client.get(PERFORMANCE, {"month_from": "2026-02-15", "month_to": "2026-02-28"})

    assert supplier_codes(by_supplier) == ["SUP-B"] and by_supplier.json()["count"] == 2
    assert {row["month"] for row in by_month.json()["results"]} == {"2026-02-01"}


@pytest.mark.parametrize("key", ["a", "b"])
def test_supplier_users_see_their_own_scorecards_only(api_for, world, key) -> None:  # type: ignore[no-untyped-def]
    other = "b" if key == "a" else "a"
    client = api_for(world[key]["user"])

    own = client.get(PERFORMANCE)
    asking_for_other = client.get(PERFORMANCE, {"supplier": world[other]["supplier"].pk})

    assert supplier_codes(own) == [f"SUP-{key.upper()}"] and own.json()["count"] == 2
    assert asking_for_other.status_code == 200 and asking_for_other.json()["count"] == 0


def test_a_supplier_user_not_linked_to_a_supplier_sees_nothing(api_for, world) -> None:  # type: ignore[no-untyped-def]
    response = api_for(Role.SUPPLIER).get(PERFORMANCE)

    assert response.json()["count"] == 0


def test_a_bad_performance_filter_names_the_field(api_for, world) -> None:  # type: ignore[no-untyped-def]
    client = api_for(Role.PLANNER)

    bad_date = client.get(PERFORMANCE, {"month_from": "February"})
    reversed_range = client.get(PERFORMANCE, {"month_from": "2026-03-01", "month_to": "2026-01-01"})

    assert bad_date.status_code == 400
    assert "month_from" in bad_date.json()["error"]["fields"]
    assert reversed_range.status_code == 400
    assert "month_to" in reversed_range.json()["error"]["fields"]


def test_performance_needs_credentials_and_a_role(api_for, make_user, world) -> None:  # type: ignore[no-untyped-def]
    assert APIClient().get(PERFORMANCE).status_code == 401
    no_role = APIClient()
    no_role.force_authenticate(make_user())
    assert no_role.get(PERFORMANCE).status_code == 403


# ---- purchase orders: listing ---------------------------------------------------------------


def test_supplier_users_list_only_their_own_sent_orders(api_for, world) -> None:  # type: ignore[no-untyped-def]
    client = api_for(world["a"]["user"])

    listed = client.get(ORDERS).json()["results"]

    assert [row["number"] for row in listed] == ["PO-A"]
    assert client.get(f"{ORDERS}{world['b']['order'].pk}/").status_code == 404
    assert client.get(f"{ORDERS}{world['a']['approved'].pk}/").status_code == 404
    assert client.get(f"{ORDERS}{world['a']['order'].pk}/").status_code == 200
    assert client.get(ORDERS, {"supplier": world["b"]["supplier"].pk}).json()["count"] == 0


def test_operations_users_list_every_order(api_for, world) -> None:  # type: ignore[no-untyped-def]
    numbers = {row["number"] for row in api_for(Role.VIEWER).get(ORDERS).json()["results"]}

    assert numbers == {"PO-A", "PO-B", "PO-A-APPROVED"}


# ---- acknowledge ----------------------------------------------------------------------------


def test_a_supplier_acknowledges_its_order(api_for, world) -> None:  # type: ignore[no-untyped-def]
    user = world["a"]["user"]

    response = api_for(user).post(acknowledge_url("PO-A"))

    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["status"], body["acknowledged_by"]) == (
        "PO-A",
        "acknowledged",
        "user-a",
    )
    assert body["acknowledged_at"]
    order = PurchaseOrder.objects.get(number="PO-A")
    assert (order.status, order.acknowledged_by) == ("acknowledged", user)
    entries = AuditLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(PurchaseOrder), object_pk=str(order.pk)
    )
    assert entries.filter(actor=user).exists()
    again = api_for(user).post(acknowledge_url("PO-A"))
    assert again.status_code == 200 and again.json()["acknowledged_at"] == body["acknowledged_at"]


@pytest.mark.parametrize("number", ["PO-B", "PO-A-APPROVED", "PO-NONE"])
def test_acknowledging_an_order_out_of_reach_is_404(api_for, world, number) -> None:  # type: ignore[no-untyped-def]
    response = api_for(world["a"]["user"]).post(acknowledge_url(number))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert PurchaseOrder.objects.get(number="PO-B").acknowledged_at is None


def test_a_received_order_cannot_be_acknowledged(api_for, world) -> None:  # type: ignore[no-untyped-def]
    PurchaseOrder.objects.filter(number="PO-A").update(status="received")

    response = api_for(world["a"]["user"]).post(acknowledge_url("PO-A"))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "portal_refused"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PLANNER, Role.ADMIN])
def test_only_supplier_users_write_through_these_endpoints(api_for, world, role) -> None:  # type: ignore[no-untyped-def]
    client = api_for(role)
    line = world["a"]["line"]

    assert client.post(acknowledge_url("PO-A")).status_code == 403
    assert client.post(line_url("PO-A", line.pk, "confirm")).status_code == 403
    proposal = {"date": str(date.today() + timedelta(days=30)), "quantity": 10}
    assert client.post(line_url("PO-A", line.pk, "propose"), proposal).status_code == 403
    assert PurchaseOrder.objects.get(number="PO-A").status == "sent"


def test_anonymous_calls_are_401(world) -> None:  # type: ignore[no-untyped-def]
    client = APIClient()
    line = world["a"]["line"]

    assert client.post(acknowledge_url("PO-A")).status_code == 401
    assert client.post(line_url("PO-A", line.pk, "confirm")).status_code == 401
    assert client.post(line_url("PO-A", line.pk, "propose")).status_code == 401


# ---- confirm and propose --------------------------------------------------------------------


def test_a_supplier_confirms_its_line(api_for, world) -> None:  # type: ignore[no-untyped-def]
    line = world["a"]["line"]

    response = api_for(world["a"]["user"]).post(line_url("PO-A", line.pk, "confirm"))

    assert response.status_code == 200
    body = response.json()
    assert (body["confirmed_date"], body["confirmed_quantity"]) == (
        str(line.requested_date),
        100,
    )
    assert body["purchase_order"] == "PO-A"


@pytest.mark.parametrize("action", ["confirm", "propose"])
def test_lines_out_of_reach_are_404_by_number_and_by_line_id(api_for, world, action) -> None:  # type: ignore[no-untyped-def]
    client = api_for(world["a"]["user"])
    own, other = world["a"]["line"], world["b"]["line"]
    proposal = {"date": str(date.today() + timedelta(days=30)), "quantity": 10}

    for url in (
        line_url("PO-B", other.pk, action),  # another supplier's order and line
        line_url("PO-A", other.pk, action),  # own order, another supplier's line id
        line_url("PO-B", own.pk, action),  # own line under another supplier's number
        line_url("PO-A", 999999, action),
    ):
        response = client.post(url, proposal, format="json")
        assert response.status_code == 404, url
    other.refresh_from_db()
    assert other.confirmed_date is None
    assert not LineProposal.objects.exists()


def test_a_supplier_proposes_another_date_and_quantity(api_for, world) -> None:  # type: ignore[no-untyped-def]
    line = world["a"]["line"]
    proposed = date.today() + timedelta(days=30)

    response = api_for(world["a"]["user"]).post(
        line_url("PO-A", line.pk, "propose"),
        {"date": str(proposed), "quantity": 80, "note": "Half the API batch failed QC"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["date"], body["quantity"], body["status"]) == (str(proposed), 80, "pending")
    proposal = LineProposal.objects.get()
    assert (proposal.line, proposal.proposed_by) == (line, world["a"]["user"])
    assert proposal.note == "Half the API batch failed QC"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"quantity": 10}, "date"),
        ({"date": "soon", "quantity": 10}, "date"),
        ({"date": "2030-01-01"}, "quantity"),
        ({"date": "2030-01-01", "quantity": 0}, "quantity"),
        ({"date": "2030-01-01", "quantity": "many"}, "quantity"),
    ],
)
def test_badly_formed_proposals_name_the_field(api_for, world, payload, field) -> None:  # type: ignore[no-untyped-def]
    line = world["a"]["line"]

    response = api_for(world["a"]["user"]).post(
        line_url("PO-A", line.pk, "propose"), payload, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("days", "quantity", "field"),
    [(-1, 10, "date"), (30, 101, "quantity")],
)
def test_proposals_refused_by_a_rule_name_the_field(api_for, world, days, quantity, field) -> None:  # type: ignore[no-untyped-def]
    line = world["a"]["line"]

    response = api_for(world["a"]["user"]).post(
        line_url("PO-A", line.pk, "propose"),
        {"date": str(date.today() + timedelta(days=days)), "quantity": quantity},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {field}
    assert not LineProposal.objects.exists()


def test_a_second_proposal_waits_for_the_first(api_for, world) -> None:  # type: ignore[no-untyped-def]
    client = api_for(world["a"]["user"])
    url = line_url("PO-A", world["a"]["line"].pk, "propose")
    payload = {"date": str(date.today() + timedelta(days=30)), "quantity": 50}
    client.post(url, payload, format="json")

    second = client.post(url, payload, format="json")
    confirm = client.post(line_url("PO-A", world["a"]["line"].pk, "confirm"))

    assert second.status_code == 400 and "date" in second.json()["error"]["fields"]
    assert confirm.status_code == 400
    assert LineProposal.objects.count() == 1
