"""The overview dashboard's figures, computed from plain rows and arrays: no Django and no
database here, so every figure can be checked on made-up rows. `reporting.selectors.overview`
reads the inputs; `reporting.services.dashboard_snapshot_refresh` stores the figures into the
snapshot tables (alerts.models.DashboardSnapshot and KpiSnapshot), nightly and on demand, so
the page reads one row and never scans the ledger.

The KPI windows' business measures (fill rate, stock-out rate, inventory value, turnover,
carrying cost, expired value) are read by reporting.selectors.business, the one definition
of each (its module docstring); `MeasureTotals` here turns its sums into the ratios.

- Inventory value now = units held in lots (every lot with a positive quantity: released, in
  quarantine, or expired and not yet written off) at the SKU's unit cost.
- The consumption trend: units and value issued and units asked per 7-day bucket.
- Movements are valued at the SKU's unit cost now: the ledger keeps no historical cost.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

WINDOWS = (30, 90)
TREND_WEEKS = 52
EXPIRY_MONTHS = 12
ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z")


@dataclass(frozen=True)
class MeasureTotals:
    """The sums the business measures are ratios of, over `days` days of one group of SKU-sites
    (reporting.selectors.business reads them from the ledger and the demand; its docstring
    defines each). The totals of two groups over the same days add up with `+`.

    Units and money (the SKUs' unit cost) are totals over the days; `inventory_value_days` is
    the sum over the days of the end-of-day inventory value; `holding_rate` is per year."""

    days: int
    holding_rate: float
    units_asked: int = 0
    units_served: int = 0
    value_asked: float = 0.0
    value_served: float = 0.0
    sku_site_days: int = 0
    stockout_days: int = 0
    inventory_value_days: float = 0.0
    cogs_issued: float = 0.0
    expired_units: int = 0
    expired_value: float = 0.0
    emergency_orders: int = 0
    emergency_units: int = 0

    def __add__(self, other: MeasureTotals) -> MeasureTotals:
        """Two groups of SKU-sites over the same days: every sum adds, the days stay."""
        sums = {
            name: getattr(self, name) + getattr(other, name)
            for name in self.__dataclass_fields__
            if name not in ("days", "holding_rate")
        }
        return MeasureTotals(days=self.days, holding_rate=self.holding_rate, **sums)

    @property
    def fill_rate(self) -> float | None:
        """Units served / units asked, pooled; None without demand."""
        return self.units_served / self.units_asked if self.units_asked else None

    @property
    def value_fill_rate(self) -> float | None:
        """Value served / value asked at unit cost; None without demand of any value."""
        return self.value_served / self.value_asked if self.value_asked else None

    @property
    def stockout_rate(self) -> float | None:
        return self.stockout_days / self.sku_site_days if self.sku_site_days else None

    @property
    def average_inventory_value(self) -> float:
        return self.inventory_value_days / self.days if self.days else 0.0

    @property
    def turnover(self) -> float | None:
        """Cost of goods issued, annualised (x 365 / days), / average inventory value; None
        without inventory."""
        average = self.average_inventory_value
        if average <= 0:
            return None
        return self.cogs_issued * 365 / self.days / average

    @property
    def carrying_cost_per_year(self) -> float:
        return self.average_inventory_value * self.holding_rate

    @property
    def carrying_cost(self) -> float:
        """What holding the average inventory cost over these days: per year x days / 365."""
        return self.carrying_cost_per_year * self.days / 365

    def as_dict(self) -> dict[str, Any]:
        """The sums and the measures, for JSON (rates None where undefined)."""
        return {
            "days": self.days,
            "units_asked": self.units_asked,
            "units_served": self.units_served,
            "fill_rate": self.fill_rate,
            "value_asked": round(self.value_asked, 2),
            "value_served": round(self.value_served, 2),
            "value_fill_rate": self.value_fill_rate,
            "sku_site_days": self.sku_site_days,
            "stockout_days": self.stockout_days,
            "stockout_rate": self.stockout_rate,
            "average_inventory_value": round(self.average_inventory_value, 2),
            "cogs_issued": round(self.cogs_issued, 2),
            "turnover": self.turnover,
            "carrying_cost": round(self.carrying_cost, 2),
            "carrying_cost_per_year": round(self.carrying_cost_per_year, 2),
            "expired_units": self.expired_units,
            "expired_value": round(self.expired_value, 2),
            "emergency_orders": self.emergency_orders,
            "emergency_units": self.emergency_units,
        }


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
    """What the figures as of `as_of` are computed from (reporting.selectors.overview reads
    it); the KPI windows' business measures come from reporting.selectors.business instead.

    Units and values per day are positive: `issued_by_day` is (units, value) issued per day
    and `asked_by_day` the units asked per day, for the consumption trend. `categories` and
    `zones` are the (value, label) groups of the status breakdowns, `statuses` the stock
    statuses."""

    as_of: date
    lots: Sequence[HeldLot]
    positions: Sequence[PositionRow]
    issued_by_day: Mapping[date, tuple[int, float]]
    asked_by_day: Mapping[date, int]
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
    abc_xyz: list[dict[str, Any]] = field(default_factory=list)
    status_by_category: list[dict[str, Any]] = field(default_factory=list)
    status_by_zone: list[dict[str, Any]] = field(default_factory=list)
    expiry_by_month: list[dict[str, Any]] = field(default_factory=list)
    by_site: list[dict[str, Any]] = field(default_factory=list)
    consumption_trend: list[dict[str, Any]] = field(default_factory=list)


def dashboard_figures(inputs: DashboardInputs) -> DashboardFigures:
    """Every figure of the overview as of `inputs.as_of` but the KPI windows."""
    as_of = inputs.as_of
    held: dict[tuple[int, int], tuple[int, float]] = {}
    for lot in inputs.lots:
        units, value = held.get((lot.sku_id, lot.site_id), (0, 0.0))
        held[(lot.sku_id, lot.site_id)] = (
            units + lot.quantity,
            value + lot.quantity * lot.unit_cost,
        )
    held_value = {key: value for key, (_, value) in held.items()}
    positions = inputs.positions
    statuses = inputs.statuses
    return DashboardFigures(
        as_of=as_of,
        inventory_value=sum(held_value.values()),
        inventory_units=sum(units for units, _ in held.values()),
        positions=len(positions),
        projected_waste_value=sum(row.expiring_quantity * row.unit_cost for row in positions),
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
        consumption_trend=weekly_trend(as_of, inputs.issued_by_day, inputs.asked_by_day),
    )
