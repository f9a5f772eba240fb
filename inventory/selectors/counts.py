"""Read queries of cycle counts: the list, one count, its sheet (what the counter sees: no
book figures) and its review (book, counted, difference and value)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from inventory.models import CycleCount, CycleCountLine, Site, StorageUnit


def cycle_counts(*, site_id: int | None = None, status: str = "") -> QuerySet[CycleCount]:
    """Counts, newest first, with their site and scope and how many lines are counted."""
    rows = CycleCount.objects.select_related("site", "storage_unit", "created_by").annotate(
        lines_total=Count("lines"),
        lines_counted=Count("lines", filter=Q(lines__counted_quantity__isnull=False)),
    )
    if site_id:
        rows = rows.filter(site_id=site_id)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-pk")


def cycle_count(pk: int) -> CycleCount:
    """One count with its site, scope and people (CycleCount.DoesNotExist when there is none)."""
    return CycleCount.objects.select_related(
        "site", "storage_unit", "created_by", "counted_by", "approved_by", "cancelled_by"
    ).get(pk=pk)


def count_lines(count: CycleCount) -> QuerySet[CycleCountLine]:
    """The count's lines in walking order: storage unit, SKU, expiry, lot number."""
    return (
        count.lines.select_related("lot__storage_unit", "sku", "counted_by")
        .order_by("lot__storage_unit__code", "sku__code", "lot__expiry_date", "lot__lot_number")
        .all()
    )


@dataclass(frozen=True)
class SheetLine:
    """A line as the counter sees it: where and what, and what they entered. No book."""

    id: int
    sku_code: str
    sku_name: str
    lot_number: str
    expiry_date: object
    location: str
    counted: int | None


def sheet_lines(count: CycleCount) -> list[SheetLine]:
    """The sheet's lines, built without the book quantity so no page or export of the sheet
    can show it."""
    return [
        SheetLine(
            id=line.pk,
            sku_code=line.sku.code,
            sku_name=line.sku.name,
            lot_number=line.lot.lot_number,
            expiry_date=line.lot.expiry_date,
            location=line.lot.storage_unit.code if line.lot.storage_unit else "",
            counted=line.counted_quantity,
        )
        for line in count_lines(count)
    ]


@dataclass(frozen=True)
class ReviewLine:
    line: CycleCountLine
    value: Decimal  # difference x the SKU's unit cost

    @property
    def differs(self) -> bool:
        return bool(self.line.difference)


@dataclass(frozen=True)
class Review:
    lines: list[ReviewLine]
    differing: int
    units_up: int
    units_down: int
    value_up: Decimal
    value_down: Decimal

    @property
    def net_value(self) -> Decimal:
        return self.value_up + self.value_down


def count_review(count: CycleCount) -> Review:
    """Book, counted, difference and its value at unit cost for every line, with the totals
    of gains and losses."""
    lines = [
        ReviewLine(line, Decimal(line.difference or 0) * line.sku.unit_cost)
        for line in count_lines(count)
    ]
    return Review(
        lines=lines,
        differing=sum(1 for row in lines if row.differs),
        units_up=sum(max(row.line.difference or 0, 0) for row in lines),
        units_down=sum(min(row.line.difference or 0, 0) for row in lines),
        value_up=sum((row.value for row in lines if row.value > 0), Decimal("0")),
        value_down=sum((row.value for row in lines if row.value < 0), Decimal("0")),
    )


def countable_sites() -> QuerySet[Site]:
    return Site.objects.filter(active=True).order_by("code")


def storage_units() -> QuerySet[StorageUnit]:
    return (
        StorageUnit.objects.filter(active=True)
        .select_related("site")
        .order_by("site__code", "code")
    )
