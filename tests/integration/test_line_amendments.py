"""An approved order line's terms are signed; changing them needs a reason and another
planner's signed approval, and the earlier signature verifies only against the old terms."""

import copy
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditLogEntry, Signature
from accounts.services import canonical_content_hash, signature_matches
from common.errors import ReasonRequired, SignatureRefused
from inventory.models import StockPosition
from optimization.services.approvals import suggestions_approve
from suppliers.models import PurchaseOrderLine, SupplierUser
from suppliers.services.amendments import AmendmentRefused, LineNotFound, line_amend, line_reapprove
from suppliers.services.portal import PortalRefused, line_confirm, line_propose, purchase_order_send
from suppliers.services.purchase_orders import purchase_order_line_receive
from tests.factories import TEST_PASSWORD, SuggestedOrderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner():  # type: ignore[no-untyped-def]
    return UserFactory(roles=["planner"], approval_limit=Decimal("5000"))


@pytest.fixture
def colleague():  # type: ignore[no-untyped-def]
    return UserFactory(roles=["planner"], approval_limit=Decimal("5000"))


@pytest.fixture
def line(planner) -> PurchaseOrderLine:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()
    suggestions_approve(actor=planner, suggestion_ids=[suggestion.pk], password=TEST_PASSWORD)
    suggestion.refresh_from_db()
    return PurchaseOrderLine.objects.select_related("purchase_order").get(
        pk=suggestion.purchase_order_line_id
    )


def line_signatures(line: PurchaseOrderLine) -> list[Signature]:
    return list(
        Signature.objects.filter(
            content_type__model="purchaseorderline", object_pk=str(line.pk)
        ).order_by("signed_at", "pk")
    )


def amend(actor, line, **changes):  # type: ignore[no-untyped-def]
    values = {
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "requested_date": line.requested_date,
        "reason": "Supplier short of stock",
    }
    values.update(changes)
    return line_amend(actor=actor, line_id=line.pk, **values)


def stored(line: PurchaseOrderLine) -> PurchaseOrderLine:
    return PurchaseOrderLine.objects.select_related("purchase_order").get(pk=line.pk)


def test_an_approval_signs_the_order_lines_terms(line, planner) -> None:  # type: ignore[no-untyped-def]
    [signature] = line_signatures(line)

    assert (signature.signer, signature.meaning) == (planner, "approved")
    assert signature_matches(signature, line)


def test_the_signed_terms_leave_out_what_the_supplier_and_receiving_change(line) -> None:  # type: ignore[no-untyped-def]
    line.purchase_order.status = "sent"
    line.purchase_order.save()
    line_receive_day = timezone.localdate()
    line.confirmed_date = line.requested_date
    line.confirmed_quantity = line.quantity
    line.save()
    purchase_order_line_receive(
        actor=None,
        line=stored(line),
        quantity_received=1,
        lot_number="LOT-1",
        expiry_date=line_receive_day + timedelta(days=700),
        today=line_receive_day,
    )

    assert signature_matches(line_signatures(line)[0], stored(line))


def test_an_amendment_changes_the_terms_and_waits_for_reapproval(line, planner) -> None:  # type: ignore[no-untyped-def]
    amend(planner, line, quantity=line.quantity + 50, unit_price=Decimal("3.10"))

    changed = stored(line)
    assert (changed.quantity, changed.unit_price) == (line.quantity + 50, Decimal("3.10"))
    assert (changed.reapproval_required, changed.amended_by) == (True, planner)


def test_an_amendment_is_on_the_trail_with_its_reason(line, planner) -> None:  # type: ignore[no-untyped-def]
    amend(planner, line, quantity=line.quantity + 50, reason="Tender volume")

    entry = AuditLogEntry.objects.filter(
        content_type__model="purchaseorderline", object_pk=str(line.pk)
    ).latest("sequence")
    assert entry.reason == "Tender volume"
    assert entry.changes_dict["quantity"] == [line.quantity, line.quantity + 50]


def test_an_amendment_moves_the_sites_on_order_figure(line, planner) -> None:  # type: ignore[no-untyped-def]
    amend(planner, line, quantity=line.quantity + 50)

    position = StockPosition.objects.get(
        sku_id=line.sku_id, site_id=line.purchase_order.destination_id
    )
    assert position.on_order == line.quantity + 50


def test_a_new_quantity_asks_the_supplier_to_confirm_again(line, planner) -> None:  # type: ignore[no-untyped-def]
    line.confirmed_date, line.confirmed_quantity = line.requested_date, line.quantity
    line.save()

    amend(planner, line, quantity=line.quantity + 1)

    assert (stored(line).confirmed_date, stored(line).confirmed_quantity) == (None, None)


def test_a_new_price_alone_keeps_the_suppliers_confirmation(line, planner) -> None:  # type: ignore[no-untyped-def]
    line.confirmed_date, line.confirmed_quantity = line.requested_date, line.quantity
    line.save()

    amend(planner, line, unit_price=line.unit_price + 1)

    assert stored(line).confirmed_quantity == line.quantity


def test_an_amendment_without_a_reason_is_refused_and_changes_nothing(line, planner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReasonRequired):
        amend(planner, line, quantity=line.quantity + 50, reason="   ")

    assert (stored(line).quantity, stored(line).reapproval_required) == (line.quantity, False)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"unit_price": Decimal("-1")}, "unit_price"),
        ({"unit_price": Decimal("1.234")}, "unit_price"),
        ({"unit_price": "NaN"}, "unit_price"),
        ({"requested_date": None}, "requested_date"),
    ],
)
def test_bad_terms_are_refused_by_field_and_change_nothing(line, planner, changes, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AmendmentRefused) as refused:
        amend(planner, line, **changes)

    assert field in refused.value.fields
    assert stored(line).reapproval_required is False


def test_a_date_before_the_order_date_is_refused(line, planner) -> None:  # type: ignore[no-untyped-def]
    ordered_on = line.purchase_order.ordered_on

    with pytest.raises(AmendmentRefused) as refused:
        amend(planner, line, requested_date=ordered_on - timedelta(days=1))

    assert f"{ordered_on:%Y-%m-%d}" in refused.value.fields["requested_date"][0]


def test_the_quantity_cannot_go_below_what_was_received(line, planner) -> None:  # type: ignore[no-untyped-def]
    PurchaseOrderLine.objects.filter(pk=line.pk).update(received_quantity=30)

    with pytest.raises(AmendmentRefused) as refused:
        amend(planner, line, quantity=20)

    assert "30 units already received" in refused.value.fields["quantity"][0]


def test_an_amendment_that_changes_nothing_is_refused(line, planner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AmendmentRefused, match="Nothing changed"):
        amend(planner, line)


@pytest.mark.parametrize("status", ["received", "cancelled"])
def test_a_closed_orders_lines_cannot_be_changed(line, planner, status) -> None:  # type: ignore[no-untyped-def]
    line.purchase_order.status = status
    line.purchase_order.save()

    with pytest.raises(AmendmentRefused, match="can no longer be changed"):
        amend(planner, line, quantity=line.quantity + 1)


@pytest.mark.parametrize("role", ["admin", "viewer", "quality", "supplier"])
def test_only_planners_change_approved_lines(line, role) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LineNotFound):
        amend(UserFactory(roles=[role]), line, quantity=line.quantity + 1)


def test_the_old_signature_verifies_only_against_the_old_terms(line, planner) -> None:  # type: ignore[no-untyped-def]
    before = copy.copy(stored(line))
    [signature] = line_signatures(line)

    amend(planner, line, quantity=line.quantity + 50)

    assert not signature_matches(signature, stored(line))
    assert signature.content_hash == canonical_content_hash(before)


def test_a_changed_order_cannot_be_sent(line, planner) -> None:  # type: ignore[no-untyped-def]
    amend(planner, line, quantity=line.quantity + 50)

    with pytest.raises(PortalRefused, match="changed after approval"):
        purchase_order_send(actor=planner, order_id=line.purchase_order_id)


def test_the_supplier_cannot_confirm_or_propose_on_a_changed_line(line, planner) -> None:  # type: ignore[no-untyped-def]
    purchase_order_send(actor=planner, order_id=line.purchase_order_id)
    amend(planner, line, quantity=line.quantity + 50)
    supplier_user = UserFactory(roles=["supplier"])
    SupplierUser.objects.create(user=supplier_user, supplier=line.purchase_order.supplier)

    with pytest.raises(PortalRefused, match="not approved the change"):
        line_confirm(actor=supplier_user, line_id=line.pk)
    with pytest.raises(PortalRefused, match="not approved the change"):
        line_propose(
            actor=supplier_user,
            line_id=line.pk,
            proposed_date=timezone.localdate() + timedelta(days=20),
            proposed_quantity=10,
        )


def test_whoever_changed_a_line_cannot_approve_the_change(line, planner) -> None:  # type: ignore[no-untyped-def]
    amend(planner, line, quantity=line.quantity + 50)

    with pytest.raises(AmendmentRefused, match="another planner"):
        line_reapprove(actor=planner, line_id=line.pk, password=TEST_PASSWORD)

    assert stored(line).reapproval_required is True
    assert len(line_signatures(line)) == 1


def test_another_planner_approves_the_change_with_a_signature(line, planner, colleague) -> None:  # type: ignore[no-untyped-def]
    amend(planner, line, quantity=line.quantity + 50)

    line_reapprove(actor=colleague, line_id=line.pk, password=TEST_PASSWORD, reason="Agreed")

    old, new = line_signatures(line)
    assert stored(line).reapproval_required is False
    assert (new.signer, new.meaning, new.reason) == (colleague, "approved", "Agreed")
    assert signature_matches(new, stored(line))
    assert not signature_matches(old, stored(line))


def test_a_reapproved_order_can_be_sent(line, planner, colleague) -> None:  # type: ignore[no-untyped-def]
    amend(planner, line, quantity=line.quantity + 50)
    line_reapprove(actor=colleague, line_id=line.pk, password=TEST_PASSWORD)

    order = purchase_order_send(actor=planner, order_id=line.purchase_order_id)

    assert order.status == "sent"


def test_a_wrong_password_approves_nothing(line, planner, colleague) -> None:  # type: ignore[no-untyped-def]
    amend(planner, line, quantity=line.quantity + 50)

    with pytest.raises(SignatureRefused):
        line_reapprove(actor=colleague, line_id=line.pk, password="not-the-password")

    assert stored(line).reapproval_required is True
    assert len(line_signatures(line)) == 1


def test_a_line_without_a_change_has_nothing_to_approve(line, colleague) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AmendmentRefused, match="no change waiting"):
        line_reapprove(actor=colleague, line_id=line.pk, password=TEST_PASSWORD)
