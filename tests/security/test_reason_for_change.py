"""Regulated edits need a reason for change: with a blank reason the change is refused and
nothing changes. Covered here: the admin's regulated fields (supplier active, supplier terms
and price, purchase-order header and approved line quantities, dates and prices) and role
changes; suggestion edits, lot decisions and proposals have their own tests (test_worklist_pages,
test_cold_chain, test_portal_services)."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory

from accounts.roles import Role, user_roles
from accounts.services import user_set_roles
from common.errors import ReasonRequired
from suppliers.models import PurchaseOrder, PurchaseOrderLine, Supplier, SupplierItem
from tests.factories import PurchaseOrderLineFactory, SkuFactory, SupplierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_as_admin(admin_user):  # type: ignore[no-untyped-def]
    request = RequestFactory().post("/admin/")
    request.user = admin_user
    return request


def current_data(form_class: type, obj) -> dict:  # type: ignore[no-untyped-def]
    """What the admin's change form for `obj` posts when nothing is edited."""
    unbound = form_class(instance=obj)
    data: dict = {}
    for name in unbound.fields:
        value = unbound[name].value()
        if isinstance(value, datetime):  # the admin's split date and time inputs
            data[f"{name}_0"] = value.date()
            data[f"{name}_1"] = value.time().replace(microsecond=0)
        elif value is not None:
            data[name] = value
    return data


def bound_admin_form(model: type, obj, request, **changes):  # type: ignore[no-untyped-def]
    """The admin's change form for `obj`, posted with its current values and `changes`."""
    form_class = admin.site._registry[model].get_form(request, obj, change=True)
    return form_class(data={**current_data(form_class, obj), **changes}, instance=obj)


def supplier_item() -> SupplierItem:
    return SupplierItem.objects.create(
        supplier=SupplierFactory(),
        sku=SkuFactory(),
        unit_price=Decimal("4.00"),
        lead_time_mean_days=10,
        lead_time_std_days=2,
    )


@pytest.mark.parametrize(
    ("model", "make", "changes"),
    [
        (Supplier, SupplierFactory, {"active": False}),
        (SupplierItem, supplier_item, {"unit_price": "5.00"}),
        (
            PurchaseOrder,
            lambda: PurchaseOrderLineFactory().purchase_order,
            {"status": "cancelled"},
        ),
    ],
    ids=["supplier-active", "supplier-item-price", "purchase-order-status"],
)
def test_a_regulated_admin_change_without_a_reason_is_refused(
    model, make, changes, request_as_admin
) -> None:  # type: ignore[no-untyped-def]
    obj = make()

    blank = bound_admin_form(model, obj, request_as_admin, change_reason="  ", **changes)
    with_reason = bound_admin_form(
        model, obj, request_as_admin, change_reason="agreed with QA", **changes
    )

    assert not blank.is_valid()
    assert "Give a reason for changing" in str(blank.errors["change_reason"])
    assert with_reason.is_valid(), with_reason.errors
    assert model.objects.filter(pk=obj.pk).count() == 1


def test_an_unregulated_admin_change_needs_no_reason(request_as_admin) -> None:  # type: ignore[no-untyped-def]
    supplier = SupplierFactory()

    form = bound_admin_form(Supplier, supplier, request_as_admin, phone="+32 2 555 0100")

    assert form.is_valid(), form.errors


def test_a_blank_reason_in_the_admin_post_changes_nothing(admin_client, request_as_admin) -> None:  # type: ignore[no-untyped-def]
    item = supplier_item()
    form_class = admin.site._registry[SupplierItem].get_form(request_as_admin, item, change=True)
    data = current_data(form_class, item)

    response = admin_client.post(
        f"/admin/suppliers/supplieritem/{item.pk}/change/",
        {**data, "unit_price": "9.99", "change_reason": ""},
    )

    assert response.status_code == 200
    assert "Give a reason for changing" in response.content.decode()
    item.refresh_from_db()
    assert item.unit_price == Decimal("4.00")


def test_changing_a_draft_order_line_needs_a_reason(request_as_admin) -> None:  # type: ignore[no-untyped-def]
    line = PurchaseOrderLineFactory(quantity=100, purchase_order__status="draft")
    order = line.purchase_order
    inline = admin.site._registry[PurchaseOrder].get_inline_instances(request_as_admin, order)[0]
    formset_class = inline.get_formset(request_as_admin, order)
    prefix = formset_class.get_default_prefix()

    def formset(reason: str, quantity: int):  # type: ignore[no-untyped-def]
        data = {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "1",
            f"{prefix}-0-id": str(line.pk),
            f"{prefix}-0-purchase_order": str(order.pk),
            f"{prefix}-0-sku": str(line.sku_id),
            f"{prefix}-0-quantity": str(quantity),
            f"{prefix}-0-unit_price": str(line.unit_price),
            "change_reason": reason,
        }
        return formset_class(data=data, instance=order, prefix=prefix)

    blank = formset("", 250)
    assert not blank.is_valid()
    assert "Give a reason for changing" in str(blank.non_form_errors())
    assert formset("supplier short of stock", 250).is_valid()
    assert formset("", 100).is_valid()  # nothing regulated changed
    assert PurchaseOrderLine.objects.get(pk=line.pk).quantity == 100


def test_a_role_change_with_a_blank_reason_is_refused_and_changes_nothing(
    make_user, admin_user
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.VIEWER)

    with pytest.raises(ReasonRequired):
        user_set_roles(actor=admin_user, user=user, roles={Role.ADMIN}, reason="   ")

    user._roles_cache = None
    assert user_roles(user) == {Role.VIEWER}


@pytest.mark.parametrize("status", ["approved", "sent", "acknowledged", "received"])
def test_the_admin_shows_the_signed_terms_of_an_approved_order_read_only(
    status, request_as_admin
) -> None:  # type: ignore[no-untyped-def]
    order = PurchaseOrderLineFactory(purchase_order__status=status).purchase_order
    order_admin = admin.site._registry[PurchaseOrder]
    inline = order_admin.get_inline_instances(request_as_admin, order)[0]

    assert set(PurchaseOrderLine.SIGNED_TERMS) <= set(
        inline.get_readonly_fields(request_as_admin, order)
    )
    assert {"supplier", "destination"} <= set(
        order_admin.get_readonly_fields(request_as_admin, order)
    )
    assert not inline.has_add_permission(request_as_admin, order)


def test_the_admin_post_cannot_change_an_approved_line(admin_client, request_as_admin) -> None:  # type: ignore[no-untyped-def]
    line = PurchaseOrderLineFactory(quantity=100, purchase_order__status="sent")
    order = line.purchase_order
    form_class = admin.site._registry[PurchaseOrder].get_form(request_as_admin, order, change=True)
    prefix = "lines"

    response = admin_client.post(
        f"/admin/suppliers/purchaseorder/{order.pk}/change/",
        {
            **current_data(form_class, order),
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "1",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
            f"{prefix}-0-id": str(line.pk),
            f"{prefix}-0-purchase_order": str(order.pk),
            f"{prefix}-0-quantity": "999",
            f"{prefix}-0-unit_price": "0.01",
            "change_reason": "trying the admin",
        },
    )

    assert response.status_code == 302  # saved: only the line's terms were ignored
    line.refresh_from_db()
    assert (line.quantity, line.reapproval_required) == (100, False)
