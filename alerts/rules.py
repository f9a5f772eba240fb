"""The alert rules: each looks at the whole data set at once and returns the conditions that
hold now, one `Condition` per object.

The rules are pure: plain values in (dataclasses, dicts, arrays, "today" and the thresholds as
arguments), conditions out, no Django and no database, so each can be checked on a handful of
made-up rows in a unit test. `alerts.selectors.rules` reads their inputs with a few set-based
queries (never one per SKU, site or order, so an evaluation over 10,000 SKU-sites stays in
seconds); `alerts.services.evaluation.alerts_evaluate` passes them, with the thresholds of
AlertSettings (one row, edited by admins), to each rule and hands the conditions to
`alerts.services.alerts.alerts_sync`, which opens, updates and resolves the alerts to match.

Definitions
-----------
stockout_risk (key "sku:{sku}:site:{site}")
    Walk the current forecast (planner overrides applied) day by day from today through the
    released, unexpired stock on hand, adding the open purchase-order quantities on their
    agreed dates (a late line counts from today). The first day the projected stock goes below
    zero is the stock-out day. It alerts when that day falls within the lead time of the
    SKU-site's policy plus `stockout_extra_days`. Critical when the stock-out comes before an
    order placed today could arrive (within the lead time, or already out of stock); high
    when it falls in the extra days after it. SKU-sites without a policy (no lead time) or
    without a forecast are not judged.

below_safety_stock (key "sku:{sku}:site:{site}")
    The inventory position (on hand + on order - backorders - allocated) is below the safety
    stock of the SKU-site's policy (or, without a policy, the safety stock the stock position
    holds). High.

expiry_risk (key "sku:{sku}:site:{site}")
    Projected waste: the released lots expiring within `expiry_window_days` are consumed in
    FEFO order (first expiry first) by the daily forecast from today (beyond the forecast's
    horizon, its last four weeks' mean; without a forecast, the recent average daily demand).
    A lot can be used on the days before its expiry date; the units the forecast cannot
    consume before then expire. It alerts when the wasted units' value (units x unit cost) is
    at least `expiry_min_value` (and at least one unit). High when the value is at least ten
    times that threshold (and at least 1,000), medium otherwise.

po_late (key "po:{order}")
    An open order line (approved, sent, acknowledged or partly received, with units still to
    come) whose agreed date (confirmed, else requested, else the order's expected date) is more
    than `po_late_grace_days` in the past. One alert per order, naming its late lines. High.

po_unacknowledged (key "po:{order}")
    An order sent to the supplier more than `po_acknowledge_hours` ago and still not
    acknowledged. Medium.

forecast_accuracy (key "sku:{sku}:site:{site}")
    Backtest MASE of a series in the current forecast run against the same series in the
    previous succeeded run: it alerts when the MASE grew by at least `forecast_mase_ratio`
    and ends at or above `forecast_mase_floor` (worse than repeating last week, by default).
    Medium when the MASE at least doubled, low otherwise.

supplier_grade (key "supplier:{supplier}")
    The supplier's latest graded scorecard month is a worse grade than the graded month
    before it (A > B > C > D). Medium; high when it fell two grades or more.

Temperature excursions are raised and cleared at once by the cold-chain readings, not here.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np

Key = tuple[int, int]  # (sku_id, site_id)
TAIL_DAYS = 28  # beyond the horizon, the forecast continues at its last four weeks' mean
EXPIRY_HIGH_FACTOR = 10
EXPIRY_HIGH_FLOOR = Decimal("1000")
GRADES = "ABCD"

# The values of alerts.models.AlertKind and Severity the rules produce, written out because
# the choices classes are Django's (tests/unit/test_alert_rules.py checks they agree).
STOCKOUT_RISK = "stockout_risk"
BELOW_SAFETY_STOCK = "below_safety_stock"
EXPIRY_RISK = "expiry_risk"
PO_LATE = "po_late"
PO_UNACKNOWLEDGED = "po_unacknowledged"
FORECAST_ACCURACY = "forecast_accuracy"
SUPPLIER_GRADE = "supplier_grade"
CRITICAL, HIGH, MEDIUM, LOW = "critical", "high", "medium", "low"


@dataclass(frozen=True)
class Condition:
    """A condition a rule found: what kind, about which object (`key`), how bad, in words."""

    kind: str
    key: str
    severity: str
    title: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)
    sku_id: int | None = None
    site_id: int | None = None
    supplier_id: int | None = None
    reference: str = ""


# ---- the inputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """A SKU-site's stock position, in units (safety stock: the position's own, used without a
    policy; average daily demand: the recent one, used without a forecast)."""

    on_hand: int
    inventory_position: int
    safety_stock: float | None = None
    avg_daily_demand: Decimal | float = 0


@dataclass(frozen=True)
class Policy:
    """What the rules use of a SKU-site's inventory policy: lead time (days) and safety stock."""

    lead_time_mean: float
    safety_stock: float


@dataclass(frozen=True)
class OpenLine:
    """An open purchase-order line with units still to come. `due` is the agreed date
    (confirmed, else requested, else the order's expected date), None when there is none."""

    pk: int
    sku_id: int
    due: date | None
    open_units: int
    order_id: int
    order_number: str
    supplier_id: int
    supplier_name: str
    destination_id: int


class ExpiringLot(NamedTuple):
    """A released lot with stock, expiring within the window. Sorting a list of them is the
    FEFO order (expiry first)."""

    expiry: date
    quantity: int
    number: str


@dataclass(frozen=True)
class SentOrder:
    """An order sent to its supplier and not acknowledged yet."""

    pk: int
    number: str
    sent_at: datetime
    supplier_id: int
    supplier_name: str
    destination_id: int


@dataclass(frozen=True)
class SeriesAccuracy:
    sku_id: int
    site_id: int
    mase: float
    method: str


@dataclass(frozen=True)
class RunAccuracy:
    """The backtest MASE of every series of one forecast run that has one."""

    run_id: int
    as_of: date
    series: Sequence[SeriesAccuracy]


@dataclass(frozen=True)
class GradedMonth:
    """A supplier's scorecard month that has a grade."""

    supplier_id: int
    supplier_name: str
    month: date
    grade: str
    score: float | None


@dataclass(frozen=True)
class Names:
    """How the messages name things: SKU code and unit cost by id, site code by id."""

    skus: Mapping[int, tuple[str, Decimal]] = field(default_factory=dict)  # (code, unit_cost)
    sites: Mapping[int, str] = field(default_factory=dict)

    def label(self, key: Key) -> str:
        sku = self.skus.get(key[0])
        return f"{sku[0] if sku else key[0]} at {self.sites.get(key[1], key[1])}"

    def sku_code(self, sku_id: int) -> str:
        sku = self.skus.get(sku_id)
        return sku[0] if sku else str(sku_id)

    def unit_cost(self, sku_id: int) -> Decimal:
        sku = self.skus.get(sku_id)
        return sku[1] if sku else Decimal(0)


@dataclass(frozen=True)
class DailyForecasts:
    """The current forecast: per SKU-site, daily values from `as_of` (overrides applied)."""

    as_of: date | None = None
    values: Mapping[Key, Sequence[float]] = field(default_factory=dict)

    def daily(
        self, key: Key, *, today: date, days: int, fallback: float = 0.0
    ) -> np.ndarray | None:
        """`days` daily values from today: the forecast, extended past its horizon by its last
        four weeks' mean; a flat `fallback` without a forecast (None when that is zero)."""
        values = self.values.get(key)
        if values:
            offset = (today - self.as_of).days if self.as_of is not None else 0
            series = np.asarray(values, dtype=float)[max(offset, 0) :]
            tail = float(np.mean(values[-TAIL_DAYS:]))
            if series.size < days:
                series = np.concatenate([series, np.full(days - series.size, tail)])
            return np.clip(series[:days], 0.0, None)
        if fallback > 0:
            return np.full(days, float(fallback))
        return None


def sku_site_key(sku_id: int, site_id: int) -> str:
    return f"sku:{sku_id}:site:{site_id}"


def _units(value: float) -> str:
    return f"{value:,.0f}"


def _money(value: Decimal | float) -> str:
    return f"{Decimal(value):,.2f}"


# ---- stock -----------------------------------------------------------------------------------


def stockout_risk(
    *,
    positions: Mapping[Key, Position],
    policies: Mapping[Key, Policy],
    open_lines: Iterable[OpenLine],
    forecasts: DailyForecasts,
    names: Names,
    today: date,
    extra_days: int,
) -> list[Condition]:
    arrivals: dict[Key, list[tuple[int, int]]] = defaultdict(list)
    for line in open_lines:
        key = (line.sku_id, line.destination_id)
        day = max((line.due - today).days, 0) if line.due else 0
        arrivals[key].append((day, line.open_units))
    conditions = []
    for key, policy in policies.items():
        position = positions.get(key)
        if position is None:
            continue
        lead_time = policy.lead_time_mean
        lead_days = max(int(np.ceil(lead_time)), 1)
        window = lead_days + extra_days
        demand = forecasts.daily(key, today=today, days=window)
        if demand is None or not demand.any():
            continue
        receipts = np.zeros(window)
        for day, units in arrivals.get(key, ()):
            if day < window:
                receipts[day] += units
        stock = position.on_hand + np.cumsum(receipts) - np.cumsum(demand)
        short = np.flatnonzero(stock < 0)
        if short.size == 0:
            continue
        day = int(short[0])
        stockout = today + timedelta(days=day)
        arrival = today + timedelta(days=lead_days)
        critical = day < lead_days
        on_hand = position.on_hand
        if day == 0 and on_hand <= 0:
            when = "is out of stock today"
        else:
            when = f"runs out on {stockout:%Y-%m-%d} ({day} days)"
        message = (
            f"{names.label(key)} {when}: {_units(on_hand)} units on hand"
            f"{_incoming(arrivals.get(key, ()), window)}, forecast "
            f"{demand[: day + 1].sum():,.0f} units by then. "
            + (
                f"An order placed today arrives about {arrival:%Y-%m-%d} "
                f"(lead time {lead_time:.0f} days): too late without an expedite or a transfer."
                if critical
                else f"Order now: an order placed today arrives about {arrival:%Y-%m-%d}."
            )
        )
        conditions.append(
            Condition(
                kind=STOCKOUT_RISK,
                key=sku_site_key(*key),
                severity=CRITICAL if critical else HIGH,
                title=f"Stock-out of {names.label(key)} on {stockout:%Y-%m-%d}",
                message=message,
                detail={
                    "stockout_date": stockout.isoformat(),
                    "days_to_stockout": day,
                    "lead_time_days": round(float(lead_time), 1),
                    "on_hand": on_hand,
                    "forecast_units_to_stockout": round(float(demand[: day + 1].sum()), 1),
                },
                sku_id=key[0],
                site_id=key[1],
            )
        )
    return conditions


def _incoming(arrivals: Iterable[tuple[int, int]], window: int) -> str:
    units = sum(units for day, units in arrivals if day < window)
    return f" and {_units(units)} arriving on open orders" if units else ""


def below_safety_stock(
    *, positions: Mapping[Key, Position], policies: Mapping[Key, Policy], names: Names
) -> list[Condition]:
    conditions = []
    for key, position in positions.items():
        policy = policies.get(key)
        safety = policy.safety_stock if policy is not None else position.safety_stock
        if safety is None or safety <= 0:
            continue
        level = position.inventory_position
        if level >= safety:
            continue
        gap = safety - level
        conditions.append(
            Condition(
                kind=BELOW_SAFETY_STOCK,
                key=sku_site_key(*key),
                severity=HIGH,
                title=f"{names.label(key)} below safety stock",
                message=(
                    f"The inventory position of {names.label(key)} is {_units(level)} units "
                    f"({_units(position.on_hand)} on hand), {_units(gap)} below its safety "
                    f"stock of {_units(safety)}."
                ),
                detail={
                    "inventory_position": level,
                    "on_hand": position.on_hand,
                    "safety_stock": round(float(safety), 1),
                },
                sku_id=key[0],
                site_id=key[1],
            )
        )
    return conditions


def projected_waste(
    lots: Iterable[tuple[date, int, str]], demand: np.ndarray, today: date
) -> list[tuple[str, date, int, float]]:
    """FEFO walk: per lot (expiry, quantity, number), in expiry order, the units the daily
    `demand` (from today) leaves unconsumed by the lot's expiry. Returns (number, expiry,
    quantity, wasted units) for lots with waste."""
    cumulative = np.concatenate([[0.0], np.cumsum(demand)])
    consumed = 0.0
    wasted = []
    for expiry, quantity, number in sorted(lots):
        usable_days = min(max((expiry - today).days, 0), demand.size)
        capacity = max(float(cumulative[usable_days]) - consumed, 0.0)
        used = min(float(quantity), capacity)
        consumed += used
        if quantity - used >= 1:
            wasted.append((number, expiry, quantity, quantity - used))
    return wasted


def expiry_risk(
    *,
    lots: Mapping[Key, Sequence[ExpiringLot]],
    positions: Mapping[Key, Position],
    forecasts: DailyForecasts,
    names: Names,
    today: date,
    window_days: int,
    min_value: Decimal,
) -> list[Condition]:
    """`lots`: per SKU-site, the released lots with stock expiring after today and within
    `window_days`."""
    threshold = Decimal(min_value)
    high_from = max(threshold * EXPIRY_HIGH_FACTOR, EXPIRY_HIGH_FLOOR)
    conditions = []
    for key, key_lots in lots.items():
        position = positions.get(key)
        fallback = float(position.avg_daily_demand or 0) if position is not None else 0.0
        demand = forecasts.daily(key, today=today, days=window_days, fallback=fallback)
        if demand is None:
            demand = np.zeros(window_days)
        wasted = projected_waste(key_lots, demand, today)
        units = int(sum(waste for *_, waste in wasted))
        if units < 1:
            continue
        value = (names.unit_cost(key[0]) * units).quantize(Decimal("0.01"))
        if value < threshold:
            continue
        first = min(expiry for _, expiry, _, _ in wasted)
        lot_words = ", ".join(
            f"{number} ({_units(waste)} of {_units(quantity)} by {expiry:%Y-%m-%d})"
            for number, expiry, quantity, waste in wasted[:5]
        )
        conditions.append(
            Condition(
                kind=EXPIRY_RISK,
                key=sku_site_key(*key),
                severity=HIGH if value >= high_from else MEDIUM,
                title=f"{_units(units)} units of {names.label(key)} will expire unused",
                message=(
                    f"At the forecast rate, {_units(units)} units of {names.label(key)} "
                    f"(value {_money(value)}) expire before they can be used, the first on "
                    f"{first:%Y-%m-%d}. Lots: {lot_words}. Consider a transfer to a site that "
                    "uses them sooner."
                ),
                detail={
                    "waste_units": units,
                    "waste_value": str(value),
                    "first_expiry": first.isoformat(),
                    "lots": [
                        {
                            "lot": number,
                            "expiry": expiry.isoformat(),
                            "quantity": quantity,
                            "waste": round(waste, 1),
                        }
                        for number, expiry, quantity, waste in wasted
                    ],
                },
                sku_id=key[0],
                site_id=key[1],
            )
        )
    return conditions


# ---- purchase orders -----------------------------------------------------------------------------


def po_late(
    *, open_lines: Iterable[OpenLine], names: Names, today: date, grace_days: int
) -> list[Condition]:
    cutoff = today - timedelta(days=grace_days)
    late: dict[int, list[OpenLine]] = defaultdict(list)
    for line in open_lines:
        if line.due is not None and line.due < cutoff:
            late[line.order_id].append(line)
    conditions = []
    for order_id, lines in late.items():
        first = lines[0]
        number = first.order_number
        oldest = min(line.due for line in lines if line.due is not None)
        days = (today - oldest).days
        units = sum(line.open_units for line in lines)
        skus = sorted({names.sku_code(line.sku_id) for line in lines})
        count = len(lines)
        conditions.append(
            Condition(
                kind=PO_LATE,
                key=f"po:{order_id}",
                severity=HIGH,
                title=f"{number} from {first.supplier_name} is late",
                message=(
                    f"{count} line{'s' if count != 1 else ''} of {number} "
                    f"({', '.join(skus[:6])}{'…' if len(skus) > 6 else ''}) "
                    f"{'are' if count != 1 else 'is'} past the agreed date, the oldest due "
                    f"{oldest:%Y-%m-%d} ({days} days ago); {_units(units)} units still to come "
                    f"to {names.sites.get(first.destination_id, '')}."
                ),
                detail={
                    "lines": [line.pk for line in lines],
                    "oldest_due": oldest.isoformat(),
                    "days_late": days,
                    "open_units": units,
                },
                site_id=first.destination_id,
                supplier_id=first.supplier_id,
                reference=number,
            )
        )
    return conditions


def po_unacknowledged(*, orders: Iterable[SentOrder], now: datetime, hours: int) -> list[Condition]:
    """`orders`: the orders sent and not acknowledged; those sent more than `hours` before
    `now` alert."""
    cutoff = now - timedelta(hours=hours)
    conditions = []
    for order in orders:
        if order.sent_at >= cutoff:
            continue
        waited = (now - order.sent_at).total_seconds() / 3600
        conditions.append(
            Condition(
                kind=PO_UNACKNOWLEDGED,
                key=f"po:{order.pk}",
                severity=MEDIUM,
                title=f"{order.number} not acknowledged by {order.supplier_name}",
                message=(
                    f"{order.number} was sent to {order.supplier_name} on "
                    f"{order.sent_at:%Y-%m-%d %H:%M} UTC, {waited:,.0f} hours ago, and is not "
                    f"acknowledged yet (expected within {hours} hours). Chase the supplier."
                ),
                detail={"sent_at": order.sent_at.isoformat(), "hours_waiting": round(waited, 1)},
                site_id=order.destination_id,
                supplier_id=order.supplier_id,
                reference=order.number,
            )
        )
    return conditions


# ---- forecasts and suppliers -------------------------------------------------------------------


def forecast_accuracy(
    *,
    current: RunAccuracy | None,
    previous: RunAccuracy | None,
    names: Names,
    ratio: float,
    floor: float,
) -> list[Condition]:
    """`current`: the current forecast run; `previous`: the succeeded run before it."""
    if current is None or previous is None:
        return []
    before = {(series.sku_id, series.site_id): series.mase for series in previous.series}
    conditions = []
    for series in current.series:
        sku, site, mase = series.sku_id, series.site_id, series.mase
        old = before.get((sku, site))
        if mase < floor or old is None or old <= 0 or mase < ratio * old:
            continue
        growth = mase / old
        label = names.label((sku, site))
        conditions.append(
            Condition(
                kind=FORECAST_ACCURACY,
                key=sku_site_key(sku, site),
                severity=MEDIUM if growth >= 2 else LOW,
                title=f"Forecast accuracy of {label} dropped",
                message=(
                    f"The forecast of {label} ({series.method}) has a MASE of {mase:.2f} in the "
                    f"run as of {current.as_of:%Y-%m-%d}, up from {old:.2f} in the run as of "
                    f"{previous.as_of:%Y-%m-%d} (x{growth:.1f}). Above {floor:.2f} it is worse "
                    "than the threshold: check the demand history or set an override."
                ),
                detail={
                    "mase": round(mase, 3),
                    "previous_mase": round(old, 3),
                    "run": current.run_id,
                    "previous_run": previous.run_id,
                },
                sku_id=sku,
                site_id=site,
                reference=f"Forecast run {current.run_id}",
            )
        )
    return conditions


def supplier_grade(*, months: Iterable[GradedMonth]) -> list[Condition]:
    """`months`: graded scorecard months of any suppliers, in any order; each supplier's
    latest is compared with the one before it."""
    latest: dict[int, list[GradedMonth]] = defaultdict(list)
    for row in sorted(months, key=lambda row: (row.supplier_id, row.month), reverse=True):
        if len(latest[row.supplier_id]) < 2:
            latest[row.supplier_id].append(row)
    conditions = []
    for supplier_id, pair in sorted(latest.items()):
        if len(pair) < 2:
            continue
        now, before = pair
        drop = GRADES.index(now.grade) - GRADES.index(before.grade)
        if drop <= 0:
            continue
        score_words = (
            f" (score {now.score:.0f}, was {before.score:.0f})"
            if now.score and before.score
            else ""
        )
        conditions.append(
            Condition(
                kind=SUPPLIER_GRADE,
                key=f"supplier:{supplier_id}",
                severity=HIGH if drop >= 2 else MEDIUM,
                title=f"{now.supplier_name} fell to grade {now.grade}",
                message=(
                    f"{now.supplier_name} scored grade {now.grade} for {now.month:%B %Y}, down "
                    f"from {before.grade} for {before.month:%B %Y}{score_words}. Review its "
                    "scorecard: on-time, in-full, quality and lead time."
                ),
                detail={
                    "month": now.month.isoformat(),
                    "grade": now.grade,
                    "previous_month": before.month.isoformat(),
                    "previous_grade": before.grade,
                },
                supplier_id=supplier_id,
                reference=f"{now.month:%Y-%m}",
            )
        )
    return conditions
