"""Cycle counts (inventory.services.counts): books frozen at creation, partial saves, submit,
the four-eyes approval that posts each difference as one adjustment, and refusals that leave
nothing written."""

import threading
import time
from datetime import date
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import AuditLogEntry
from accounts.roles import Role
from common.errors import DomainError, ReasonRequired
from inventory.models import (
    CycleCount,
    CycleCountLine,
    CycleCountStatus,
    Lot,
    LotStatus,
    MovementKind,
    StockMovement,
    StockPosition,
    StorageUnit,
)
from inventory.services import counts
from inventory.services.counts import (
    CountIncomplete,
    CountNotOpen,
    FourEyesRequired,
    LotsAlreadyOnCount,
    NothingToCount,
    cycle_count_approve,
    cycle_count_cancel,
    cycle_count_create,
    cycle_count_record,
)
from inventory.services.stock import (
    InsufficientStock,
    InvalidQuantity,
    stock_adjust,
    stock_issue,
    stock_receive,
)
from tests.factories import LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db

EXPIRY = date(2030, 1, 1)


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    return SiteFactory(code="WH1")


@pytest.fixture
def counter(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.WAREHOUSE, username="counter")


@pytest.fixture
def approver(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.WAREHOUSE, username="approver")


@pytest.fixture
def lots(site):  # type: ignore[no-untyped-def]
    """Three lots at the site: two room-temperature SKUs and a refrigerated one."""
    room = SkuFactory(code="PARA", temperature_zone="room", unit_cost=2)
    fridge = SkuFactory(code="INSU", temperature_zone="refrigerated", unit_cost=30)
    return {
        "a": LotFactory(sku=room, site=site, lot_number="A", expiry_date=EXPIRY, quantity=100),
        "b": LotFactory(sku=room, site=site, lot_number="B", expiry_date=EXPIRY, quantity=40),
        "c": LotFactory(sku=fridge, site=site, lot_number="C", expiry_date=EXPIRY, quantity=12),
    }


def line_of(count: CycleCount, lot: Lot) -> CycleCountLine:
    return count.lines.get(lot=lot)


def quantity_of(lot: Lot) -> int:
    return Lot.objects.values_list("quantity", flat=True).get(pk=lot.pk)


def counted(count: CycleCount, by_lot: dict[Lot, int]) -> dict[int, int | None]:
    return {line_of(count, lot).pk: units for lot, units in by_lot.items()}


def submitted(count: CycleCount, counter, by_lot: dict[Lot, int]) -> CycleCount:  # type: ignore[no-untyped-def]
    """Count every line: the given lots as given, the others at their book."""
    quantities = {line.pk: line.book_quantity for line in count.lines.all()}
    quantities.update(counted(count, by_lot))
    return cycle_count_record(actor=counter, count=count, quantities=quantities, submit=True)


def adjustments(lot: Lot) -> list[int]:
    return list(
        StockMovement.objects.filter(lot=lot, kind=MovementKind.ADJUSTMENT)
        .order_by("pk")
        .values_list("quantity", flat=True)
    )


class TestCreate:
    def test_freezes_each_lots_book_quantity_on_its_line(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        count = cycle_count_create(actor=counter, site=site)

        books = {line.lot.lot_number: line.book_quantity for line in count.lines.all()}
        assert books == {"A": 100, "B": 40, "C": 12}
        assert count.number == f"CC-{count.pk:06d}"
        assert count.status == CycleCountStatus.OPEN

    def test_the_frozen_book_does_not_follow_later_movements(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        count = cycle_count_create(actor=counter, site=site)

        stock_issue(actor=None, sku=lots["a"].sku, site=site, quantity=30)

        assert line_of(count, lots["a"]).book_quantity == 100

    def test_a_zone_counts_only_the_lots_of_skus_kept_in_it(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        count = cycle_count_create(actor=counter, site=site, zone="refrigerated")

        assert [line.lot.lot_number for line in count.lines.all()] == ["C"]

    def test_a_storage_unit_counts_only_the_lots_stored_in_it(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        unit = StorageUnit.objects.create(site=site, code="F1", name="Fridge", zone="refrigerated")
        Lot.objects.filter(pk=lots["b"].pk).update(storage_unit=unit)

        count = cycle_count_create(actor=counter, site=site, storage_unit=unit)

        assert [line.lot.lot_number for line in count.lines.all()] == ["B"]

    def test_lists_an_empty_released_lot_but_not_an_empty_rejected_one(self, site, counter) -> None:  # type: ignore[no-untyped-def]
        sku = SkuFactory()
        empty = LotFactory(sku=sku, site=site, lot_number="E", expiry_date=EXPIRY, quantity=5)
        stock_adjust(actor=None, lot=empty, quantity=-5, reason="broken")
        gone = LotFactory(sku=sku, site=site, lot_number="R", expiry_date=EXPIRY, quantity=5)
        stock_adjust(actor=None, lot=gone, quantity=-5, reason="destroyed")
        Lot.objects.filter(pk=gone.pk).update(status=LotStatus.REJECTED)

        count = cycle_count_create(actor=counter, site=site)

        assert [(line.lot.lot_number, line.book_quantity) for line in count.lines.all()] == [
            ("E", 0)
        ]

    def test_refuses_a_scope_with_nothing_to_count(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(NothingToCount):
            cycle_count_create(actor=counter, site=site, zone="frozen")

        assert not CycleCount.objects.exists()

    def test_refuses_lots_already_on_an_active_count(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        first = cycle_count_create(actor=counter, site=site)

        with pytest.raises(LotsAlreadyOnCount, match=first.number):
            cycle_count_create(actor=counter, site=site, zone="refrigerated")

        assert CycleCount.objects.count() == 1

    def test_a_cancelled_count_frees_its_lots(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        first = cycle_count_create(actor=counter, site=site)
        cycle_count_cancel(actor=counter, count=first, reason="wrong scope")

        second = cycle_count_create(actor=counter, site=site, zone="refrigerated")

        assert second.lines.count() == 1

    def test_refuses_a_storage_unit_of_another_site(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        elsewhere = StorageUnit.objects.create(
            site=SiteFactory(), code="F9", name="Fridge", zone="refrigerated"
        )

        with pytest.raises(Exception, match="not at WH1"):
            cycle_count_create(actor=counter, site=site, storage_unit=elsewhere)


class TestRecord:
    def test_a_partial_save_keeps_what_was_entered_and_stays_open(
        self, site, counter, lots
    ) -> None:  # type: ignore[no-untyped-def]
        count = cycle_count_create(actor=counter, site=site)

        cycle_count_record(actor=counter, count=count, quantities=counted(count, {lots["a"]: 97}))

        line = line_of(count, lots["a"])
        assert (line.counted_quantity, line.difference, line.counted_by) == (97, -3, counter)
        assert line_of(count, lots["b"]).counted_quantity is None
        count.refresh_from_db()
        assert count.status == CycleCountStatus.OPEN

    def test_a_saved_count_is_resumed_and_submitted(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        count = cycle_count_create(actor=counter, site=site)
        cycle_count_record(actor=counter, count=count, quantities=counted(count, {lots["a"]: 97}))

        count = cycle_count_record(
            actor=counter,
            count=count,
            quantities=counted(count, {lots["b"]: 40, lots["c"]: 13}),
            submit=True,
        )

        assert count.status == CycleCountStatus.COUNTED
        assert (count.counted_by, count.counted_at is not None) == (counter, True)
        assert line_of(count, lots["a"]).counted_quantity == 97

    def test_submit_needs_every_line_and_saves_nothing_without(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        count = cycle_count_create(actor=counter, site=site)

        with pytest.raises(CountIncomplete) as refused:
            cycle_count_record(
                actor=counter,
                count=count,
                quantities=counted(count, {lots["a"]: 97, lots["b"]: 40}),
                submit=True,
            )

        assert set(refused.value.fields) == {f"line-{line_of(count, lots['c']).pk}"}
        assert line_of(count, lots["a"]).counted_quantity is None
        count.refresh_from_db()
        assert count.status == CycleCountStatus.OPEN

    def test_refuses_a_negative_quantity(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        count = cycle_count_create(actor=counter, site=site)

        with pytest.raises(InvalidQuantity):
            cycle_count_record(
                actor=counter, count=count, quantities=counted(count, {lots["a"]: -1})
            )

        assert line_of(count, lots["a"]).counted_quantity is None

    def test_refuses_a_line_of_another_count(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        count = cycle_count_create(actor=counter, site=site, zone="room")
        other = cycle_count_create(actor=counter, site=site, zone="refrigerated")

        with pytest.raises(Exception, match="not on count"):
            cycle_count_record(actor=counter, count=count, quantities={other.lines.get().pk: 1})

    def test_a_submitted_count_cannot_be_changed(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        count = submitted(cycle_count_create(actor=counter, site=site), counter, {})

        with pytest.raises(CountNotOpen):
            cycle_count_record(
                actor=counter, count=count, quantities=counted(count, {lots["a"]: 1})
            )

    def test_the_database_refuses_a_negative_count(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        line = line_of(cycle_count_create(actor=counter, site=site), lots["a"])

        with pytest.raises(IntegrityError), transaction.atomic():
            CycleCountLine.objects.filter(pk=line.pk).update(counted_quantity=-1, difference=-101)


class TestApprove:
    def test_four_eyes_the_counter_cannot_approve(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        count = submitted(cycle_count_create(actor=counter, site=site), counter, {lots["a"]: 90})

        with pytest.raises(FourEyesRequired, match="another person approves"):
            cycle_count_approve(actor=counter, count=count, reason="ok")

        assert adjustments(lots["a"]) == []

    def test_four_eyes_whoever_entered_a_line_cannot_approve(  # type: ignore[no-untyped-def]
        self, site, counter, approver, lots
    ) -> None:
        count = cycle_count_create(actor=counter, site=site)
        cycle_count_record(actor=approver, count=count, quantities=counted(count, {lots["a"]: 90}))
        count = submitted(count, counter, {lots["a"]: 90})
        assert line_of(count, lots["a"]).counted_by == approver

        with pytest.raises(FourEyesRequired):
            cycle_count_approve(actor=approver, count=count, reason="ok")

    def test_needs_a_reason(self, site, counter, approver, lots) -> None:  # type: ignore[no-untyped-def]
        count = submitted(cycle_count_create(actor=counter, site=site), counter, {lots["a"]: 90})

        with pytest.raises(ReasonRequired):
            cycle_count_approve(actor=approver, count=count, reason="  ")

    def test_an_open_count_cannot_be_approved(self, site, counter, approver, lots) -> None:  # type: ignore[no-untyped-def]
        count = cycle_count_create(actor=counter, site=site)

        with pytest.raises(CountNotOpen):
            cycle_count_approve(actor=approver, count=count, reason="ok")

    def test_writes_one_adjustment_per_difference_and_none_for_equal_lines(  # type: ignore[no-untyped-def]
        self, site, counter, approver, lots
    ) -> None:
        count = submitted(
            cycle_count_create(actor=counter, site=site),
            counter,
            {lots["a"]: 93, lots["b"]: 40, lots["c"]: 15},
        )

        count = cycle_count_approve(actor=approver, count=count, reason="Quarterly count")

        assert adjustments(lots["a"]) == [-7]
        assert adjustments(lots["b"]) == []
        assert adjustments(lots["c"]) == [3]
        assert (quantity_of(lots["a"]), quantity_of(lots["b"]), quantity_of(lots["c"])) == (
            93,
            40,
            15,
        )
        assert count.status == CycleCountStatus.APPROVED
        assert (count.approved_by, count.approval_reason) == (approver, "Quarterly count")

    def test_each_adjustment_names_the_count_the_approver_and_the_reason(  # type: ignore[no-untyped-def]
        self, site, counter, approver, lots
    ) -> None:
        count = submitted(cycle_count_create(actor=counter, site=site), counter, {lots["a"]: 93})

        cycle_count_approve(actor=approver, count=count, reason="Quarterly count")

        movement = StockMovement.objects.get(lot=lots["a"], kind=MovementKind.ADJUSTMENT)
        assert movement.reference == count.number
        assert movement.user == approver
        assert movement.reason == f"Cycle count {count.number}: Quarterly count"
        assert line_of(count, lots["a"]).adjustment == movement

    def test_recomputes_the_positions(self, site, counter, approver, lots) -> None:  # type: ignore[no-untyped-def]
        count = submitted(
            cycle_count_create(actor=counter, site=site), counter, {lots["a"]: 93, lots["b"]: 30}
        )

        cycle_count_approve(actor=approver, count=count, reason="Quarterly count")

        position = StockPosition.objects.get(sku=lots["a"].sku, site=site)
        assert position.on_hand == 93 + 30

    def test_after_further_movements_the_difference_is_taken_against_the_frozen_book(  # type: ignore[no-untyped-def]
        self, site, counter, approver, lots
    ) -> None:
        count = cycle_count_create(actor=counter, site=site, zone="refrigerated")
        count = submitted(count, counter, {lots["c"]: 10})
        stock_receive(
            actor=None,
            sku=lots["c"].sku,
            site=site,
            lot_number="C",
            expiry_date=EXPIRY,
            quantity=20,
        )

        cycle_count_approve(actor=approver, count=count, reason="Quarterly count")

        assert adjustments(lots["c"]) == [-2]
        assert quantity_of(lots["c"]) == 10 + 20

    def test_refuses_when_the_movements_since_leave_too_little_and_writes_nothing(  # type: ignore[no-untyped-def]
        self, site, counter, approver, lots
    ) -> None:
        count = submitted(
            cycle_count_create(actor=counter, site=site),
            counter,
            {lots["a"]: 95, lots["b"]: 10},
        )
        stock_adjust(actor=None, lot=lots["b"], quantity=-25, reason="damaged in transit")
        entries_before = AuditLogEntry.objects.count()

        with pytest.raises(InsufficientStock, match="Lot B of PARA at WH1"):
            cycle_count_approve(actor=approver, count=count, reason="Quarterly count")

        assert adjustments(lots["a"]) == []
        assert quantity_of(lots["a"]) == 100
        assert quantity_of(lots["b"]) == 15
        assert CycleCount.objects.get(pk=count.pk).status == CycleCountStatus.COUNTED
        assert AuditLogEntry.objects.count() == entries_before

    def test_queues_the_stock_alert_rules_after_commit(  # type: ignore[no-untyped-def]
        self, site, counter, approver, lots, django_capture_on_commit_callbacks
    ) -> None:
        count = submitted(cycle_count_create(actor=counter, site=site), counter, {lots["a"]: 93})

        with (
            mock.patch("common.runs._queue_logging_failure") as queue,
            django_capture_on_commit_callbacks(execute=True),
        ):
            cycle_count_approve(actor=approver, count=count, reason="Quarterly count")

        queue.assert_called_once_with("alerts.tasks.evaluate_alerts_after", ("stock_counted",))

    def test_writes_audit_entries_with_the_reason(self, site, counter, approver, lots) -> None:  # type: ignore[no-untyped-def]
        count = submitted(cycle_count_create(actor=counter, site=site), counter, {lots["a"]: 93})

        cycle_count_approve(actor=approver, count=count, reason="Quarterly count")

        entry = AuditLogEntry.objects.filter(
            content_type__model="cyclecount", object_pk=str(count.pk)
        ).latest("pk")
        assert (entry.actor, entry.reason) == (approver, "Quarterly count")
        assert entry.changes["status"] == ["counted", "approved"]

    def test_an_approved_count_cannot_be_approved_again(  # type: ignore[no-untyped-def]
        self, site, counter, approver, lots
    ) -> None:
        count = submitted(cycle_count_create(actor=counter, site=site), counter, {lots["a"]: 93})
        cycle_count_approve(actor=approver, count=count, reason="Quarterly count")

        with pytest.raises(CountNotOpen, match="approved"):
            cycle_count_approve(actor=approver, count=count, reason="again")

        assert adjustments(lots["a"]) == [-7]


class TestCancel:
    def test_cancels_with_a_reason_and_moves_nothing(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        count = submitted(cycle_count_create(actor=counter, site=site), counter, {lots["a"]: 1})

        count = cycle_count_cancel(actor=counter, count=count, reason="Counted the wrong aisle")

        assert (count.status, count.cancel_reason) == (
            CycleCountStatus.CANCELLED,
            "Counted the wrong aisle",
        )
        assert adjustments(lots["a"]) == []

    def test_needs_a_reason(self, site, counter, lots) -> None:  # type: ignore[no-untyped-def]
        count = cycle_count_create(actor=counter, site=site)

        with pytest.raises(ReasonRequired):
            cycle_count_cancel(actor=counter, count=count, reason="")

        assert CycleCount.objects.get(pk=count.pk).status == CycleCountStatus.OPEN


def _at_once(action, count: int = 2) -> list[str]:  # type: ignore[no-untyped-def]
    """Run `action` in `count` threads released together; the outcome of each, by name."""
    start = threading.Barrier(count)
    outcomes: list[str] = []

    def run() -> None:
        try:
            start.wait()
            action()
            outcomes.append("done")
        except DomainError as refused:
            outcomes.append(type(refused).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def _pausing(function):  # type: ignore[no-untyped-def]
    def read_then_pause(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = function(*args, **kwargs)
        time.sleep(0.5)
        return result

    return read_then_pause


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("require_postgres")
def test_two_concurrent_approvals_adjust_once(  # type: ignore[no-untyped-def]
    site, counter, make_user, lots, monkeypatch
) -> None:
    """Two colleagues approve the same count at the same moment: one approves, the other is
    told it was approved, and each difference is posted once. Each pauses right after reading
    the count, so without the count's row lock both would read it as counted."""
    count = submitted(cycle_count_create(actor=counter, site=site), counter, {lots["a"]: 93})
    first, second = make_user(Role.WAREHOUSE), make_user(Role.ADMIN)
    monkeypatch.setattr(counts, "_lock", _pausing(counts._lock))
    approvers = iter([first, second])

    outcomes = _at_once(
        lambda: cycle_count_approve(actor=next(approvers), count=count, reason="Quarterly count")
    )

    assert outcomes == ["CountNotOpen", "done"]
    assert adjustments(lots["a"]) == [-7]
    assert quantity_of(lots["a"]) == 93


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_counts_of_the_same_lots_open_once(  # type: ignore[no-untyped-def]
    require_postgres, site, counter, lots, monkeypatch
) -> None:
    """Two counts of the same site started at the same moment: the lots' row locks let only
    one list them; the other is refused and names it."""
    monkeypatch.setattr(counts, "_scope_lots", _pausing(counts._scope_lots))

    outcomes = _at_once(lambda: cycle_count_create(actor=counter, site=site))

    assert outcomes == ["LotsAlreadyOnCount", "done"]
    assert CycleCount.objects.count() == 1
