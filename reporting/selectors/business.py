"""The business measures (../shared/DOMAIN.md, "Business measures") over a range of days, in
total, per ABC class and per week, computed from what was recorded: demand (DailyDemand),
the stock ledger (StockMovement) and purchase-order lines approved from suggestions. Nothing
here is typed in or simulated; a simulated world is measured by the same reads as a real one.
This is the one definition of each measure: the overview's KPI windows read it too.

The range is `start`..`end`, both included; a movement's day is its date in the project's time
zone. Money is at the SKU's unit cost now (the ledger keeps no historical cost). The ABC class
is the SKU-site's current one (StockPosition; "" when it has none).

- **Fill rate** = units served / units asked, pooled over SKU-site-days; also value-weighted
  (each unit at its SKU's unit cost). Asked = DailyDemand of the days in range. Served = issue
  movements of the same SKU at the same site: the ledger may record issues daily or per week
  (the demo issues each week's demand on its last day), so a day's demand is served by the
  first issue of its SKU-site on that day or within SERVICE_SPAN_DAYS days after; an issue's
  units serve the days mapped to it in date order, each at most what it asked (days before
  `start` come first in that order: an issue also serves the span before the range). A day
  with no issue within the span was not served.
- **Stock-out rate** = SKU-site-days with unmet demand (served < asked) / SKU-site-days with
  a demand series (the SKU-sites with any DailyDemand row in the range, times the days in the
  range or the week): a sparse history (only days with demand) counts the same as a dense one.
- **Inventory value** at the end of a day = every movement up to that day at unit cost, so
  every lot counts (released, in quarantine, expired and not yet written off); stock between
  a transfer out and its transfer in counts nowhere. **Average inventory value** = the mean
  of the days' end values.
- **Inventory turnover** = cost of goods issued (issue movements at unit cost) x 365 / days /
  average inventory value.
- **Carrying cost** = average inventory value x settings.OPTIMIZATION_HOLDING_RATE x days /
  365, for the range (also per year).
- **Expired value** = write-offs made at expiry, at unit cost: the expiry job
  (inventory.services.stock.lots_write_off_expired) writes them with reference "expiry" and
  marks the lot expired; the demo data writes "EXPIRY". Other write-offs (damage, recalls)
  are not expiry.
- **Emergency orders** = purchase-order lines approved from a suggestion of urgency
  "critical" (the plan projected a stock-out before a normal order could arrive), counted on
  their order's date (PurchaseOrder.ordered_on), with their units. The suggestion keeps its
  line (SuggestedOrder.purchase_order_line). Lines entered by hand or imported have no
  suggestion and are not counted; the ledger does not record lead times shorter than normal.

Cost: four aggregate queries, whatever the number of SKU-sites (service, series, ledger,
emergency orders), each grouped by ABC class and week in the database; Python only adds up
the (classes x weeks) rows and accumulates the daily inventory value over the range's days.
The service query dominates: it sorts the range's demand days with the issues (no range join,
so daily issues cost no more than weekly ones); on PostgreSQL, 10,000 SKU-sites x 365 days
(2.6 M demand days, 0.5 M issue movements) take about 20 s, the other three about 2.5 s.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Count, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import DailyDemand, MovementKind, Sku, StockMovement, StockPosition
from optimization.models import Urgency
from reporting.figures import MeasureTotals
from suppliers.models import PurchaseOrderLine

SERVICE_SPAN_DAYS = 6  # a day's demand is served by an issue on that day or up to 6 days later
EXPIRY_REFERENCE = "EXPIRY"  # upper case: compared with the upper-cased reference
WEEK_DAYS = 7

Key = tuple[str, int]  # (ABC class, week index from `start`)


@dataclass(frozen=True)
class Week:
    start: date
    end: date  # included; the last week of a range may be shorter


@dataclass(frozen=True)
class BusinessMeasures:
    """The measures of `start`..`end`: `total`, `by_abc` (class -> totals, "" unclassified)
    and per week (`weeks`, with `weekly(abc)` the totals of each week, all classes or one)."""

    start: date
    end: date
    total: MeasureTotals
    by_abc: dict[str, MeasureTotals]
    weeks: list[Week]
    cells: dict[Key, MeasureTotals]

    def weekly(self, abc: str | None = None) -> list[MeasureTotals]:
        series = []
        for index, week in enumerate(self.weeks):
            days = (week.end - week.start).days + 1
            empty = MeasureTotals(days=days, holding_rate=self.total.holding_rate)
            cells = [
                totals
                for (label, number), totals in self.cells.items()
                if number == index and (abc is None or label == abc)
            ]
            series.append(sum(cells, empty))
        return series

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "total": self.total.as_dict(),
            "by_abc": {abc: totals.as_dict() for abc, totals in sorted(self.by_abc.items())},
            "weekly": [
                {"start": week.start.isoformat(), "end": week.end.isoformat(), **totals.as_dict()}
                for week, totals in zip(self.weeks, self.weekly(), strict=True)
            ],
        }


class MeasureRangeError(ValueError):
    pass


def business_measures(*, start: date, end: date) -> BusinessMeasures:
    """The business measures of the days `start`..`end` (both included), as the module
    docstring defines them."""
    if end < start:
        raise MeasureRangeError(f"The range ends ({end}) before it starts ({start}).")
    days = (end - start).days + 1
    weeks = [
        Week(day, min(day + timedelta(days=WEEK_DAYS - 1), end))
        for day in (start + timedelta(days=k) for k in range(0, days, WEEK_DAYS))
    ]
    week_days = np.array([(w.end - w.start).days + 1 for w in weeks])
    holding_rate = float(settings.OPTIMIZATION_HOLDING_RATE)
    sums: dict[Key, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    for abc, week, asked, served, value_asked, value_served, short in _service_rows(start, end):
        cell = sums[(abc, int(week))]
        cell["units_asked"] += int(asked)
        cell["units_served"] += int(served)
        cell["value_asked"] += float(value_asked)
        cell["value_served"] += float(value_served)
        cell["stockout_days"] += int(short)
    for abc, series in _series_rows(start, end):
        for index, n in enumerate(week_days):
            sums[(abc, index)]["sku_site_days"] += int(series) * int(n)
    _add_ledger(sums, start, end, days)
    for abc, ordered_on, lines, units in _emergency_rows(start, end):
        cell = sums[(abc, (ordered_on - start).days // WEEK_DAYS)]
        cell["emergency_orders"] += int(lines)
        cell["emergency_units"] += int(units)

    cells = {
        key: _totals(int(week_days[key[1]]), holding_rate, values) for key, values in sums.items()
    }
    by_abc: dict[str, MeasureTotals] = {}
    for abc in sorted({abc for abc, _ in cells}):
        whole = MeasureTotals(days=days, holding_rate=holding_rate)
        for (label, _), totals in cells.items():
            if label == abc:
                whole = whole + replace(totals, days=days)
        by_abc[abc] = whole
    total = sum(by_abc.values(), MeasureTotals(days=days, holding_rate=holding_rate))
    return BusinessMeasures(
        start=start, end=end, total=total, by_abc=by_abc, weeks=weeks, cells=cells
    )


def _totals(days: int, holding_rate: float, sums: dict[str, float]) -> MeasureTotals:
    def count(name: str) -> int:
        return round(sums.get(name, 0))

    def money(name: str) -> float:
        return float(sums.get(name, 0.0))

    return MeasureTotals(
        days=days,
        holding_rate=holding_rate,
        units_asked=count("units_asked"),
        units_served=count("units_served"),
        value_asked=money("value_asked"),
        value_served=money("value_served"),
        sku_site_days=count("sku_site_days"),
        stockout_days=count("stockout_days"),
        inventory_value_days=money("inventory_value_days"),
        cogs_issued=money("cogs_issued"),
        expired_units=count("expired_units"),
        expired_value=money("expired_value"),
        emergency_orders=count("emergency_orders"),
        emergency_units=count("emergency_units"),
    )


# ---- the queries --------------------------------------------------------------------------


def _start_of(day: date) -> Any:
    """Midnight at the start of `day` in the project's time zone, as the database compares
    timestamps."""
    moment = timezone.make_aware(datetime.combine(day, clock.min))
    return connection.ops.adapt_datetimefield_value(moment)


def _day_number(date_sql: str) -> str:
    """Whole days from the parameter %(origin)s to a date expression, per database."""
    if connection.vendor == "postgresql":
        return f"({date_sql} - CAST(%(origin)s AS date))"
    return f"CAST(julianday({date_sql}) - julianday(%(origin)s) AS INTEGER)"


def _movement_day() -> str:
    """A movement's date in the project's time zone (parameters %(tz)s and %(db_tz)s)."""
    if connection.vendor == "postgresql":
        return "CAST(m.occurred_at AT TIME ZONE %(tz)s AS date)"
    return "django_datetime_cast_date(m.occurred_at, %(tz)s, %(db_tz)s)"


def _params(start: date, end: date) -> dict[str, Any]:
    day = connection.ops.adapt_datefield_value
    since = start - timedelta(days=SERVICE_SPAN_DAYS)
    return {
        "origin": day(start),
        "tz": timezone.get_current_timezone_name(),
        "db_tz": connection.timezone_name,
        "start": day(start),
        "end": day(end),
        "start_at": _start_of(start),
        "end_at": _start_of(end + timedelta(days=1)),
        "since": day(since),
        "since_at": _start_of(since),
        "until_at": _start_of(end + timedelta(days=SERVICE_SPAN_DAYS + 1)),
        "issue": MovementKind.ISSUE.value,
        "write_off": MovementKind.WRITE_OFF.value,
        "expiry": EXPIRY_REFERENCE,
    }


TABLES = {
    "demand": DailyDemand._meta.db_table,
    "movement": StockMovement._meta.db_table,
    "position": StockPosition._meta.db_table,
    "sku": Sku._meta.db_table,
}


def _fetch(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _service_rows(start: date, end: date) -> list[tuple[Any, ...]]:
    """(abc, week, asked, served, value asked, value served, short days) per class and week:
    demand from SERVICE_SPAN_DAYS before `start` (those days come first in their issue's
    order), issues per SKU-site-day up to SERVICE_SPAN_DAYS after `end`."""
    # Only table names, constants and per-database expressions are interpolated; every value
    # is a parameter.
    sql = f"""
    WITH demand AS (
        SELECT d.sku_id, d.site_id, {_day_number("d.date")} AS day, d.quantity AS asked
        FROM {TABLES["demand"]} d
        WHERE d.date >= %(since)s AND d.date <= %(end)s AND d.quantity > 0
    ), issued AS (
        SELECT m.sku_id, m.site_id, {_day_number(_movement_day())} AS day,
               -SUM(m.quantity) AS units
        FROM {TABLES["movement"]} m
        WHERE m.kind = %(issue)s AND m.occurred_at >= %(since_at)s
          AND m.occurred_at < %(until_at)s
        GROUP BY 1, 2, 3
    ), events AS (
        SELECT sku_id, site_id, day, asked, CAST(NULL AS INTEGER) AS issue_day, 0 AS is_issue
        FROM demand
        UNION ALL
        SELECT sku_id, site_id, day, 0, day, 1 FROM issued
    ), following AS (
        -- The first issue on or after each day: a running minimum from the last day back
        -- (an issue sorts before the demand of its own day), linear in the rows.
        SELECT e.sku_id, e.site_id, e.day, e.asked, e.is_issue, MIN(e.issue_day) OVER (
            PARTITION BY e.sku_id, e.site_id ORDER BY e.day DESC, e.is_issue DESC
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS next_issue
        FROM events e
    ), mapped AS (
        SELECT f.sku_id, f.site_id, f.day, f.asked,
            CASE WHEN f.next_issue <= f.day + {SERVICE_SPAN_DAYS} THEN f.next_issue END
                AS issue_day
        FROM following f
        WHERE f.is_issue = 0
    ), ordered AS (
        SELECT m.*, SUM(m.asked) OVER (
            PARTITION BY m.sku_id, m.site_id, m.issue_day ORDER BY m.day
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) - m.asked AS earlier
        FROM mapped m
    ), served AS (
        SELECT o.sku_id, o.site_id, o.day, o.asked,
            CASE WHEN i.units IS NULL OR i.units <= o.earlier THEN 0
                 WHEN i.units - o.earlier >= o.asked THEN o.asked
                 ELSE i.units - o.earlier END AS served
        FROM ordered o
        LEFT JOIN issued i ON i.sku_id = o.sku_id AND i.site_id = o.site_id
             AND i.day = o.issue_day
        WHERE o.day >= 0
    )
    SELECT COALESCE(p.abc_class, '') AS abc, s.day / {WEEK_DAYS} AS week,
        SUM(s.asked), SUM(s.served), SUM(s.asked * k.unit_cost), SUM(s.served * k.unit_cost),
        SUM(CASE WHEN s.served < s.asked THEN 1 ELSE 0 END)
    FROM served s
    JOIN {TABLES["sku"]} k ON k.id = s.sku_id
    LEFT JOIN {TABLES["position"]} p ON p.sku_id = s.sku_id AND p.site_id = s.site_id
    GROUP BY 1, 2
    """  # noqa: S608
    return _fetch(sql, _params(start, end))


def _series_rows(start: date, end: date) -> list[tuple[Any, ...]]:
    """(abc, SKU-sites with any demand row in the range) per class."""
    sql = f"""
    SELECT COALESCE(p.abc_class, '') AS abc, COUNT(*)
    FROM (
        SELECT DISTINCT d.sku_id, d.site_id FROM {TABLES["demand"]} d
        WHERE d.date >= %(start)s AND d.date <= %(end)s
    ) s
    LEFT JOIN {TABLES["position"]} p ON p.sku_id = s.sku_id AND p.site_id = s.site_id
    GROUP BY 1
    """  # noqa: S608
    return _fetch(sql, _params(start, end))


def _add_ledger(sums: dict[Key, dict[str, float]], start: date, end: date, days: int) -> None:
    """Inventory value, cost of goods issued and expiry write-offs from one pass over the
    ledger up to `end`: movements before `start` in one opening balance per class (day -1),
    the others per class and day; the end-of-day values accumulate over the days here."""
    sql = f"""
    SELECT COALESCE(p.abc_class, '') AS abc,
        CASE WHEN m.occurred_at < %(start_at)s THEN -1
             ELSE {_day_number(_movement_day())} END AS day,
        SUM(m.quantity * k.unit_cost),
        SUM(CASE WHEN m.kind = %(issue)s AND m.occurred_at >= %(start_at)s
                 THEN -m.quantity * k.unit_cost ELSE 0 END),
        SUM(CASE WHEN m.kind = %(write_off)s AND UPPER(m.reference) = %(expiry)s
                  AND m.occurred_at >= %(start_at)s THEN -m.quantity ELSE 0 END),
        SUM(CASE WHEN m.kind = %(write_off)s AND UPPER(m.reference) = %(expiry)s
                  AND m.occurred_at >= %(start_at)s THEN -m.quantity * k.unit_cost ELSE 0 END)
    FROM {TABLES["movement"]} m
    JOIN {TABLES["sku"]} k ON k.id = m.sku_id
    LEFT JOIN {TABLES["position"]} p ON p.sku_id = m.sku_id AND p.site_id = m.site_id
    WHERE m.occurred_at < %(end_at)s
    GROUP BY 1, 2
    """  # noqa: S608
    net: dict[str, np.ndarray] = {}
    for abc, day, value, cogs, expired_units, expired_value in _fetch(sql, _params(start, end)):
        by_day = net.setdefault(abc, np.zeros(days + 1))  # [opening, day 0, ..., day days-1]
        by_day[int(day) + 1] += float(value)
        if int(day) < 0:
            continue
        cell = sums[(abc, int(day) // WEEK_DAYS)]
        cell["cogs_issued"] += float(cogs)
        cell["expired_units"] += int(expired_units)
        cell["expired_value"] += float(expired_value)
    for abc, by_day in net.items():
        end_of_day = np.cumsum(by_day)[1:]
        for index, week_total in enumerate(
            np.add.reduceat(end_of_day, np.arange(0, days, WEEK_DAYS))
        ):
            sums[(abc, index)]["inventory_value_days"] += float(week_total)


def _emergency_rows(start: date, end: date) -> Any:
    """(abc, order date, lines, units) of lines approved from critical suggestions, per class
    and order date (an aggregate over a small table, through the ORM)."""
    abc = StockPosition.objects.filter(
        sku_id=OuterRef("sku_id"), site_id=OuterRef("purchase_order__destination_id")
    ).values("abc_class")[:1]
    return (
        PurchaseOrderLine.objects.filter(
            suggestion__urgency=Urgency.CRITICAL,
            purchase_order__ordered_on__gte=start,
            purchase_order__ordered_on__lte=end,
        )
        .annotate(abc=Coalesce(Subquery(abc), Value("")))
        .order_by()
        .values("abc", "purchase_order__ordered_on")
        .annotate(lines=Count("pk"), units=Sum("quantity"))
        .values_list("abc", "purchase_order__ordered_on", "lines", "units")
    )
