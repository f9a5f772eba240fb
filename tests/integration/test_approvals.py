"""Planners' decisions on suggested orders: validated edits, rejections, signed approvals into
purchase orders, approval limits (four eyes), idempotency keys and optimistic locking."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from accounts.models import AuditLogEntry, SecurityEvent, Signature
from accounts.services import signature_matches
from common.errors import ReasonRequired, SignatureRefused
from inventory.models import StockPosition
from optimization.models import SuggestedOrder, SuggestionStatus
from optimization.services.approvals import (
    SuggestionConflict,
    SuggestionRefused,
    approval_limit,
    suggestion_edit,
    suggestion_reject,
    suggestions_approve,
)
from suppliers.models import PurchaseOrder, PurchaseOrderLine
from tests.factories import TEST_PASSWORD, SiteFactory, SuggestedOrderFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def planner():  # type: ignore[no-untyped-def]
    return UserFactory(roles=["planner"], approval_limit=Decimal("5000"))


@pytest.fixture
def colleague():  # type: ignore[no-untyped-def]
    return UserFactory(roles=["planner"], approval_limit=Decimal("5000"))


def edit(planner, suggestion, **changes):  # type: ignore[no-untyped-def]
    values = {
        "quantity": suggestion.quantity,
        "order_date": suggestion.order_date,
        "reason": "Tender volume",
        "expected_version": suggestion.version,
    }
    values.update(changes)
    return suggestion_edit(actor=planner, suggestion_id=suggestion.pk, today=TODAY, **values)


def approve(user, *suggestions, **kwargs):  # type: ignore[no-untyped-def]
    return suggestions_approve(
        actor=user,
        suggestion_ids=[s.pk for s in suggestions],
        password=kwargs.pop("password", TEST_PASSWORD),
        **kwargs,
    )


def unchanged(suggestion: SuggestedOrder) -> bool:
    stored = SuggestedOrder.objects.get(pk=suggestion.pk)
    return (stored.quantity, stored.order_date, stored.status, stored.version) == (
        suggestion.quantity,
        suggestion.order_date,
        suggestion.status,
        suggestion.version,
    )


# ---- edit ------------------------------------------------------------------------------------


def test_an_edit_changes_quantity_date_arrival_and_value(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    edited = edit(planner, suggestion, quantity=200, order_date=TODAY + timedelta(days=2))

    assert (edited.quantity, edited.status, edited.version) == (200, "edited", 2)
    assert edited.arrival_date == TODAY + timedelta(days=16)
    assert edited.value == Decimal("2000.00")
    assert (edited.edited_by, edited.edit_reason) == (planner, "Tender volume")


def test_an_edit_is_on_the_audit_trail_with_its_reason(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    edit(planner, suggestion, quantity=200)

    entry = AuditLogEntry.objects.filter(object_pk=str(suggestion.pk)).latest("timestamp")
    assert entry.changes["quantity"] == [100, 200]
    assert (entry.actor, entry.reason) == (planner, "Tender volume")


def test_an_edit_prices_the_new_quantity_at_its_break(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory(price_breaks=[{"min_quantity": 500, "unit_price": "9.00"}])

    edited = edit(planner, suggestion, quantity=500)

    assert (edited.unit_price, edited.value) == (Decimal("9.00"), Decimal("4500.00"))


def test_an_edit_without_a_reason_is_refused(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    with pytest.raises(ReasonRequired):
        edit(planner, suggestion, quantity=200, reason="  ")
    assert unchanged(suggestion)


def test_a_quantity_off_the_order_multiple_is_refused_with_the_neighbours(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    with pytest.raises(SuggestionRefused) as refused:
        edit(planner, suggestion, quantity=205)

    assert refused.value.fields["quantity"] == [
        "Must be a multiple of 10 (the supplier's order multiple), e.g. 200 or 210."
    ]
    assert unchanged(suggestion)


def test_a_quantity_below_the_moq_is_refused(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    with pytest.raises(SuggestionRefused) as refused:
        edit(planner, suggestion, quantity=40)

    assert refused.value.fields["quantity"] == [
        "At least the supplier's minimum order quantity, 50."
    ]


def test_a_quantity_above_the_shelf_life_cap_is_refused(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory(shelf_life_cap=300)

    with pytest.raises(SuggestionRefused) as refused:
        edit(planner, suggestion, quantity=310)

    assert refused.value.fields["quantity"] == [
        "At most 300: more would expire before it is used (shelf-life cap)."
    ]


@pytest.mark.parametrize("quantity", [0, -10, 12.5, "100", True])
def test_a_quantity_that_is_not_a_positive_whole_number_is_refused(planner, quantity) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    with pytest.raises(SuggestionRefused) as refused:
        edit(planner, suggestion, quantity=quantity)

    assert refused.value.fields["quantity"] == ["Enter a whole number of units above zero."]


def test_an_order_date_in_the_past_is_refused(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    with pytest.raises(SuggestionRefused) as refused:
        edit(planner, suggestion, order_date=TODAY - timedelta(days=1))

    assert refused.value.fields["order_date"] == ["The order date cannot be in the past."]


def test_an_order_date_more_than_a_year_ahead_is_refused(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    with pytest.raises(SuggestionRefused, match="At most 365 days ahead"):
        edit(planner, suggestion, order_date=TODAY + timedelta(days=366))


def test_an_edit_against_an_older_version_is_a_conflict_naming_who_changed_it(
    planner, colleague
) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()
    edit(colleague, suggestion, quantity=200)

    with pytest.raises(SuggestionConflict) as conflict:
        edit(planner, suggestion, quantity=300, expected_version=1)

    assert conflict.value.message.startswith(f"{colleague.full_name} changed")
    assert "reload" in conflict.value.message
    assert SuggestedOrder.objects.get(pk=suggestion.pk).quantity == 200


def test_an_approved_suggestion_cannot_be_edited(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()
    approve(planner, suggestion)
    suggestion.refresh_from_db()

    with pytest.raises(SuggestionRefused, match="already approved"):
        edit(planner, suggestion, quantity=200)


# ---- reject ----------------------------------------------------------------------------------


def test_a_rejection_keeps_the_suggestion_with_its_reason(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    rejected = suggestion_reject(
        actor=planner, suggestion_id=suggestion.pk, reason="Discontinued", expected_version=1
    )

    assert (rejected.status, rejected.decided_by, rejected.decision_reason) == (
        "rejected",
        planner,
        "Discontinued",
    )


def test_a_rejection_needs_a_reason(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    with pytest.raises(ReasonRequired):
        suggestion_reject(actor=planner, suggestion_id=suggestion.pk, reason="", expected_version=1)
    assert unchanged(suggestion)


def test_a_rejected_suggestion_cannot_be_approved(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()
    suggestion_reject(actor=planner, suggestion_id=suggestion.pk, reason="No", expected_version=1)

    with pytest.raises(SuggestionRefused, match="already rejected"):
        approve(planner, suggestion)
    assert not PurchaseOrderLine.objects.exists()


# ---- approve ---------------------------------------------------------------------------------


def test_an_approval_within_the_limit_becomes_a_purchase_order_line(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    outcome = approve(planner, suggestion)

    suggestion.refresh_from_db()
    line = suggestion.purchase_order_line
    assert outcome.approved == [suggestion.pk]
    assert suggestion.status == SuggestionStatus.APPROVED
    assert (line.sku, line.quantity, line.unit_price) == (suggestion.sku, 100, Decimal("10.00"))
    assert line.requested_date == suggestion.arrival_date
    order = line.purchase_order
    assert (order.supplier, order.destination, order.status) == (
        suggestion.supplier,
        suggestion.site,
        "approved",
    )
    assert order.ordered_on == suggestion.order_date
    assert outcome.purchase_orders == [order.number]


def test_an_approval_is_signed_with_the_printed_name_and_the_content(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    approve(planner, suggestion)

    suggestion.refresh_from_db()
    signature = Signature.objects.get(
        content_type__model="suggestedorder", object_pk=str(suggestion.pk)
    )
    assert (signature.signer_full_name, signature.meaning) == (planner.full_name, "approved")
    assert signature_matches(signature, suggestion)


def test_an_approval_raises_the_sites_on_order_figure(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    approve(planner, suggestion)

    position = StockPosition.objects.get(sku=suggestion.sku, site=suggestion.site)
    assert position.on_order == 100


def test_lines_for_one_supplier_site_and_day_share_one_purchase_order(planner) -> None:  # type: ignore[no-untyped-def]
    first = SuggestedOrderFactory()
    second = SuggestedOrderFactory(plan=first.plan, site=first.site, supplier=first.supplier)
    elsewhere = SuggestedOrderFactory(plan=first.plan, supplier=first.supplier, site=SiteFactory())

    outcome = approve(planner, first, second, elsewhere)

    assert len(outcome.purchase_orders) == 2
    shared = PurchaseOrder.objects.get(destination=first.site)
    assert shared.lines.count() == 2


def test_a_wrong_password_approves_nothing_and_is_recorded(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    with pytest.raises(SignatureRefused):
        approve(planner, suggestion, password="wrong")

    assert unchanged(suggestion)
    assert not PurchaseOrderLine.objects.exists()
    assert SecurityEvent.objects.get().username == planner.username


def test_above_the_limit_the_first_approval_waits_for_a_second(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory(quantity=1000)  # 10,000 > 5,000

    outcome = approve(planner, suggestion)

    suggestion.refresh_from_db()
    assert outcome.awaiting_second == [suggestion.pk]
    assert suggestion.status == SuggestionStatus.AWAITING_SECOND
    assert suggestion.first_approved_by == planner
    assert not PurchaseOrderLine.objects.exists()


def test_the_first_approver_cannot_also_give_the_second_approval(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory(quantity=1000)
    approve(planner, suggestion)

    with pytest.raises(SuggestionRefused, match="needs a second planner"):
        approve(planner, suggestion)
    assert not PurchaseOrderLine.objects.exists()


def test_a_second_planner_completes_the_approval(planner, colleague) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory(quantity=1000)
    approve(planner, suggestion)

    outcome = approve(colleague, suggestion)

    suggestion.refresh_from_db()
    assert outcome.approved == [suggestion.pk]
    assert (suggestion.status, suggestion.decided_by) == ("approved", colleague)
    assert (
        Signature.objects.filter(
            content_type__model="suggestedorder", object_pk=str(suggestion.pk)
        ).count()
        == 2
    )


def test_nobody_completes_the_approval_of_their_own_edit_above_the_limit(
    planner, colleague
) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()
    edited = edit(planner, suggestion, quantity=1000)
    approve(colleague, edited)  # first approval, above the colleague's limit too

    with pytest.raises(SuggestionRefused, match="someone other than its editor"):
        approve(planner, edited)
    assert not PurchaseOrderLine.objects.exists()


def test_an_edit_after_a_first_approval_needs_approving_again(planner, colleague) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory(quantity=1000)
    approve(planner, suggestion)
    suggestion.refresh_from_db()

    edited = edit(colleague, suggestion, quantity=900)

    assert edited.status == SuggestionStatus.EDITED
    assert edited.first_approved_by is None


def test_a_planner_without_a_limit_of_their_own_has_the_default() -> None:
    with override_settings(PLAN_DEFAULT_APPROVAL_LIMIT=1234):
        assert approval_limit(UserFactory(roles=["planner"])) == Decimal("1234")


def test_the_same_idempotency_key_approves_once(planner) -> None:  # type: ignore[no-untyped-def]
    suggestion = SuggestedOrderFactory()

    first = approve(planner, suggestion, idempotency_key="dialog-1")
    again = approve(planner, suggestion, idempotency_key="dialog-1")

    assert PurchaseOrderLine.objects.count() == 1
    assert again.replayed and not first.replayed
    assert again.approved == first.approved


def test_another_users_idempotency_key_is_refused(planner, colleague) -> None:  # type: ignore[no-untyped-def]
    approve(planner, SuggestedOrderFactory(), idempotency_key="dialog-1")

    with pytest.raises(SuggestionRefused, match="another user"):
        approve(colleague, SuggestedOrderFactory(), idempotency_key="dialog-1")


def test_a_bulk_approval_is_all_or_nothing(planner, colleague) -> None:  # type: ignore[no-untyped-def]
    fine = SuggestedOrderFactory()
    stale = SuggestedOrderFactory(plan=fine.plan)
    edit(colleague, stale, quantity=200)

    with pytest.raises(SuggestionConflict):
        approve(planner, fine, stale, expected_versions={fine.pk: 1, stale.pk: 1})

    assert unchanged(fine)
    assert not PurchaseOrderLine.objects.exists()


def test_a_bulk_approval_signs_every_row_with_one_password(planner) -> None:  # type: ignore[no-untyped-def]
    rows = [SuggestedOrderFactory() for _ in range(3)]

    outcome = approve(planner, *rows)

    assert sorted(outcome.approved) == sorted(row.pk for row in rows)
    signed = Signature.objects.values_list("content_type__model", flat=True)
    assert sorted(signed) == ["purchaseorderline"] * 3 + ["suggestedorder"] * 3


def test_approving_nothing_is_refused(planner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SuggestionRefused, match="at least one"):
        suggestions_approve(actor=planner, suggestion_ids=[], password=TEST_PASSWORD)


def test_a_suggestion_of_a_replaced_plan_cannot_be_decided(planner) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import published_plan

    old = SuggestedOrderFactory()
    published_plan()  # a newer plan becomes current

    with pytest.raises(SuggestionRefused, match="a newer plan has replaced"):
        approve(planner, old)
    assert not PurchaseOrderLine.objects.exists()
