"""Cold chain: readings in, excursions, quarantine of the exposed lots, the critical alert, and
the signed quality decision (inventory.services.cold_chain)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.models import AuditLogEntry, SecurityEvent, Signature
from accounts.roles import Role
from alerts.models import Alert, AlertKind, AlertStatus, Severity
from common.errors import ReasonRequired, SignatureRefused
from inventory.models import (
    Excursion,
    ExcursionStatus,
    Lot,
    LotStatus,
    StorageUnit,
    TemperatureReading,
)
from inventory.services.cold_chain import (
    DecisionRefused,
    ReadingsRefused,
    excursion_lot_decide,
    readings_ingest,
)
from inventory.services.stock import LotNotUsable
from tests.factories import TEST_PASSWORD, LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
EXPIRY = date(2030, 1, 1)


def rows(*minutes_celsius: tuple[int, float], unit: str = "H1/FRIDGE-1", sensor: str = "S-1"):  # type: ignore[no-untyped-def]
    return [
        {
            "unit": unit,
            "sensor": sensor,
            "recorded_at": (START + timedelta(minutes=minute)).isoformat(),
            "celsius": celsius,
        }
        for minute, celsius in minutes_celsius
    ]


def every_5_minutes(first: int, last: int, celsius: float) -> list[tuple[int, float]]:
    return [(minute, celsius) for minute in range(first, last + 1, 5)]


@pytest.fixture
def gateway(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.ADMIN, username="gateway")


@pytest.fixture
def quality(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.QUALITY, username="qa", full_name="Quinn Quality")


@pytest.fixture
def cold_site():  # type: ignore[no-untyped-def]
    site = SiteFactory(code="H1")
    fridge = StorageUnit.objects.create(
        site=site, code="FRIDGE-1", name="Vaccine fridge", zone="refrigerated"
    )
    other_fridge = StorageUnit.objects.create(
        site=site, code="FRIDGE-2", name="Second fridge", zone="refrigerated"
    )
    vaccine = SkuFactory(code="VAC-1", temperature_zone="refrigerated", category="vaccine")
    tablet = SkuFactory(code="TAB-1", temperature_zone="room")
    lots = {
        "unlocated": LotFactory(sku=vaccine, site=site, expiry_date=EXPIRY, lot_number="V-A"),
        "in_fridge": LotFactory(sku=vaccine, site=site, expiry_date=EXPIRY, lot_number="V-B"),
        "other_fridge": LotFactory(sku=vaccine, site=site, expiry_date=EXPIRY, lot_number="V-C"),
        "room": LotFactory(sku=tablet, site=site, expiry_date=EXPIRY, lot_number="T-A"),
        "elsewhere": LotFactory(
            sku=vaccine, site=SiteFactory(code="H2"), expiry_date=EXPIRY, lot_number="V-D"
        ),
    }
    Lot.objects.filter(pk=lots["in_fridge"].pk).update(storage_unit=fridge)
    Lot.objects.filter(pk=lots["other_fridge"].pk).update(storage_unit=other_fridge)
    return {"site": site, "fridge": fridge, "lots": lots}


def status_of(lot: Lot) -> str:
    lot.refresh_from_db()
    return lot.status


def excursion_alerts() -> list[Alert]:
    return list(Alert.objects.filter(kind=AlertKind.TEMPERATURE_EXCURSION))


@pytest.fixture
def excursion(cold_site, gateway):  # type: ignore[no-untyped-def]
    readings_ingest(actor=gateway, readings=rows(*every_5_minutes(0, 35, 9.5)))
    return Excursion.objects.get()


@pytest.fixture
def closed_excursion(excursion, gateway):  # type: ignore[no-untyped-def]
    """The excursion after the unit came back into its zone: its lots may be released."""
    readings_ingest(actor=gateway, readings=rows((40, 5.0)))
    excursion.refresh_from_db()
    assert excursion.status == ExcursionStatus.CLOSED
    return excursion


def test_readings_inside_the_zone_do_nothing(cold_site, gateway) -> None:  # type: ignore[no-untyped-def]
    result = readings_ingest(actor=gateway, readings=rows(*every_5_minutes(0, 120, 5.0)))

    assert (result.created, Excursion.objects.count(), excursion_alerts()) == (25, 0, [])


def test_outside_for_no_longer_than_allowed_does_nothing(cold_site, gateway) -> None:  # type: ignore[no-untyped-def]
    readings_ingest(
        actor=gateway, readings=rows(*every_5_minutes(0, 30, 9.5), (35, 6.0), (40, 9.5))
    )

    assert (Excursion.objects.count(), excursion_alerts()) == (0, [])
    assert status_of(cold_site["lots"]["unlocated"]) == LotStatus.RELEASED


def test_an_in_zone_reading_restarts_the_count(cold_site, gateway) -> None:  # type: ignore[no-untyped-def]
    readings_ingest(
        actor=gateway,
        readings=rows(*every_5_minutes(0, 25, 9.5), (30, 7.9), *every_5_minutes(35, 60, 1.5)),
    )

    assert Excursion.objects.count() == 0


def test_outside_longer_than_allowed_opens_one_excursion(cold_site, gateway) -> None:  # type: ignore[no-untyped-def]
    result = readings_ingest(actor=gateway, readings=rows(*every_5_minutes(0, 45, 9.5), (50, 11)))

    excursion = Excursion.objects.get()
    assert result.excursions_opened == [excursion.pk]
    assert (
        excursion.status,
        excursion.started_at,
        excursion.min_celsius,
        excursion.max_celsius,
    ) == (
        ExcursionStatus.OPEN,
        START,
        9.5,
        11.0,
    )


def test_an_excursion_raises_one_critical_alert(cold_site, excursion) -> None:  # type: ignore[no-untyped-def]
    [alert] = excursion_alerts()

    assert (alert.severity, alert.status, alert.site_id, alert.reference) == (
        Severity.CRITICAL,
        AlertStatus.OPEN,
        cold_site["site"].pk,
        "H1/FRIDGE-1",
    )
    assert {lot["lot_number"] for lot in alert.detail["lots"]} == {"V-A", "V-B"}
    assert alert.detail["max_celsius"] == 9.5


def test_an_excursion_quarantines_the_exposed_lots_only(cold_site, excursion) -> None:  # type: ignore[no-untyped-def]
    statuses = {name: status_of(lot) for name, lot in cold_site["lots"].items()}

    assert statuses == {
        "unlocated": LotStatus.QUARANTINE,  # same site and zone, place not recorded
        "in_fridge": LotStatus.QUARANTINE,
        "other_fridge": LotStatus.RELEASED,
        "room": LotStatus.RELEASED,
        "elsewhere": LotStatus.RELEASED,
    }
    assert excursion.lots_quarantined == 2


def test_the_quarantine_is_audited_with_the_excursion_as_reason(
    cold_site, gateway, excursion
) -> None:  # type: ignore[no-untyped-def]
    lot = cold_site["lots"]["in_fridge"]

    entry = AuditLogEntry.objects.filter(
        content_type__model="lot", object_pk=str(lot.pk), changes__has_key="status"
    ).latest("timestamp")

    assert (entry.actor, entry.changes["status"]) == (gateway, ["released", "quarantine"])
    assert entry.reason == "Temperature excursion in unit H1/FRIDGE-1 from 2026-11-01 08:00 UTC"


def test_the_same_batch_twice_adds_nothing(cold_site, gateway) -> None:  # type: ignore[no-untyped-def]
    batch = rows(*every_5_minutes(0, 40, 9.5))
    readings_ingest(actor=gateway, readings=batch)

    again = readings_ingest(actor=gateway, readings=batch)

    assert (again.created, again.duplicates, again.excursions_opened) == (0, 9, [])
    assert (TemperatureReading.objects.count(), Excursion.objects.count()) == (9, 1)
    assert len(excursion_alerts()) == 1


def test_a_repeated_row_within_a_batch_is_a_duplicate(cold_site, gateway) -> None:  # type: ignore[no-untyped-def]
    result = readings_ingest(actor=gateway, readings=rows((0, 5.0), (0, 5.2), (5, 5.0)))

    assert (result.created, result.duplicates) == (2, 1)


def test_a_run_crossing_the_limit_across_batches_opens_the_excursion(cold_site, gateway) -> None:  # type: ignore[no-untyped-def]
    readings_ingest(actor=gateway, readings=rows(*every_5_minutes(0, 30, 9.5)))
    assert Excursion.objects.count() == 0

    result = readings_ingest(actor=gateway, readings=rows((35, 10.0)))

    assert len(result.excursions_opened) == 1
    assert Excursion.objects.get().started_at == START


def test_back_in_the_zone_closes_the_excursion_and_resolves_the_alert(
    cold_site, gateway, excursion
) -> None:  # type: ignore[no-untyped-def]
    result = readings_ingest(actor=gateway, readings=rows((40, 12.0), (45, 6.0)))

    excursion.refresh_from_db()
    [alert] = excursion_alerts()
    assert result.excursions_closed == [excursion.pk]
    assert (excursion.status, excursion.ended_at, excursion.max_celsius) == (
        ExcursionStatus.CLOSED,
        START + timedelta(minutes=45),
        12.0,
    )
    assert (alert.status, alert.auto_resolved) == (AlertStatus.RESOLVED, True)


def test_the_lots_stay_quarantined_after_the_excursion_ends(cold_site, gateway, excursion) -> None:  # type: ignore[no-untyped-def]
    readings_ingest(actor=gateway, readings=rows((40, 6.0)))

    assert status_of(cold_site["lots"]["in_fridge"]) == LotStatus.QUARANTINE


def test_a_new_max_while_open_updates_the_alert(cold_site, gateway, excursion) -> None:  # type: ignore[no-untyped-def]
    readings_ingest(actor=gateway, readings=rows((40, 14.0)))

    [alert] = excursion_alerts()
    assert (alert.detail["max_celsius"], Excursion.objects.get().max_celsius) == (14.0, 14.0)


def test_one_invalid_row_refuses_the_whole_batch(cold_site, gateway) -> None:  # type: ignore[no-untyped-def]
    batch = rows((0, 5.0), (5, 5.0))
    batch.append({"unit": "H1/NOPE", "sensor": "S-1", "recorded_at": "yesterday", "celsius": "x"})

    with pytest.raises(ReadingsRefused) as refused:
        readings_ingest(actor=gateway, readings=batch)

    assert TemperatureReading.objects.count() == 0
    assert [(e["row"], e["field"]) for e in refused.value.fields["readings"]] == [
        (3, "unit"),
        (3, "recorded_at"),
        (3, "celsius"),
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("recorded_at", "2026-11-01T08:00:00", "UTC offset"),
        ("recorded_at", "2099-01-01T00:00:00Z", "in the future"),
        ("celsius", 400, "outside what a sensor can read"),
        ("celsius", True, "a number"),
        ("sensor", "", "Required"),
    ],
)
def test_row_checks(cold_site, gateway, field: str, value: object, message: str) -> None:  # type: ignore[no-untyped-def]
    batch = rows((0, 5.0))
    batch[0][field] = value

    with pytest.raises(ReadingsRefused) as refused:
        readings_ingest(actor=gateway, readings=batch)

    [error] = refused.value.fields["readings"]
    assert (error["field"], message in error["message"]) == (field, True)


def test_an_inactive_unit_is_refused(cold_site, gateway) -> None:  # type: ignore[no-untyped-def]
    StorageUnit.objects.filter(pk=cold_site["fridge"].pk).update(active=False)

    with pytest.raises(ReadingsRefused, match="1 of 1 readings are invalid"):
        readings_ingest(actor=gateway, readings=rows((0, 5.0)))


def test_a_unit_may_be_named_by_id(cold_site, gateway) -> None:  # type: ignore[no-untyped-def]
    result = readings_ingest(actor=gateway, readings=rows((0, 5.0), unit=cold_site["fridge"].pk))

    assert result.created == 1


# ---- the quality decision -------------------------------------------------------------------


def decide(
    actor,
    lot,
    decision="released",
    reason="Stability data covers 2 h at 12 °C",
    password=TEST_PASSWORD,
):  # type: ignore[no-untyped-def]
    return excursion_lot_decide(
        actor=actor, lot=lot, decision=decision, reason=reason, password=password
    )


def test_quality_releases_an_exposed_lot_with_a_signature(
    cold_site, quality, closed_excursion
) -> None:  # type: ignore[no-untyped-def]
    lot = cold_site["lots"]["in_fridge"]

    exposure = decide(quality, lot)

    signature = Signature.objects.get(object_pk=str(lot.pk))
    assert (status_of(lot), exposure.decision, exposure.decided_by) == (
        LotStatus.RELEASED,
        "released",
        quality,
    )
    assert (signature.meaning, signature.signer_full_name) == ("released", "Quinn Quality")


def test_no_release_while_the_excursion_is_open(cold_site, quality, excursion) -> None:  # type: ignore[no-untyped-def]
    lot = cold_site["lots"]["in_fridge"]

    with pytest.raises(LotNotUsable, match=r"H1/FRIDGE-1 .* is open"):
        decide(quality, lot)

    assert (status_of(lot), Signature.objects.count()) == (LotStatus.QUARANTINE, 0)
    assert excursion.exposed_lots.get(lot=lot).decision == ""


def test_quality_rejects_an_exposed_lot(cold_site, quality, excursion) -> None:  # type: ignore[no-untyped-def]
    lot = cold_site["lots"]["unlocated"]

    decide(quality, lot, decision="rejected", reason="Above 8 °C for too long")

    assert status_of(lot) == LotStatus.REJECTED
    assert Signature.objects.get(object_pk=str(lot.pk)).meaning == "rejected"


@pytest.mark.parametrize("role", [Role.PLANNER, Role.ADMIN, Role.VIEWER])
def test_only_quality_may_decide(cold_site, make_user, excursion, role: Role) -> None:  # type: ignore[no-untyped-def]
    lot = cold_site["lots"]["in_fridge"]

    with pytest.raises(DecisionRefused, match="Only quality"):
        decide(make_user(role), lot)

    assert status_of(lot) == LotStatus.QUARANTINE


def test_a_decision_needs_a_reason(cold_site, quality, excursion) -> None:  # type: ignore[no-untyped-def]
    lot = cold_site["lots"]["in_fridge"]

    with pytest.raises(ReasonRequired):
        decide(quality, lot, reason="  ")

    assert (status_of(lot), Signature.objects.count()) == (LotStatus.QUARANTINE, 0)


def test_a_wrong_password_changes_nothing_and_is_recorded(cold_site, quality, excursion) -> None:  # type: ignore[no-untyped-def]
    lot = cold_site["lots"]["in_fridge"]

    with pytest.raises(SignatureRefused):
        decide(quality, lot, password="guess")

    event = SecurityEvent.objects.get()
    assert (event.kind, event.user) == (SecurityEvent.Kind.SIGNATURE_FAILED, quality)
    assert (status_of(lot), Signature.objects.count()) == (LotStatus.QUARANTINE, 0)
    assert excursion.exposed_lots.get(lot=lot).decision == ""


def test_a_lot_is_decided_once(cold_site, quality, closed_excursion) -> None:  # type: ignore[no-untyped-def]
    lot = cold_site["lots"]["in_fridge"]
    decide(quality, lot)

    with pytest.raises(DecisionRefused, match="not waiting for a decision"):
        decide(quality, lot, decision="rejected")


def test_a_lot_no_excursion_held_cannot_be_decided_here(cold_site, quality, excursion) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DecisionRefused, match="not waiting"):
        decide(quality, cold_site["lots"]["room"])


# ---- concurrency (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_batches_crossing_the_limit_at_once_open_one_excursion(  # type: ignore[no-untyped-def]
    require_postgres, cold_site, gateway, monkeypatch
) -> None:
    """Each batch pauses after reading the unit's state; without the unit's row lock both
    would open an excursion (the second failing on the one-open-per-unit constraint)."""
    import threading
    import time

    from django.db import connection

    from inventory.services import cold_chain

    readings_ingest(actor=gateway, readings=rows(*every_5_minutes(0, 30, 9.5)))
    scan_start = cold_chain._scan_start

    def slow_scan_start(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = scan_start(*args, **kwargs)
        time.sleep(0.5)
        return started

    monkeypatch.setattr(cold_chain, "_scan_start", slow_scan_start)
    barrier, outcomes = threading.Barrier(2), []

    def send(sensor: str, minute: int) -> None:
        try:
            barrier.wait()
            result = readings_ingest(actor=gateway, readings=rows((minute, 10.0), sensor=sensor))
            outcomes.append(f"opened {len(result.excursions_opened)}")
        except Exception as error:  # the outcome is what the test checks
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=("S-1", 35)),
        threading.Thread(target=send, args=("S-2", 36)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["opened 0", "opened 1"]
    assert (Excursion.objects.count(), len(excursion_alerts())) == (1, 1)
    assert TemperatureReading.objects.count() == 9


def test_the_demo_command_gives_each_site_a_unit_per_zone_once(cold_site) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    call_command("create_storage_units")
    call_command("create_storage_units")

    made = set(
        StorageUnit.objects.exclude(code__startswith="FRIDGE").values_list(
            "site__code", "code", "zone"
        )
    )
    assert made == {
        ("H1", "REF-1", "refrigerated"),
        ("H1", "AMB-1", "room"),
        ("H2", "REF-1", "refrigerated"),
    }
