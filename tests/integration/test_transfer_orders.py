"""Transfer orders: open -> picked -> shipped (in transit) -> received, or cancelled, and every
refusal leaves nothing half-written (inventory.services.transfers)."""

import threading
import time
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from accounts.models import AuditLogEntry
from common.errors import ReasonRequired
from inventory.models import (
    Lot,
    LotStatus,
    MovementKind,
    StockMovement,
    StockPosition,
    TransferOrder,
    TransferOrderPick,
    TransferOrderStatus,
)
from inventory.selectors.stock import network_totals
from inventory.services import transfers as services
from inventory.services.stock import (
    InsufficientStock,
    InvalidQuantity,
    LotNotUsable,
    lot_set_status,
    position_recompute,
    stock_issue,
    stock_positions_refresh,
)
from inventory.services.transfers import (
    SuggestionRef,
    TransferOrderExists,
    TransferRefused,
    transfer_order_cancel,
    transfer_order_create,
    transfer_order_pick,
    transfer_order_receive,
    transfer_order_ship,
)
from tests.factories import LotFactory, SiteFactory, SkuFactory

TODAY = date(2026, 1, 1)


@pytest.fixture
def sku(db):  # type: ignore[no-untyped-def]
    return SkuFactory(min_remaining_shelf_life_days=180)


@pytest.fixture
def source(db):  # type: ignore[no-untyped-def]
    return SiteFactory(code="DC-1")


@pytest.fixture
def destination(db):  # type: ignore[no-untyped-def]
    return SiteFactory(code="HOSP-1", transit_days=10)


@pytest.fixture
def lots(sku, source):  # type: ignore[no-untyped-def]
    """Three released lots at the source: one too short-dated to arrive with 180 days left
    (after 10 days of transit), then two that may be sent, the sooner first."""
    return {
        "short": LotFactory(
            sku=sku, site=source, lot_number="L-SHORT", expiry_date=date(2026, 7, 1), quantity=50
        ),
        "first": LotFactory(
            sku=sku, site=source, lot_number="L-FIRST", expiry_date=date(2026, 9, 1), quantity=30
        ),
        "second": LotFactory(
            sku=sku, site=source, lot_number="L-SECOND", expiry_date=date(2027, 3, 1), quantity=40
        ),
    }


def create(sku, source, destination, quantity=50, **kwargs):  # type: ignore[no-untyped-def]
    return transfer_order_create(
        actor=None,
        sku=sku,
        source=source,
        destination=destination,
        quantity=quantity,
        reason=kwargs.pop("reason", "Rebalance before expiry"),
        today=TODAY,
        **kwargs,
    )


def shipped(sku, source, destination, quantity=50):  # type: ignore[no-untyped-def]
    order = create(sku, source, destination, quantity)
    transfer_order_pick(actor=None, order=order, today=TODAY)
    return transfer_order_ship(actor=None, order=order, today=TODAY)


def nothing_written() -> bool:
    return not TransferOrder.objects.exists() and not TransferOrderPick.objects.exists()


def position(sku, site) -> StockPosition:  # type: ignore[no-untyped-def]
    return StockPosition.objects.get(sku=sku, site=site)


@pytest.mark.django_db
class TestCreate:
    def test_opens_an_order_with_a_readable_number(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 50)

        assert order.status == TransferOrderStatus.OPEN
        assert order.number == f"TO-{order.pk:06d}"
        assert (order.quantity, order.source, order.destination) == (50, source, destination)

    def test_writes_an_audit_entry_with_the_reason(
        self, sku, source, destination, lots, admin_user
    ) -> None:  # type: ignore[no-untyped-def]
        order = transfer_order_create(
            actor=admin_user,
            sku=sku,
            source=source,
            destination=destination,
            quantity=10,
            reason="Hospital short",
            today=TODAY,
        )

        entry = AuditLogEntry.objects.filter(
            content_type__model="transferorder", object_pk=str(order.pk)
        ).first()
        assert entry is not None
        assert (entry.actor, entry.reason) == (admin_user, "Hospital short")

    @pytest.mark.parametrize("quantity", [0, -5])
    def test_refuses_a_quantity_that_is_not_positive(
        self, sku, source, destination, lots, quantity
    ) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(InvalidQuantity):
            create(sku, source, destination, quantity)
        assert nothing_written()

    def test_refuses_the_same_site(self, sku, source, lots) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(TransferRefused) as refused:
            create(sku, source, source, 10)
        assert "destination" in refused.value.fields
        assert nothing_written()

    def test_refuses_an_inactive_site(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        destination.active = False
        destination.save()

        with pytest.raises(TransferRefused, match="inactive"):
            create(sku, source, destination, 10)
        assert nothing_written()

    def test_refuses_more_than_the_source_can_send(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        # 120 released units, but the short-dated 50 would arrive with too little shelf life.
        with pytest.raises(InsufficientStock) as refused:
            create(sku, source, destination, 71)
        assert refused.value.fields == {"quantity": ["At most 70."]}
        assert nothing_written()

    def test_refuses_without_a_reason(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(ReasonRequired):
            create(sku, source, destination, 10, reason="  ")
        assert nothing_written()

    def test_refuses_a_second_live_order_for_the_same_suggestion(
        self, sku, source, destination, lots
    ) -> None:  # type: ignore[no-untyped-def]
        ref = SuggestionRef(suggestion_id=77, plan_id=5)
        first = create(sku, source, destination, 10, suggestion=ref)

        with pytest.raises(TransferOrderExists) as refused:
            create(sku, source, destination, 10, suggestion=ref)
        assert refused.value.order == first
        assert TransferOrder.objects.count() == 1

    def test_a_cancelled_suggestion_order_may_be_made_again(
        self, sku, source, destination, lots
    ) -> None:  # type: ignore[no-untyped-def]
        ref = SuggestionRef(suggestion_id=77, plan_id=5)
        first = create(sku, source, destination, 10, suggestion=ref)
        transfer_order_cancel(actor=None, order=first, reason="Wrong site")

        again = create(sku, source, destination, 10, suggestion=ref)

        assert (again.suggested_transfer_id, again.plan_run_id) == (77, 5)

    def test_database_refuses_the_same_site_at_both_ends(self, sku, source) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(IntegrityError), transaction.atomic():
            TransferOrder.objects.create(
                number="TO-X", sku=sku, source=source, destination=source, quantity=1
            )


@pytest.mark.django_db
class TestPick:
    def test_picks_fefo_among_lots_with_enough_shelf_life_on_arrival(
        self, sku, source, destination, lots
    ) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 50)

        transfer_order_pick(actor=None, order=order, today=TODAY)

        order.refresh_from_db()
        picks = {p.source_lot.lot_number: p.quantity for p in order.picks.all()}
        assert order.status == TransferOrderStatus.PICKED
        assert picks == {"L-FIRST": 30, "L-SECOND": 20}

    def test_picking_moves_no_stock(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 50)

        transfer_order_pick(actor=None, order=order, today=TODAY)

        assert Lot.objects.get(pk=lots["first"].pk).quantity == 30
        assert not StockMovement.objects.filter(kind=MovementKind.TRANSFER_OUT).exists()

    def test_picks_the_named_lots(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 50)

        transfer_order_pick(
            actor=None,
            order=order,
            picks={lots["second"].pk: 40, lots["first"].pk: 10},
            today=TODAY,
        )

        picks = {p.source_lot.lot_number: p.quantity for p in order.picks.all()}
        assert picks == {"L-FIRST": 10, "L-SECOND": 40}

    def test_picking_again_replaces_the_picks(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 40)
        transfer_order_pick(actor=None, order=order, today=TODAY)

        transfer_order_pick(actor=None, order=order, picks={lots["second"].pk: 40}, today=TODAY)

        assert [(p.source_lot_id, p.quantity) for p in order.picks.all()] == [
            (lots["second"].pk, 40)
        ]

    def test_refuses_a_lot_too_short_dated_to_arrive_in_time(
        self, sku, source, destination, lots
    ) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 50)

        with pytest.raises(LotNotUsable, match="L-SHORT"):
            transfer_order_pick(actor=None, order=order, picks={lots["short"].pk: 50}, today=TODAY)
        order.refresh_from_db()
        assert order.status == TransferOrderStatus.OPEN
        assert not order.picks.exists()

    def test_refuses_picks_that_do_not_add_up_to_the_order(
        self, sku, source, destination, lots
    ) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 50)

        with pytest.raises(TransferRefused, match="add up to 30"):
            transfer_order_pick(actor=None, order=order, picks={lots["first"].pk: 30}, today=TODAY)
        assert not order.picks.exists()

    def test_refuses_more_than_a_lot_holds(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 50)

        with pytest.raises(InsufficientStock):
            transfer_order_pick(actor=None, order=order, picks={lots["first"].pk: 50}, today=TODAY)
        assert not order.picks.exists()

    def test_refuses_fefo_when_stock_has_gone_since_the_order(
        self, sku, source, destination, lots
    ) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 50)
        stock_issue(actor=None, sku=sku, site=source, quantity=100, today=TODAY)

        with pytest.raises(InsufficientStock, match="Nothing was picked"):
            transfer_order_pick(actor=None, order=order, today=TODAY)
        order.refresh_from_db()
        assert order.status == TransferOrderStatus.OPEN

    def test_refuses_an_order_already_shipped(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        order = shipped(sku, source, destination, 50)

        with pytest.raises(TransferRefused, match="cannot be picked"):
            transfer_order_pick(actor=None, order=order, today=TODAY)
        assert order.picks.count() == 2


@pytest.mark.django_db
class TestShip:
    def test_takes_the_picked_units_out_of_the_source(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        order = shipped(sku, source, destination, 50)

        assert order.status == TransferOrderStatus.SHIPPED and order.shipped_at is not None
        out = StockMovement.objects.filter(kind=MovementKind.TRANSFER_OUT, reference=order.number)
        assert sorted(out.values_list("quantity", flat=True)) == [-30, -20]
        assert Lot.objects.get(pk=lots["first"].pk).quantity == 0
        assert Lot.objects.get(pk=lots["second"].pk).quantity == 20

    def test_units_in_transit_count_in_the_destination_position(
        self, sku, source, destination, lots
    ) -> None:  # type: ignore[no-untyped-def]
        shipped(sku, source, destination, 50)

        arriving = position(sku, destination)
        assert (arriving.on_hand, arriving.in_transit, arriving.inventory_position) == (0, 50, 50)
        assert position(sku, source).on_hand == 70

    def test_the_network_total_position_does_not_drop_in_transit(
        self, sku, source, destination, lots
    ) -> None:  # type: ignore[no-untyped-def]
        position_recompute(sku_id=sku.pk, site_id=destination.pk, today=TODAY)
        before = network_totals()

        shipped(sku, source, destination, 50)

        after = network_totals()
        assert after.inventory_position == before.inventory_position == 120
        assert (after.on_hand, after.in_transit) == (70, 50)

    def test_the_nightly_rebuild_keeps_the_units_in_transit(
        self, sku, source, destination, lots
    ) -> None:  # type: ignore[no-untyped-def]
        shipped(sku, source, destination, 50)

        stock_positions_refresh(today=TODAY)

        assert position(sku, destination).in_transit == 50
        assert position(sku, destination).inventory_position == 50

    def test_refuses_an_order_not_picked(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 50)

        with pytest.raises(TransferRefused, match="open"):
            transfer_order_ship(actor=None, order=order, today=TODAY)
        assert not StockMovement.objects.filter(kind=MovementKind.TRANSFER_OUT).exists()

    def test_refuses_when_a_picked_lot_was_quarantined_since(
        self, sku, source, destination, lots
    ) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 50)
        transfer_order_pick(actor=None, order=order, today=TODAY)
        lot_set_status(
            actor=None, lot=lots["second"], status=LotStatus.QUARANTINE, reason="deviation"
        )

        with pytest.raises(LotNotUsable, match="L-SECOND"):
            transfer_order_ship(actor=None, order=order, today=TODAY)
        order.refresh_from_db()
        assert order.status == TransferOrderStatus.PICKED
        assert Lot.objects.get(pk=lots["first"].pk).quantity == 30  # untouched, not half-shipped
        assert not StockMovement.objects.filter(kind=MovementKind.TRANSFER_OUT).exists()

    def test_refuses_when_a_picked_lot_no_longer_holds_its_units(
        self, sku, source, destination, lots
    ) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 50)
        transfer_order_pick(actor=None, order=order, today=TODAY)
        stock_issue(actor=None, sku=sku, site=source, quantity=60, today=TODAY)  # short lot + 10

        with pytest.raises(InsufficientStock, match="Pick the order again"):
            transfer_order_ship(actor=None, order=order, today=TODAY)
        assert not StockMovement.objects.filter(kind=MovementKind.TRANSFER_OUT).exists()

    @pytest.mark.usefixtures("lots")
    def test_queues_the_alert_rules_after_commit(
        self, sku, source, destination, django_capture_on_commit_callbacks, monkeypatch
    ) -> None:  # type: ignore[no-untyped-def]
        queued: list[tuple] = []
        monkeypatch.setattr(
            "common.runs._queue_logging_failure", lambda name, args: queued.append((name, args))
        )
        order = create(sku, source, destination, 50)
        transfer_order_pick(actor=None, order=order, today=TODAY)

        with django_capture_on_commit_callbacks(execute=True):
            transfer_order_ship(actor=None, order=order, today=TODAY)

        assert queued == [("alerts.tasks.evaluate_alerts_after", ("stock_transferred",))]


@pytest.mark.django_db
class TestReceive:
    def test_puts_the_units_into_lots_of_the_same_number_and_expiry(
        self, sku, source, destination, lots
    ) -> None:  # type: ignore[no-untyped-def]
        order = shipped(sku, source, destination, 50)

        transfer_order_receive(actor=None, order=order, today=TODAY)

        arrived = {
            lot.lot_number: (lot.quantity, lot.expiry_date, lot.status)
            for lot in Lot.objects.filter(site=destination)
        }
        assert arrived == {
            "L-FIRST": (30, date(2026, 9, 1), LotStatus.RELEASED),
            "L-SECOND": (20, date(2027, 3, 1), LotStatus.RELEASED),
        }
        assert all(p.destination_lot is not None for p in order.picks.all())

    def test_in_transit_becomes_on_hand(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        order = shipped(sku, source, destination, 50)

        transfer_order_receive(actor=None, order=order, today=TODAY)

        order.refresh_from_db()
        arrived = position(sku, destination)
        assert order.status == TransferOrderStatus.RECEIVED and order.received_at is not None
        assert (arrived.on_hand, arrived.in_transit, arrived.inventory_position) == (50, 0, 50)
        assert network_totals().inventory_position == 120

    def test_the_ledger_matches_every_lot(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        order = shipped(sku, source, destination, 50)

        transfer_order_receive(actor=None, order=order, today=TODAY)

        for lot in Lot.objects.filter(sku=sku):
            total = StockMovement.objects.filter(lot=lot).aggregate(t=Sum("quantity"))["t"]
            assert lot.quantity == total

    def test_a_quarantined_source_lot_arrives_in_quarantine(
        self, sku, source, destination, lots
    ) -> None:  # type: ignore[no-untyped-def]
        order = shipped(sku, source, destination, 50)
        lot_set_status(actor=None, lot=lots["first"], status=LotStatus.QUARANTINE, reason="recall")

        transfer_order_receive(actor=None, order=order, today=TODAY)

        assert Lot.objects.get(site=destination, lot_number="L-FIRST").status == (
            LotStatus.QUARANTINE
        )

    def test_refuses_a_lot_number_known_there_with_another_expiry(
        self, sku, source, destination, lots
    ) -> None:  # type: ignore[no-untyped-def]
        LotFactory(
            sku=sku,
            site=destination,
            lot_number="L-SECOND",
            expiry_date=date(2027, 6, 1),
            quantity=5,
        )
        order = shipped(sku, source, destination, 50)

        with pytest.raises(LotNotUsable, match="L-SECOND"):
            transfer_order_receive(actor=None, order=order, today=TODAY)
        order.refresh_from_db()
        assert order.status == TransferOrderStatus.SHIPPED
        assert not Lot.objects.filter(site=destination, lot_number="L-FIRST").exists()
        assert position(sku, destination).in_transit == 50

    def test_refuses_an_order_not_shipped(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 50)
        transfer_order_pick(actor=None, order=order, today=TODAY)

        with pytest.raises(TransferRefused, match="picked"):
            transfer_order_receive(actor=None, order=order, today=TODAY)
        assert not StockMovement.objects.filter(kind=MovementKind.TRANSFER_IN).exists()


@pytest.mark.django_db
class TestCancel:
    def test_cancels_a_picked_order(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 50)
        transfer_order_pick(actor=None, order=order, today=TODAY)

        transfer_order_cancel(actor=None, order=order, reason="Demand fell")

        order.refresh_from_db()
        assert order.status == TransferOrderStatus.CANCELLED and order.cancelled_at is not None

    def test_refuses_a_shipped_order(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        order = shipped(sku, source, destination, 50)

        with pytest.raises(TransferRefused, match="cannot be cancelled"):
            transfer_order_cancel(actor=None, order=order, reason="Too late")
        order.refresh_from_db()
        assert order.status == TransferOrderStatus.SHIPPED

    def test_needs_a_reason(self, sku, source, destination, lots) -> None:  # type: ignore[no-untyped-def]
        order = create(sku, source, destination, 50)

        with pytest.raises(ReasonRequired):
            transfer_order_cancel(actor=None, order=order, reason="")
        order.refresh_from_db()
        assert order.status == TransferOrderStatus.OPEN


@pytest.mark.django_db(transaction=True)
def test_two_transfer_orders_shipping_the_same_lot_at_once_never_take_it_below_zero(
    require_postgres, sku, source, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Two orders to two hospitals each picked 70 of the same lot's 100 units (picking
    reserves nothing). Both ship at the same moment: one ships, the other is refused, and the
    lot ends at 30 with a ledger that matches.

    Each transaction pauses right after reading the order, before the lot, so both would read
    100 if nothing serialised them."""
    lot = LotFactory(
        sku=sku, site=source, lot_number="L-RACE", expiry_date=date(2027, 9, 1), quantity=100
    )
    orders = []
    for code in ("HOSP-A", "HOSP-B"):
        order = create(sku, source, SiteFactory(code=code), 70)
        orders.append(transfer_order_pick(actor=None, order=order, today=TODAY))
    lock_order = services._lock_order

    def lock_then_pause(order):  # type: ignore[no-untyped-def]
        locked = lock_order(order)
        time.sleep(0.5)
        return locked

    monkeypatch.setattr(services, "_lock_order", lock_then_pause)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def ship(order: TransferOrder) -> None:
        try:
            start.wait()
            transfer_order_ship(actor=None, order=order, today=TODAY)
            outcomes.append("shipped")
        except InsufficientStock:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=ship, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    lot.refresh_from_db()
    ledger = StockMovement.objects.filter(lot=lot).aggregate(t=Sum("quantity"))["t"]
    assert sorted(outcomes) == ["refused", "shipped"]
    assert lot.quantity == ledger == 30
    assert TransferOrder.objects.filter(status=TransferOrderStatus.SHIPPED).count() == 1
