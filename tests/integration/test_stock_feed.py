"""The daily stock feed's service (inventory.services.feed): every movement kind, each bad
input refused whole with nothing half-written, replays and key conflicts, demand and
positions, the ledger and the audit trail, and (on PostgreSQL) a dispense racing a transfer
of the same lot."""

import json
import threading
import time
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Sum

from accounts.audit import _created_changes_of, audit_context
from accounts.audit_chain import verify_chain
from accounts.models import AuditLogEntry
from inventory.models import (
    DailyDemand,
    Lot,
    LotStatus,
    MovementKind,
    StockMovement,
    StockMovementKey,
    StockPosition,
)
from inventory.services import feed
from inventory.services.feed import (
    MAX_BATCH,
    IdempotencyKeyConflict,
    MovementsRefused,
    stock_movements_post,
)
from tests.factories import LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 1, 10)
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
def sku(db):  # type: ignore[no-untyped-def]
    return SkuFactory(code="AMOX-500", min_remaining_shelf_life_days=180)


@pytest.fixture
def site(db):  # type: ignore[no-untyped-def]
    return SiteFactory(code="HOSP-1")


@pytest.fixture
def dc(db):  # type: ignore[no-untyped-def]
    return SiteFactory(code="DC-1")


@pytest.fixture
def lot(sku, site):  # type: ignore[no-untyped-def]
    return LotFactory(
        sku=sku, site=site, lot_number="L-1", expiry_date=date(2027, 6, 30), quantity=100
    )


def row(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "idempotency_key": "k-1",
        "kind": "issue",
        "sku": "AMOX-500",
        "site": "HOSP-1",
        "lot": "L-1",
        "quantity": 10,
        "occurred_on": YESTERDAY.isoformat(),
    }
    base.update(fields)
    return {name: value for name, value in base.items() if value is not None}


def post(actor: Any, *rows: dict[str, Any]) -> feed.FeedResult:
    return stock_movements_post(actor=actor, movements=list(rows), today=TODAY)


def snapshot() -> tuple[int, ...]:
    """What a refused batch must leave as it found it."""
    return (
        StockMovement.objects.count(),
        Lot.objects.count(),
        Lot.objects.aggregate(total=Sum("quantity"))["total"] or 0,
        DailyDemand.objects.count(),
        DailyDemand.objects.aggregate(total=Sum("quantity"))["total"] or 0,
        StockMovementKey.objects.count(),
        StockPosition.objects.count(),
        AuditLogEntry.objects.count(),
    )


def refused(actor: Any, *rows: dict[str, Any], error: type = MovementsRefused) -> list[dict]:
    before = snapshot()
    with pytest.raises(error) as caught:
        post(actor, *rows)
    assert snapshot() == before
    return caught.value.fields["movements"]


def ledger_total(lot: Lot) -> int:
    return StockMovement.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"] or 0


# ---- every kind --------------------------------------------------------------------------------


def test_a_receipt_opens_a_lot_in_quarantine_with_its_movement(sku, site, admin_user) -> None:  # type: ignore[no-untyped-def]
    result = post(
        admin_user,
        row(kind="receipt", lot="NEW-1", quantity=50, expiry_date="2027-12-31", reference="GR-9"),
    )

    lot = Lot.objects.get(lot_number="NEW-1")
    assert (lot.quantity, lot.status, lot.expiry_date) == (
        50,
        LotStatus.QUARANTINE,
        date(2027, 12, 31),
    )
    movement = StockMovement.objects.get(pk=result.movements[0]["movement"])
    assert (movement.kind, movement.quantity, movement.reference, movement.user) == (
        MovementKind.RECEIPT,
        50,
        "GR-9",
        admin_user,
    )
    assert movement.occurred_at.date() == YESTERDAY
    position = StockPosition.objects.get(sku=sku, site=site)
    assert (position.on_hand, position.quarantine) == (0, 50)


def test_a_released_receipt_adds_to_an_existing_lot(lot, admin_user) -> None:  # type: ignore[no-untyped-def]
    post(admin_user, row(kind="receipt", quantity=20, expiry_date="2027-06-30", status="released"))

    lot.refresh_from_db()
    assert lot.quantity == ledger_total(lot) == 120
    assert StockPosition.objects.get(sku=lot.sku, site=lot.site).on_hand == 120


@pytest.mark.parametrize("kind", ["issue", "dispense"])
def test_issues_and_dispenses_take_stock_and_become_demand(lot, admin_user, kind) -> None:  # type: ignore[no-untyped-def]
    DailyDemand.objects.create(sku=lot.sku, site=lot.site, date=YESTERDAY, quantity=5)

    post(admin_user, row(kind=kind, quantity=10), row(idempotency_key="k-2", kind=kind, quantity=3))

    lot.refresh_from_db()
    assert lot.quantity == ledger_total(lot) == 87
    assert StockMovement.objects.filter(lot=lot, kind=MovementKind.ISSUE).count() == 2
    demand = DailyDemand.objects.get(sku=lot.sku, site=lot.site, date=YESTERDAY)
    assert demand.quantity == 5 + 13
    position = StockPosition.objects.get(sku=lot.sku, site=lot.site)
    assert position.on_hand == 87
    assert position.avg_daily_demand > 0  # yesterday's demand is in the average


def test_a_dispense_is_marked_as_one_on_the_ledger(lot, admin_user) -> None:  # type: ignore[no-untyped-def]
    post(admin_user, row(kind="dispense", quantity=1))

    assert StockMovement.objects.filter(lot=lot, kind=MovementKind.ISSUE).get().reason == "dispense"


def test_a_transfer_out_and_in_move_a_lot_keeping_its_expiry(lot, dc, admin_user) -> None:  # type: ignore[no-untyped-def]
    post(
        admin_user,
        row(kind="transfer_out", quantity=30, counterpart_site="DC-1"),
        row(
            idempotency_key="k-2",
            kind="transfer_in",
            site="DC-1",
            quantity=30,
            counterpart_site="HOSP-1",
        ),
    )

    lot.refresh_from_db()
    arrived = Lot.objects.get(site=dc, lot_number="L-1")
    assert (lot.quantity, arrived.quantity) == (70, 30)
    assert (arrived.expiry_date, arrived.status) == (lot.expiry_date, LotStatus.RELEASED)
    assert DailyDemand.objects.count() == 0  # a transfer is not demand
    assert StockPosition.objects.get(sku=lot.sku, site=dc).on_hand == 30


def test_a_transfer_in_of_a_new_lot_takes_the_expiry_it_is_given(sku, dc, admin_user) -> None:  # type: ignore[no-untyped-def]
    post(admin_user, row(kind="transfer_in", site="DC-1", lot="X-9", expiry_date="2027-01-31"))

    assert Lot.objects.get(site=dc, lot_number="X-9").expiry_date == date(2027, 1, 31)


@pytest.mark.parametrize("quantity", [-40, 15])
def test_an_adjustment_is_signed_and_keeps_its_reason(lot, admin_user, quantity) -> None:  # type: ignore[no-untyped-def]
    post(admin_user, row(kind="adjustment", quantity=quantity, reason="cycle count"))

    lot.refresh_from_db()
    assert lot.quantity == ledger_total(lot) == 100 + quantity
    movement = StockMovement.objects.get(lot=lot, kind=MovementKind.ADJUSTMENT)
    assert (movement.quantity, movement.reason) == (quantity, "cycle count")


def test_a_write_off_may_take_a_quarantined_lot(lot, admin_user) -> None:  # type: ignore[no-untyped-def]
    Lot.objects.filter(pk=lot.pk).update(status=LotStatus.QUARANTINE)

    post(admin_user, row(kind="write_off", quantity=100, reason="broken vials"))

    lot.refresh_from_db()
    assert lot.quantity == ledger_total(lot) == 0


def test_rows_apply_in_order_within_a_batch(sku, site, admin_user) -> None:  # type: ignore[no-untyped-def]
    post(
        admin_user,
        row(kind="receipt", lot="N-1", quantity=10, expiry_date="2027-12-31", status="released"),
        row(idempotency_key="k-2", lot="N-1", quantity=10),
    )

    assert Lot.objects.get(lot_number="N-1").quantity == 0


def test_every_movement_and_lot_change_is_on_the_audit_trail(lot, admin_user) -> None:  # type: ignore[no-untyped-def]
    result = post(admin_user, row(quantity=10))

    movement_type = ContentType.objects.get_for_model(StockMovement)
    entry = AuditLogEntry.objects.get(
        content_type=movement_type, object_pk=str(result.movements[0]["movement"])
    )
    assert entry.actor == admin_user
    lot_entry = AuditLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Lot), object_pk=str(lot.pk)
    ).latest("pk")
    assert lot_entry.changes["quantity"] == [100, 90]


def test_trail_entries_hold_what_the_instance_path_records(lot, admin_user) -> None:  # type: ignore[no-untyped-def]
    with audit_context(reason="nightly upload", remote_addr="10.1.2.3"):
        result = post(
            admin_user,
            row(quantity=10, reference="DISP-9"),
            row(
                idempotency_key="k-2",
                kind="receipt",
                lot="N-1",
                quantity=30,
                expiry_date="2027-12-31",
                occurred_on=TODAY.isoformat(),
            ),
            row(idempotency_key="k-3", kind="dispense", lot=None, quantity=5),
        )

    new_lot = Lot.objects.get(lot_number="N-1")
    recorded = [*StockMovement.objects.filter(pk__in=result_ids(result)), new_lot]
    for obj in recorded:
        [entry] = AuditLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj),
            object_pk=str(obj.pk),
            action=AuditLogEntry.Action.CREATE,
        )
        assert entry.changes == json_round_trip(_created_changes_of(type(obj))(obj))
        assert entry.object_repr == str(obj)
        assert (entry.actor, entry.actor_email) == (admin_user, admin_user.email or None)
        assert (entry.reason, entry.remote_addr, entry.object_id) == (
            "nightly upload",
            "10.1.2.3",
            obj.pk,
        )
    lot_entry = AuditLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Lot), object_pk=str(lot.pk)
    ).latest("sequence")
    assert lot_entry.changes == {"quantity": [100, 85]}
    assert verify_chain().ok


def result_ids(result: feed.FeedResult) -> list[int]:
    return [movement["movement"] for movement in result.movements]


def json_round_trip(value: Any) -> Any:
    return json.loads(json.dumps(value))


# ---- idempotency -----------------------------------------------------------------------------


def test_the_same_row_again_is_a_replay_that_changes_nothing(lot, admin_user) -> None:  # type: ignore[no-untyped-def]
    first = post(admin_user, row(quantity=10))
    before = snapshot()

    again = post(admin_user, row(quantity=10))

    assert snapshot() == before
    assert again.movements == [{**first.movements[0], "replayed": True}]
    assert (again.created, again.replayed) == (0, 1)


def test_a_replay_and_a_new_row_in_one_batch(lot, admin_user) -> None:  # type: ignore[no-untyped-def]
    post(admin_user, row(quantity=10))

    result = post(admin_user, row(quantity=10), row(idempotency_key="k-2", quantity=5))

    assert (result.created, result.replayed) == (1, 1)
    lot.refresh_from_db()
    assert lot.quantity == 85


def test_the_same_key_with_another_row_is_a_conflict(lot, admin_user) -> None:  # type: ignore[no-untyped-def]
    post(admin_user, row(quantity=10))

    errors = refused(
        admin_user,
        row(idempotency_key="k-2", quantity=1),
        row(quantity=11),
        error=IdempotencyKeyConflict,
    )

    assert errors == [
        {
            "row": 2,
            "field": "idempotency_key",
            "message": "Key 'k-1' was already used for another movement.",
        }
    ]


def test_a_key_used_twice_in_one_batch_is_refused(lot, admin_user) -> None:  # type: ignore[no-untyped-def]
    errors = refused(admin_user, row(quantity=1), row(quantity=2))

    assert [(e["row"], e["field"]) for e in errors] == [(2, "idempotency_key")]


# ---- bad input: the whole batch refused, nothing written --------------------------------------


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        ({"quantity": 0}, "quantity", "Must be above zero (got 0)."),
        ({"quantity": -5}, "quantity", "Must be above zero (got -5)."),
        ({"quantity": "5"}, "quantity", "A whole number."),
        ({"quantity": 2.5}, "quantity", "A whole number."),
        ({"kind": "adjustment", "quantity": 0, "reason": "x"}, "quantity", "not 0"),
        ({"kind": "adjustment", "quantity": -1}, "reason", "Required for an adjustment."),
        ({"kind": "write_off"}, "reason", "Required for a write-off."),
        ({"kind": "loan"}, "kind", "'loan' is not a kind"),
        ({"sku": "NOPE"}, "sku", "No SKU 'NOPE'."),
        ({"site": "NOPE"}, "site", "No site 'NOPE'."),
        ({"lot": "NOPE"}, "lot", "No lot NOPE of AMOX-500 at HOSP-1."),
        ({"kind": "adjustment", "lot": None, "reason": "count"}, "lot", "Required."),
        ({"kind": "receipt", "lot": None, "expiry_date": "2027-12-31"}, "lot", "Required."),
        ({"occurred_on": "2026-01-11"}, "occurred_on", "is in the future"),
        ({"occurred_on": "10/01/2026"}, "occurred_on", "A date as YYYY-MM-DD."),
        ({"idempotency_key": None}, "idempotency_key", "Required."),
        ({"idempotency_key": "x" * 101}, "idempotency_key", "At most 100 characters."),
        ({"unit_cost": 3}, "unit_cost", "Unknown field."),
        ({"status": "released"}, "status", "Only a receipt sets a status."),
        ({"expiry_date": "2027-01-01"}, "expiry_date", "Only a receipt or a transfer in"),
        ({"counterpart_site": "DC-1"}, "counterpart_site", "Only a transfer"),
        (
            {"quantity": 101},
            "quantity",
            "holds 99 units after the rows before it; it cannot go down by 101.",
        ),
        ({"kind": "adjustment", "quantity": -101, "reason": "count"}, "quantity", "holds 99"),
        (
            {"kind": "receipt", "expiry_date": "2026-01-09", "lot": "OLD"},
            "expiry_date",
            "The lot expired on 2026-01-09",
        ),
        (
            {"kind": "receipt", "expiry_date": "2026-03-01", "lot": "SHORT"},
            "expiry_date",
            "below the minimum of 180 days",
        ),
        ({"kind": "receipt", "lot": "NEW"}, "expiry_date", "Required for a receipt."),
        (
            {"kind": "receipt", "expiry_date": "2027-07-01"},
            "expiry_date",
            "expires on 2027-06-30, not 2027-07-01",
        ),
        (
            {"kind": "transfer_out", "counterpart_site": "HOSP-1"},
            "counterpart_site",
            "two different sites",
        ),
        (
            {"kind": "transfer_in", "lot": "NEW"},
            "expiry_date",
            "give its expiry_date, or the counterpart_site",
        ),
    ],
)
@pytest.mark.usefixtures("dc")
def test_a_bad_row_refuses_the_batch_and_writes_nothing(
    lot, admin_user, bad, field, message
) -> None:  # type: ignore[no-untyped-def]
    good = row(idempotency_key="good", quantity=1)

    errors = refused(admin_user, good, row(**bad))

    assert [error["row"] for error in errors] == [2]
    assert errors[0]["field"] == field
    assert message in errors[0]["message"]
    lot.refresh_from_db()
    assert lot.quantity == 100


def test_a_lot_at_another_site_is_named_as_such(lot, dc, admin_user) -> None:  # type: ignore[no-untyped-def]
    errors = refused(admin_user, row(site="DC-1"))

    assert errors[0]["message"] == "Lot L-1 of AMOX-500 is at HOSP-1, not at DC-1."


def test_a_lot_of_another_sku_is_named_as_such(lot, site, admin_user) -> None:  # type: ignore[no-untyped-def]
    SkuFactory(code="OTHER")

    errors = refused(admin_user, row(sku="OTHER"))

    assert errors[0]["message"] == "Lot L-1 at HOSP-1 is a lot of AMOX-500, not of OTHER."


@pytest.mark.parametrize("status", [LotStatus.QUARANTINE, LotStatus.REJECTED])
def test_a_lot_that_is_not_released_cannot_be_issued(lot, admin_user, status) -> None:  # type: ignore[no-untyped-def]
    Lot.objects.filter(pk=lot.pk).update(status=status)

    errors = refused(admin_user, row(kind="dispense"))

    assert errors[0]["message"] == f"Lot L-1 is {status.label.lower()}: it cannot be issued."


def test_an_expired_lot_cannot_be_issued(sku, site, admin_user) -> None:  # type: ignore[no-untyped-def]
    LotFactory(sku=sku, site=site, lot_number="EXP", expiry_date=date(2026, 7, 1), quantity=5)
    Lot.objects.filter(lot_number="EXP").update(expiry_date=date(2026, 1, 9))

    errors = refused(admin_user, row(lot="EXP", quantity=1))

    assert errors[0]["message"] == "Lot EXP expired on 2026-01-09: it cannot be issued."


def test_rows_that_together_go_below_zero_are_refused(lot, admin_user) -> None:  # type: ignore[no-untyped-def]
    errors = refused(admin_user, row(quantity=60), row(idempotency_key="k-2", quantity=60))

    assert errors == [
        {
            "row": 2,
            "field": "quantity",
            "message": "Lot L-1 of AMOX-500 at HOSP-1 holds 40 units after the rows before it; "
            "it cannot go down by 60.",
        }
    ]


def test_every_bad_row_is_listed(lot, admin_user) -> None:  # type: ignore[no-untyped-def]
    errors = refused(
        admin_user,
        row(quantity=0),
        "not an object",  # type: ignore[arg-type]
        row(idempotency_key="k-3", sku="NOPE", occurred_on="2030-01-01"),
    )

    assert {(e["row"], e["field"]) for e in errors} == {
        (1, "quantity"),
        (2, ""),
        (3, "sku"),
        (3, "occurred_on"),
    }


@pytest.mark.parametrize("movements", [None, [], {"a": 1}, [row()] * (MAX_BATCH + 1)])
def test_an_empty_or_oversized_batch_is_refused(lot, admin_user, movements) -> None:  # type: ignore[no-untyped-def]
    before = snapshot()
    with pytest.raises(MovementsRefused):
        stock_movements_post(actor=admin_user, movements=movements, today=TODAY)
    assert snapshot() == before


# ---- concurrency (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_dispense_racing_a_transfer_out_never_takes_the_lot_below_zero(
    require_postgres, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A dispense of 70 and a transfer out of 70 of the same 100-unit lot, in two batches at
    the same moment: one is written, the other refused, and the lot ends at 30.

    Each batch pauses right after reading its lots, so without the row locks both would read
    100 and both would be written (the test fails if the locks are removed)."""
    sku = SkuFactory(code="AMOX-500")
    site = SiteFactory(code="HOSP-1")
    SiteFactory(code="DC-1")
    lot = LotFactory(
        sku=sku, site=site, lot_number="L-1", expiry_date=date(2027, 6, 30), quantity=100
    )
    read_lots = feed._lock_lots

    def read_then_pause(*args, **kwargs):  # type: ignore[no-untyped-def]
        lots = read_lots(*args, **kwargs)
        time.sleep(0.5)
        return lots

    monkeypatch.setattr(feed, "_lock_lots", read_then_pause)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def send(movement: dict[str, Any]) -> None:
        try:
            start.wait()
            stock_movements_post(actor=None, movements=[movement], today=TODAY)
            outcomes.append("written")
        except MovementsRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=send, args=(row(idempotency_key="d", kind="dispense", quantity=70),)
        ),
        threading.Thread(
            target=send,
            args=(
                row(idempotency_key="t", kind="transfer_out", quantity=70, counterpart_site="DC-1"),
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    lot.refresh_from_db()
    assert sorted(outcomes) == ["refused", "written"]
    assert lot.quantity == ledger_total(lot) == 30


# ---- no lot named: first expired, first out ---------------------------------------------------


LONG_AGO = date(2025, 1, 1)  # received then: every lot below had shelf life enough


@pytest.fixture
def lots_by_expiry(sku, site):  # type: ignore[no-untyped-def]
    """Three usable lots received in another order than they expire, and two that may not be
    issued: quarantined, and expired before TODAY."""
    return {
        "late": LotFactory(
            sku=sku,
            site=site,
            lot_number="LATE",
            expiry_date=date(2027, 9, 30),
            quantity=50,
            today=LONG_AGO,
        ),
        "first": LotFactory(
            sku=sku,
            site=site,
            lot_number="FIRST",
            expiry_date=date(2026, 6, 30),
            quantity=5,
            today=LONG_AGO,
        ),
        "second": LotFactory(
            sku=sku,
            site=site,
            lot_number="SECOND",
            expiry_date=date(2026, 12, 31),
            quantity=20,
            today=LONG_AGO,
        ),
        "held": LotFactory(
            sku=sku,
            site=site,
            lot_number="HELD",
            expiry_date=date(2026, 3, 31),
            quantity=100,
            status=LotStatus.QUARANTINE,
            today=LONG_AGO,
        ),
        "expired": LotFactory(
            sku=sku,
            site=site,
            lot_number="GONE",
            expiry_date=date(2026, 1, 9),
            quantity=100,
            today=LONG_AGO,
        ),
    }


def quantities(lots: dict[str, Lot]) -> dict[str, int]:
    return {name: Lot.objects.get(pk=lot.pk).quantity for name, lot in lots.items()}


@pytest.mark.parametrize("kind", ["issue", "dispense", "transfer_out", "write_off"])
def test_a_row_without_a_lot_takes_the_first_expiring_usable_lot(
    lots_by_expiry, admin_user, dc, kind
) -> None:  # type: ignore[no-untyped-def]
    extra = {"counterpart_site": "DC-1"} if kind == "transfer_out" else {}
    reason = {"reason": "broken vial"} if kind == "write_off" else {}

    post(admin_user, row(kind=kind, lot=None, quantity=3, **extra, **reason))

    assert quantities(lots_by_expiry) == {
        "late": 50,
        "first": 2,
        "second": 20,
        "held": 100,
        "expired": 100,
    }


def test_a_row_without_a_lot_spans_lots_with_one_movement_each(lots_by_expiry, admin_user) -> None:  # type: ignore[no-untyped-def]
    result = post(admin_user, row(lot=None, quantity=30, reference="ORD-7"))

    moved = StockMovement.objects.filter(reference="ORD-7").order_by("pk")
    assert [(m.lot.lot_number, m.quantity, m.kind) for m in moved] == [
        ("FIRST", -5, MovementKind.ISSUE),
        ("SECOND", -20, MovementKind.ISSUE),
        ("LATE", -5, MovementKind.ISSUE),
    ]
    assert result.movements[0]["movement"] == moved[0].pk
    assert StockMovementKey.objects.get(key="k-1").movement == moved[0]


def test_a_row_without_a_lot_is_demand_like_any_issue(
    lots_by_expiry, sku, site, admin_user
) -> None:  # type: ignore[no-untyped-def]
    post(admin_user, row(kind="dispense", lot=None, quantity=30))

    assert DailyDemand.objects.get(sku=sku, site=site, date=YESTERDAY).quantity == 30
    assert StockPosition.objects.get(sku=sku, site=site).on_hand == 75 - 30


def test_lots_taken_by_earlier_rows_of_the_batch_are_accounted_for(
    lots_by_expiry, admin_user
) -> None:  # type: ignore[no-untyped-def]
    post(
        admin_user,
        row(lot="FIRST", quantity=5),
        row(idempotency_key="k-2", lot=None, quantity=4),
        row(idempotency_key="k-3", lot=None, quantity=20),
    )

    assert quantities(lots_by_expiry) == {
        "late": 46,
        "first": 0,
        "second": 0,
        "held": 100,
        "expired": 100,
    }


def test_a_released_lot_received_earlier_in_the_batch_can_be_drawn(sku, site, admin_user) -> None:  # type: ignore[no-untyped-def]
    post(
        admin_user,
        row(kind="receipt", lot="NEW", quantity=10, expiry_date="2027-12-31", status="released"),
        row(idempotency_key="k-2", lot=None, quantity=4),
    )

    assert Lot.objects.get(lot_number="NEW").quantity == 6


def test_not_enough_usable_stock_says_how_much_there_was(lots_by_expiry, admin_user) -> None:  # type: ignore[no-untyped-def]
    errors = refused(admin_user, row(lot=None, quantity=76))

    assert errors == [
        {
            "row": 1,
            "field": "quantity",
            "message": "AMOX-500 at HOSP-1 has 75 usable units (released, unexpired); "
            "76 were asked for.",
        }
    ]


def test_the_shortfall_counts_the_rows_before_it(lots_by_expiry, admin_user) -> None:  # type: ignore[no-untyped-def]
    errors = refused(
        admin_user,
        row(lot=None, quantity=70),
        row(idempotency_key="k-2", lot=None, quantity=6),
    )

    assert errors == [
        {
            "row": 2,
            "field": "quantity",
            "message": "AMOX-500 at HOSP-1 has 5 usable units (released, unexpired) after the "
            "rows before it; 6 were asked for.",
        }
    ]


def test_a_row_without_a_lot_at_a_site_with_no_usable_lot_is_refused(sku, site, admin_user) -> None:  # type: ignore[no-untyped-def]
    errors = refused(admin_user, row(lot=None, quantity=1))

    assert errors[0]["message"].startswith("AMOX-500 at HOSP-1 has 0 usable units")


def test_a_row_without_a_lot_replays_as_the_first_time(lots_by_expiry, admin_user) -> None:  # type: ignore[no-untyped-def]
    first = post(admin_user, row(lot=None, quantity=30))
    before = snapshot()

    again = post(admin_user, row(lot=None, quantity=30))

    assert snapshot() == before
    assert again.movements[0]["movement"] == first.movements[0]["movement"]
    assert again.movements[0]["replayed"] is True


def test_a_key_taken_by_another_batch_since_it_was_read_is_a_conflict(
    lot, admin_user, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    post(admin_user, row(idempotency_key="taken", quantity=1))
    reads = StockMovementKey.objects.filter
    # As if the other batch stored the key between this batch's read and its insert.
    monkeypatch.setattr(
        StockMovementKey.objects, "filter", lambda **kw: reads(**kw).none(), raising=False
    )
    before = snapshot()

    with pytest.raises(IdempotencyKeyConflict):
        post(admin_user, row(idempotency_key="taken", quantity=2))

    monkeypatch.undo()
    assert snapshot() == before
