"""Read queries of the inventory app. Pages read the derived StockPosition and DailyDemand
tables and the lots; none scans the movement ledger beyond one SKU's recent movements."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, OrderBy, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek

from inventory.models import DailyDemand, Lot, Site, Sku, StockMovement, StockPosition

POSITION_SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "code": ("sku__code", "site__code"),
    "name": ("sku__name", "sku__code"),
    "site": ("site__code", "sku__code"),
    "on_hand": ("on_hand", "sku__code"),
    "cover": (F("days_of_cover").asc(nulls_last=True), "sku__code"),
    "value": ("stock_value", "sku__code"),
    "status": ("status", "sku__code"),
    "abc": ("abc_class", "xyz_class", "sku__code"),
}


@dataclass(frozen=True)
class PositionFilters:
    q: str = ""
    category: str = ""
    zone: str = ""
    site: Site | None = None
    abc: str = ""
    xyz: str = ""
    status: str = ""
    sort: str = "code"
    descending: bool = False


def stock_positions(filters: PositionFilters) -> QuerySet[StockPosition]:
    """Stock positions for the inventory list: search by SKU code or name, filter by category,
    zone, site, ABC, XYZ and status, sort by a whitelisted column."""
    positions = StockPosition.objects.select_related("sku", "site").filter(sku__active=True)
    if filters.q:
        positions = positions.filter(
            Q(sku__code__icontains=filters.q) | Q(sku__name__icontains=filters.q)
        )
    if filters.category:
        positions = positions.filter(sku__category=filters.category)
    if filters.zone:
        positions = positions.filter(sku__temperature_zone=filters.zone)
    if filters.site is not None:
        positions = positions.filter(site=filters.site)
    if filters.abc:
        positions = positions.filter(abc_class=filters.abc)
    if filters.xyz:
        positions = positions.filter(xyz_class=filters.xyz)
    if filters.status:
        positions = positions.filter(status=filters.status)
    order = POSITION_SORTS.get(filters.sort, POSITION_SORTS["code"])
    if filters.descending:
        order = tuple(_descending(term) for term in order)
    return positions.order_by(*order)


def _descending(term: Any) -> Any:
    if isinstance(term, str):
        return term[1:] if term.startswith("-") else f"-{term}"
    return F(term.expression.name).desc(nulls_last=True)


def status_counts(filters: PositionFilters) -> dict[str, int]:
    """How many positions of the current filter (ignoring the status filter) have each status."""
    base = stock_positions(PositionFilters(**{**filters.__dict__, "status": "", "sort": "code"}))
    counts = base.order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in counts}


def sku_detail(sku_id: int) -> Sku:
    return Sku.objects.get(pk=sku_id)


def sku_positions(sku: Sku) -> QuerySet[StockPosition]:
    return StockPosition.objects.filter(sku=sku).select_related("site").order_by("site__code")


def sku_lots(sku: Sku, *, include_empty: bool = False) -> QuerySet[Lot]:
    lots = Lot.objects.filter(sku=sku).select_related("site").order_by("expiry_date", "site__code")
    return lots if include_empty else lots.filter(quantity__gt=0)


def sku_recent_movements(sku: Sku, limit: int = 50) -> list[StockMovement]:
    return list(
        StockMovement.objects.filter(sku=sku)
        .select_related("lot", "site", "user")
        .order_by("-occurred_at", "-pk")[:limit]
    )


def sku_weekly_demand(sku: Sku, *, today: date, weeks: int = 104) -> list[tuple[date, int]]:
    """Weekly demand of a SKU over all its sites for the demand-history chart: whole weeks
    (Monday to Sunday) only, so the week in progress does not show as a false drop."""
    this_monday = today - timedelta(days=today.weekday())
    since = this_monday - timedelta(weeks=weeks)
    rows = (
        DailyDemand.objects.filter(sku=sku, date__gte=since, date__lt=this_monday)
        .annotate(week=TruncWeek("date"))
        .values("week")
        .annotate(units=Sum("quantity"))
        .order_by("week")
        .values_list("week", "units")
    )
    return [(week.date() if hasattr(week, "date") else week, int(units)) for week, units in rows]


def sku_expiry_by_month(sku: Sku) -> list[tuple[str, int]]:
    """Units on hand (released or quarantined) by the month they expire, for the expiry timeline."""
    totals: dict[str, int] = {}
    for expiry, quantity in (
        Lot.objects.in_stock().filter(sku=sku).values_list("expiry_date", "quantity")
    ):
        month = expiry.strftime("%Y-%m")
        totals[month] = totals.get(month, 0) + quantity
    return sorted(totals.items())


@dataclass(frozen=True)
class LotFilters:
    q: str = ""
    site: Site | None = None
    status: str = ""
    expires_within_days: int | None = None
    include_empty: bool = False


def lots(filters: LotFilters, *, today: date) -> QuerySet[Lot]:
    """Lots by expiry date (soonest first), with search, site, status and expiry-window filters."""
    result = Lot.objects.select_related("sku", "site")
    if not filters.include_empty:
        result = result.filter(quantity__gt=0)
    if filters.q:
        result = result.filter(
            Q(lot_number__icontains=filters.q)
            | Q(sku__code__icontains=filters.q)
            | Q(sku__name__icontains=filters.q)
        )
    if filters.site is not None:
        result = result.filter(site=filters.site)
    if filters.status:
        result = result.filter(status=filters.status)
    if filters.expires_within_days is not None:
        result = result.filter(expiry_date__lte=today + timedelta(days=filters.expires_within_days))
    return result.order_by("expiry_date", "sku__code", "pk")


@dataclass
class NetworkNode:
    site: Site
    depth: int
    positions: int
    stock_value: float
    stockouts: int
    below_safety: int
    children: list["NetworkNode"]
    on_hand: int = 0
    in_transit: int = 0  # inbound: shipped to this site, not yet received
    inventory_position: int = 0


def network() -> list[NetworkNode]:
    """The site network as a forest (roots: sites replenished from nowhere), each node with its
    stock value, units on hand, in transit to it and its total inventory position, and counts
    of stock-outs and positions below safety stock."""
    figures: dict[int, Mapping[str, Any]] = {
        row["site_id"]: row
        for row in StockPosition.objects.values("site_id").annotate(
            positions=Count("pk"),
            value=Sum("stock_value"),
            stockouts=Count("pk", filter=Q(status="stockout")),
            below=Count("pk", filter=Q(status="below_safety")),
            units=Sum("on_hand"),
            transit=Sum("in_transit"),
            position=Sum("inventory_position"),
        )
    }
    sites = list(
        Site.objects.filter(active=True).select_related("replenished_from").order_by("code")
    )
    children: dict[int | None, list[Site]] = {}
    for site in sites:
        children.setdefault(site.replenished_from_id, []).append(site)

    def build(site: Site, depth: int) -> NetworkNode:
        row = figures.get(site.pk, {})
        return NetworkNode(
            site=site,
            depth=depth,
            positions=row.get("positions", 0),
            stock_value=float(row.get("value") or 0),
            stockouts=row.get("stockouts", 0),
            below_safety=row.get("below", 0),
            on_hand=row.get("units") or 0,
            in_transit=row.get("transit") or 0,
            inventory_position=row.get("position") or 0,
            children=[build(child, depth + 1) for child in children.get(site.pk, [])],
        )

    known = {site.pk for site in sites}
    roots = [site for site in sites if site.replenished_from_id not in known]
    return [build(root, 0) for root in roots]


def flatten(nodes: list[NetworkNode]) -> list[NetworkNode]:
    out: list[NetworkNode] = []
    for node in nodes:
        out.append(node)
        out.extend(flatten(node.children))
    return out


@dataclass(frozen=True)
class NetworkTotals:
    """The whole network's stock, summed over every SKU-site position: units shipped between
    two sites are in the destination's position (in transit), so moving stock inside the
    network leaves the total position unchanged."""

    on_hand: int = 0
    on_order: int = 0
    in_transit: int = 0
    inventory_position: int = 0
    stock_value: float = 0.0


def network_totals() -> NetworkTotals:
    row = StockPosition.objects.aggregate(
        on_hand=Sum("on_hand"),
        on_order=Sum("on_order"),
        in_transit=Sum("in_transit"),
        inventory_position=Sum("inventory_position"),
        stock_value=Sum("stock_value"),
    )
    return NetworkTotals(
        on_hand=row["on_hand"] or 0,
        on_order=row["on_order"] or 0,
        in_transit=row["in_transit"] or 0,
        inventory_position=row["inventory_position"] or 0,
        stock_value=float(row["stock_value"] or 0),
    )
