"""The daily stock feed: what an ERP, WMS or pharmacy system did with the stock, sent as
batches of movements (`POST /api/v1/stock-movements`).

The rules, in words:

- A batch holds 1 to MAX_BATCH rows. Each row is one movement of one lot: `receipt`,
  `issue`, `dispense`, `transfer_out`, `transfer_in`, `adjustment` or `write_off`, with the
  SKU, site and lot by their codes, a quantity (above zero; an adjustment is signed and not
  zero) and the day it happened (not in the future).
- Every row is checked first, against the stock as the batch finds it and as the rows before
  it in the batch leave it: unknown SKU, site or lot, a lot of another SKU or at another site,
  a receipt whose lot has expired or has less shelf life left than the SKU accepts, a lot that
  may not be issued (quarantined, rejected, expired), and any lot going below zero. One bad row
  refuses the whole batch with a message per row ({"row", "field", "message"}); nothing is
  written.
- Each row carries an `idempotency_key`. A key already stored with the same row is a replay:
  it is answered as the first time and changes nothing. A key stored with another row refuses
  the batch with 409. A key may appear once per batch.
- A good batch is written in one transaction: lots (a receipt or transfer in may open a new
  lot; a transfer in keeps the lot's expiry from `expiry_date` or from the same lot at
  `counterpart_site`), one ledger movement per row with its audit-trail entry, the keys, the
  demand history (issues and dispenses are added to the day's DailyDemand, so the next
  forecast sees them) and the positions of the SKU-sites touched.
- Dispenses are issues on the ledger (kind `issue`, reason "dispense" unless one is given).
- An issue, dispense, transfer out or write-off may leave out `lot`: the quantity is then
  taken first-expired-first-out from the site's released, unexpired lots of the SKU, as the
  rows before it in the batch left them (a lot emptied by an earlier row is passed over, a
  released lot received earlier in the batch counts), one ledger movement per lot drawn on
  (the row's key names the first). Not enough usable stock refuses the row with the quantity
  that was available. Receipts, transfers in and adjustments name their lot.
- A receipt may name the `purchase_order` (its number) it delivers. The order's line for the
  SKU is received as well: its received quantity goes up, a receipt is recorded and the
  order's status and the on-order figure move on. Whoever keeps purchase orders (the
  suppliers app, which inventory may not import) registers the OrderReceipts that checks and
  records this; an unknown order, one not open for receipts, a SKU not on the order or more
  than its open quantity refuses the row. Without a registered OrderReceipts such a row is
  refused.

Locking, as inventory.services.stock (after the purchase-order lines and orders that rows name,
which receiving against an order locks first too): the StockPosition rows of the SKU-sites the batch
touches first, in ascending (SKU id, site id) order, then the lots it reads, by id. Every
check against stored stock and keys is made after the locks, so two batches (or a batch and
a stock service) on the same SKU-site are checked one after the other.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, Protocol

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import audit_context, audit_rows_write, created_changes
from accounts.models import AuditLogEntry, User
from common.batches import RowProblems
from common.bulk import insert_rows, insert_values, int_array, keys_filter, update_values
from common.errors import Conflict, DomainError
from inventory.models import (
    Lot,
    LotStatus,
    MovementKind,
    Site,
    Sku,
    StockMovement,
    StockMovementKey,
    StockPosition,
)
from inventory.services.demand import daily_demand_add
from inventory.services.stock import positions_recompute

MAX_BATCH = 1000
MAX_ERRORS_SHOWN = 200
KEY_MAX_LENGTH = 100
LOT_MAX_LENGTH = 60
REFERENCE_MAX_LENGTH = 100


class FeedKind(StrEnum):
    RECEIPT = "receipt"
    ISSUE = "issue"
    DISPENSE = "dispense"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    ADJUSTMENT = "adjustment"
    WRITE_OFF = "write_off"


LEDGER_KIND = {
    FeedKind.RECEIPT: MovementKind.RECEIPT,
    FeedKind.ISSUE: MovementKind.ISSUE,
    FeedKind.DISPENSE: MovementKind.ISSUE,
    FeedKind.TRANSFER_OUT: MovementKind.TRANSFER_OUT,
    FeedKind.TRANSFER_IN: MovementKind.TRANSFER_IN,
    FeedKind.ADJUSTMENT: MovementKind.ADJUSTMENT,
    FeedKind.WRITE_OFF: MovementKind.WRITE_OFF,
}
INBOUND = {FeedKind.RECEIPT, FeedKind.TRANSFER_IN}
ISSUING = {FeedKind.ISSUE, FeedKind.DISPENSE, FeedKind.TRANSFER_OUT}  # from usable lots only
FEFO_WHEN_NO_LOT = {*ISSUING, FeedKind.WRITE_OFF}  # may leave out the lot: drawn FEFO
DEMAND = {FeedKind.ISSUE, FeedKind.DISPENSE}
TRANSFERS = {FeedKind.TRANSFER_OUT, FeedKind.TRANSFER_IN}
REASON_REQUIRED = {FeedKind.ADJUSTMENT, FeedKind.WRITE_OFF}
RECEIPT_STATUSES = (LotStatus.QUARANTINE, LotStatus.RELEASED)

REQUIRED_FIELDS = ("idempotency_key", "kind", "sku", "site", "quantity", "occurred_on")
OPTIONAL_FIELDS = (
    "lot",
    "expiry_date",
    "status",
    "reason",
    "reference",
    "counterpart_site",
    "purchase_order",
)
ORDER_NUMBER_MAX_LENGTH = 40
KNOWN_FIELDS = frozenset(REQUIRED_FIELDS + OPTIONAL_FIELDS)


class MovementsRefused(DomainError):
    code = "invalid_movements"


class IdempotencyKeyConflict(Conflict):
    code = "idempotency_key_conflict"


@dataclass(frozen=True)
class _Row:
    number: int
    key: str
    row_hash: str
    kind: FeedKind
    sku: Sku
    site: Site
    lot_number: str  # "" for a row whose lots are drawn FEFO
    delta: int  # signed: what the row does to the lot's quantity
    occurred_on: date
    expiry_date: date | None
    status: str
    reason: str
    reference: str
    counterpart: Site | None
    purchase_order: str = ""

    @property
    def lot_key(self) -> tuple[int, int, str]:
        return (self.sku.pk, self.site.pk, self.lot_number)

    @property
    def position_key(self) -> tuple[int, int]:
        return (self.sku.pk, self.site.pk)

    @property
    def fefo(self) -> bool:
        return not self.lot_number


@dataclass
class FeedResult:
    movements: list[dict[str, Any]] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for row in self.movements if not row["replayed"])

    @property
    def replayed(self) -> int:
        return sum(1 for row in self.movements if row["replayed"])

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "replayed": self.replayed, "movements": self.movements}


@dataclass(frozen=True)
class OrderReceipt:
    """A receipt row of the feed that names a purchase order."""

    row: int
    order_number: str
    sku_id: int
    sku_code: str
    site_id: int
    site_code: str
    quantity: int
    lot_number: str
    received_on: date


class OrderReceipts(Protocol):
    """Receiving against purchase orders, for the feed (registered by the suppliers app)."""

    def lock(self, order_numbers: set[str]) -> None:
        """Lock the orders and their lines (before the feed locks positions and lots)."""

    def check(self, receipts: Sequence[OrderReceipt]) -> list[tuple[int, str]]:
        """(row, message) for each receipt the orders refuse, rows before it counted."""

    def record(
        self, receipts: Sequence[tuple[OrderReceipt, Lot]], *, actor: User | None, today: date
    ) -> None:
        """Record each receipt on its order line, with the lot it went into."""


_order_receipts: list[OrderReceipts] = []


def register_order_receipts(handler: OrderReceipts) -> None:
    """Called once when the app that keeps purchase orders starts."""
    _order_receipts[:] = [handler]


def _order_receipt(row: "_Row") -> OrderReceipt:
    return OrderReceipt(
        row=row.number,
        order_number=row.purchase_order,
        sku_id=row.sku.pk,
        sku_code=row.sku.code,
        site_id=row.site.pk,
        site_code=row.site.code,
        quantity=row.delta,
        lot_number=row.lot_number,
        received_on=row.occurred_on,
    )


def _problems() -> RowProblems:
    return RowProblems(shown=MAX_ERRORS_SHOWN)


def _refuse(problems: RowProblems, total: int, *, taken_keys: bool = False) -> None:
    problems.refuse(
        IdempotencyKeyConflict if taken_keys else MovementsRefused,
        total=total,
        noun="movements",
        field="movements",
        what="use an idempotency key already taken" if taken_keys else "are invalid",
        nothing="Nothing was written.",
    )


def row_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 of a row's canonical JSON: the same row sent again hashes the same."""
    canonical = json.dumps(row, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# ---- reading a batch ------------------------------------------------------------------------


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    return value.strip() if isinstance(value, str) else ""


def _parse_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


@dataclass
class _RowReader:
    """Reads one row field by field, noting each problem against the row's number."""

    number: int
    row: Mapping[str, Any]
    skus: Mapping[str, Sku]
    sites: Mapping[str, Site]
    today: date
    problems: RowProblems

    def problem(self, name: str, message: str) -> None:
        self.problems.add(self.number, name, message)

    def given(self, name: str) -> bool:
        return self.row.get(name) not in (None, "")

    def text(self, name: str, max_length: int) -> str:
        value = _text(self.row, name)
        if self.given(name) and not value:
            self.problem(name, "A text.")
        elif len(value) > max_length:
            self.problem(name, f"At most {max_length} characters.")
        return value

    def fields(self) -> None:
        for name in sorted(set(self.row) - KNOWN_FIELDS):
            self.problem(str(name), "Unknown field.")
        for name in REQUIRED_FIELDS:
            if not self.given(name):
                self.problem(name, "Required.")

    def kind(self) -> FeedKind | None:
        raw = self.row.get("kind")
        if not self.given("kind"):
            return None
        if isinstance(raw, str) and raw in set(FeedKind):
            return FeedKind(raw)
        self.problem("kind", f"'{raw}' is not a kind: one of {', '.join(FeedKind)}.")
        return None

    def record(self, name: str, records: Mapping[str, Any], what: str) -> Any:
        code = _text(self.row, name)
        if not code:
            return None
        record = records.get(code)
        if record is None:
            self.problem(name, f"No {what} '{code}'.")
        return record

    def quantity(self, kind: FeedKind | None) -> int | None:
        quantity = self.row.get("quantity")
        if not self.given("quantity"):
            return None
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            self.problem("quantity", "A whole number.")
            return None
        if kind is FeedKind.ADJUSTMENT and quantity == 0:
            self.problem("quantity", "An adjustment changes the quantity: not 0.")
        elif kind is not FeedKind.ADJUSTMENT and quantity <= 0:
            self.problem("quantity", f"Must be above zero (got {quantity}).")
        return quantity

    def day(self, name: str) -> date | None:
        if not self.given(name):
            return None
        day = _parse_date(self.row.get(name))
        if day is None:
            self.problem(name, "A date as YYYY-MM-DD.")
        return day

    def occurred_on(self) -> date | None:
        day = self.day("occurred_on")
        if day is not None and day > self.today:
            self.problem("occurred_on", f"{day:%Y-%m-%d} is in the future.")
        return day

    def expiry_date(self, kind: FeedKind | None, sku: Sku | None) -> date | None:
        expiry = self.day("expiry_date")
        if expiry is not None and kind not in INBOUND:
            self.problem("expiry_date", "Only a receipt or a transfer in names an expiry.")
        if kind is not FeedKind.RECEIPT:
            return expiry
        if not self.given("expiry_date"):
            self.problem("expiry_date", "Required for a receipt.")
        elif expiry is not None and expiry < self.today:
            self.problem("expiry_date", f"The lot expired on {expiry:%Y-%m-%d}: not received.")
        elif expiry is not None and sku is not None:
            remaining, minimum = (expiry - self.today).days, sku.min_remaining_shelf_life_days
            if remaining < minimum:
                self.problem(
                    "expiry_date",
                    f"{remaining} days of shelf life left, below the minimum of {minimum} days "
                    f"for {sku.code}.",
                )
        return expiry

    def status(self, kind: FeedKind | None) -> str:
        if not self.given("status"):
            return LotStatus.QUARANTINE
        if kind is not FeedKind.RECEIPT:
            self.problem("status", "Only a receipt sets a status.")
        elif self.row.get("status") not in RECEIPT_STATUSES:
            self.problem("status", "quarantine (the default) or released.")
        else:
            return LotStatus(self.row["status"])
        return LotStatus.QUARANTINE

    def reason(self, kind: FeedKind | None) -> str:
        reason = _text(self.row, "reason")
        if kind in REASON_REQUIRED and not reason:
            what = "an adjustment" if kind is FeedKind.ADJUSTMENT else "a write-off"
            self.problem("reason", f"Required for {what}.")
        if kind is FeedKind.DISPENSE and not reason:
            return "dispense"
        return reason

    def counterpart(self, kind: FeedKind | None, site: Site | None) -> Site | None:
        if not self.given("counterpart_site"):
            return None
        if kind not in TRANSFERS:
            self.problem("counterpart_site", "Only a transfer names a counterpart site.")
            return None
        counterpart = self.record("counterpart_site", self.sites, "site")
        if counterpart is not None and site is not None and counterpart.pk == site.pk:
            self.problem("counterpart_site", "A transfer needs two different sites.")
        return counterpart


def _parse_row(reader: _RowReader) -> _Row | None:
    before = len(reader.problems.items)
    reader.fields()
    key = reader.text("idempotency_key", KEY_MAX_LENGTH)
    kind = reader.kind()
    sku: Sku | None = reader.record("sku", reader.skus, "SKU")
    site: Site | None = reader.record("site", reader.sites, "site")
    lot_number = reader.text("lot", LOT_MAX_LENGTH)
    if not reader.given("lot") and kind is not None and kind not in FEFO_WHEN_NO_LOT:
        reader.problem("lot", "Required.")
    quantity = reader.quantity(kind)
    occurred_on = reader.occurred_on()
    expiry_date = reader.expiry_date(kind, sku)
    status = reader.status(kind)
    reason = reader.reason(kind)
    reference = reader.text("reference", REFERENCE_MAX_LENGTH)
    counterpart = reader.counterpart(kind, site)
    purchase_order = reader.text("purchase_order", ORDER_NUMBER_MAX_LENGTH)
    if purchase_order and kind is not FeedKind.RECEIPT:
        reader.problem("purchase_order", "Only a receipt names a purchase order.")
    if (
        len(reader.problems.items) > before
        or kind is None
        or sku is None
        or site is None
        or occurred_on is None
        or quantity is None
    ):
        return None
    return _Row(
        number=reader.number,
        key=key,
        row_hash=row_hash(reader.row),
        kind=kind,
        sku=sku,
        site=site,
        lot_number=lot_number,
        delta=quantity if kind in INBOUND or kind is FeedKind.ADJUSTMENT else -quantity,
        occurred_on=occurred_on,
        expiry_date=expiry_date,
        status=status,
        reason=reason,
        reference=reference,
        counterpart=counterpart,
        purchase_order=purchase_order,
    )


def _nul_fields(row: Mapping[str, Any]) -> list[str]:
    """The fields whose text holds a NUL character, which no database text column stores: such a
    row is refused before any of its values is looked up."""
    return sorted(
        str(name) for name, value in row.items() if isinstance(value, str) and "\x00" in value
    )


def _parse_batch(movements: Any, today: date) -> tuple[list[_Row], RowProblems]:
    if not isinstance(movements, list) or not movements:
        raise MovementsRefused(
            "Send a non-empty list of movements.", fields={"movements": ["Required."]}
        )
    if len(movements) > MAX_BATCH:
        raise MovementsRefused(
            f"At most {MAX_BATCH:,} movements per batch ({len(movements):,} sent); split the "
            "batch. Nothing was written.",
            fields={"movements": [f"At most {MAX_BATCH:,} rows."]},
        )
    rows_in = [row for row in movements if isinstance(row, Mapping) and not _nul_fields(row)]
    sku_codes = {_text(row, "sku") for row in rows_in} - {""}
    site_codes = {_text(row, name) for row in rows_in for name in ("site", "counterpart_site")}
    # Only what the checks, messages and trail read (a thousand rows a batch).
    skus = {
        sku.code: sku
        for sku in Sku.objects.filter(code__in=sku_codes).only(
            "pk", "code", "min_remaining_shelf_life_days"
        )
    }
    sites = {
        site.code: site
        for site in Site.objects.filter(code__in=site_codes - {""}).only("pk", "code")
    }
    problems = _problems()
    rows: list[_Row] = []
    first_row_of_key: dict[str, int] = {}
    for number, raw in enumerate(movements, start=1):
        if not isinstance(raw, Mapping):
            problems.add(number, "", "Each movement is an object: " + ", ".join(REQUIRED_FIELDS))
            continue
        if nul := _nul_fields(raw):
            for name in nul:
                problems.add(number, name, "Text cannot contain the NUL character.")
            continue
        row = _parse_row(_RowReader(number, raw, skus, sites, today, problems))
        key = _text(raw, "idempotency_key")
        if key:
            if key in first_row_of_key:
                problems.add(
                    number,
                    "idempotency_key",
                    f"Row {first_row_of_key[key]} uses this key too: one key per movement.",
                )
                continue
            first_row_of_key[key] = number
        if row is not None:
            rows.append(row)
    return rows, problems


# ---- checking rows against the stock --------------------------------------------------------


def _lock_positions(keys: set[tuple[int, int]]) -> None:
    """Create the missing position rows of the SKU-sites `keys` and lock exactly those rows,
    in (SKU id, site id) order."""
    if connection.vendor == "postgresql":
        _lock_positions_by_keys(sorted(keys))
        return

    def existing() -> dict[tuple[int, int], int]:
        candidates = StockPosition.objects.filter(
            sku_id__in={key[0] for key in keys}, site_id__in={key[1] for key in keys}
        ).values_list("pk", "sku_id", "site_id")
        return {(sku_id, site_id): pk for pk, sku_id, site_id in candidates}

    found = existing()
    if missing := sorted(keys - set(found)):
        insert_rows(
            StockPosition,
            [StockPosition(sku_id=sku_id, site_id=site_id) for sku_id, site_id in missing],
            ignore_conflicts=True,
        )
        found = existing()
    ids = [found[key] for key in keys]
    list(
        StockPosition.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("sku_id", "site_id")
        .values_list("pk", flat=True)
    )


def _lock_positions_by_keys(keys: Sequence[tuple[int, int]]) -> None:
    """`_lock_positions` on PostgreSQL, in two statements whatever the number of keys: the
    missing rows inserted with their fields' defaults (a row inserted meanwhile by another
    transaction is left alone), then exactly the keys' rows locked in order."""
    quote = connection.ops.quote_name
    table = quote(StockPosition._meta.db_table)
    defaulted = [
        field
        for field in StockPosition._meta.concrete_fields
        if field.attname not in {"id", "sku_id", "site_id"}
    ]
    defaults = [field.get_db_prep_save(field.get_default(), connection) for field in defaulted]
    columns = ", ".join(quote(field.column or field.attname) for field in defaulted)
    arrays = [int_array(key[0] for key in keys), int_array(key[1] for key in keys)]
    wanted = "unnest(%s::bigint[], %s::bigint[]) AS wanted (sku_id, site_id)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (sku_id, site_id, {columns}) "  # noqa: S608 - names quoted
            f"SELECT wanted.sku_id, wanted.site_id, {', '.join(['%s'] * len(defaults))} "
            f"FROM {wanted} WHERE NOT EXISTS (SELECT 1 FROM {table} AS p "
            "WHERE p.sku_id = wanted.sku_id AND p.site_id = wanted.site_id) "
            "ON CONFLICT DO NOTHING",
            [*defaults, *arrays],
        )
        cursor.execute(
            f"SELECT p.id FROM {table} AS p JOIN {wanted} "  # noqa: S608 - names quoted
            "ON p.sku_id = wanted.sku_id AND p.site_id = wanted.site_id "
            "ORDER BY p.sku_id, p.site_id FOR UPDATE OF p",
            arrays,
        )
        cursor.fetchall()


def _lock_lots(rows: Sequence[_Row], today: date) -> dict[tuple[int, int, str], Lot]:
    """Lock exactly the lots the rows name and, for rows that name none, the usable lots of
    their SKU-sites (by id, in one query), and read them as they are now."""
    wanted = {row.lot_key for row in rows if not row.fefo}
    drawn = {row.position_key for row in rows if row.fefo}
    if connection.vendor == "postgresql":
        return _lock_lots_by_keys(sorted(wanted), sorted(drawn), today)
    ids: list[int] = []
    if wanted:
        candidates = Lot.objects.filter(
            sku_id__in={key[0] for key in wanted},
            site_id__in={key[1] for key in wanted},
            lot_number__in={key[2] for key in wanted},
        ).values_list("pk", "sku_id", "site_id", "lot_number")
        ids += [pk for pk, *key in candidates if tuple(key) in wanted]
    if drawn:
        usable = (
            Lot.objects.usable(today)
            .filter(sku_id__in={key[0] for key in drawn}, site_id__in={key[1] for key in drawn})
            .values_list("pk", "sku_id", "site_id")
        )
        ids += [pk for pk, sku_id, site_id in usable if (sku_id, site_id) in drawn]
    if not ids:
        return {}
    lots = Lot.objects.select_for_update().filter(pk__in=set(ids)).order_by("pk")
    return {(lot.sku_id, lot.site_id, lot.lot_number): lot for lot in lots}


def _lock_lots_by_keys(
    wanted: Sequence[tuple[int, int, str]], drawn: Sequence[tuple[int, int]], today: date
) -> dict[tuple[int, int, str], Lot]:
    """`_lock_lots` on PostgreSQL: one locking read, by id, of the named lots and the usable
    lots of the SKU-sites drawn on."""
    lots = Lot.objects.none()
    if wanted:
        lots |= Lot.objects.filter(keys_filter(Lot, ("sku_id", "site_id", "lot_number"), wanted))
    if drawn:
        lots |= Lot.objects.usable(today).filter(keys_filter(Lot, ("sku_id", "site_id"), drawn))
    if not wanted and not drawn:
        return {}
    locked = lots.select_for_update().order_by("pk")
    return {(lot.sku_id, lot.site_id, lot.lot_number): lot for lot in locked}


def _missing_lot_message(row: _Row, elsewhere: Sequence[tuple[int, int, str, str, str]]) -> str:
    """Why a lot named by a row is not at its SKU-site: at another site, of another SKU, or
    unknown."""
    same_sku = sorted(
        site
        for sku_id, site_id, number, site, _ in elsewhere
        if sku_id == row.sku.pk and number == row.lot_number
    )
    if same_sku:
        return (
            f"Lot {row.lot_number} of {row.sku.code} is at {', '.join(same_sku)}, "
            f"not at {row.site.code}."
        )
    other_sku = sorted(
        sku
        for _, site_id, number, _, sku in elsewhere
        if site_id == row.site.pk and number == row.lot_number
    )
    if other_sku:
        return (
            f"Lot {row.lot_number} at {row.site.code} is a lot of {', '.join(other_sku)}, "
            f"not of {row.sku.code}."
        )
    return f"No lot {row.lot_number} of {row.sku.code} at {row.site.code}."


LotKey = tuple[int, int, str]


@dataclass
class _Plan:
    """What the batch will write: lots by key (new ones unsaved) with their final quantities,
    and each row's movements as (lot, signed quantity), in order."""

    lots: dict[LotKey, Lot]
    original: dict[LotKey, int] = field(default_factory=dict)  # quantities as locked
    new_keys: set[LotKey] = field(default_factory=set)
    changed_keys: set[LotKey] = field(default_factory=set)
    moves: dict[int, list[tuple[LotKey, int]]] = field(default_factory=dict)
    by_position: dict[tuple[int, int], list[LotKey]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, lot in self.lots.items():
            self.original[key] = lot.quantity
            self.by_position.setdefault(key[:2], []).append(key)

    def add_new(self, key: LotKey, lot: Lot) -> None:
        self.lots[key] = lot
        self.new_keys.add(key)
        self.by_position.setdefault(key[:2], []).append(key)

    def apply(self, row: "_Row", key: LotKey, delta: int) -> None:
        self.lots[key].quantity += delta
        if key not in self.new_keys:
            self.changed_keys.add(key)
        self.moves.setdefault(row.number, []).append((key, delta))

    def fefo_lots(self, row: "_Row", today: date) -> list[Lot]:
        """The usable lots of the row's SKU-site holding units now, first expiry first."""
        lots = [self.lots[key] for key in self.by_position.get(row.position_key, [])]
        usable = [lot for lot in lots if lot.quantity > 0 and lot.is_usable(today)]
        return sorted(usable, key=lambda lot: (lot.expiry_date, lot.pk is None, lot.pk or 0))


def _draw_fefo(row: _Row, plan: _Plan, today: date, problems: RowProblems) -> None:
    """Take a row that names no lot from its SKU-site's usable lots, first expiry first."""
    lots = plan.fefo_lots(row, today)
    available = sum(lot.quantity for lot in lots)
    wanted = -row.delta
    if available < wanted:
        touched = plan.changed_keys | plan.new_keys
        earlier = (
            " after the rows before it"
            if any(key in touched for key in plan.by_position.get(row.position_key, []))
            else ""
        )
        problems.add(
            row.number,
            "quantity",
            f"{row.sku.code} at {row.site.code} has {available} usable units (released, "
            f"unexpired){earlier}; {wanted} were asked for.",
        )
        return
    for lot in lots:
        take = min(wanted, lot.quantity)
        lot.sku, lot.site = row.sku, row.site  # the same rows, read once: for the trail
        plan.apply(row, (row.sku.pk, row.site.pk, lot.lot_number), -take)
        wanted -= take
        if not wanted:
            return


def _check_against_stock(
    rows: Sequence[_Row], lots: dict[tuple[int, int, str], Lot], today: date
) -> tuple[_Plan, RowProblems]:
    problems = _problems()
    plan = _Plan(lots=dict(lots))
    missing = [
        row for row in rows if not row.fefo and row.lot_key not in lots and row.kind not in INBOUND
    ]
    elsewhere: list[tuple[int, int, str, str, str]] = []
    if missing:
        elsewhere = list(
            Lot.objects.filter(lot_number__in={row.lot_number for row in missing}).values_list(
                "sku_id", "site_id", "lot_number", "site__code", "sku__code"
            )
        )
    sources = _transfer_sources(rows, lots)
    for row in rows:
        if row.fefo:
            _draw_fefo(row, plan, today, problems)
            continue
        lot = plan.lots.get(row.lot_key)
        if lot is None:
            if row.kind not in INBOUND:
                problems.add(row.number, "lot", _missing_lot_message(row, elsewhere))
                continue
            expiry = row.expiry_date
            if row.kind is FeedKind.TRANSFER_IN and expiry is None:
                source = sources.get(row.number)
                if source is None:
                    problems.add(
                        row.number,
                        "expiry_date",
                        f"Lot {row.lot_number} is new at {row.site.code}: give its expiry_date, "
                        "or the counterpart_site that holds it.",
                    )
                    continue
                expiry = source.expiry_date
            if expiry is None:  # a receipt without one was refused when read
                continue
            lot = Lot(
                sku=row.sku,
                site=row.site,
                lot_number=row.lot_number,
                expiry_date=expiry,
                quantity=0,
                status=row.status if row.kind is FeedKind.RECEIPT else LotStatus.RELEASED,
                received_on=row.occurred_on,
            )
            plan.add_new(row.lot_key, lot)
        else:
            lot.sku, lot.site = row.sku, row.site  # the same rows, read once: for the trail
        if row.kind in INBOUND and row.expiry_date and row.expiry_date != lot.expiry_date:
            problems.add(
                row.number,
                "expiry_date",
                f"Lot {row.lot_number} of {row.sku.code} at {row.site.code} expires on "
                f"{lot.expiry_date:%Y-%m-%d}, not {row.expiry_date:%Y-%m-%d}.",
            )
            continue
        if row.kind in ISSUING and not lot.is_usable(today):
            problems.add(row.number, "lot", _not_usable_message(lot, today))
            continue
        if lot.quantity + row.delta < 0:
            earlier = " after the rows before it" if row.lot_key in plan.changed_keys else ""
            problems.add(
                row.number,
                "quantity",
                f"Lot {row.lot_number} of {row.sku.code} at {row.site.code} holds "
                f"{lot.quantity} units{earlier}; it cannot go down by {-row.delta}.",
            )
            continue
        plan.apply(row, row.lot_key, row.delta)
    return plan, problems


def _not_usable_message(lot: Lot, today: date) -> str:
    if lot.status == LotStatus.RELEASED:
        return f"Lot {lot.lot_number} expired on {lot.expiry_date:%Y-%m-%d}: it cannot be issued."
    return f"Lot {lot.lot_number} is {lot.get_status_display().lower()}: it cannot be issued."


def _transfer_sources(
    rows: Sequence[_Row], lots: Mapping[tuple[int, int, str], Lot]
) -> dict[int, Lot]:
    """For a transfer in of a lot new at its site: the same lot at the counterpart site."""
    wanted = {
        row.number: (row.sku.pk, row.counterpart.pk, row.lot_number)
        for row in rows
        if row.kind is FeedKind.TRANSFER_IN
        and row.expiry_date is None
        and row.counterpart is not None
        and row.lot_key not in lots
    }
    if not wanted:
        return {}
    if connection.vendor == "postgresql":
        scope = keys_filter(Lot, ("sku_id", "site_id", "lot_number"), sorted(set(wanted.values())))
    else:
        scope = Q(
            sku_id__in={key[0] for key in wanted.values()},
            site_id__in={key[1] for key in wanted.values()},
            lot_number__in={key[2] for key in wanted.values()},
        )
    found = {(lot.sku_id, lot.site_id, lot.lot_number): lot for lot in Lot.objects.filter(scope)}
    return {number: found[key] for number, key in wanted.items() if key in found}


# ---- the batch ------------------------------------------------------------------------------


def _occurred_at(day: date, today: date, now: datetime) -> datetime:
    if day == today:
        return now
    return timezone.make_aware(datetime.combine(day, time.min))


def _add_demand(rows: Sequence[_Row]) -> None:
    """Add the batch's issues and dispenses to the day's demand of each SKU-site."""
    added: dict[tuple[int, int, date], int] = defaultdict(int)
    for row in rows:
        if row.kind in DEMAND:
            added[(row.sku.pk, row.site.pk, row.occurred_on)] += -row.delta
    daily_demand_add(added=added)


def stock_movements_post(
    *, actor: User | None, movements: Any, today: date | None = None
) -> FeedResult:
    """Check, then write, one batch of the daily stock feed (the rules are in the module
    docstring). Refuses the whole batch with MovementsRefused (400, a message per row) or
    IdempotencyKeyConflict (409) and then writes nothing."""
    today = today or timezone.localdate()
    now = timezone.now()
    rows, problems = _parse_batch(movements, today)
    total = len(movements)
    ordered = [row for row in rows if row.purchase_order]
    with transaction.atomic(), audit_context(actor=actor):
        if ordered and _order_receipts:
            _order_receipts[0].lock({row.purchase_order for row in ordered})
        if rows:
            _lock_positions({row.position_key for row in rows})
        stored = {
            key: (hash_, movement_id)
            for key, hash_, movement_id in StockMovementKey.objects.filter(
                key__in={row.key for row in rows}
            ).values_list("key", "row_hash", "movement_id")
        }
        conflicts = _problems()
        for row in rows:
            if row.key in stored and stored[row.key][0] != row.row_hash:
                conflicts.add(
                    row.number,
                    "idempotency_key",
                    f"Key '{row.key}' was already used for another movement.",
                )
        _refuse(conflicts, total, taken_keys=True)
        fresh = [row for row in rows if row.key not in stored]
        plan, stock_problems = _check_against_stock(fresh, _lock_lots(fresh, today), today)
        _check_orders(fresh, stock_problems)
        problems.items = sorted(problems.items + stock_problems.items, key=lambda item: item["row"])
        _refuse(problems, total)
        movement_ids = _write(actor, fresh, plan, today, now)

    result = FeedResult()
    for row in rows:
        replayed = row.key in stored
        result.movements.append(
            {
                "row": row.number,
                "idempotency_key": row.key,
                "movement": stored[row.key][1] if replayed else movement_ids[row.number],
                "replayed": replayed,
            }
        )
    return result


def _check_orders(rows: Sequence[_Row], problems: RowProblems) -> None:
    ordered = [row for row in rows if row.purchase_order]
    if not ordered:
        return
    if not _order_receipts:
        for row in ordered:
            problems.add(row.number, "purchase_order", "Receipts against orders are not kept.")
        return
    for number, message in _order_receipts[0].check([_order_receipt(row) for row in ordered]):
        problems.add(number, "purchase_order", message)


MOVEMENT_COLUMNS = (
    "kind",
    "quantity",
    "lot_id",
    "sku_id",
    "site_id",
    "occurred_at",
    "reference",
    "reason",
    "user_id",
)
KEY_COLUMNS = ("key", "row_hash", "movement_id", "created_by_id", "created_at")
KIND_LABELS = {kind.value: str(kind.label) for kind in MovementKind}


LOT_COLUMNS = (
    "sku_id",
    "site_id",
    "lot_number",
    "expiry_date",
    "quantity",
    "status",
    "received_on",
    "storage_unit_id",
    "created_at",
)


def _write_lots(plan: _Plan, now: datetime) -> None:
    """The new lots and the changed quantities, as values, with their trail entries (a new
    lot's from its values, a change's from the quantity locked and the one planned)."""
    new = [plan.lots[key] for key in sorted(plan.new_keys)]
    values = [
        (
            lot.sku_id,
            lot.site_id,
            lot.lot_number,
            lot.expiry_date,
            lot.quantity,
            LotStatus(lot.status).value,
            lot.received_on,
            lot.storage_unit_id,
            now,
        )
        for lot in new
    ]
    for lot, pk in zip(new, insert_values(Lot, LOT_COLUMNS, values, with_ids=True), strict=True):
        lot.pk, lot.created_at = pk, now
        lot._state.adding, lot._state.db = False, Lot.objects.db
    changes = created_changes(Lot, ("id", *LOT_COLUMNS))
    audit_rows_write(
        Lot,
        AuditLogEntry.Action.CREATE,
        [
            (lot.pk, str(lot), changes((lot.pk, *value)))
            for lot, value in zip(new, values, strict=True)
        ],
    )
    changed = [(key, plan.lots[key]) for key in plan.changed_keys]
    update_values(Lot, ("quantity",), [(lot.pk, lot.quantity) for _, lot in changed])
    audit_rows_write(
        Lot,
        AuditLogEntry.Action.UPDATE,
        [
            (lot.pk, str(lot), {"quantity": [plan.original[key], lot.quantity]})
            for key, lot in changed
            if plan.original[key] != lot.quantity
        ],
    )


def _write_movements(
    rows: Sequence[_Row], plan: _Plan, user_id: int | None, today: date, now: datetime
) -> dict[int, int]:
    """The ledger rows of the batch and their trail entries, as plain values: the id of the
    first movement of each row."""
    values: list[tuple[Any, ...]] = []
    texts: list[str] = []
    first: dict[int, int] = {}
    moments: dict[date, datetime] = {}
    for row in rows:
        kind = LEDGER_KIND[row.kind].value
        label = KIND_LABELS[kind]
        occurred_at = moments.get(row.occurred_on)
        if occurred_at is None:
            occurred_at = moments[row.occurred_on] = _occurred_at(row.occurred_on, today, now)
        sku, site = row.sku, row.site
        first[row.number] = len(values)
        for key, delta in plan.moves[row.number]:
            lot = plan.lots[key]
            values.append(
                (
                    kind,
                    delta,
                    lot.pk,
                    sku.pk,
                    site.pk,
                    occurred_at,
                    row.reference,
                    row.reason,
                    user_id,
                )
            )
            texts.append(f"{label} {delta:+d} {sku.code} lot {lot.lot_number} @ {site.code}")
    ids = insert_values(StockMovement, MOVEMENT_COLUMNS, values, with_ids=True)
    changes = created_changes(StockMovement, ("id", *MOVEMENT_COLUMNS))
    audit_rows_write(
        StockMovement,
        AuditLogEntry.Action.CREATE,
        [
            (pk, text, changes((pk, *value)))
            for pk, text, value in zip(ids, texts, values, strict=True)
        ],
    )
    return {number: ids[index] for number, index in first.items()}


def _write(
    actor: User | None, rows: Sequence[_Row], plan: _Plan, today: date, now: datetime
) -> dict[int, int]:
    """Write a checked batch (inside the caller's transaction); the movement id of each row."""
    if not rows:
        return {}
    _write_lots(plan, now)
    user_id = actor.pk if actor is not None and actor.pk else None
    movement_ids = _write_movements(rows, plan, user_id, today, now)
    try:
        with transaction.atomic():
            insert_values(
                StockMovementKey,
                KEY_COLUMNS,
                [(row.key, row.row_hash, movement_ids[row.number], user_id, now) for row in rows],
            )
    except IntegrityError:
        # Another batch stored one of these keys for another SKU-site since we read them.
        raise IdempotencyKeyConflict(
            "An idempotency key of this batch was just used by another batch. Nothing was "
            "written; send the batch again to see which.",
            fields={"movements": []},
        ) from None
    _add_demand(rows)
    if ordered := [row for row in rows if row.purchase_order]:
        _order_receipts[0].record(
            [(_order_receipt(row), plan.lots[row.lot_key]) for row in ordered],
            actor=actor,
            today=today,
        )
    positions_recompute(keys={row.position_key for row in rows}, today=today)
    return movement_ids
