"""Cold chain (EU GDP chapter 9.4): temperature readings in, excursions out, and the quality
decision on the stock they exposed.

The rules, in words:

- **Readings** arrive in batches (sensors or a gateway). A batch is checked row by row and
  refused whole, with a message per bad row, if any row is wrong; nothing is written then.
  The same sensor and instant is stored once: a batch sent twice adds nothing the second time.
- **Excursion**: the readings of a unit are taken in time order, whatever sensor sent them.
  A *run* is a sequence of consecutive readings outside the unit's zone (ZONE_LIMITS_C, both
  ends allowed). When a run has lasted longer than the unit's `allowed_minutes_outside`
  (last reading of the run minus its first), an excursion opens, starting at the run's first
  reading. The first reading back inside the zone closes it. A batch may hold several runs
  (a gateway catching up); each one that lasts too long is an excursion of its own.
- **Exposure**: when an excursion opens, these lots are exposed and go to quarantine: released
  lots with stock stored in the unit (Lot.storage_unit), and released lots with stock at the
  unit's site whose location is not recorded and whose SKU belongs to the unit's zone (stock
  whose place is unknown is assumed to have been in the unit; better a quality check too many
  than a damaged vaccine issued).
- Quarantined lots stay there when the excursion closes: only a quality user releases or
  rejects each one, with a reason and an electronic signature (excursion_lot_decide).
- The alert: an opened excursion sends `temperature_excursion_started`, a closed one
  `temperature_excursion_ended` (inventory.signals); alerts opens or resolves a critical
  alert in the same transaction, so it exists when the request that brought the reading
  returns.

Concurrency: a batch locks the rows of the units it touches (ascending id) before reading
what is stored, so two batches for one unit are evaluated one after the other and cannot
both open an excursion; the database also allows one open excursion per unit.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.audit import audit_context
from accounts.models import User
from accounts.roles import Capability, user_can
from accounts.services import signature_record, signature_verify
from common.batches import RowProblems
from common.errors import DomainError, ReasonRequired
from inventory.models import (
    Excursion,
    ExcursionLot,
    ExcursionStatus,
    Lot,
    LotDecision,
    LotStatus,
    StorageUnit,
    TemperatureReading,
)
from inventory.services.stock import lot_set_status
from inventory.signals import (
    temperature_excursion_ended,
    temperature_excursion_started,
    temperature_excursion_updated,
)

MAX_BATCH = 5000
FUTURE_TOLERANCE = timedelta(minutes=5)  # sensor clocks drift; more than this is an error
CELSIUS_MIN, CELSIUS_MAX = -150.0, 100.0  # what a storage sensor can physically report
MAX_ERRORS_SHOWN = 100
SENSOR_MAX_LENGTH = 80


class ReadingsRefused(DomainError):
    code = "invalid_readings"


class DecisionRefused(DomainError):
    code = "decision_refused"


@dataclass(frozen=True)
class _Row:
    unit_id: int
    sensor: str
    recorded_at: datetime
    celsius: float


@dataclass
class IngestResult:
    created: int = 0
    duplicates: int = 0
    excursions_opened: list[int] = field(default_factory=list)
    excursions_closed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "duplicates": self.duplicates,
            "excursions_opened": len(self.excursions_opened),
            "excursions_closed": len(self.excursions_closed),
        }


# ---- reading a batch ------------------------------------------------------------------------


def _split_unit_ref(ref: str) -> tuple[str, str] | None:
    site_code, slash, unit_code = ref.strip().rpartition("/")
    if not slash or not site_code or not unit_code:
        return None
    return site_code, unit_code


def _units_for(readings: Sequence[Any]) -> tuple[dict[int, StorageUnit], dict[tuple, StorageUnit]]:
    """The units a batch names, by id and by (site code, unit code): two queries at most."""
    ids, pairs = set(), set()
    for row in readings:
        ref = row.get("unit") if isinstance(row, Mapping) else None
        if isinstance(ref, int) and not isinstance(ref, bool):
            ids.add(ref)
        elif isinstance(ref, str) and (pair := _split_unit_ref(ref)):
            pairs.add(pair)
    by_id = (
        {unit.pk: unit for unit in StorageUnit.objects.select_related("site").filter(pk__in=ids)}
        if ids
        else {}
    )
    by_code: dict[tuple, StorageUnit] = {}
    if pairs:
        candidates = StorageUnit.objects.select_related("site").filter(
            site__code__in={site for site, _ in pairs}, code__in={code for _, code in pairs}
        )
        by_code = {(unit.site.code, unit.code): unit for unit in candidates}
    return by_id, by_code


def _parse_time(value: Any, now: datetime) -> tuple[datetime | None, str]:
    if not isinstance(value, str) or not value.strip():
        return None, "Required: an ISO 8601 time with its UTC offset, e.g. 2026-03-01T14:05:00Z."
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None, f"'{value[:40]}' is not an ISO 8601 time (e.g. 2026-03-01T14:05:00Z)."
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None, "The time needs its UTC offset (Z or +01:00), e.g. 2026-03-01T14:05:00Z."
    if moment > now + FUTURE_TOLERANCE:
        minutes = FUTURE_TOLERANCE.seconds // 60
        return None, f"{value} is in the future (by more than {minutes} minutes)."
    return moment.astimezone(UTC), ""


def _parse_celsius(value: Any) -> tuple[float | None, str]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, "Required: a number of degrees Celsius."
    celsius = float(value)
    if not math.isfinite(celsius) or not CELSIUS_MIN <= celsius <= CELSIUS_MAX:
        span = f"{CELSIUS_MIN:g}..{CELSIUS_MAX:g}"
        return None, f"{value} °C is outside what a sensor can read ({span})."
    return celsius, ""


def _parse_row(
    row: Any, by_id: dict[int, StorageUnit], by_code: dict[tuple, StorageUnit], now: datetime
) -> tuple[_Row | None, list[tuple[str, str]]]:
    if not isinstance(row, Mapping):
        return None, [("", "Each reading is an object with unit, sensor, recorded_at and celsius.")]
    problems: list[tuple[str, str]] = []
    ref, unit = row.get("unit"), None
    if isinstance(ref, int) and not isinstance(ref, bool):
        unit = by_id.get(ref)
    elif isinstance(ref, str) and (pair := _split_unit_ref(ref)):
        unit = by_code.get(pair)
    if ref is None or ref == "":
        problems.append(("unit", "Required: the unit as '<site code>/<unit code>' or its id."))
    elif unit is None:
        problems.append(("unit", f"No storage unit '{ref}'."))
    elif not unit.active:
        problems.append(("unit", f"Storage unit '{ref}' is inactive."))
    sensor = row.get("sensor")
    sensor = sensor.strip() if isinstance(sensor, str) else ""
    if not sensor:
        problems.append(("sensor", "Required: the sensor's id."))
    elif len(sensor) > SENSOR_MAX_LENGTH:
        problems.append(("sensor", f"At most {SENSOR_MAX_LENGTH} characters."))
    recorded_at, problem = _parse_time(row.get("recorded_at"), now)
    if problem:
        problems.append(("recorded_at", problem))
    celsius, problem = _parse_celsius(row.get("celsius"))
    if problem:
        problems.append(("celsius", problem))
    if problems or unit is None or recorded_at is None or celsius is None:
        return None, problems
    return _Row(unit.pk, sensor, recorded_at, celsius), []


def readings_validate(readings: Any, *, now: datetime | None = None) -> list[_Row]:
    """Every row checked; the batch refused whole, with a message per bad row, if any is bad."""
    now = now or timezone.now()
    if not isinstance(readings, list) or not readings:
        raise ReadingsRefused(
            "Send a non-empty list of readings.", fields={"readings": ["Required."]}
        )
    if len(readings) > MAX_BATCH:
        raise ReadingsRefused(
            f"At most {MAX_BATCH:,} readings per batch ({len(readings):,} sent); split the batch. "
            "Nothing was saved.",
            fields={"readings": [f"At most {MAX_BATCH:,} rows."]},
        )
    by_id, by_code = _units_for(readings)
    rows: list[_Row] = []
    errors = RowProblems(shown=MAX_ERRORS_SHOWN)
    for number, raw in enumerate(readings, start=1):
        row, problems = _parse_row(raw, by_id, by_code, now)
        for name, text in problems:
            errors.add(number, name, text)
        if row is not None:
            rows.append(row)
    errors.refuse(ReadingsRefused, total=len(readings), noun="readings", field="readings")
    return rows


def _new_rows(rows: list[_Row]) -> tuple[list[_Row], int]:
    """The rows not stored yet (same sensor and instant = the same reading), and how many
    were duplicates (in the database or earlier in the batch)."""
    first, last = min(row.recorded_at for row in rows), max(row.recorded_at for row in rows)
    seen = set(
        TemperatureReading.objects.filter(
            sensor_id__in={row.sensor for row in rows},
            recorded_at__gte=first,
            recorded_at__lte=last,
        ).values_list("sensor_id", "recorded_at")
    )
    fresh = []
    for row in rows:
        key = (row.sensor, row.recorded_at)
        if key not in seen:
            seen.add(key)
            fresh.append(row)
    return fresh, len(rows) - len(fresh)


# ---- the batch ------------------------------------------------------------------------------


def readings_ingest(
    *, actor: User | None, readings: Any, now: datetime | None = None, today: date | None = None
) -> IngestResult:
    """Store a batch of readings and evaluate the units it touched: open an excursion (and
    quarantine the exposed lots) when a unit has been outside its zone too long, close it when
    readings come back inside. See the module docstring for the rules."""
    now = now or timezone.now()
    rows = readings_validate(readings, now=now)
    result = IngestResult()
    with transaction.atomic(), audit_context(actor=actor):
        unit_ids = sorted({row.unit_id for row in rows})
        units = list(
            StorageUnit.objects.select_for_update(of=("self",))
            .select_related("site")
            .filter(pk__in=unit_ids)
            .order_by("pk")
        )
        fresh, result.duplicates = _new_rows(rows)
        TemperatureReading.objects.bulk_create(
            [
                TemperatureReading(
                    unit_id=row.unit_id,
                    sensor_id=row.sensor,
                    recorded_at=row.recorded_at,
                    celsius=row.celsius,
                    received_at=now,
                )
                for row in fresh
            ],
            batch_size=1000,
            ignore_conflicts=True,  # a reading of the sensor sent for another unit meanwhile
        )
        result.created = len(fresh)
        earliest: dict[int, datetime] = {}
        for row in fresh:
            if row.unit_id not in earliest or row.recorded_at < earliest[row.unit_id]:
                earliest[row.unit_id] = row.recorded_at
        for unit in _units_to_evaluate(units, fresh):
            if unit.pk in earliest:
                opened, closed = _evaluate(unit, since=earliest[unit.pk], actor=actor, today=today)
                result.excursions_opened += opened
                result.excursions_closed += closed
    return result


def _units_to_evaluate(units: list[StorageUnit], fresh: list[_Row]) -> list[StorageUnit]:
    """The units whose state the new readings can change: those with a new reading outside
    the zone, and those with an open excursion. New readings all inside the zone of a unit
    with no open excursion change nothing (they can only shorten runs, and an excursion once
    opened stays on record)."""
    limits = {unit.pk: unit.limits for unit in units}
    outside = {
        row.unit_id
        for row in fresh
        if not limits[row.unit_id][0] <= row.celsius <= limits[row.unit_id][1]
    }
    with_open = set(
        Excursion.objects.filter(
            unit_id__in=[unit.pk for unit in units], status=ExcursionStatus.OPEN
        ).values_list("unit_id", flat=True)
    )
    return [unit for unit in units if unit.pk in outside or unit.pk in with_open]


def _in_zone(unit: StorageUnit) -> Q:
    low, high = unit.limits
    return Q(celsius__gte=low, celsius__lte=high)


def _scan_start(unit: StorageUnit, open_excursion: Excursion | None, since: datetime) -> Any:
    """Where the readings that can change the unit's state begin: the open excursion's start,
    else the last reading inside the zone before the new ones (a run cannot have begun before
    it), and never before the end of the last closed excursion (its run is dealt with)."""
    if open_excursion is not None:
        return open_excursion.started_at
    last_inside = (
        TemperatureReading.objects.filter(_in_zone(unit), unit=unit, recorded_at__lt=since)
        .order_by("-recorded_at")
        .values_list("recorded_at", flat=True)
        .first()
    )
    last_end = Excursion.objects.filter(unit=unit, status=ExcursionStatus.CLOSED).aggregate(
        end=Max("ended_at")
    )["end"]
    bounds = [moment for moment in (last_inside, last_end) if moment is not None]
    return max(bounds) if bounds else None


def _evaluate(
    unit: StorageUnit, *, since: datetime, actor: User | None, today: date | None
) -> tuple[list[int], list[int]]:
    low, high = unit.limits
    allowed = timedelta(minutes=unit.allowed_minutes_outside)
    excursion = Excursion.objects.filter(unit=unit, status=ExcursionStatus.OPEN).first()
    start = _scan_start(unit, excursion, since)
    readings = TemperatureReading.objects.filter(unit=unit)
    if start is not None:
        readings = readings.filter(recorded_at__gte=start)
    opened: list[int] = []
    closed: list[int] = []
    run_start: datetime | None = None
    run_low = run_high = 0.0
    for moment, celsius in readings.order_by("recorded_at", "pk").values_list(
        "recorded_at", "celsius"
    ):
        if low <= celsius <= high:
            if excursion is not None:
                _close(excursion, ended_at=moment, low=run_low, high=run_high)
                closed.append(excursion.pk)
                excursion = None
            run_start = None
            continue
        if run_start is None:
            run_start, run_low, run_high = moment, celsius, celsius
        run_low, run_high = min(run_low, celsius), max(run_high, celsius)
        if excursion is None and moment - run_start > allowed:
            excursion = _open(
                unit, started_at=run_start, low=run_low, high=run_high, actor=actor, today=today
            )
            opened.append(excursion.pk)
    if excursion is not None and (excursion.min_celsius, excursion.max_celsius) != (
        run_low,
        run_high,
    ):
        excursion.min_celsius, excursion.max_celsius = run_low, run_high
        excursion.save(update_fields=["min_celsius", "max_celsius"])
        temperature_excursion_updated.send(
            sender=Excursion, excursion=excursion, lots=_exposures(excursion)
        )
    return opened, closed


def exposed_lots(unit: StorageUnit) -> Any:
    """The lots an excursion of `unit` exposes (the rule is in the module docstring)."""
    return (
        Lot.objects.released()
        .filter(
            Q(storage_unit=unit)
            | Q(
                storage_unit__isnull=True,
                site_id=unit.site_id,
                sku__temperature_zone=unit.zone,
            )
        )
        .select_related("sku", "site")
        .order_by("pk")
    )


def excursion_reason(unit: StorageUnit, started_at: datetime) -> str:
    return (
        f"Temperature excursion in unit {unit.site.code}/{unit.code} "
        f"from {started_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    )


def _open(
    unit: StorageUnit,
    *,
    started_at: datetime,
    low: float,
    high: float,
    actor: User | None,
    today: date | None,
) -> Excursion:
    zone_low, zone_high = unit.limits
    excursion = Excursion.objects.create(
        unit=unit,
        started_at=started_at,
        min_celsius=low,
        max_celsius=high,
        detail={
            "unit": f"{unit.site.code}/{unit.code}",
            "zone": unit.zone,
            "limits_celsius": [zone_low, zone_high],
            "allowed_minutes_outside": unit.allowed_minutes_outside,
        },
    )
    reason = excursion_reason(unit, started_at)
    exposures = []
    for exposed in exposed_lots(unit):
        lot = lot_set_status(
            actor=actor, lot=exposed, status=LotStatus.QUARANTINE, reason=reason, today=today
        )
        exposures.append(ExcursionLot(excursion=excursion, lot=lot, quantity=lot.quantity))
    with audit_context(reason=reason):
        for exposure in exposures:
            exposure.save()
    excursion.lots_quarantined = len(exposures)
    excursion.save(update_fields=["lots_quarantined"])
    temperature_excursion_started.send(
        sender=Excursion, excursion=excursion, lots=_exposures(excursion)
    )
    return excursion


def _close(excursion: Excursion, *, ended_at: datetime, low: float, high: float) -> None:
    excursion.status = ExcursionStatus.CLOSED
    excursion.ended_at = ended_at
    excursion.min_celsius, excursion.max_celsius = low, high
    excursion.save(update_fields=["status", "ended_at", "min_celsius", "max_celsius"])
    temperature_excursion_ended.send(sender=Excursion, excursion=excursion, lots=[])


def _exposures(excursion: Excursion) -> list[ExcursionLot]:
    return list(
        ExcursionLot.objects.filter(excursion=excursion)
        .select_related("lot__sku", "lot__site")
        .order_by("lot__lot_number", "pk")
    )


# ---- the quality decision -------------------------------------------------------------------


def excursion_lot_decide(
    *,
    actor: User,
    lot: Lot,
    decision: str,
    reason: str,
    password: str,
    remote_addr: str | None = None,
    today: date | None = None,
    username: str | None = None,
) -> ExcursionLot:
    """Release or reject a lot an excursion quarantined: quality users only, with a reason and
    an electronic signature (meaning "released" or "rejected") on the lot as it is after the
    change. A wrong password changes nothing and is recorded as a security event."""
    if not user_can(actor, Capability.QUALITY_DECISIONS):
        raise DecisionRefused("Only quality users release or reject lots after an excursion.")
    if decision not in LotDecision.values:
        raise DecisionRefused(
            f"'{decision}' is not a decision: release or reject.",
            fields={"decision": ["Release or reject."]},
        )
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(
            "Give a reason for the decision (what the stability data says).",
            fields={"reason": ["Required."]},
        )
    pending = _pending_exposure(lot)
    signature_verify(
        signer=actor,
        password=password,
        username=username,
        meaning=decision,
        target_label=f"{lot._meta.label_lower}:{lot.pk}",
        remote_addr=remote_addr,
    )
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        exposure = ExcursionLot.objects.select_for_update().get(pk=pending.pk)
        if exposure.decision:
            raise DecisionRefused(
                f"Lot {lot.lot_number} was already {exposure.get_decision_display().lower()}."
            )
        status = LotStatus.RELEASED if decision == LotDecision.RELEASED else LotStatus.REJECTED
        lot = lot_set_status(actor=actor, lot=lot, status=status, reason=reason, today=today)
        exposure.decision = decision
        exposure.reason = reason
        exposure.decided_by = actor
        exposure.decided_at = timezone.now()
        exposure.save(update_fields=["decision", "reason", "decided_by", "decided_at"])
        signature_record(signer=actor, meaning=decision, target=lot, reason=reason)
    exposure.lot = lot
    return exposure


def _pending_exposure(lot: Lot) -> ExcursionLot:
    pending = (
        ExcursionLot.objects.filter(lot=lot, decision="")
        .order_by("-excursion__started_at", "-pk")
        .first()
    )
    if pending is None:
        raise DecisionRefused(
            f"Lot {lot.lot_number} is not waiting for a decision after a temperature excursion."
        )
    return pending
