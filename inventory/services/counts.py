"""Cycle counts: the warehouse counts the lots of a site (or of one temperature zone or
storage unit there), a second person approves, and each difference becomes an adjustment.

The rules:

- **Create** (`cycle_count_create`) lists every lot at the site, in scope, that holds stock
  or is released or in quarantine (an empty released lot is counted too: finding units on
  its shelf is a difference). Each line freezes the lot's book quantity at that moment. A lot
  may be on one active (open or counted) count at a time, so two counts never post the same
  difference twice.
- **Record** (`cycle_count_record`) saves what was counted, line by line; a count may be
  saved half-done and resumed. Submitting marks it counted and needs a quantity on every
  line. The book is never shown to the counter (a blind count); the pages show it only on
  the review of a submitted count.
- **Approve** (`cycle_count_approve`) needs a reason and a second person: whoever entered a
  line or submitted the count may not approve it (four eyes). Each line whose count differs
  from its frozen book gets one adjustment movement through `stock_adjust`; equal lines get
  none. Alert rules that depend on stock are queued after commit.
- **Cancel** (`cycle_count_cancel`) closes an open or counted count with a reason; nothing
  moves.

Movements after the count was created. The adjustment is the difference between the count
and the book *frozen at creation*, not the lot's quantity now: units received, issued or
transferred after the count was created were not on the shelf the counter saw (or were,
before they left), so they are kept as they are. A lot at 100 counted at 90, that issued 30
since, ends at 100 - 30 - 10 = 60. If that would take a lot below zero (it lost more since
than the count says it held), the approval is refused whole and nothing is written: count
that lot again.

Locks follow the stock services' order: the count row, then the positions of the touched
SKU-sites (by SKU, then site id), then the lots (by id); each change is one transaction with
its audit entries.
"""

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import audit_context, audited_bulk_create
from accounts.models import User
from common.errors import Conflict, DomainError, required_reason
from common.runs import follow_up_after_commit
from inventory.models import (
    CycleCount,
    CycleCountLine,
    CycleCountStatus,
    Lot,
    LotStatus,
    Site,
    StockMovement,
    StockPosition,
    StorageUnit,
    TemperatureZone,
)
from inventory.services.stock import InsufficientStock, InvalidQuantity, stock_adjust

ALERTS_EVENT = "stock_counted"


class NothingToCount(DomainError):
    code = "nothing_to_count"


class LotsAlreadyOnCount(Conflict):
    code = "lots_already_on_count"


class CountNotOpen(Conflict):
    code = "count_not_open"


class CountIncomplete(DomainError):
    code = "count_incomplete"


class FourEyesRequired(DomainError):
    code = "four_eyes_required"


# ---- the differences of a count, posted as adjustments (shared with the stock-count import) ---


@dataclass(frozen=True)
class CountedLot:
    """A lot as counted. `book`: the quantity the count is measured against, when it was frozen
    earlier (a cycle count); None measures it against the lot's quantity now (an import of a
    snapshot taken now). `key` is the caller's name for it (a row number, a line id)."""

    lot_id: int
    counted: int
    reason: str
    book: int | None = None
    key: int = 0


def count_differences_post(
    *,
    actor: User | None,
    counted: Sequence[CountedLot],
    reference: str = "count",
    refused: Callable[[CountedLot, DomainError], None] | None = None,
    today: date | None = None,
) -> dict[int, StockMovement]:
    """Post each counted lot's difference (counted - book) as one adjustment through
    `stock_adjust`; equal lots get none. Positions are locked first (by SKU, then site id), then
    the lots (by id), so the book now is read under lock. A difference that would take a lot
    below zero is refused: passed to `refused` when given (an import names its row and goes
    on), else raised. Returns the movements by the counted lot's key. The caller holds the
    transaction."""
    lot_ids = sorted({line.lot_id for line in counted})
    keys = Lot.objects.filter(pk__in=lot_ids).values_list("sku_id", "site_id").distinct()
    for sku_id, site_id in sorted(set(keys)):
        StockPosition.objects.get_or_create(sku_id=sku_id, site_id=site_id)
        StockPosition.objects.select_for_update().get(sku_id=sku_id, site_id=site_id)
    locked = (
        Lot.objects.select_for_update(of=("self",)).select_related("sku", "site").in_bulk(lot_ids)
    )
    movements: dict[int, StockMovement] = {}
    for line in counted:
        lot = locked[line.lot_id]
        book = lot.quantity if line.book is None else line.book
        difference = line.counted - book
        if difference == 0:
            continue
        try:
            if lot.quantity + difference < 0:
                raise InsufficientStock(
                    f"Lot {lot.lot_number} of {lot.sku.code} at {lot.site.code} was counted at "
                    f"{line.counted} against a book of {book} ({difference:+d}), but it holds "
                    f"{lot.quantity} now after the movements since: the adjustment would take it "
                    "below zero. Nothing was adjusted; count this lot again.",
                    fields={"counted_quantity": [f"At least {book - lot.quantity}."]},
                )
            movements[line.key] = stock_adjust(
                actor=actor,
                lot=lot,
                quantity=difference,
                reason=line.reason,
                reference=reference,
                today=today,
            )
        except DomainError as refusal:
            if refused is None:
                raise
            refused(line, refusal)
        else:
            lot.quantity += difference
    return movements


# ---- cycle counts ----------------------------------------------------------------------------


def _scope_lots(site: Site, zone: str, storage_unit: StorageUnit | None) -> list[Lot]:
    lots = Lot.objects.filter(site=site).filter(
        Q(quantity__gt=0) | Q(status__in=[LotStatus.RELEASED, LotStatus.QUARANTINE])
    )
    if zone:
        lots = lots.filter(sku__temperature_zone=zone)
    if storage_unit is not None:
        lots = lots.filter(storage_unit=storage_unit)
    return list(lots.select_for_update(of=("self",)).order_by("pk"))


def cycle_count_create(
    *,
    actor: User | None,
    site: Site,
    zone: str | None = None,
    storage_unit: StorageUnit | None = None,
) -> CycleCount:
    """Open a count of the lots at `site` (all of them, those of SKUs kept in `zone`, or those in
    `storage_unit`), with each lot's book quantity frozen on its line."""
    zone = zone or ""
    if zone and storage_unit is not None:
        raise DomainError(
            "Count one temperature zone or one storage unit, not both.",
            fields={"storage_unit": ["Leave empty when a zone is chosen."]},
        )
    if zone and zone not in TemperatureZone.values:
        raise DomainError(f"'{zone}' is not a temperature zone.", fields={"zone": ["Unknown."]})
    if storage_unit is not None and storage_unit.site_id != site.pk:
        raise DomainError(
            f"Storage unit {storage_unit.code} is not at {site.code}.",
            fields={"storage_unit": [f"Choose a unit at {site.code}."]},
        )
    with transaction.atomic(), audit_context(actor=actor):
        lots = _scope_lots(site, zone, storage_unit)
        if not lots:
            raise NothingToCount(
                f"No lot at {site.code} in this scope holds stock or is released or in "
                "quarantine: there is nothing to count.",
            )
        busy = (
            CycleCountLine.objects.filter(lot__in=lots, count__status__in=_ACTIVE)
            .values_list("count__number", flat=True)
            .distinct()
            .order_by("count__number")
        )
        if busy:
            numbers = ", ".join(busy)
            raise LotsAlreadyOnCount(
                f"Some of these lots are already on count {numbers}, which is not closed yet. "
                "Approve or cancel it first, or count another zone or unit."
            )
        count = CycleCount.objects.create(
            number=f"new-{uuid.uuid4().hex[:16]}",
            site=site,
            zone=zone,
            storage_unit=storage_unit,
            created_by=_user(actor),
        )
        count.number = f"CC-{count.pk:06d}"
        count.save(update_fields=["number"])
        audited_bulk_create(
            CycleCountLine,
            [
                CycleCountLine(count=count, lot=lot, sku_id=lot.sku_id, book_quantity=lot.quantity)
                for lot in lots
            ],
        )
    return count


_ACTIVE = [CycleCountStatus.OPEN, CycleCountStatus.COUNTED]


def _user(actor: User | None) -> User | None:
    return actor if getattr(actor, "pk", None) else None


def _lock(count: CycleCount) -> CycleCount:
    return (
        CycleCount.objects.select_for_update(of=("self",)).select_related("site").get(pk=count.pk)
    )


def _refuse_unless(count: CycleCount, *statuses: str, doing: str) -> None:
    if count.status in statuses:
        return
    when = {
        CycleCountStatus.COUNTED: count.counted_at,
        CycleCountStatus.APPROVED: count.approved_at,
        CycleCountStatus.CANCELLED: count.cancelled_at,
    }.get(CycleCountStatus(count.status))
    since = f" on {when:%Y-%m-%d %H:%M} UTC" if when else ""
    raise CountNotOpen(
        f"Count {count.number} was {count.get_status_display().lower()}{since}: it cannot be "
        f"{doing} now."
    )


def line_field(line_id: int) -> str:
    """The name a line's counted quantity goes by in forms and refusals."""
    return f"line-{line_id}"


def cycle_count_record(
    *,
    actor: User | None,
    count: CycleCount,
    quantities: Mapping[int, int | None],
    submit: bool = False,
) -> CycleCount:
    """Save the counted quantities of `quantities` (line id -> units found; None clears a line)
    on an open count; the other lines keep what they had. With `submit`, the count is then
    marked counted, which needs a quantity on every line."""
    problems: dict[str, list[str]] = {}
    for line_id, quantity in quantities.items():
        if quantity is not None and (
            isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0
        ):
            problems[line_field(line_id)] = ["A whole number of 0 or more."]
    if problems:
        raise InvalidQuantity(
            "Counted quantities are whole numbers of 0 or more. Nothing was saved.",
            fields=problems,
        )
    now = timezone.now()
    with transaction.atomic(), audit_context(actor=actor):
        count = _lock(count)
        _refuse_unless(count, CycleCountStatus.OPEN, doing="changed")
        lines = {line.pk: line for line in count.lines.select_for_update().order_by("pk")}
        unknown = sorted(set(quantities) - set(lines))
        if unknown:
            raise DomainError(
                f"Line(s) {', '.join(map(str, unknown))} are not on count {count.number}. "
                "Nothing was saved."
            )
        for line_id, quantity in quantities.items():
            line = lines[line_id]
            if line.counted_quantity == quantity:
                continue
            line.counted_quantity = quantity
            line.difference = None if quantity is None else quantity - line.book_quantity
            line.counted_by = _user(actor) if quantity is not None else None
            line.counted_at = now if quantity is not None else None
            line.save(update_fields=["counted_quantity", "difference", "counted_by", "counted_at"])
        if submit:
            missing = [line for line in lines.values() if line.counted_quantity is None]
            if missing:
                raise CountIncomplete(
                    f"{len(missing)} of {len(lines)} line(s) have no count yet. Enter what you "
                    "found on each (0 when the shelf is empty), then submit. Nothing was saved.",
                    fields={line_field(line.pk): ["Count this lot."] for line in missing},
                )
            count.status = CycleCountStatus.COUNTED
            count.counted_by = _user(actor)
            count.counted_at = now
            count.save(update_fields=["status", "counted_by", "counted_at"])
    return count


def _counters(count: CycleCount) -> set[int]:
    ids = set(
        count.lines.exclude(counted_by=None).values_list("counted_by_id", flat=True).distinct()
    )
    if count.counted_by_id:
        ids.add(count.counted_by_id)
    return ids


def cycle_count_approve(
    *, actor: User | None, count: CycleCount, reason: str, today: date | None = None
) -> CycleCount:
    """Approve a counted count: each difference against the frozen book becomes one adjustment
    of its lot (see the module's docstring for movements since creation), the lots' positions
    are recomputed, and the alerts that depend on stock are evaluated after commit. Refused,
    with nothing written, when the approver counted any of it, when the reason is missing, or
    when an adjustment would take a lot below zero."""
    reason = required_reason(reason, what="approving the count")
    with transaction.atomic():
        count = _lock(count)
        _refuse_unless(count, CycleCountStatus.COUNTED, doing="approved")
        if actor is None:
            raise FourEyesRequired("A count is approved by a signed-in person.")
        if actor.pk in _counters(count):
            raise FourEyesRequired(
                f"You entered quantities on count {count.number}: another person approves it "
                "(four eyes).",
            )
        lines = list(count.lines.exclude(difference=0).order_by("pk"))
        with audit_context(actor=actor, reason=reason):
            movements = count_differences_post(
                actor=actor,
                counted=[
                    CountedLot(
                        lot_id=line.lot_id,
                        counted=line.counted_quantity or 0,
                        book=line.book_quantity,
                        reason=f"Cycle count {count.number}: {reason}",
                        key=line.pk,
                    )
                    for line in lines
                ],
                reference=count.number,
                today=today,
            )
            for line in lines:
                line.adjustment = movements[line.pk]
                line.save(update_fields=["adjustment"])
            count.status = CycleCountStatus.APPROVED
            count.approved_by = actor
            count.approved_at = timezone.now()
            count.approval_reason = reason
            count.save(update_fields=["status", "approved_by", "approved_at", "approval_reason"])
        if movements:
            follow_up_after_commit("alerts.tasks.evaluate_alerts_after", ALERTS_EVENT)
    return count


def cycle_count_cancel(*, actor: User | None, count: CycleCount, reason: str) -> CycleCount:
    """Close an open or counted count without adjusting anything (its lots may then be counted
    again)."""
    reason = required_reason(reason, what="cancelling the count")
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        count = _lock(count)
        _refuse_unless(count, CycleCountStatus.OPEN, CycleCountStatus.COUNTED, doing="cancelled")
        count.status = CycleCountStatus.CANCELLED
        count.cancelled_by = _user(actor)
        count.cancelled_at = timezone.now()
        count.cancel_reason = reason
        count.save(update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason"])
    return count
