"""Supplier master data in the admin: linking portal users to their supplier, and the one set
of scorecard weights (edited with a reason on the audit trail, never added or deleted)."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from accounts.models import AuditLogEntry
from accounts.roles import Role
from suppliers.models import ScorecardWeights, SupplierUser
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db

WEIGHTS = {
    "otif": "0.50",
    "quality": "0.20",
    "lead_time": "0.10",
    "price": "0.10",
    "acknowledgement": "0.10",
    "grade_a_from": "90",
    "grade_b_from": "75",
    "grade_c_from": "60",
}


@pytest.fixture
def weights() -> ScorecardWeights:
    return ScorecardWeights.objects.get_or_create(name="default")[0]


def test_an_admin_links_a_user_to_a_supplier(admin_client, make_user) -> None:  # type: ignore[no-untyped-def]
    supplier = SupplierFactory(code="ACME")
    user = make_user(Role.SUPPLIER, username="sam")

    response = admin_client.post(
        "/admin/suppliers/supplieruser/add/",
        {"user": user.pk, "supplier": supplier.pk, "change_reason": "New account manager"},
    )

    assert response.status_code == 302
    assert SupplierUser.objects.get(user=user).supplier == supplier
    listed = admin_client.get(
        "/admin/suppliers/supplieruser/", {"supplier__id__exact": supplier.pk}
    )
    assert "sam" in listed.content.decode()


def test_the_supplier_page_lists_its_portal_users(admin_client, make_user) -> None:  # type: ignore[no-untyped-def]
    supplier = SupplierFactory(code="ACME")
    SupplierUser.objects.create(user=make_user(Role.SUPPLIER, username="sam"), supplier=supplier)

    page = admin_client.get(f"/admin/suppliers/supplier/{supplier.pk}/change/").content.decode()

    assert "Portal users" in page and "sam" in page


def test_weights_are_edited_with_a_reason_on_the_audit_trail(admin_client, weights) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(
        f"/admin/suppliers/scorecardweights/{weights.pk}/change/",
        {**WEIGHTS, "change_reason": "Delivery matters more this year"},
    )

    assert response.status_code == 302
    weights.refresh_from_db()
    assert weights.otif == Decimal("0.50")
    entry = AuditLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ScorecardWeights), object_pk=str(weights.pk)
    ).latest("timestamp")
    assert entry.reason == "Delivery matters more this year"


def test_weights_that_add_up_to_nothing_are_refused(admin_client, weights) -> None:  # type: ignore[no-untyped-def]
    zero = dict.fromkeys(("otif", "quality", "lead_time", "price", "acknowledgement"), "0")

    response = admin_client.post(
        f"/admin/suppliers/scorecardweights/{weights.pk}/change/", {**WEIGHTS, **zero}
    )

    assert response.status_code == 200
    assert "At least one weight must be above zero" in response.content.decode()


def test_grade_bands_out_of_order_are_refused(admin_client, weights) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(
        f"/admin/suppliers/scorecardweights/{weights.pk}/change/",
        {**WEIGHTS, "grade_b_from": "95"},
    )

    assert response.status_code == 200
    weights.refresh_from_db()
    assert weights.grade_b_from == Decimal("75")


def test_the_one_row_of_weights_is_never_added_to_or_deleted(admin_client, weights) -> None:  # type: ignore[no-untyped-def]
    assert admin_client.get("/admin/suppliers/scorecardweights/add/").status_code == 403
    assert (
        admin_client.get(f"/admin/suppliers/scorecardweights/{weights.pk}/delete/").status_code
        == 403
    )


@pytest.mark.parametrize("model", ["supplierscorecard", "lineproposal", "shippingnotice"])
def test_computed_and_supplier_sent_records_are_read_only(admin_client, model) -> None:  # type: ignore[no-untyped-def]
    assert admin_client.get(f"/admin/suppliers/{model}/").status_code == 200
    assert admin_client.get(f"/admin/suppliers/{model}/add/").status_code == 403
