"""Quality's acts on lots (inventory.services.lots): the signed status of any lot, the signed
recall of a lot number at every site, the expired write-off on demand; and the trace of a lot
number (suppliers.selectors.trace). Every refusal leaves the lots, the ledger, the signatures
and the audit trail as they were."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.models import AuditLogEntry, SecurityEvent, Signature
from accounts.roles import Role
from common.errors import ReasonRequired, SignatureRefused
from inventory.models import Excursion, Lot, LotStatus, MovementKind, StockMovement, StorageUnit
from inventory.services.cold_chain import readings_ingest
from inventory.services.lots import (
    LotActionRefused,
    RecallRefused,
    expired_lots_write_off,
    lot_number_recall,
    lot_status_decide,
    lots_status_decide,
)
from inventory.services.stock import LotNotUsable, stock_issue, stock_transfer
from suppliers.models import ShippingNotice, ShippingNoticeLine
from suppliers.selectors.trace import lot_trace
from suppliers.services.purchase_orders import purchase_order_line_receive
from tests.factories import (
    TEST_PASSWORD,
    LotFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SiteFactory,
    SkuFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 1)
OLD = date(2025, 1, 1)  # when the expired lots were received
EXPIRY = date(2030, 1, 1)
START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def quality(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.QUALITY, username="qa", full_name="Quinn Quality")


@pytest.fixture
def sku():  # type: ignore[no-untyped-def]
    return SkuFactory(code="AMOX-500", unit_cost=Decimal("2.50"))


def status_of(lot: Lot) -> str:
    lot.refresh_from_db()
    return lot.status


def written() -> tuple[int, int, int]:
    """What a refused act must not have added to: signatures, audit entries, movements."""
    return Signature.objects.count(), AuditLogEntry.objects.count(), StockMovement.objects.count()


def decide(actor, lot, status, reason="Inspection passed", password=TEST_PASSWORD):  # type: ignore[no-untyped-def]
    return lot_status_decide(
        actor=actor, lot=lot, status=status, reason=reason, password=password, today=TODAY
    )


# ---- the status of any lot --------------------------------------------------------------------


def test_quality_releases_a_lot_quarantined_outside_any_excursion(quality, sku) -> None:  # type: ignore[no-untyped-def]
    lot = LotFactory(sku=sku, site=SiteFactory(), expiry_date=EXPIRY, status="quarantine")

    decide(quality, lot, LotStatus.RELEASED)

    signature = Signature.objects.get(object_pk=str(lot.pk))
    assert status_of(lot) == LotStatus.RELEASED
    assert (signature.meaning, signature.signer_full_name, signature.reason) == (
        "released",
        "Quinn Quality",
        "Inspection passed",
    )
    assert lot.sku.positions.get(site=lot.site).on_hand == lot.quantity
    assert AuditLogEntry.objects.filter(
        object_pk=str(lot.pk), actor=quality, reason="Inspection passed"
    ).exists()


@pytest.mark.parametrize(
    ("start", "status", "meaning"),
    [("released", "quarantine", "reviewed"), ("quarantine", "rejected", "rejected")],
)
def test_quality_quarantines_and_rejects_with_a_signature(
    quality, sku, start, status, meaning
) -> None:  # type: ignore[no-untyped-def]
    lot = LotFactory(sku=sku, site=SiteFactory(), expiry_date=EXPIRY, status=start)

    decide(quality, lot, status)

    assert status_of(lot) == status
    assert Signature.objects.get(object_pk=str(lot.pk)).meaning == meaning


@pytest.mark.parametrize("role", [Role.PLANNER, Role.ADMIN, Role.VIEWER])
def test_only_quality_sets_a_lot_status(make_user, sku, role: Role) -> None:  # type: ignore[no-untyped-def]
    lot = LotFactory(sku=sku, site=SiteFactory(), expiry_date=EXPIRY, status="quarantine")
    actor = make_user(role)
    before = written()

    with pytest.raises(LotActionRefused, match="Only quality"):
        decide(actor, lot, LotStatus.RELEASED)

    assert (status_of(lot), written()) == (LotStatus.QUARANTINE, before)


@pytest.mark.parametrize(
    ("status", "reason", "error"),
    [
        ("released", "  ", ReasonRequired),
        ("expired", "Because", LotActionRefused),
        ("quarantine", "Again", LotActionRefused),  # already in quarantine
    ],
)
def test_a_refused_status_changes_nothing(quality, sku, status, reason, error) -> None:  # type: ignore[no-untyped-def]
    lot = LotFactory(sku=sku, site=SiteFactory(), expiry_date=EXPIRY, status="quarantine")
    before = written()

    with pytest.raises(error):
        decide(quality, lot, status, reason=reason)

    assert (status_of(lot), written()) == (LotStatus.QUARANTINE, before)


def test_a_wrong_password_changes_nothing_and_is_recorded(quality, sku) -> None:  # type: ignore[no-untyped-def]
    lot = LotFactory(sku=sku, site=SiteFactory(), expiry_date=EXPIRY, status="quarantine")
    before = written()

    with pytest.raises(SignatureRefused):
        decide(quality, lot, LotStatus.RELEASED, password="guess")

    assert (status_of(lot), written()) == (LotStatus.QUARANTINE, before)
    assert SecurityEvent.objects.get().kind == SecurityEvent.Kind.SIGNATURE_FAILED


def test_an_expired_lot_is_not_released(quality, sku) -> None:  # type: ignore[no-untyped-def]
    lot = LotFactory(
        sku=sku, site=SiteFactory(), expiry_date=date(2026, 11, 1), status="quarantine", today=OLD
    )
    before = written()

    with pytest.raises(LotNotUsable, match="past its expiry date"):
        decide(quality, lot, LotStatus.RELEASED)

    assert (status_of(lot), written()) == (LotStatus.QUARANTINE, before)


# ---- release and temperature excursions ------------------------------------------------------


@pytest.fixture
def fridge_lot(sku, make_user):  # type: ignore[no-untyped-def]
    site = SiteFactory(code="H1")
    StorageUnit.objects.create(site=site, code="FRIDGE-1", name="Fridge", zone="room")
    return LotFactory(sku=sku, site=site, expiry_date=EXPIRY, lot_number="F-1")


def readings(gateway, first: int, last: int, celsius: float) -> None:  # type: ignore[no-untyped-def]
    readings_ingest(
        actor=gateway,
        readings=[
            {
                "unit": "H1/FRIDGE-1",
                "sensor": "S-1",
                "recorded_at": (START + timedelta(minutes=minute)).isoformat(),
                "celsius": celsius,
            }
            for minute in range(first, last + 1, 5)
        ],
    )


def test_release_is_refused_while_the_excursion_is_open_and_allowed_after(  # type: ignore[no-untyped-def]
    quality, fridge_lot, make_user
) -> None:
    gateway = make_user(Role.ADMIN)
    readings(gateway, 0, 60, 30.0)  # room zone is 15-25 °C
    assert status_of(fridge_lot) == LotStatus.QUARANTINE
    before = written()

    with pytest.raises(LotNotUsable, match=r"excursion in H1/FRIDGE-1 \(since 2026-11-01 08:00"):
        decide(quality, fridge_lot, LotStatus.RELEASED)

    assert (status_of(fridge_lot), written()) == (LotStatus.QUARANTINE, before)
    readings(gateway, 65, 65, 20.0)  # back in the zone: the excursion closes
    decide(quality, fridge_lot, LotStatus.RELEASED)
    assert status_of(fridge_lot) == LotStatus.RELEASED
    # The lot's pending exposure is decided by the same act, so the excursion page agrees.
    exposure = Excursion.objects.get().exposed_lots.get(lot=fridge_lot)
    assert (exposure.decision, exposure.decided_by) == ("released", quality)
    assert Signature.objects.filter(object_pk=str(fridge_lot.pk)).count() == 1


def test_a_new_excursion_quarantines_a_released_lot_again(quality, fridge_lot, make_user) -> None:  # type: ignore[no-untyped-def]
    gateway = make_user(Role.ADMIN)
    readings(gateway, 0, 60, 30.0)
    readings(gateway, 65, 65, 20.0)
    decide(quality, fridge_lot, LotStatus.RELEASED)

    readings(gateway, 120, 180, 30.0)

    assert status_of(fridge_lot) == LotStatus.QUARANTINE
    assert Excursion.objects.filter(status="open").count() == 1


# ---- recall -----------------------------------------------------------------------------------


def recall(
    actor, sku, lot_number="R-1", reason="Supplier recall notice RN-7", password=TEST_PASSWORD
):  # type: ignore[no-untyped-def]
    return lot_number_recall(
        actor=actor, sku=sku, lot_number=lot_number, reason=reason, password=password, today=TODAY
    )


@pytest.fixture
def spread(sku):  # type: ignore[no-untyped-def]
    """Lot R-1 at three sites (one already in quarantine), R-2 and another SKU's R-1 beside it."""
    sites = [SiteFactory(code=code) for code in ("DC", "H1", "H2")]
    return {
        "dc": LotFactory(sku=sku, site=sites[0], lot_number="R-1", expiry_date=EXPIRY),
        "h1": LotFactory(sku=sku, site=sites[1], lot_number="R-1", expiry_date=EXPIRY),
        "h2": LotFactory(
            sku=sku, site=sites[2], lot_number="R-1", expiry_date=EXPIRY, status="quarantine"
        ),
        "other_number": LotFactory(sku=sku, site=sites[0], lot_number="R-2", expiry_date=EXPIRY),
        "other_sku": LotFactory(
            sku=SkuFactory(), site=sites[0], lot_number="R-1", expiry_date=EXPIRY
        ),
    }


def test_a_recall_quarantines_the_lot_number_at_every_site(quality, sku, spread) -> None:  # type: ignore[no-untyped-def]
    result = recall(quality, sku)

    assert [status_of(spread[key]) for key in ("dc", "h1", "h2")] == [LotStatus.QUARANTINE] * 3
    assert (status_of(spread["other_number"]), status_of(spread["other_sku"])) == (
        LotStatus.RELEASED,
        LotStatus.RELEASED,
    )
    assert (len(result.quarantined), len(result.already_quarantined)) == (2, 1)
    assert (result.sites, result.units) == (3, 300)
    signatures = Signature.objects.filter(meaning="reviewed")
    assert {s.object_pk for s in signatures} == {str(spread[k].pk) for k in ("dc", "h1", "h2")}
    assert all("Supplier recall notice RN-7" in s.reason for s in signatures)
    assert sku.positions.get(site=spread["h1"].site).on_hand == 0
    with pytest.raises(Exception, match="available"):
        stock_issue(actor=None, sku=sku, site=spread["h1"].site, quantity=1, today=TODAY)


@pytest.mark.parametrize(
    "case",
    [
        ("NOPE", "Recall", TEST_PASSWORD, RecallRefused, "nothing to block"),
        (" ", "Recall", TEST_PASSWORD, RecallRefused, "Name the lot number"),
        ("R-1", "", TEST_PASSWORD, ReasonRequired, "reason"),
        ("R-1", "Recall", "guess", SignatureRefused, "password"),
    ],
)
def test_a_refused_recall_changes_nothing(quality, sku, spread, case) -> None:  # type: ignore[no-untyped-def]
    lot_number, reason, password, error, match = case
    before = written()

    with pytest.raises(error, match=match):
        recall(quality, sku, lot_number=lot_number, reason=reason, password=password)

    assert [status_of(spread[key]) for key in ("dc", "h1")] == [LotStatus.RELEASED] * 2
    assert written() == before


def test_a_lot_number_of_another_sku_is_nothing_to_block(quality, spread) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RecallRefused, match="nothing to block"):
        recall(quality, SkuFactory(code="OTHER"), lot_number="R-1")


def test_only_quality_recalls(make_user, sku, spread) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LotActionRefused, match="Only quality"):
        recall(make_user(Role.ADMIN), sku)

    assert status_of(spread["dc"]) == LotStatus.RELEASED


def test_a_recall_failing_half_way_leaves_every_lot_as_it_was(
    quality, sku, spread, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from inventory.services import lots as service

    calls = []

    def fail_second(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["lot"].pk)
        if len(calls) == 2:
            raise LotNotUsable("Simulated failure on the second site.")
        return original(**kwargs)

    original = service.lot_set_status
    monkeypatch.setattr(service, "lot_set_status", fail_second)
    before = written()

    with pytest.raises(LotNotUsable):
        recall(quality, sku)

    assert [status_of(spread[key]) for key in ("dc", "h1")] == [LotStatus.RELEASED] * 2
    assert written() == before


# ---- expired write-off on demand --------------------------------------------------------------


def test_quality_writes_off_expired_lots_now(quality, sku) -> None:  # type: ignore[no-untyped-def]
    site = SiteFactory()
    LotFactory(sku=sku, site=site, expiry_date=date(2026, 6, 1), quantity=40, today=OLD)
    LotFactory(
        sku=sku, site=site, expiry_date=date(2026, 6, 2), quantity=4, status="quarantine", today=OLD
    )
    fresh = LotFactory(sku=sku, site=site, expiry_date=EXPIRY, quantity=9)

    result = expired_lots_write_off(actor=quality, today=TODAY)

    assert (result.lots, result.units, result.value) == (2, 44, Decimal("110.00"))
    write_offs = StockMovement.objects.filter(kind=MovementKind.WRITE_OFF)
    assert sorted(m.quantity for m in write_offs) == [-40, -4]
    assert all(m.user == quality and m.reference == "expiry" for m in write_offs)
    assert status_of(fresh) == LotStatus.RELEASED
    assert expired_lots_write_off(actor=quality, today=TODAY).lots == 0


@pytest.mark.parametrize("role", [Role.PLANNER, Role.VIEWER])
def test_planners_and_viewers_do_not_write_off(make_user, sku, role: Role) -> None:  # type: ignore[no-untyped-def]
    LotFactory(sku=sku, site=SiteFactory(), expiry_date=date(2026, 6, 1), quantity=40, today=OLD)

    with pytest.raises(LotActionRefused):
        expired_lots_write_off(actor=make_user(role), today=TODAY)

    assert not StockMovement.objects.filter(kind=MovementKind.WRITE_OFF).exists()


def test_admins_write_off_too(make_user, sku) -> None:  # type: ignore[no-untyped-def]
    LotFactory(sku=sku, site=SiteFactory(), expiry_date=date(2026, 6, 1), quantity=40, today=OLD)

    assert expired_lots_write_off(actor=make_user(Role.ADMIN), today=TODAY).lots == 1


# ---- trace ------------------------------------------------------------------------------------


def test_the_trace_shows_the_supplier_order_notice_and_where_the_lot_went(sku, make_user) -> None:  # type: ignore[no-untyped-def]
    dc, ward = SiteFactory(code="DC"), SiteFactory(code="WARD")
    order = PurchaseOrderFactory(
        number="PO-77", supplier=SupplierFactory(name="Acme Pharma"), destination=dc
    )
    line = PurchaseOrderLineFactory(purchase_order=order, sku=sku, quantity=100)
    notice = ShippingNotice.objects.create(
        purchase_order=order,
        number="ASN-9",
        shipped_on=date(2026, 1, 1),
        expected_on=date(2026, 1, 3),
        created_by=make_user(Role.SUPPLIER),
    )
    ShippingNoticeLine.objects.create(
        notice=notice, line=line, quantity=100, lot_number="T-1", expiry_date=EXPIRY
    )
    receipt = purchase_order_line_receive(
        actor=None,
        line=line,
        quantity_received=100,
        lot_number="T-1",
        expiry_date=EXPIRY,
        today=date(2026, 1, 3),
    )
    Lot.objects.filter(pk=receipt.lot_id).update(status=LotStatus.RELEASED)
    stock_transfer(actor=None, sku=sku, from_site=dc, to_site=ward, quantity=30, today=TODAY)
    stock_issue(actor=None, sku=sku, site=ward, quantity=12, reference="DISP-1", today=TODAY)
    LotFactory(sku=sku, site=dc, lot_number="T-2", expiry_date=EXPIRY)  # not traced

    trace = lot_trace(sku, "T-1")

    assert [(r.line.purchase_order.number, r.quantity_received) for r in trace.receipts] == [
        ("PO-77", 100)
    ]
    assert [n.notice.number for n in trace.notice_lines] == ["ASN-9"]
    assert [(e.movement.site.code, e.movement.kind, e.movement.quantity) for e in trace.events] == [
        ("DC", "receipt", 100),
        ("DC", "transfer_out", -30),
        ("WARD", "transfer_in", 30),
        ("WARD", "issue", -12),
    ]
    assert (trace.events[0].supplier, trace.events[0].shipping_notices) == ("Acme Pharma", "ASN-9")
    assert [(f.site_code, f.units_in, f.units_out, f.on_hand) for f in trace.flows] == [
        ("DC", 100, 30, 70),
        ("WARD", 30, 12, 18),
    ]


def test_the_trace_of_an_unknown_lot_number_is_empty(sku) -> None:  # type: ignore[no-untyped-def]
    assert not lot_trace(sku, "NEVER").found


# ---- concurrency (PostgreSQL) -----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("transfer_first", [True, False])
def test_a_transfer_racing_a_recall_leaves_no_released_stock_of_the_lot(  # type: ignore[no-untyped-def]
    require_postgres, quality, sku, monkeypatch, transfer_first: bool
) -> None:
    """Whichever starts first, no released unit of the recalled lot number is left anywhere:
    either the transfer committed first and the recall blocks the destination's lot too, or the
    recall did and the transfer finds nothing usable. The transfer pauses after reading the
    lots, so without the recall's position locks it would bring released stock to H1 after
    the recall had read the lots."""
    import threading
    import time

    from django.db import connection

    from inventory.services import stock as stock_services
    from inventory.services.stock import InsufficientStock

    dc, ward = SiteFactory(code="DC"), SiteFactory(code="H1")
    LotFactory(sku=sku, site=dc, lot_number="R-1", expiry_date=EXPIRY, quantity=100)
    read_lots = stock_services._usable_lots

    def read_then_pause(*args, **kwargs):  # type: ignore[no-untyped-def]
        lots = read_lots(*args, **kwargs)
        time.sleep(0.5)
        return lots

    monkeypatch.setattr(stock_services, "_usable_lots", read_then_pause)
    outcomes: list[str] = []

    def transfer() -> None:
        try:
            stock_transfer(actor=None, sku=sku, from_site=dc, to_site=ward, quantity=40)
            outcomes.append("transferred")
        except InsufficientStock:
            outcomes.append("transfer refused")
        finally:
            connection.close()

    def block() -> None:
        try:
            lot_number_recall(
                actor=quality, sku=sku, lot_number="R-1", reason="RN-7", password=TEST_PASSWORD
            )
            outcomes.append("recalled")
        finally:
            connection.close()

    first, second = (transfer, block) if transfer_first else (block, transfer)
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    time.sleep(0.2)
    threads[1].start()
    for thread in threads:
        thread.join(timeout=30)

    assert "recalled" in outcomes
    assert not Lot.objects.filter(sku=sku, lot_number="R-1", status="released", quantity__gt=0)


# ---- several lots under one signature ---------------------------------------------------------


def test_quality_decides_a_batch_of_lots_with_one_password_and_a_signature_each(
    quality, sku
) -> None:  # type: ignore[no-untyped-def]
    lots = [
        LotFactory(sku=sku, site=SiteFactory(), expiry_date=EXPIRY, status="quarantine")
        for _ in range(3)
    ]

    lots_status_decide(
        actor=quality,
        decisions=[(lots[0], "released"), (lots[1], "released"), (lots[2], "rejected")],
        reason="Inspection round",
        password=TEST_PASSWORD,
        today=TODAY,
    )

    assert [status_of(lot) for lot in lots] == ["released", "released", "rejected"]
    assert sorted(Signature.objects.values_list("meaning", flat=True)) == [
        "rejected",
        "released",
        "released",
    ]


def test_a_batch_with_one_refused_lot_decides_none(quality, sku) -> None:  # type: ignore[no-untyped-def]
    good = LotFactory(sku=sku, site=SiteFactory(), expiry_date=EXPIRY, status="quarantine")
    expired = LotFactory(
        sku=sku, site=SiteFactory(), expiry_date=date(2026, 6, 1), status="quarantine", today=OLD
    )
    before = written()

    with pytest.raises(LotNotUsable):
        lots_status_decide(
            actor=quality,
            decisions=[(good, "released"), (expired, "released")],
            reason="Inspection round",
            password=TEST_PASSWORD,
            today=TODAY,
        )

    assert (status_of(good), status_of(expired), written()) == ("quarantine", "quarantine", before)


def test_a_batch_is_refused_for_a_wrong_password_or_a_non_quality_user(
    quality, sku, make_user
) -> None:  # type: ignore[no-untyped-def]
    lot = LotFactory(sku=sku, site=SiteFactory(), expiry_date=EXPIRY, status="quarantine")

    with pytest.raises(SignatureRefused):
        lots_status_decide(
            actor=quality, decisions=[(lot, "released")], reason="x", password="guess"
        )
    with pytest.raises(LotActionRefused, match="Only quality users"):
        lots_status_decide(
            actor=make_user(Role.PLANNER),
            decisions=[(lot, "released")],
            reason="x",
            password=TEST_PASSWORD,
        )
    assert status_of(lot) == "quarantine"
