"""Writable serializers and forms never take protected fields from input.

Status, approvals, decisions, signatures, suppliers (of an existing order), who created or
decided, and account privileges change only through their services (approve, reject, release,
sign, set roles). `version` is accepted only as the version a change was decided on (optimistic
locking), never stored from input: the service increments it.

Structural tests read every serializer and form of the apps, so a new one is checked too;
behavioural tests send the fields to the endpoints and show they are refused or ignored.
"""

import importlib
import inspect

import pytest
from django import forms
from rest_framework import serializers

from accounts.roles import Role
from tests.factories import TEST_PASSWORD, SuggestedOrderFactory, published_plan

PROTECTED = {
    "status",
    "approved_by",
    "approved_at",
    "first_approved_by",
    "decided_by",
    "decided_at",
    "signature",
    "signer",
    "supplier",
    "created_by",
    "is_superuser",
    "is_staff",
    "groups",
    "user_permissions",
    "content_hash",
}
MODULES = [
    "accounts.api.views",
    "accounts.api.serializers",
    "accounts.forms",
    "inventory.api.stock",
    "inventory.api.cold_chain",
    "inventory.forms.stock",
    "suppliers.api.views",
    "suppliers.forms.purchase_orders",
    "forecasting.api.views",
    "forecasting.forms",
    "optimization.api.calculators",
    "optimization.api.plans",
    "optimization.forms.policies",
    "alerts.forms",
]
# Read-side forms and serializers (GET filters): they choose what to list, they change nothing.
FILTER_FORM_SUFFIXES = ("FilterForm", "FiltersForm", "SearchForm")
FILTER_SERIALIZER_SUFFIXES = ("SearchSerializer", "FilterSerializer", "QuerySerializer")


def classes(base: type) -> list[type]:
    found = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, base) and value.__module__ == name:
                found[f"{name}.{value.__name__}"] = value
    return [found[key] for key in sorted(found)]


def writable_serializer_fields(serializer_class: type) -> set[str]:
    try:
        fields = serializer_class().fields
    except Exception:  # needs context to build: read the declared fields
        fields = serializer_class._declared_fields
    return {name for name, field in fields.items() if not field.read_only}


SERIALIZERS = [
    serializer
    for serializer in classes(serializers.Serializer)
    if not serializer.__name__.endswith(FILTER_SERIALIZER_SUFFIXES)
]
FORMS = [
    form for form in classes(forms.BaseForm) if not form.__name__.endswith(FILTER_FORM_SUFFIXES)
]


@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda c: c.__name__)
def test_no_serializer_takes_a_protected_field(serializer_class: type) -> None:
    assert not writable_serializer_fields(serializer_class) & PROTECTED


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: c.__name__)
def test_no_form_takes_a_protected_field(form_class: type) -> None:
    assert not set(form_class.base_fields) & PROTECTED


# ---- behaviour --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_user_cannot_be_made_superuser_or_given_groups_through_the_api(
    admin_client, make_user
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.VIEWER, username="plain")

    response = admin_client.patch(
        f"/api/v1/users/{user.pk}/",
        {"is_superuser": True, "is_staff": True, "groups": [1], "password": "x", "username": "y"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) >= {"is_superuser", "password", "username"}
    user.refresh_from_db()
    assert (user.is_superuser, user.is_staff, user.username) == (False, False, "plain")


@pytest.mark.django_db
def test_editing_a_suggestion_ignores_status_supplier_approver_and_version_input(
    client, make_user
) -> None:  # type: ignore[no-untyped-def]
    from suppliers.models import Supplier

    planner = make_user(Role.PLANNER, username="pp")
    other_planner = make_user(Role.PLANNER, username="qq")
    suggestion = SuggestedOrderFactory(plan=published_plan())
    before = (suggestion.status, suggestion.supplier_id, suggestion.version)
    other_supplier = Supplier.objects.create(code="OTHER", name="Other")
    client.force_login(planner)

    response = client.post(
        f"/api/v1/reorder/recommendations/{suggestion.pk}/edit",
        {
            "quantity": suggestion.quantity,
            "order_date": suggestion.order_date.isoformat(),
            "reason": "same again",
            "version": suggestion.version,
            "status": "approved",
            "supplier": other_supplier.pk,
            "approved_by": other_planner.pk,
            "signature": "forged",
        },
        content_type="application/json",
    )

    assert response.status_code in (200, 400)
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.supplier_id) == before[:2]
    assert suggestion.version in (before[2], before[2] + 1)
    assert getattr(suggestion, "approved_by_id", None) is None


@pytest.mark.django_db
def test_approving_through_the_api_ignores_a_forged_signer(client, make_user) -> None:  # type: ignore[no-untyped-def]
    from accounts.models import Signature

    planner = make_user(Role.PLANNER, username="signer-a")
    impostor = make_user(Role.PLANNER, username="signer-b")
    suggestion = SuggestedOrderFactory(plan=published_plan())
    client.force_login(planner)

    response = client.post(
        "/api/v1/reorder/recommendations/approve",
        {
            "ids": [suggestion.pk],
            "password": TEST_PASSWORD,
            "signer": impostor.pk,
            "approved_by": impostor.pk,
            "status": "rejected",
        },
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert set(Signature.objects.values_list("signer__username", flat=True)) == {"signer-a"}
    suggestion.refresh_from_db()
    assert suggestion.status == "approved"
