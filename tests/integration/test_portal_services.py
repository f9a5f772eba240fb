"""Supplier-portal actions: who may take them on which order, what they change, and that a
refusal changes nothing."""

from datetime import date, timedelta

import pytest

from accounts.models import AuditLogEntry
from common.errors import ReasonRequired
from suppliers.models import (
    LineProposal,
    PurchaseOrderMessage,
    ShippingNotice,
    SupplierUser,
)
from suppliers.selectors.purchase_orders import purchase_orders_for
from suppliers.services.portal import (
    NoticeLine,
    NotYours,
    PortalRefused,
    line_confirm,
    line_propose,
    message_post,
    proposal_decide,
    purchase_order_acknowledge,
    purchase_order_send,
    shipping_notice_create,
)
from suppliers.services.receiving import ReceiptRow, goods_receipt_post
from tests.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SkuFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = date.today()


def supplier_user(supplier):  # type: ignore[no-untyped-def]
    user = UserFactory(roles=["supplier"])
    SupplierUser.objects.create(user=user, supplier=supplier)
    return user


@pytest.fixture
def order():  # type: ignore[no-untyped-def]
    order = PurchaseOrderFactory(status="sent", expected_on=TODAY + timedelta(days=10))
    PurchaseOrderLineFactory(
        purchase_order=order,
        sku=SkuFactory(min_remaining_shelf_life_days=180),
        quantity=100,
        requested_date=TODAY + timedelta(days=10),
    )
    return order


@pytest.fixture
def own(order):  # type: ignore[no-untyped-def]
    return supplier_user(order.supplier)


@pytest.fixture
def other():  # type: ignore[no-untyped-def]
    return supplier_user(SupplierFactory())


@pytest.fixture
def planner():  # type: ignore[no-untyped-def]
    return UserFactory(roles=["planner"])


def test_a_supplier_user_sees_only_their_own_sent_orders(order, own, other) -> None:  # type: ignore[no-untyped-def]
    PurchaseOrderFactory(supplier=order.supplier, status="approved")  # not sent yet

    assert list(purchase_orders_for(own)) == [order]
    assert not purchase_orders_for(other).exists()


def test_a_planner_sends_an_approved_order(planner) -> None:  # type: ignore[no-untyped-def]
    approved = PurchaseOrderFactory(status="approved")

    sent = purchase_order_send(actor=planner, order_id=approved.pk)

    assert sent.status == "sent" and sent.sent_at is not None


def test_only_approved_orders_are_sent(order, planner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PortalRefused, match="Only approved orders"):
        purchase_order_send(actor=planner, order_id=order.pk)


def test_a_supplier_user_cannot_send(order, own) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotYours):
        purchase_order_send(actor=own, order_id=order.pk)


def test_the_supplier_acknowledges_its_order(order, own) -> None:  # type: ignore[no-untyped-def]
    acknowledged = purchase_order_acknowledge(actor=own, order_id=order.pk)

    assert acknowledged.status == "acknowledged"
    assert acknowledged.acknowledged_by == own
    entry = AuditLogEntry.objects.filter(object_pk=str(order.pk)).latest("timestamp")
    assert entry.actor == own


def test_acknowledging_twice_changes_nothing(order, own) -> None:  # type: ignore[no-untyped-def]
    first = purchase_order_acknowledge(actor=own, order_id=order.pk)
    again = purchase_order_acknowledge(actor=own, order_id=order.pk)

    assert again.acknowledged_at == first.acknowledged_at


def test_another_supplier_cannot_acknowledge(order, other) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotYours):
        purchase_order_acknowledge(actor=other, order_id=order.pk)
    order.refresh_from_db()
    assert order.acknowledged_at is None


def test_confirming_a_line_commits_to_the_requested_date_and_quantity(order, own) -> None:  # type: ignore[no-untyped-def]
    line = order.lines.get()

    confirmed = line_confirm(actor=own, line_id=line.pk)

    assert (confirmed.confirmed_date, confirmed.confirmed_quantity) == (line.requested_date, 100)


def test_a_proposal_waits_for_the_planner(order, own) -> None:  # type: ignore[no-untyped-def]
    line = order.lines.get()

    proposal = line_propose(
        actor=own,
        line_id=line.pk,
        proposed_date=TODAY + timedelta(days=20),
        proposed_quantity=80,
        note="Batch release delayed",
    )

    assert proposal.status == "pending"
    line.refresh_from_db()
    assert line.confirmed_date is None


@pytest.mark.parametrize(
    ("days", "quantity", "field"),
    [(-1, 80, "proposed_date"), (400, 80, "proposed_date"), (5, 0, "proposed_quantity")],
)
def test_impossible_proposals_are_refused_by_field(order, own, days, quantity, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PortalRefused) as refused:
        line_propose(
            actor=own,
            line_id=order.lines.get().pk,
            proposed_date=TODAY + timedelta(days=days),
            proposed_quantity=quantity,
        )

    assert field in refused.value.fields
    assert not LineProposal.objects.exists()


def test_a_proposal_above_the_ordered_quantity_is_refused(order, own) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PortalRefused, match="At most the ordered 100"):
        line_propose(
            actor=own,
            line_id=order.lines.get().pk,
            proposed_date=TODAY + timedelta(days=5),
            proposed_quantity=150,
        )


def test_one_proposal_per_line_at_a_time(order, own) -> None:  # type: ignore[no-untyped-def]
    line = order.lines.get()
    line_propose(actor=own, line_id=line.pk, proposed_date=TODAY, proposed_quantity=90)

    with pytest.raises(PortalRefused, match="already waiting"):
        line_propose(actor=own, line_id=line.pk, proposed_date=TODAY, proposed_quantity=80)


def test_the_planner_accepts_a_proposal_and_the_line_is_confirmed_with_it(
    order, own, planner
) -> None:  # type: ignore[no-untyped-def]
    line = order.lines.get()
    proposal = line_propose(
        actor=own, line_id=line.pk, proposed_date=TODAY + timedelta(days=20), proposed_quantity=80
    )

    decided = proposal_decide(actor=planner, proposal_id=proposal.pk, accept=True)

    line.refresh_from_db()
    assert decided.status == "accepted" and decided.decided_by == planner
    assert (line.confirmed_date, line.confirmed_quantity) == (TODAY + timedelta(days=20), 80)


def test_rejecting_a_proposal_needs_a_reason(order, own, planner) -> None:  # type: ignore[no-untyped-def]
    proposal = line_propose(
        actor=own, line_id=order.lines.get().pk, proposed_date=TODAY, proposed_quantity=80
    )

    with pytest.raises(ReasonRequired):
        proposal_decide(actor=planner, proposal_id=proposal.pk, accept=False, reason=" ")
    proposal.refresh_from_db()
    assert proposal.status == "pending"


def test_a_supplier_cannot_decide_its_own_proposal(order, own) -> None:  # type: ignore[no-untyped-def]
    proposal = line_propose(
        actor=own, line_id=order.lines.get().pk, proposed_date=TODAY, proposed_quantity=80
    )

    with pytest.raises(NotYours):
        proposal_decide(actor=own, proposal_id=proposal.pk, accept=True)


def notice(order, own, **overrides):  # type: ignore[no-untyped-def]
    values = {
        "number": "ASN-1",
        "shipped_on": TODAY,
        "expected_on": TODAY + timedelta(days=3),
        "lines": [
            NoticeLine(
                line_id=order.lines.get().pk,
                quantity=60,
                lot_number="LOT-9",
                expiry_date=TODAY + timedelta(days=700),
            )
        ],
    }
    values.update(overrides)
    return shipping_notice_create(actor=own, order_id=order.pk, **values)


def test_a_shipping_notice_lists_lots_and_expiries(order, own) -> None:  # type: ignore[no-untyped-def]
    created = notice(order, own)

    line = created.lines.get()
    assert (line.quantity, line.lot_number) == (60, "LOT-9")


def test_a_lot_with_too_little_shelf_life_is_refused(order, own) -> None:  # type: ignore[no-untyped-def]
    short = [
        NoticeLine(
            line_id=order.lines.get().pk,
            quantity=60,
            lot_number="LOT-9",
            expiry_date=TODAY + timedelta(days=100),
        )
    ]

    with pytest.raises(PortalRefused) as refused:
        notice(order, own, lines=short)

    assert "180 days of shelf life" in refused.value.fields["lines.0"][0]
    assert not ShippingNotice.objects.exists()


def test_more_than_the_open_quantity_cannot_be_announced(order, own) -> None:  # type: ignore[no-untyped-def]
    notice(order, own)

    with pytest.raises(PortalRefused) as refused:
        notice(order, own, number="ASN-2")

    assert "only 100 units are still open" in refused.value.fields["lines.0"][0]
    assert ShippingNotice.objects.count() == 1


def test_after_a_received_notice_the_rest_of_the_line_can_be_announced(order, own) -> None:  # type: ignore[no-untyped-def]
    first = notice(order, own)
    line = first.lines.get()
    goods_receipt_post(
        actor=UserFactory(roles=["warehouse"]),
        order=order,
        notice=first,
        rows=[
            ReceiptRow(
                line_id=line.line_id,
                quantity_received=60,
                lot_number=line.lot_number,
                expiry_date=line.expiry_date,
            )
        ],
    )
    rest = [
        NoticeLine(
            line_id=line.line_id,
            quantity=40,
            lot_number="LOT-10",
            expiry_date=TODAY + timedelta(days=700),
        )
    ]

    second = notice(order, own, number="ASN-2", lines=rest)

    assert second.lines.get().quantity == 40
    one_more = [NoticeLine(line.line_id, 1, "LOT-11", rest[0].expiry_date)]
    with pytest.raises(PortalRefused) as refused:
        notice(order, own, number="ASN-3", lines=one_more)
    assert "only 40 units are still open" in refused.value.fields["lines.0"][0]


def test_a_shipping_notice_number_is_used_once_per_order(order, own) -> None:  # type: ignore[no-untyped-def]
    line = order.lines.get()
    notice(order, own)
    small = [NoticeLine(line_id=line.pk, quantity=1, lot_number="X", expiry_date=date(2030, 1, 1))]

    with pytest.raises(PortalRefused, match="already exists"):
        notice(order, own, lines=small)


def test_a_line_of_another_order_cannot_be_announced(order, own) -> None:  # type: ignore[no-untyped-def]
    foreign = PurchaseOrderLineFactory()

    with pytest.raises(PortalRefused) as refused:
        notice(
            order,
            own,
            lines=[
                NoticeLine(
                    line_id=foreign.pk, quantity=1, lot_number="X", expiry_date=date(2030, 1, 1)
                )
            ],
        )

    assert refused.value.fields["lines.0"] == ["This line is not on the order."]


def test_both_sides_write_on_the_order(order, own, planner) -> None:  # type: ignore[no-untyped-def]
    message_post(actor=own, order_id=order.pk, body="Can we ship early?")
    message_post(actor=planner, order_id=order.pk, body="Yes, from Monday.")

    assert list(
        PurchaseOrderMessage.objects.values_list("from_supplier", "body").order_by("pk")
    ) == [(True, "Can we ship early?"), (False, "Yes, from Monday.")]


def test_another_supplier_cannot_write_on_the_order(order, other) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotYours):
        message_post(actor=other, order_id=order.pk, body="Hello")
    assert not PurchaseOrderMessage.objects.exists()


def test_an_empty_message_is_refused(order, planner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PortalRefused, match="Write a message"):
        message_post(actor=planner, order_id=order.pk, body="   ")
