"""inventory.services.dispense.stock_dispense: first-expired-first-out by default, a named lot
with a reason when it is not the first-expired one, demand and positions kept up, and every
refusal leaving the stock as it was."""

import threading
import time
from datetime import date
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Sum

from accounts.models import AuditLogEntry
from common.errors import DomainError, ReasonRequired
from inventory.models import (
    DailyDemand,
    Lot,
    LotStatus,
    MovementKind,
    StockMovement,
    StockPosition,
)
from inventory.services import stock as stock_services
from inventory.services.dispense import stock_dispense
from inventory.services.stock import (
    InsufficientStock,
    InvalidQuantity,
    LotNotUsable,
    lot_set_status,
    stock_transfer,
)
from tests.factories import LotFactory, SiteFactory, SkuFactory

TODAY = date(2026, 1, 1)


@pytest.fixture
def sku(db):  # type: ignore[no-untyped-def]
    return SkuFactory(code="AMOX-500", min_remaining_shelf_life_days=0)


@pytest.fixture
def site(db):  # type: ignore[no-untyped-def]
    return SiteFactory(code="HOSP-1")


@pytest.fixture
def lots(sku, site):  # type: ignore[no-untyped-def]
    """Three released lots, made in an order unlike their expiry order."""
    return {
        "late": LotFactory(
            sku=sku, site=site, lot_number="LATE", expiry_date=date(2027, 9, 1), quantity=50
        ),
        "early": LotFactory(
            sku=sku, site=site, lot_number="EARLY", expiry_date=date(2026, 8, 1), quantity=20
        ),
        "middle": LotFactory(
            sku=sku, site=site, lot_number="MIDDLE", expiry_date=date(2027, 2, 1), quantity=30
        ),
    }


def ledger_total(lot: Lot) -> int:
    return StockMovement.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"] or 0


def quantities(lots: dict[str, Lot]) -> dict[str, int]:
    return {name: Lot.objects.get(pk=lot.pk).quantity for name, lot in lots.items()}


def dispense(sku, site, **kwargs):  # type: ignore[no-untyped-def]
    return stock_dispense(
        actor=kwargs.pop("actor", None), sku=sku, site=site, today=TODAY, **kwargs
    )


@pytest.mark.django_db
class TestFirstExpiredFirstOut:
    def test_takes_the_earliest_expiry_first_across_several_lots(self, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
        movements = dispense(sku, site, quantity=45, reference="Ward 3")

        assert [(m.lot.lot_number, m.quantity) for m in movements] == [
            ("EARLY", -20),
            ("MIDDLE", -25),
        ]
        assert quantities(lots) == {"late": 50, "early": 0, "middle": 5}
        assert {m.kind for m in movements} == {MovementKind.ISSUE}
        assert {(m.reference, m.reason) for m in movements} == {("Ward 3", "dispense")}

    def test_skips_quarantined_and_expired_lots(self, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
        lot_set_status(
            actor=None, lot=lots["early"], status=LotStatus.QUARANTINE, reason="check", today=TODAY
        )
        LotFactory(sku=sku, site=site, lot_number="OLD", expiry_date=date(2026, 3, 1), quantity=9)

        movements = stock_dispense(
            actor=None, sku=sku, site=site, quantity=10, today=date(2026, 3, 2)
        )

        assert [(m.lot.lot_number, m.quantity) for m in movements] == [("MIDDLE", -10)]

    def test_a_lot_expiring_with_the_first_needs_no_reason(self, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
        twin = LotFactory(
            sku=sku, site=site, lot_number="TWIN", expiry_date=date(2026, 8, 1), quantity=10
        )

        [movement] = dispense(sku, site, quantity=4, lot=twin)

        assert (movement.lot.pk, movement.quantity, movement.reason) == (twin.pk, -4, "dispense")


@pytest.mark.django_db
class TestNamedLot:
    def test_a_later_lot_needs_a_reason_and_nothing_is_taken_without_one(
        self, sku, site, lots
    ) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(ReasonRequired, match="after lot EARLY") as refused:
            dispense(sku, site, quantity=5, lot=lots["late"], reason="  ")

        assert "reason" in refused.value.fields
        assert quantities(lots) == {"late": 50, "early": 20, "middle": 30}
        assert not StockMovement.objects.filter(kind=MovementKind.ISSUE).exists()

    def test_a_later_lot_with_a_reason_is_taken_and_the_reason_recorded(
        self, sku, site, lots, admin_user
    ) -> None:  # type: ignore[no-untyped-def]
        [movement] = dispense(
            sku,
            site,
            quantity=5,
            lot=lots["late"],
            reason="patient started on this lot",
            actor=admin_user,
        )

        assert (movement.lot.pk, movement.quantity) == (lots["late"].pk, -5)
        assert movement.reason == "Not first-expired: patient started on this lot"
        assert quantities(lots) == {"late": 45, "early": 20, "middle": 30}
        entry = AuditLogEntry.objects.filter(
            content_type__model="lot", object_pk=str(lots["late"].pk)
        ).first()
        assert (entry.actor, entry.reason, entry.changes["quantity"]) == (
            admin_user,
            "Not first-expired: patient started on this lot",
            [50, 45],
        )

    def test_the_first_expired_lot_needs_no_reason(self, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
        [movement] = dispense(sku, site, quantity=5, lot=lots["early"])

        assert (movement.lot.pk, movement.reason) == (lots["early"].pk, "dispense")

    def test_more_than_the_lot_holds_is_refused_with_what_it_holds(self, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(InsufficientStock, match="Lot EARLY holds 20 units"):
            dispense(sku, site, quantity=21, lot=lots["early"])

        assert quantities(lots) == {"late": 50, "early": 20, "middle": 30}

    def test_a_quarantined_lot_is_refused(self, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
        lot_set_status(
            actor=None, lot=lots["late"], status=LotStatus.QUARANTINE, reason="check", today=TODAY
        )

        with pytest.raises(LotNotUsable, match="Lot LATE is in quarantine") as refused:
            dispense(sku, site, quantity=1, lot=lots["late"], reason="asked for")

        assert "lot" in refused.value.fields
        assert quantities(lots)["late"] == 50
        assert not DailyDemand.objects.exists()

    def test_an_expired_lot_is_refused(self, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(LotNotUsable, match="Lot EARLY expired on 2026-08-01"):
            stock_dispense(
                actor=None,
                sku=sku,
                site=site,
                quantity=1,
                lot=lots["early"],
                today=date(2026, 8, 2),
            )

        assert quantities(lots)["early"] == 20

    def test_a_lot_of_another_site_is_refused(self, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
        elsewhere = LotFactory(
            sku=sku, site=SiteFactory(code="DC-1"), lot_number="EARLY", expiry_date=date(2026, 8, 1)
        )

        with pytest.raises(LotNotUsable, match="not a lot of AMOX-500 at HOSP-1"):
            dispense(sku, site, quantity=1, lot=elsewhere)

        assert Lot.objects.get(pk=elsewhere.pk).quantity == 100


@pytest.mark.django_db
class TestRefusals:
    def test_more_than_the_usable_stock_is_refused_saying_how_much_there_is(
        self, sku, site, lots
    ) -> None:  # type: ignore[no-untyped-def]
        lot_set_status(
            actor=None, lot=lots["late"], status=LotStatus.QUARANTINE, reason="check", today=TODAY
        )

        with pytest.raises(
            InsufficientStock, match="Only 50 units of AMOX-500 are available"
        ) as refused:
            dispense(sku, site, quantity=51)

        assert refused.value.fields == {"quantity": ["At most 50."]}
        assert quantities(lots) == {"late": 50, "early": 20, "middle": 30}
        assert not StockMovement.objects.filter(kind=MovementKind.ISSUE).exists()
        assert not DailyDemand.objects.exists()

    @pytest.mark.parametrize("quantity", [0, -3])
    def test_a_quantity_that_is_not_above_zero_is_refused(self, sku, site, lots, quantity) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(InvalidQuantity, match="above zero"):
            dispense(sku, site, quantity=quantity)

        assert quantities(lots) == {"late": 50, "early": 20, "middle": 30}

    def test_a_reference_longer_than_the_ledger_keeps_is_refused(self, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(DomainError, match="at most 100 characters") as refused:
            dispense(sku, site, quantity=1, reference="x" * 101)

        assert "reference" in refused.value.fields
        assert quantities(lots)["early"] == 20


@pytest.mark.django_db
class TestFollowUps:
    def test_the_units_are_added_to_the_days_demand(self, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
        DailyDemand.objects.create(sku=sku, site=site, date=TODAY, quantity=7)

        dispense(sku, site, quantity=12)
        dispense(sku, site, quantity=3, lot=lots["middle"], reason="ward asked for it")

        assert DailyDemand.objects.get(sku=sku, site=site, date=TODAY).quantity == 7 + 12 + 3

    def test_a_first_dispense_of_the_day_creates_the_days_demand(self, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
        dispense(sku, site, quantity=4)

        assert list(DailyDemand.objects.values_list("date", "quantity")) == [(TODAY, 4)]

    def test_the_position_is_recomputed(self, sku, site, lots) -> None:  # type: ignore[no-untyped-def]
        dispense(sku, site, quantity=45)

        assert StockPosition.objects.get(sku=sku, site=site).on_hand == 55

    def test_the_stock_alert_rules_run_after_commit(
        self, sku, site, lots, django_capture_on_commit_callbacks
    ) -> None:  # type: ignore[no-untyped-def]
        with (
            mock.patch("alerts.tasks.evaluate_alerts") as evaluate,
            django_capture_on_commit_callbacks(execute=True),
        ):
            dispense(sku, site, quantity=1)

        evaluate.assert_called_once_with(["stockout_risk", "below_safety_stock"])


@pytest.mark.django_db(transaction=True)
def test_a_dispense_racing_a_transfer_of_the_same_lot_never_takes_it_below_zero(
    require_postgres, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A dispense of 70 and a transfer of 70 from a lot of 100 start at the same moment:
    exactly one succeeds, the other is refused, and the lot ends at 30 with its ledger.

    Each transaction pauses right after reading the lots, so without the row locks both
    would read 100 and both would take 70 (the test fails if the locks are removed)."""
    sku = SkuFactory()
    site, destination = SiteFactory(), SiteFactory()
    lot = LotFactory(sku=sku, site=site, expiry_date=date(2027, 9, 1), quantity=100)
    read_lots = stock_services._usable_lots

    def read_then_pause(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = read_lots(*args, **kwargs)
        time.sleep(0.5)
        return found

    monkeypatch.setattr(stock_services, "_usable_lots", read_then_pause)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def run(name: str, action) -> None:  # type: ignore[no-untyped-def]
        try:
            start.wait()
            action()
            outcomes.append(f"{name} done")
        except InsufficientStock:
            outcomes.append(f"{name} refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run,
            args=(
                "dispense",
                lambda: stock_dispense(actor=None, sku=sku, site=site, quantity=70, today=TODAY),
            ),
        ),
        threading.Thread(
            target=run,
            args=(
                "transfer",
                lambda: stock_transfer(
                    actor=None,
                    sku=sku,
                    from_site=site,
                    to_site=destination,
                    quantity=70,
                    today=TODAY,
                ),
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    lot.refresh_from_db()
    assert len(outcomes) == 2
    assert sum(outcome.endswith("done") for outcome in outcomes) == 1
    assert lot.quantity == ledger_total(lot) == 30
