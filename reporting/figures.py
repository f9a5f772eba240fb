"""The overview dashboard's figures, computed from plain rows and arrays: no Django and no
database here, so every figure can be checked on made-up rows. `reporting.selectors` reads the
inputs (a handful of aggregate queries and two row loads: demand and issues of the longest
window); `reporting.services.dashboard_snapshot_refresh` stores the figures into the snapshot
tables (alerts.models.DashboardSnapshot and KpiSnapshot), nightly and on demand, so the page
reads one row and never scans the ledger.

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
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

WINDOWS = (30, 90)
SERVICE_SPAN_DAYS = 6  # a day's demand is served by an issue on that day or up to 6 days later
TREND_WEEKS = 52
EXPIRY_MONTHS = 12
ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z")


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
    statuses: Sequence[str],
) -> list[dict[str, Any]]:
    """Stock status of the positions per group (`by` = "category" or "temperature_zone"):
    {"key", "label", "positions", "value", "counts": {status: n}, "values": {status: value}}
    for every group of `groups` ((value, label) pairs), in that order, and every status of
    `statuses`."""
    table = {
        key: {
            "key": key,
            "label": label,
            "positions": 0,
            "value": 0.0,
            "counts": dict.fromkeys(statuses, 0),
            "values": dict.fromkeys(statuses, 0.0),
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
    buckets = {"past": {"month": "past", "label": "Past expiry", "lots": 0, "units": 0, "value": 0}}
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
    *,
    statuses: Sequence[str],
) -> list[dict[str, Any]]:
    """Inventory by site: `sites` (dicts with id, code, name, echelon, region, latitude,
    longitude) with "units" and "value" held, "positions" and "counts" {status: n} for every
    status of `statuses`."""
    units: dict[int, int] = defaultdict(int)
    value: dict[int, float] = defaultdict(float)
    for (_, site_id), (n, v) in held.items():
        units[site_id] += n
        value[site_id] += v
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(statuses, 0))
    for row in positions:
        counts[row.site_id][row.status] += 1
    rows = []
    for site in sites:
        site_counts = counts.get(site["id"], dict.fromkeys(statuses, 0))
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


@dataclass(frozen=True)
class HeldLot:
    """A lot with units in it, whatever its status."""

    sku_id: int
    site_id: int
    quantity: int
    unit_cost: float
    expiry_date: date
    usable: bool  # released or in quarantine: counted in the expiry months


@dataclass(frozen=True)
class DashboardInputs:
    """What the figures as of `as_of` are computed from (reporting.selectors reads it).

    Units and values per day are positive: `issued_by_day` and `expired_by_day` are (units,
    value) issued and written off at expiry; `net_value_by_day` is the value every movement
    added (negative: took away) per day since the longest window's first day;
    `demand_by_day` is (units asked, SKU-site-day rows) per day. `demand` and `issues` are the
    frames `serve_demand` takes, days counted from as_of. `categories` and `zones` are the
    (value, label) groups of the status breakdowns, `statuses` the stock statuses."""

    as_of: date
    windows: Sequence[int]  # ascending
    lots: Sequence[HeldLot]
    positions: Sequence[PositionRow]
    net_value_by_day: Mapping[date, float]
    issued_by_day: Mapping[date, tuple[int, float]]
    expired_by_day: Mapping[date, tuple[int, float]]
    demand_by_day: Mapping[date, tuple[int, int]]
    demand: pd.DataFrame
    issues: pd.DataFrame
    sites: Sequence[Mapping[str, Any]]
    categories: Sequence[tuple[str, str]]
    zones: Sequence[tuple[str, str]]
    statuses: Sequence[str]


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


def dashboard_figures(inputs: DashboardInputs, *, holding_rate: float) -> DashboardFigures:
    """Every figure of the overview as of `inputs.as_of`; `holding_rate` is the yearly carrying
    cost per unit of inventory value."""
    as_of = inputs.as_of
    held: dict[tuple[int, int], tuple[int, float]] = {}
    for lot in inputs.lots:
        units, value = held.get((lot.sku_id, lot.site_id), (0, 0.0))
        held[(lot.sku_id, lot.site_id)] = (
            units + lot.quantity,
            value + lot.quantity * lot.unit_cost,
        )
    held_value = {key: value for key, (_, value) in held.items()}
    value_now = sum(held_value.values())
    positions = inputs.positions
    issued, expired, demand_by_day = (
        inputs.issued_by_day,
        inputs.expired_by_day,
        inputs.demand_by_day,
    )

    served = serve_demand(inputs.demand, inputs.issues)
    window_figures = []
    for n in inputs.windows:
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
                average_inventory_value=average_inventory_value(
                    value_now, inputs.net_value_by_day, start, end
                ),
                cogs_issued=sum(issued.get(d, (0, 0.0))[1] for d in days),
                expired_value=sum(expired.get(d, (0, 0.0))[1] for d in days),
                expired_units=sum(expired.get(d, (0, 0.0))[0] for d in days),
                holding_rate=holding_rate,
            )
        )

    statuses = inputs.statuses
    return DashboardFigures(
        as_of=as_of,
        inventory_value=value_now,
        inventory_units=sum(units for units, _ in held.values()),
        positions=len(positions),
        projected_waste_value=sum(row.expiring_quantity * row.unit_cost for row in positions),
        windows=window_figures,
        abc_xyz=abc_xyz_breakdown(positions, held_value),
        status_by_category=status_breakdown(
            positions, held_value, by="category", groups=inputs.categories, statuses=statuses
        ),
        status_by_zone=status_breakdown(
            positions, held_value, by="temperature_zone", groups=inputs.zones, statuses=statuses
        ),
        expiry_by_month=expiry_breakdown(
            [(lot.expiry_date, lot.quantity, lot.unit_cost) for lot in inputs.lots if lot.usable],
            as_of,
        ),
        by_site=site_breakdown(inputs.sites, positions, held, statuses=statuses),
        consumption_trend=weekly_trend(
            as_of, issued, {day: asked for day, (asked, _) in demand_by_day.items()}
        ),
    )
