"""Import kinds that bring a company's stock in: opening stock by lot, and stock counts.

Both go through the stock services (`stock_receive`, `stock_adjust`), so the lots, the ledger,
the audit trail and the positions follow the same rules as a receipt or a count on a page.
They are registered with inventory.services.imports when the app starts. Like every kind, a
file is checked whole first and committed all rows or none (the import machinery rolls back
the transaction when any row fails, at check or at commit).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from accounts.audit import current_audit_context
from common.errors import DomainError
from inventory.models import Lot, LotStatus, Site, Sku
from inventory.services.counts import CountedLot, count_differences_post
from inventory.services.imports import (
    ImportReport,
    RowError,
    Table,
    register_import_kind,
)
from inventory.services.stock import positions_recompute, stock_receive

# Statuses a lot may be brought in with; "expired" is set by the write-off step, not imported.
OPENING_STATUSES = (LotStatus.RELEASED, LotStatus.QUARANTINE, LotStatus.REJECTED)
OPENING_REFERENCE = "opening stock"
LOOKUP_CHUNK = 500  # lot numbers per query (SQLite's limit on query parameters)


# ---- reading cells ---------------------------------------------------------------------------


class RowCells:
    """One row's values by column name, collecting a RowError for each bad cell (shared by the
    import kinds of other apps)."""

    def __init__(self, number: int, row: list[str], headers: list[str]) -> None:
        self.number = number
        self.values = {name: row[i] for i, name in enumerate(headers) if name}
        self.errors: list[RowError] = []

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.values.get(column, "").strip()
        if required and not value:
            self.error(column, "Required.")
        return value

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def whole(self, column: str, *, minimum: int, required: bool = True) -> int | None:
        value = self.text(column, required=required)
        if not value:
            return None if required else 0
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or number < minimum:
            self.error(column, f"'{value}' is not a whole number of {minimum} or more.")
            return None
        return number

    def day(self, column: str, *, required: bool = True) -> date | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.error(column, f"'{value}' is not a date (YYYY-MM-DD).")
            return None

    def money(self, column: str, *, required: bool = True) -> Decimal | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            amount = Decimal(value)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount < 0:
            self.error(column, f"'{value}' is not an amount of 0 or more.")
            return None
        return amount


def _rows(table: Table) -> Iterable[RowCells]:
    for number, row in enumerate(table.rows, start=2):
        yield RowCells(number, row, table.headers)


def _lots_by_site_and_number(
    site_ids: set[int], lot_numbers: set[str]
) -> dict[tuple[int, str], list[Lot]]:
    """The book's lots at `site_ids` with `lot_numbers`, by (site id, lot number): a lot number
    may be used by more than one SKU at a site."""
    found: dict[tuple[int, str], list[Lot]] = defaultdict(list)
    numbers = sorted(lot_numbers)
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        lots = Lot.objects.filter(
            site_id__in=site_ids, lot_number__in=numbers[start : start + LOOKUP_CHUNK]
        ).select_related("sku", "site")
        for lot in lots:
            found[(lot.site_id, lot.lot_number)].append(lot)
    return found


def _masters(table: Table) -> tuple[dict[str, Sku], dict[str, Site]]:
    sku_codes = {row[table.headers.index("sku_code")].strip() for row in table.rows}
    site_codes = {row[table.headers.index("site_code")].strip() for row in table.rows}
    skus = {sku.code: sku for sku in Sku.objects.filter(code__in=sku_codes)}
    sites = {site.code: site for site in Site.objects.filter(code__in=site_codes)}
    return skus, sites


def _lot_of(
    cells: RowCells, lots: dict[tuple[int, str], list[Lot]], sku: Sku, site: Site, lot_number: str
) -> Lot | None:
    """The book's lot of this SKU at this site; a RowError when the lot number belongs to
    another SKU there."""
    candidates = lots.get((site.pk, lot_number), [])
    mine = next((lot for lot in candidates if lot.sku_id == sku.pk), None)
    if mine is None and candidates:
        others = ", ".join(sorted(lot.sku.code for lot in candidates))
        cells.error(
            "lot_number",
            f"Lot {lot_number} at {site.code} belongs to SKU {others}, not {sku.code}. "
            "Check the SKU code.",
        )
    return mine


def _master_errors(
    cells: RowCells, skus: dict[str, Sku], sites: dict[str, Site]
) -> tuple[Sku | None, Site | None]:
    sku_code, site_code = cells.text("sku_code"), cells.text("site_code")
    sku, site = skus.get(sku_code), sites.get(site_code)
    if sku_code and sku is None:
        cells.error("sku_code", f"No SKU with code '{sku_code}'.")
    if site_code and site is None:
        cells.error("site_code", f"No site with code '{site_code}'.")
    return sku, site


def _duplicate(
    cells: RowCells, seen: dict[tuple[str, str, str], int], key: tuple[str, str, str]
) -> None:
    if key in seen:
        cells.error("lot_number", f"Same SKU, site and lot number as row {seen[key]}.")
    else:
        seen[key] = cells.number


# ---- opening stock by lot -------------------------------------------------------------------


@dataclass(frozen=True)
class _OpeningLot:
    number: int
    sku: Sku
    site: Site
    lot_number: str
    expiry_date: date
    quantity: int
    status: str
    received_on: date


class OpeningStockKind:
    """Today's stock by lot, brought in once: each new lot is received through `stock_receive`
    (one receipt movement, reference "opening stock"). The receipt is dated the lot's
    received_date, so the SKU's minimum remaining shelf life is checked as it was when the lot
    came in. An expired lot may be imported as quarantine or rejected only (the nightly step
    writes it off); a lot already in the book with the same values is left as it is, with other
    values it is refused (quantities are corrected by a stock-count import). unit_cost is checked
    but not stored: stock is valued at the SKU's unit cost."""

    key = "opening_stock"
    label = "Opening stock by lot"
    columns: tuple[str, ...] = (
        "sku_code",
        "site_code",
        "lot_number",
        "expiry_date",
        "quantity",
        "status",
    )
    optional_columns: tuple[str, ...] = ("unit_cost", "received_date")

    def run(self, table: Table, *, commit: bool) -> ImportReport:
        today = timezone.localdate()
        report = ImportReport(rows_total=len(table.rows))
        skus, sites = _masters(table)
        parsed: list[tuple[RowCells, dict[str, Any]]] = []
        for cells in _rows(table):
            values = self._parse(cells, skus, sites, today)
            parsed.append((cells, values))
        lots = _lots_by_site_and_number(
            {v["site"].pk for _, v in parsed if v.get("site")},
            {v["lot_number"] for _, v in parsed if v.get("lot_number")},
        )
        seen: dict[tuple[str, str, str], int] = {}
        new: list[_OpeningLot] = []
        for cells, values in parsed:
            sku, site, lot_number = values.get("sku"), values.get("site"), values["lot_number"]
            if sku and site and lot_number:
                _duplicate(cells, seen, (sku.code, site.code, lot_number))
                existing = _lot_of(cells, lots, sku, site, lot_number)
                if not cells.errors:
                    opening = _OpeningLot(number=cells.number, **values)
                    if existing is None:
                        new.append(opening)
                    elif self._same(cells, existing, opening):
                        report.rows_unchanged += 1
            report.errors.extend(cells.errors)
        report.rows_new = len(new)
        if commit and not report.errors:
            self._write(new, report, today)
        return report

    @staticmethod
    def _parse(
        cells: RowCells, skus: dict[str, Sku], sites: dict[str, Site], today: date
    ) -> dict[str, Any]:
        sku, site = _master_errors(cells, skus, sites)
        lot_number = cells.text("lot_number")
        if len(lot_number) > 60:
            cells.error("lot_number", "At most 60 characters.")
        expiry = cells.day("expiry_date")
        quantity = cells.whole("quantity", minimum=1)
        status = cells.text("status").lower()
        if status == LotStatus.EXPIRED:
            cells.error(
                "status",
                "Import an expired lot as quarantine or rejected; the nightly write-off marks "
                "it expired.",
            )
        elif status and status not in OPENING_STATUSES:
            cells.error(
                "status",
                f"'{status}' is not one of: {', '.join(s.value for s in OPENING_STATUSES)}.",
            )
        received = cells.day("received_date", required=False) or today
        cells.money("unit_cost", required=False)
        if received > today:
            cells.error("received_date", f"{received:%Y-%m-%d} is in the future.")
        if expiry and status == LotStatus.RELEASED and expiry < today:
            cells.error(
                "expiry_date",
                f"The lot expired on {expiry:%Y-%m-%d}: an expired lot can be imported only as "
                "quarantine or rejected.",
            )
        if sku and expiry and received <= today:
            remaining, minimum = (expiry - received).days, sku.min_remaining_shelf_life_days
            if remaining < minimum:
                cells.error(
                    "expiry_date",
                    f"Received on {received:%Y-%m-%d} with {remaining} days of shelf life left, "
                    f"below {sku.code}'s minimum of {minimum} days"
                    + ("" if cells.values.get("received_date") else "; give its received_date")
                    + ".",
                )
        return {
            "sku": sku,
            "site": site,
            "lot_number": lot_number,
            "expiry_date": expiry,
            "quantity": quantity,
            "status": status,
            "received_on": received,
        }

    @staticmethod
    def _same(cells: RowCells, lot: Lot, opening: _OpeningLot) -> bool:
        where = f"Lot {lot.lot_number} of {lot.sku.code} at {lot.site.code} is already in stock"
        if lot.expiry_date != opening.expiry_date:
            cells.error("expiry_date", f"{where} with expiry {lot.expiry_date:%Y-%m-%d}.")
        elif lot.quantity != opening.quantity:
            cells.error(
                "quantity",
                f"{where} with {lot.quantity} units, not {opening.quantity}. Opening stock is "
                "imported once; correct quantities with a stock-count import.",
            )
        elif lot.status != opening.status:
            cells.error(
                "status",
                f"{where} as {lot.get_status_display().lower()}; a lot's status is changed by a "
                "quality decision on the lot, not by an import.",
            )
        return not cells.errors

    @staticmethod
    def _write(new: list[_OpeningLot], report: ImportReport, today: date) -> None:
        actor = current_audit_context().resolve_actor()
        for opening in new:
            try:
                stock_receive(
                    actor=actor,
                    sku=opening.sku,
                    site=opening.site,
                    lot_number=opening.lot_number,
                    expiry_date=opening.expiry_date,
                    quantity=opening.quantity,
                    status=opening.status,
                    reference=OPENING_REFERENCE,
                    today=opening.received_on,
                )
            except DomainError as refused:
                report.errors.append(RowError(opening.number, "", refused.message))
        # stock_receive recomputed each position as of the received date; today's figures now,
        # for every touched SKU-site at once.
        positions_recompute(keys={(o.sku.pk, o.site.pk) for o in new}, today=today)


# ---- stock counts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CountDifference:
    row: int
    sku_code: str
    site_code: str
    lot_number: str
    book: int
    counted: int

    @property
    def difference(self) -> int:
        return self.counted - self.book


@dataclass(frozen=True)
class _CountLine:
    number: int
    lot: Lot
    counted: int
    reason: str


class StockCountKind:
    """A count snapshot per SKU, site and lot: each lot whose counted quantity differs from the
    book gets one adjustment through `stock_adjust`, with the row's reason. A lot that is not in
    the book is refused when counted above zero (it comes in by a receipt or opening stock)."""

    key = "stock_count"
    label = "Stock count"
    columns: tuple[str, ...] = ("sku_code", "site_code", "lot_number", "counted_quantity", "reason")
    optional_columns: tuple[str, ...] = ()

    def run(self, table: Table, *, commit: bool) -> ImportReport:
        report, lines = self._evaluate(table)
        if commit and not report.errors:
            self._write(lines, report)
        return report

    def preview(self, table: Table) -> list[CountDifference]:
        """The lots whose count differs from the book, as a commit would post them now."""
        _, lines = self._evaluate(table)
        return [
            CountDifference(
                row=line.number,
                sku_code=line.lot.sku.code,
                site_code=line.lot.site.code,
                lot_number=line.lot.lot_number,
                book=line.lot.quantity,
                counted=line.counted,
            )
            for line in lines
        ]

    def _evaluate(self, table: Table) -> tuple[ImportReport, list[_CountLine]]:
        report = ImportReport(rows_total=len(table.rows))
        skus, sites = _masters(table)
        all_cells = list(_rows(table))
        lots = _lots_by_site_and_number(
            {site.pk for site in sites.values()},
            {cells.text("lot_number", required=False) for cells in all_cells},
        )
        seen: dict[tuple[str, str, str], int] = {}
        lines: list[_CountLine] = []
        for cells in all_cells:
            sku, site = _master_errors(cells, skus, sites)
            lot_number = cells.text("lot_number")
            counted = cells.whole("counted_quantity", minimum=0)
            reason = cells.text("reason", required=False)
            if sku and site and lot_number:
                _duplicate(cells, seen, (sku.code, site.code, lot_number))
                lot = _lot_of(cells, lots, sku, site, lot_number)
                if lot is None and counted and not cells.errors:
                    cells.error(
                        "lot_number",
                        f"Lot {lot_number} of {sku.code} is not in the book at {site.code}: "
                        "bring it in by a receipt or an opening-stock import, not a count.",
                    )
                elif lot is not None and counted is not None and not cells.errors:
                    if counted == lot.quantity:
                        report.rows_unchanged += 1
                    elif not reason:
                        cells.error("reason", "Give a reason for the count's difference.")
                    else:
                        lines.append(_CountLine(cells.number, lot, counted, reason))
                elif counted == 0 and not cells.errors:
                    report.rows_unchanged += 1
            report.errors.extend(cells.errors)
        report.rows_updated = len(lines)
        return report, lines

    @staticmethod
    def _write(lines: list[_CountLine], report: ImportReport) -> None:
        """Set each lot to its counted quantity, measured against the book as it is now under
        lock (the snapshot is taken as of the import)."""

        def refused(line: CountedLot, refusal: DomainError) -> None:
            report.errors.append(RowError(line.key, "counted_quantity", refusal.message))

        count_differences_post(
            actor=current_audit_context().resolve_actor(),
            counted=[
                CountedLot(
                    lot_id=line.lot.pk, counted=line.counted, reason=line.reason, key=line.number
                )
                for line in lines
            ],
            refused=refused,
        )


def register() -> None:
    register_import_kind(OpeningStockKind())
    register_import_kind(StockCountKind())
