"""The overview dashboard: figures computed from recorded data and refreshed into snapshot
tables (alerts.models.DashboardSnapshot and KpiSnapshot) by a nightly job and on demand, so the
page reads one row and never scans the ledger.

What each figure is made of (words: ../shared/DOMAIN.md, "Business measures"):

- Units *asked* are DailyDemand rows: units asked for per SKU, site and day (stock-outs do not
  change them). Units *served* are issue movements (StockMovement kind "issue"). The ledger may
  record issues per day, or per week as the demo data does (each week's demand is issued on
  the week's last day), so a day's demand is served by the first issue of its SKU-site on the
  same day or within the next SERVICE_SPAN_DAYS days. The units of that issue serve the days
  that map to it in date order, each day at most what it asked; a day with demand and no issue
  within the span was not served at all.
- Fill rate = units served / units asked, over the window's days.
- Stock-out rate = SKU-site-days with unmet demand / SKU-site-days with a demand record (days
  asking for zero units included: the demand history keeps one row per SKU-site-day).
- Inventory value = units held in lots (every lot with a positive quantity: released, in
  quarantine, or expired and not yet written off) at the SKU's unit cost. The value at the end
  of an earlier day is today's value less the value of every movement after that day; a
  window's average inventory value is the mean of its days' end values.
- Cost of goods issued = issued units at unit cost in the window. Inventory turnover = that,
  annualised (x 365 / window days), / average inventory value.
- Carrying cost = average inventory value x settings.OPTIMIZATION_HOLDING_RATE: per year.
- Expired value = write-off movements made at expiry (reference "expiry", as the write-off job
  and the demo data record them) in the window, at unit cost.
- Movements are valued at the SKU's unit cost now: the ledger keeps no historical cost.

A window of N days is the N days before `as_of` (as_of itself is not included): the nightly
job runs early in the morning, when yesterday's demand and issues are in.

`dashboard_figures` reads (a handful of aggregate queries and two row loads: demand and issues
of the longest window); `serve_demand` and the `*_breakdown` helpers are plain computations on
arrays and rows; `dashboard_snapshot_refresh` is the service that writes the snapshot.
"""

from __future__ import annotations

import calendar
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from alerts.models import ACTIVE_STATUSES, DashboardSnapshot, KpiSnapshot
from alerts.selectors import visible_alerts
from inventory.models import (
    Category,
    DailyDemand,
    Lot,
    LotStatus,
    MovementKind,
    Site,
    StockMovement,
    StockPosition,
    StockStatus,
    TemperatureZone,
)

WINDOWS = (30, 90)
SERVICE_SPAN_DAYS = 6  # a day's demand is served by an issue on that day or up to 6 days later
TREND_WEEKS = 52
EXPIRY_MONTHS = 12
EXPIRY_REFERENCE = "expiry"
ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z")
STATUSES = tuple(StockStatus.values)
MONEY = Decimal("0.01")
SHARE = Decimal("0.000001")


# ---- pure computations ------------------------------------------------------------------------


def serve_demand(
    demand: pd.DataFrame, issues: pd.DataFrame, *, span_days: int = SERVICE_SPAN_DAYS
) -> pd.DataFrame:
    """Units served per demand day.

    demand: columns sku_id, site_id, day (int, days from any origin), asked (units > 0), one
    row per SKU-site-day. issues: sku_id, site_id, day (same origin), issued (units > 0), one
    row per SKU-site-day. Returns `demand` (sorted by sku_id, site_id, day) with `served`
    (0..asked): each day goes to the first issue of its SKU-site on that day or within
    `span_days` days after; an issue's units serve its days in date order."""
    columns = ["sku_id", "site_id", "day", "asked"]
    if demand.empty:
        return pd.DataFrame({**{c: [] for c in columns}, "served": []}).astype("int64")
    left = demand[columns].astype("int64").sort_values("day", kind="stable")
    right = (
        issues[["sku_id", "site_id", "day", "issued"]]
        .astype("int64")
        .rename(columns={"day": "issue_day"})
        .sort_values("issue_day", kind="stable")
    )
    merged = pd.merge_asof(
        left,
        right,
        left_on="day",
        right_on="issue_day",
        by=["sku_id", "site_id"],
        direction="forward",
        tolerance=span_days,
    )
    merged = merged.sort_values(["sku_id", "site_id", "day"], kind="stable").reset_index(drop=True)
    mapped = merged["issue_day"].notna()
    # Days no issue serves form a group of their own per SKU-site (served nothing anyway).
    bucket = merged["issue_day"].fillna(0).astype("int64")
    asked = merged["asked"].to_numpy()
    keys = [merged["sku_id"], merged["site_id"], mapped, bucket]
    before = merged.groupby(keys)["asked"].cumsum()
    before = before.to_numpy() - asked
    issued = merged["issued"].fillna(0).to_numpy()
    served = np.where(mapped.to_numpy(), np.clip(issued - before, 0, asked), 0).astype("int64")
    return merged[columns].assign(served=served)


@dataclass(frozen=True)
class WindowFigures:
    window_days: int
    start_date: date
    end_date: date
    units_asked: int
    units_served: int
    sku_site_days: int
    stockout_days: int
    average_inventory_value: float
    cogs_issued: float
    expired_value: float
    expired_units: int
    holding_rate: float

    @property
    def fill_rate(self) -> float | None:
        return self.units_served / self.units_asked if self.units_asked else None

    @property
    def stockout_rate(self) -> float | None:
        return self.stockout_days / self.sku_site_days if self.sku_site_days else None

    @property
    def turnover(self) -> float | None:
        if self.average_inventory_value <= 0:
            return None
        return self.cogs_issued * 365 / self.window_days / self.average_inventory_value

    @property
    def carrying_cost(self) -> float:
        return self.average_inventory_value * self.holding_rate


def average_inventory_value(
    value_now: float, net_value_by_day: Mapping[date, float], start: date, end: date
) -> float:
    """Mean of the end-of-day inventory values of start..end (included): the value now less
    the net value of the movements dated after each day."""
    days = (end - start).days + 1
    if days <= 0:
        return 0.0
    after = sum(value for day, value in net_value_by_day.items() if day > end)
    total = 0.0
    for offset in range(days):
        day = end - timedelta(days=offset)
        total += value_now - after
        after += net_value_by_day.get(day, 0.0)
    return total / days


def weekly_trend(
    as_of: date,
    issued: Mapping[date, tuple[int, float]],
    asked: Mapping[date, int],
    weeks: int = TREND_WEEKS,
) -> list[dict[str, Any]]:
    """Seven-day buckets ending the day before `as_of`, oldest first: units and value issued,
    units asked. {"start", "end" (ISO dates, both included), "units_issued", "value_issued",
    "units_asked"}."""
    rows = []
    for k in range(weeks - 1, -1, -1):
        end = as_of - timedelta(days=7 * k + 1)
        days = [end - timedelta(days=i) for i in range(7)]
        rows.append(
            {
                "start": days[-1].isoformat(),
                "end": end.isoformat(),
                "units_issued": sum(issued.get(d, (0, 0.0))[0] for d in days),
                "value_issued": round(sum(issued.get(d, (0, 0.0))[1] for d in days), 2),
                "units_asked": sum(asked.get(d, 0) for d in days),
            }
        )
    return rows


@dataclass(frozen=True)
class PositionRow:
    sku_id: int
    site_id: int
    status: str
    abc_class: str
    xyz_class: str
    category: str
    temperature_zone: str
    unit_cost: float
    expiring_quantity: int
    annual_consumption_value: float


def abc_xyz_breakdown(
    positions: Iterable[PositionRow], held_value: Mapping[tuple[int, int], float]
) -> list[dict[str, Any]]:
    """The ABC-XYZ heatmap: one cell per class pair (A-C x X-Z, then "" x "" for positions not
    classified yet when there are any), with {"abc", "xyz", "positions", "value" (held),
    "consumption_value" (annual)}."""
    cells: dict[tuple[str, str], dict[str, Any]] = {
        (abc, xyz): {"abc": abc, "xyz": xyz, "positions": 0, "value": 0.0, "consumption_value": 0.0}
        for abc in ABC_CLASSES
        for xyz in XYZ_CLASSES
    }
    for row in positions:
        key = (row.abc_class, row.xyz_class) if row.abc_class and row.xyz_class else ("", "")
        cell = cells.setdefault(
            key,
            {"abc": key[0], "xyz": key[1], "positions": 0, "value": 0.0, "consumption_value": 0.0},
        )
        cell["positions"] += 1
        cell["value"] += held_value.get((row.sku_id, row.site_id), 0.0)
        cell["consumption_value"] += row.annual_consumption_value
    return [_rounded(cell) for cell in cells.values()]


def status_breakdown(
    positions: Iterable[PositionRow],
    held_value: Mapping[tuple[int, int], float],
    *,
    by: str,
    groups: Iterable[tuple[str, str]],
) -> list[dict[str, Any]]:
    """Stock status of the positions per group (`by` = "category" or "temperature_zone"):
    {"key", "label", "positions", "value", "counts": {status: n}, "values": {status: value}}
    for every group of `groups` ((value, label) pairs), in that order."""
    table: dict[str, dict[str, Any]] = {
        key: {
            "key": key,
            "label": label,
            "positions": 0,
            "value": 0.0,
            "counts": dict.fromkeys(STATUSES, 0),
            "values": dict.fromkeys(STATUSES, 0.0),
        }
        for key, label in groups
    }
    for row in positions:
        group = table.get(getattr(row, by))
        if group is None:
            continue
        value = held_value.get((row.sku_id, row.site_id), 0.0)
        group["positions"] += 1
        group["value"] += value
        group["counts"][row.status] += 1
        group["values"][row.status] += value
    for group in table.values():
        group["value"] = round(group["value"], 2)
        group["values"] = {status: round(v, 2) for status, v in group["values"].items()}
    return list(table.values())


def month_start(day: date, months_later: int = 0) -> date:
    month = day.month - 1 + months_later
    return date(day.year + month // 12, month % 12 + 1, 1)


def expiry_breakdown(
    lots: Iterable[tuple[date, int, float]], as_of: date, months: int = EXPIRY_MONTHS
) -> list[dict[str, Any]]:
    """Units and value held in usable lots (released or in quarantine), by month of expiry:
    first the lots already past expiry and not yet written off ("month": "past"), then each
    month from as_of's to `months` - 1 later ("month": "YYYY-MM"; the first month counts from
    as_of). `lots`: (expiry_date, quantity, unit_cost). {"month", "label", "lots", "units",
    "value"}."""
    buckets: dict[str, dict[str, Any]] = {
        "past": {"month": "past", "label": "Past expiry", "lots": 0, "units": 0, "value": 0}
    }
    for k in range(months):
        first = month_start(as_of, k)
        key = f"{first:%Y-%m}"
        buckets[key] = {
            "month": key,
            "label": f"{calendar.month_abbr[first.month]} {first.year}",
            "lots": 0,
            "units": 0,
            "value": 0.0,
        }
    for expiry, quantity, unit_cost in lots:
        key = "past" if expiry < as_of else f"{expiry:%Y-%m}"
        bucket = buckets.get(key)
        if bucket is None:
            continue
        bucket["lots"] += 1
        bucket["units"] += quantity
        bucket["value"] += quantity * unit_cost
    return [_rounded(bucket) for bucket in buckets.values()]


def site_breakdown(
    sites: Iterable[Mapping[str, Any]],
    positions: Iterable[PositionRow],
    held: Mapping[tuple[int, int], tuple[int, float]],
) -> list[dict[str, Any]]:
    """Inventory by site: `sites` (dicts with id, code, name, echelon, region, latitude,
    longitude) with "units" and "value" held, "positions" and "counts" {status: n}."""
    units: dict[int, int] = defaultdict(int)
    value: dict[int, float] = defaultdict(float)
    for (_, site_id), (n, v) in held.items():
        units[site_id] += n
        value[site_id] += v
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    for row in positions:
        counts[row.site_id][row.status] += 1
    rows = []
    for site in sites:
        site_counts = counts.get(site["id"], dict.fromkeys(STATUSES, 0))
        rows.append(
            {
                **site,
                "latitude": None if site["latitude"] is None else float(site["latitude"]),
                "longitude": None if site["longitude"] is None else float(site["longitude"]),
                "units": units.get(site["id"], 0),
                "value": round(value.get(site["id"], 0.0), 2),
                "positions": sum(site_counts.values()),
                "counts": site_counts,
            }
        )
    return rows


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}


# ---- reads ------------------------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock.min))


_VALUE = ExpressionWrapper(
    F("quantity") * F("sku__unit_cost"), output_field=DecimalField(max_digits=24, decimal_places=2)
)


def _by_day(queryset: Any) -> dict[date, tuple[int, float]]:
    rows = (
        queryset.annotate(day=TruncDate("occurred_at"))
        .order_by()
        .values("day")
        .annotate(units=Sum("quantity"), value=Sum(_VALUE))
        .values_list("day", "units", "value")
    )
    return {day: (int(units), float(value)) for day, units, value in rows}


def _days(values: Iterable[date], origin: date) -> np.ndarray:
    array = np.array(list(values), dtype="datetime64[D]")
    return (array - np.datetime64(origin, "D")).astype("int64")


def _service_frames(start: date, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Demand days asking for units since `start` - SERVICE_SPAN_DAYS (earlier days of an
    issue's span come first in its order) and issues per SKU-site-day up to as_of + span."""
    since = start - timedelta(days=SERVICE_SPAN_DAYS)
    demand = list(
        DailyDemand.objects.filter(date__gte=since, date__lt=as_of, quantity__gt=0)
        .order_by()
        .values_list("sku_id", "site_id", "date", "quantity")
    )
    issues = list(
        StockMovement.objects.filter(
            kind=MovementKind.ISSUE,
            occurred_at__gte=_start_of(since),
            occurred_at__lt=_start_of(as_of + timedelta(days=SERVICE_SPAN_DAYS)),
        )
        .annotate(day=TruncDate("occurred_at"))
        .order_by()
        .values("sku_id", "site_id", "day")
        .annotate(units=Sum("quantity"))
        .values_list("sku_id", "site_id", "day", "units")
    )

    def frame(rows: list[tuple], value: str, sign: int) -> pd.DataFrame:
        if not rows:
            return pd.DataFrame({c: [] for c in ("sku_id", "site_id", "day", value)}, dtype="int64")
        skus, sites, days, units = zip(*rows, strict=True)
        return pd.DataFrame(
            {
                "sku_id": np.array(skus, dtype="int64"),
                "site_id": np.array(sites, dtype="int64"),
                "day": _days(days, as_of),
                value: sign * np.array(units, dtype="int64"),
            }
        )

    return frame(demand, "asked", 1), frame(issues, "issued", -1)


@dataclass
class DashboardFigures:
    as_of: date
    inventory_value: float
    inventory_units: int
    positions: int
    projected_waste_value: float
    windows: list[WindowFigures] = field(default_factory=list)
    abc_xyz: list[dict[str, Any]] = field(default_factory=list)
    status_by_category: list[dict[str, Any]] = field(default_factory=list)
    status_by_zone: list[dict[str, Any]] = field(default_factory=list)
    expiry_by_month: list[dict[str, Any]] = field(default_factory=list)
    by_site: list[dict[str, Any]] = field(default_factory=list)
    consumption_trend: list[dict[str, Any]] = field(default_factory=list)


def dashboard_figures(*, as_of: date, windows: Iterable[int] = WINDOWS) -> DashboardFigures:
    """Every figure of the overview as of `as_of`, read from the current data."""
    windows = sorted(set(windows))
    longest = max(windows)
    first_day = as_of - timedelta(days=longest)
    trend_start = as_of - timedelta(days=7 * TREND_WEEKS)

    # Stock held now, per SKU-site (lots) and per position.
    lot_rows = list(
        Lot.objects.filter(quantity__gt=0).values_list(
            "sku_id", "site_id", "quantity", "status", "expiry_date", "sku__unit_cost"
        )
    )
    held: dict[tuple[int, int], tuple[int, float]] = {}
    for sku_id, site_id, quantity, _, _, cost in lot_rows:
        units, value = held.get((sku_id, site_id), (0, 0.0))
        held[(sku_id, site_id)] = (units + quantity, value + quantity * float(cost))
    held_value = {key: value for key, (_, value) in held.items()}
    value_now = sum(held_value.values())
    positions = [
        PositionRow(*row[:7], float(row[7]), row[8], float(row[9]))
        for row in StockPosition.objects.values_list(
            "sku_id",
            "site_id",
            "status",
            "abc_class",
            "xyz_class",
            "sku__category",
            "sku__temperature_zone",
            "sku__unit_cost",
            "expiring_quantity",
            "annual_consumption_value",
        )
    ]

    # The ledger by day: net value (all kinds) for the inventory history, issues for the COGS
    # and the trend, expiry write-offs.
    moves = StockMovement.objects.all()
    net = {
        day: value
        for day, (_, value) in _by_day(moves.filter(occurred_at__gte=_start_of(first_day))).items()
    }
    issued = {
        day: (-units, -value)
        for day, (units, value) in _by_day(
            moves.filter(
                kind=MovementKind.ISSUE,
                occurred_at__gte=_start_of(min(trend_start, first_day)),
                occurred_at__lt=_start_of(as_of),
            )
        ).items()
    }
    expired = {
        day: (-units, -value)
        for day, (units, value) in _by_day(
            moves.filter(
                kind=MovementKind.WRITE_OFF,
                reference__iexact=EXPIRY_REFERENCE,
                occurred_at__gte=_start_of(first_day),
                occurred_at__lt=_start_of(as_of),
            )
        ).items()
    }
    demand_by_day = {
        day: (int(asked), n)
        for day, asked, n in DailyDemand.objects.filter(
            date__gte=min(trend_start, first_day), date__lt=as_of
        )
        .order_by()
        .values("date")
        .annotate(asked=Sum("quantity"), n=Count("pk"))
        .values_list("date", "asked", "n")
    }

    demand, issues = _service_frames(first_day, as_of)
    served = serve_demand(demand, issues)
    holding_rate = float(settings.OPTIMIZATION_HOLDING_RATE)
    window_figures = []
    for n in windows:
        start, end = as_of - timedelta(days=n), as_of - timedelta(days=1)
        in_window = served[served["day"] >= -n]
        days = [start + timedelta(days=i) for i in range(n)]
        window_figures.append(
            WindowFigures(
                window_days=n,
                start_date=start,
                end_date=end,
                units_asked=int(in_window["asked"].sum()),
                units_served=int(in_window["served"].sum()),
                sku_site_days=sum(demand_by_day.get(d, (0, 0))[1] for d in days),
                stockout_days=int((in_window["served"] < in_window["asked"]).sum()),
                average_inventory_value=average_inventory_value(value_now, net, start, end),
                cogs_issued=sum(issued.get(d, (0, 0.0))[1] for d in days),
                expired_value=sum(expired.get(d, (0, 0.0))[1] for d in days),
                expired_units=sum(expired.get(d, (0, 0.0))[0] for d in days),
                holding_rate=holding_rate,
            )
        )

    sites = list(
        Site.objects.order_by("code").values(
            "id", "code", "name", "echelon", "region", "latitude", "longitude"
        )
    )
    usable = (LotStatus.RELEASED, LotStatus.QUARANTINE)
    return DashboardFigures(
        as_of=as_of,
        inventory_value=value_now,
        inventory_units=sum(units for units, _ in held.values()),
        positions=len(positions),
        projected_waste_value=sum(row.expiring_quantity * row.unit_cost for row in positions),
        windows=window_figures,
        abc_xyz=abc_xyz_breakdown(positions, held_value),
        status_by_category=status_breakdown(
            positions, held_value, by="category", groups=Category.choices
        ),
        status_by_zone=status_breakdown(
            positions, held_value, by="temperature_zone", groups=TemperatureZone.choices
        ),
        expiry_by_month=expiry_breakdown(
            [
                (expiry, quantity, float(cost))
                for _, _, quantity, status, expiry, cost in lot_rows
                if status in usable
            ],
            as_of,
        ),
        by_site=site_breakdown(sites, positions, held),
        consumption_trend=weekly_trend(
            as_of, issued, {day: asked for day, (asked, _) in demand_by_day.items()}
        ),
    )


def latest_snapshot() -> DashboardSnapshot | None:
    """The newest snapshot with its KPI windows (two queries)."""
    return DashboardSnapshot.objects.prefetch_related("kpis").order_by("-as_of").first()


def open_alert_count(user: Any) -> int:
    """Alerts `user` may see (selectors.visible_alerts) not resolved yet (open or acknowledged),
    read live: one indexed count."""
    return visible_alerts(user).filter(status__in=ACTIVE_STATUSES).count()


# ---- the refresh (a write) -----------------------------------------------------------------


def _money(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(MONEY)


def _share(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value)).quantize(SHARE)


def dashboard_snapshot_refresh(*, as_of: date | None = None) -> DashboardSnapshot:
    """Compute the overview as of `as_of` (today by default) and store it: the snapshot of that
    day is replaced, never duplicated, with its KPI windows, in one transaction."""
    as_of = as_of or timezone.localdate()
    started = time.monotonic()
    figures = dashboard_figures(as_of=as_of)
    fields = {
        "computed_at": timezone.now(),
        "duration_ms": round((time.monotonic() - started) * 1000),
        "inventory_value": _money(figures.inventory_value),
        "inventory_units": figures.inventory_units,
        "positions": figures.positions,
        "projected_waste_value": _money(figures.projected_waste_value),
        "abc_xyz": figures.abc_xyz,
        "status_by_category": figures.status_by_category,
        "status_by_zone": figures.status_by_zone,
        "expiry_by_month": figures.expiry_by_month,
        "by_site": figures.by_site,
        "consumption_trend": figures.consumption_trend,
    }
    with transaction.atomic():
        snapshot, _ = DashboardSnapshot.objects.select_for_update().update_or_create(
            as_of=as_of, defaults=fields
        )
        snapshot.kpis.all().delete()
        KpiSnapshot.objects.bulk_create(
            [
                KpiSnapshot(
                    snapshot=snapshot,
                    window_days=w.window_days,
                    start_date=w.start_date,
                    end_date=w.end_date,
                    units_asked=w.units_asked,
                    units_served=w.units_served,
                    fill_rate=_share(w.fill_rate),
                    sku_site_days=w.sku_site_days,
                    stockout_days=w.stockout_days,
                    stockout_rate=_share(w.stockout_rate),
                    average_inventory_value=_money(w.average_inventory_value),
                    cogs_issued=_money(w.cogs_issued),
                    turnover=None
                    if w.turnover is None
                    else Decimal(repr(w.turnover)).quantize(Decimal("0.001")),
                    carrying_cost=_money(w.carrying_cost),
                    expired_value=_money(w.expired_value),
                    expired_units=w.expired_units,
                )
                for w in figures.windows
            ]
        )
    return snapshot
