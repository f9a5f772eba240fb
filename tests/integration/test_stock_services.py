import threading
import time
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from accounts.models import AuditLogEntry
from common.errors import ReasonRequired
from inventory.models import Lot, LotStatus, MovementKind, StockMovement, StockPosition
from inventory.services import stock as services
from inventory.services.stock import (
    InsufficientStock,
    InvalidQuantity,
    LotNotUsable,
    ShelfLifeTooShort,
    lot_set_status,
    lots_write_off_expired,
    position_recompute,
    stock_adjust,
    stock_issue,
    stock_positions_refresh,
    stock_receive,
    stock_transfer,
)
from tests.factories import LotFactory, SiteFactory, SkuFactory

TODAY = date(2026, 1, 1)


@pytest.fixture
def sku(db):  # type: ignore[no-untyped-def]
    return SkuFactory(min_remaining_shelf_life_days=180)


@pytest.fixture
def site(db):  # type: ignore[no-untyped-def]
    return SiteFactory()


def ledger_total(lot: Lot) -> int:
    return StockMovement.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"] or 0


@pytest.mark.django_db
class TestReceive:
    def test_creates_a_lot_in_quarantine_with_a_receipt_movement(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        lot = stock_receive(
            actor=None,
            sku=sku,
            site=site,
            lot_number="A1",
            expiry_date=date(2027, 6, 1),
            quantity=120,
            today=TODAY,
        )

        assert (lot.quantity, lot.status) == (120, LotStatus.QUARANTINE)
        [movement] = StockMovement.objects.filter(lot=lot)
        assert (movement.kind, movement.quantity) == (MovementKind.RECEIPT, 120)

    def test_refuses_a_lot_below_the_minimum_remaining_shelf_life(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(ShelfLifeTooShort, match="below the minimum of 180 days"):
            stock_receive(
                actor=None,
                sku=sku,
                site=site,
                lot_number="A1",
                expiry_date=date(2026, 6, 1),
                quantity=120,
                today=TODAY,
            )

        assert not Lot.objects.exists()
        assert not StockMovement.objects.exists()

    def test_accepts_a_lot_exactly_at_the_minimum(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        lot = stock_receive(
            actor=None,
            sku=sku,
            site=site,
            lot_number="A1",
            expiry_date=date(2026, 6, 30),
            quantity=1,
            today=TODAY,
        )

        assert lot.quantity == 1

    def test_refuses_the_same_lot_number_with_another_expiry(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        stock_receive(
            actor=None,
            sku=sku,
            site=site,
            lot_number="A1",
            expiry_date=date(2027, 6, 1),
            quantity=10,
            today=TODAY,
        )

        with pytest.raises(LotNotUsable, match="already exists with expiry"):
            stock_receive(
                actor=None,
                sku=sku,
                site=site,
                lot_number="A1",
                expiry_date=date(2027, 7, 1),
                quantity=10,
                today=TODAY,
            )

    @pytest.mark.parametrize("quantity", [0, -5])
    def test_refuses_a_quantity_that_is_not_positive(self, sku, site, quantity) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(InvalidQuantity):
            stock_receive(
                actor=None,
                sku=sku,
                site=site,
                lot_number="A1",
                expiry_date=date(2027, 6, 1),
                quantity=quantity,
                today=TODAY,
            )


@pytest.mark.django_db
class TestIssue:
    def test_takes_the_first_expiring_lot_first(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        late = LotFactory(
            sku=sku, site=site, lot_number="LATE", expiry_date=date(2027, 9, 1), quantity=50
        )
        early = LotFactory(
            sku=sku, site=site, lot_number="EARLY", expiry_date=date(2027, 3, 1), quantity=30
        )

        movements = stock_issue(actor=None, sku=sku, site=site, quantity=40, today=TODAY)

        assert [(m.lot.lot_number, m.quantity) for m in movements] == [
            ("EARLY", -30),
            ("LATE", -10),
        ]
        early.refresh_from_db()
        late.refresh_from_db()
        assert (early.quantity, late.quantity) == (0, 40)

    def test_skips_quarantined_and_expired_lots(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        LotFactory(
            sku=sku,
            site=site,
            lot_number="Q",
            expiry_date=date(2027, 1, 1),
            quantity=50,
            status="quarantine",
        )
        LotFactory(sku=sku, site=site, lot_number="OK", expiry_date=date(2027, 9, 1), quantity=5)

        with pytest.raises(InsufficientStock, match="Only 5 units"):
            stock_issue(actor=None, sku=sku, site=site, quantity=6, today=TODAY)

    def test_refusal_changes_nothing(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        lot = LotFactory(sku=sku, site=site, expiry_date=date(2027, 9, 1), quantity=5)
        before = StockMovement.objects.count()

        with pytest.raises(InsufficientStock):
            stock_issue(actor=None, sku=sku, site=site, quantity=6, today=TODAY)

        lot.refresh_from_db()
        assert (lot.quantity, StockMovement.objects.count()) == (5, before)

    def test_lot_quantity_always_equals_its_ledger(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        lot = LotFactory(sku=sku, site=site, expiry_date=date(2027, 9, 1), quantity=100)
        stock_issue(actor=None, sku=sku, site=site, quantity=30, today=TODAY)
        stock_adjust(actor=None, lot=lot, quantity=-5, reason="count", today=TODAY)

        lot.refresh_from_db()
        assert lot.quantity == ledger_total(lot) == 65

    def test_updates_the_stock_position(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        LotFactory(sku=sku, site=site, expiry_date=date(2027, 9, 1), quantity=100)

        stock_issue(actor=None, sku=sku, site=site, quantity=30, today=TODAY)

        position = StockPosition.objects.get(sku=sku, site=site)
        assert (position.on_hand, position.inventory_position) == (70, 70)


@pytest.mark.django_db
def test_database_refuses_a_negative_lot_quantity(sku, site) -> None:  # type: ignore[no-untyped-def]
    lot = LotFactory(sku=sku, site=site, expiry_date=date(2027, 9, 1), quantity=5)

    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.filter(pk=lot.pk).update(quantity=-1)


@pytest.mark.django_db
def test_database_refuses_a_movement_whose_sign_contradicts_its_kind(sku, site) -> None:  # type: ignore[no-untyped-def]
    lot = LotFactory(sku=sku, site=site, expiry_date=date(2027, 9, 1), quantity=5)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            kind=MovementKind.ISSUE, quantity=3, lot=lot, sku=sku, site=site
        )


@pytest.mark.django_db
class TestTransfer:
    def test_moves_units_fefo_keeping_lot_number_and_expiry(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        destination = SiteFactory()
        LotFactory(sku=sku, site=site, lot_number="L1", expiry_date=date(2027, 3, 1), quantity=20)

        stock_transfer(
            actor=None, sku=sku, from_site=site, to_site=destination, quantity=15, today=TODAY
        )

        moved = Lot.objects.get(site=destination, lot_number="L1")
        assert (moved.quantity, moved.expiry_date, moved.status) == (
            15,
            date(2027, 3, 1),
            LotStatus.RELEASED,
        )
        assert Lot.objects.get(site=site, lot_number="L1").quantity == 5

    def test_refuses_the_same_site(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        from common.errors import DomainError

        with pytest.raises(DomainError, match="two different sites"):
            stock_transfer(
                actor=None, sku=sku, from_site=site, to_site=site, quantity=1, today=TODAY
            )


@pytest.mark.django_db
class TestAdjustAndStatus:
    def test_adjustment_needs_a_reason(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        lot = LotFactory(sku=sku, site=site, expiry_date=date(2027, 9, 1), quantity=5)

        with pytest.raises(ReasonRequired):
            stock_adjust(actor=None, lot=lot, quantity=2, reason=" ", today=TODAY)

        assert ledger_total(lot) == 5

    def test_adjustment_cannot_make_stock_negative(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        lot = LotFactory(sku=sku, site=site, expiry_date=date(2027, 9, 1), quantity=5)

        with pytest.raises(InsufficientStock, match="holds 5 units"):
            stock_adjust(actor=None, lot=lot, quantity=-6, reason="count", today=TODAY)

    def test_adjustment_reason_is_in_the_audit_trail(self, sku, site, admin_user) -> None:  # type: ignore[no-untyped-def]
        lot = LotFactory(sku=sku, site=site, expiry_date=date(2027, 9, 1), quantity=5)

        stock_adjust(actor=admin_user, lot=lot, quantity=-2, reason="broken vials", today=TODAY)

        entry = AuditLogEntry.objects.filter(
            content_type__model="lot", object_pk=str(lot.pk)
        ).first()
        assert (entry.actor, entry.reason, entry.changes["quantity"]) == (
            admin_user,
            "broken vials",
            [5, 3],
        )

    def test_release_and_quarantine_need_a_reason(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        lot = LotFactory(
            sku=sku, site=site, expiry_date=date(2027, 9, 1), quantity=5, status="quarantine"
        )

        with pytest.raises(ReasonRequired):
            lot_set_status(actor=None, lot=lot, status=LotStatus.RELEASED, reason="")

        released = lot_set_status(
            actor=None, lot=lot, status=LotStatus.RELEASED, reason="QC passed", today=TODAY
        )
        assert released.status == LotStatus.RELEASED

    def test_rejected_lot_cannot_be_released(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        lot = LotFactory(sku=sku, site=site, expiry_date=date(2027, 9, 1), quantity=5)
        lot_set_status(
            actor=None, lot=lot, status=LotStatus.REJECTED, reason="failed QC", today=TODAY
        )

        with pytest.raises(LotNotUsable, match="cannot be released"):
            lot_set_status(
                actor=None, lot=lot, status=LotStatus.RELEASED, reason="retry", today=TODAY
            )

    def test_expired_lots_are_written_off_and_marked_expired(self, sku, site) -> None:  # type: ignore[no-untyped-def]
        lot = LotFactory(
            sku=sku, site=site, expiry_date=date(2026, 8, 1), quantity=7, today=date(2026, 1, 1)
        )

        written_off = lots_write_off_expired(actor=None, today=date(2026, 8, 2))

        assert (written_off.lots, written_off.units) == (1, 7)
        assert written_off.value == 7 * sku.unit_cost

        lot.refresh_from_db()
        assert (lot.quantity, lot.status) == (0, LotStatus.EXPIRED)
        assert StockMovement.objects.get(lot=lot, kind=MovementKind.WRITE_OFF).quantity == -7


@pytest.mark.django_db
def test_bulk_refresh_builds_positions_with_on_order(sku, site) -> None:  # type: ignore[no-untyped-def]
    LotFactory(sku=sku, site=site, expiry_date=date(2027, 9, 1), quantity=40)

    stock_positions_refresh(today=TODAY, on_order={(sku.pk, site.pk): 25})

    position = StockPosition.objects.get(sku=sku, site=site)
    assert (position.on_hand, position.on_order, position.inventory_position) == (40, 25, 65)


FIGURES = [
    "on_hand",
    "quarantine",
    "next_expiry",
    "inventory_position",
    "avg_daily_demand",
    "days_of_cover",
    "expiring_quantity",
    "stock_value",
    "status",
    "on_order",
]


def test_bulk_refresh_of_many_positions_writes_what_each_recompute_writes(site) -> None:  # type: ignore[no-untyped-def]
    """Past 50 positions the refresh writes them in one set-based statement: the figures must
    be those one position's recompute computes."""
    skus = [
        SkuFactory(unit_cost=f"{3 + index}.25", min_remaining_shelf_life_days=0)
        for index in range(60)
    ]
    for index, sku in enumerate(skus):
        LotFactory(
            sku=sku, site=site, expiry_date=date(2026, 2, 1 + index % 20), quantity=index + 5
        )
    stock_positions_refresh(today=TODAY)
    for index, sku in enumerate(skus[::3]):
        stock_issue(actor=None, sku=sku, site=site, quantity=index % 4 + 1, today=TODAY)

    later = date(2026, 2, 5)  # some lots expired since: on hand, value and status move

    stock_positions_refresh(today=later, on_order={(sku.pk, site.pk): 7 for sku in skus[::2]})
    refreshed = list(StockPosition.objects.order_by("sku_id").values_list(*FIGURES))
    for sku in skus:
        position_recompute(sku_id=sku.pk, site_id=site.pk, today=later)

    assert len(refreshed) == 60
    assert refreshed == list(StockPosition.objects.order_by("sku_id").values_list(*FIGURES))
    assert {row[-1] for row in refreshed} == {0, 7}


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_issues_never_make_stock_negative(
    require_postgres, sku, site, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Two transactions each ask for 70 of the 100 units at the same moment: exactly one
    succeeds, the other is refused, and the lot ends at 30.

    Each transaction pauses right after reading the lots, so without row locks both would
    read 100 and both would issue (the test fails if the locks are removed)."""
    lot = LotFactory(sku=sku, site=site, expiry_date=date(2027, 9, 1), quantity=100)
    read_lots = services._usable_lots

    def read_then_pause(*args, **kwargs):  # type: ignore[no-untyped-def]
        lots = read_lots(*args, **kwargs)
        time.sleep(0.5)
        return lots

    monkeypatch.setattr(services, "_usable_lots", read_then_pause)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def issue() -> None:
        try:
            start.wait()
            stock_issue(actor=None, sku=sku, site=site, quantity=70, today=TODAY)
            outcomes.append("issued")
        except InsufficientStock:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    lot.refresh_from_db()
    assert sorted(outcomes) == ["issued", "refused"]
    assert lot.quantity == ledger_total(lot) == 30
