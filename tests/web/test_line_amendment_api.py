"""The API for ERP systems: a planner changes an approved line's terms with a reason, another
planner approves the change with a signature; refusals answer 400 naming the fields, lines
out of reach 404, other roles 403."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import Signature
from accounts.roles import Role
from optimization.services.approvals import suggestions_approve
from suppliers.models import PurchaseOrderLine
from tests.factories import TEST_PASSWORD, SuggestedOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.PLANNER, username="ann", approval_limit=Decimal("5000"))


@pytest.fixture
def reviewer(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.PLANNER, username="rob", approval_limit=Decimal("5000"))


@pytest.fixture
def line(author) -> PurchaseOrderLine:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()
    suggestions_approve(actor=author, suggestion_ids=[suggestion.pk], password=TEST_PASSWORD)
    suggestion.refresh_from_db()
    return PurchaseOrderLine.objects.select_related("purchase_order").get(
        pk=suggestion.purchase_order_line_id
    )


def as_user(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(line: PurchaseOrderLine, action: str, number: str | None = None) -> str:
    return (
        f"/api/v1/purchase-orders/{number or line.purchase_order.number}/lines/{line.pk}/{action}"
    )


def terms(line: PurchaseOrderLine, **changes: object) -> dict:
    body = {
        "quantity": line.quantity + 50,
        "unit_price": str(line.unit_price),
        "requested_date": line.requested_date.isoformat(),
        "reason": "Tender volume",
    }
    body.update(changes)
    return body


def test_a_planner_changes_a_line(line, author) -> None:  # type: ignore[no-untyped-def]
    response = as_user(author).post(url(line, "amend"), terms(line), format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["quantity"], body["reapproval_required"], body["amendment_reason"]) == (
        line.quantity + 50,
        True,
        "Tender volume",
    )


def test_a_change_without_a_reason_is_refused_by_field(line, author) -> None:  # type: ignore[no-untyped-def]
    response = as_user(author).post(url(line, "amend"), terms(line, reason=" "), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "reason_required"
    assert "reason" in response.json()["error"]["fields"]
    assert PurchaseOrderLine.objects.get(pk=line.pk).quantity == line.quantity


def test_a_date_before_the_order_is_refused_by_field(line, author) -> None:  # type: ignore[no-untyped-def]
    early = line.purchase_order.ordered_on.replace(year=line.purchase_order.ordered_on.year - 1)

    response = as_user(author).post(
        url(line, "amend"), terms(line, requested_date=early.isoformat()), format="json"
    )

    assert response.status_code == 400
    assert "requested_date" in response.json()["error"]["fields"]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.QUALITY, Role.ADMIN, Role.SUPPLIER])
def test_only_planners_may_change_a_line(line, make_user, role) -> None:  # type: ignore[no-untyped-def]
    response = as_user(make_user(role)).post(url(line, "amend"), terms(line), format="json")

    assert response.status_code == 403
    assert PurchaseOrderLine.objects.get(pk=line.pk).quantity == line.quantity


def test_a_line_under_another_order_number_is_not_found(line, author) -> None:  # type: ignore[no-untyped-def]
    response = as_user(author).post(
        url(line, "amend", number="PO-NOT-THIS-ONE"), terms(line), format="json"
    )

    assert response.status_code == 404


def test_another_planner_approves_the_change(line, author, reviewer) -> None:  # type: ignore[no-untyped-def]
    as_user(author).post(url(line, "amend"), terms(line), format="json")

    response = as_user(reviewer).post(
        url(line, "reapprove"), {"password": TEST_PASSWORD, "reason": "Agreed"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["reapproval_required"] is False
    signers = Signature.objects.filter(
        content_type__model="purchaseorderline", object_pk=str(line.pk)
    ).values_list("signer__username", flat=True)
    assert sorted(signers) == ["ann", "rob"]


def test_the_author_cannot_approve_their_own_change(line, author) -> None:  # type: ignore[no-untyped-def]
    as_user(author).post(url(line, "amend"), terms(line), format="json")

    response = as_user(author).post(url(line, "reapprove"), {"password": TEST_PASSWORD})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "amendment_refused"


def test_a_wrong_password_signs_nothing(line, author, reviewer) -> None:  # type: ignore[no-untyped-def]
    as_user(author).post(url(line, "amend"), terms(line), format="json")

    response = as_user(reviewer).post(url(line, "reapprove"), {"password": "wrong"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "signature_refused"
    assert PurchaseOrderLine.objects.get(pk=line.pk).reapproval_required is True
