"""The alert rules: each looks at the whole data set at once and returns the conditions that
hold now, one `Condition` per object. `alerts.services.evaluation.alerts_evaluate` hands them to
`alerts.services.alerts.alerts_sync`, which opens, updates and resolves the alerts to match.

Every rule reads with a few set-based queries (values_list into dicts and arrays), never one
query per SKU, site or order, so an evaluation over 10,000 SKU-sites stays in seconds.
Thresholds come from AlertSettings (one row, edited by admins in the admin site).

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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from alerts.models import AlertKind, AlertSettings, Severity
from alerts.services.alerts import Condition
from forecasting import selectors as forecast_selectors
from forecasting.models import ForecastRun, RunStatus, SeriesForecast
from forecasting.services import current_run
from inventory.models import Lot, LotStatus, Site, Sku, StockPosition
from optimization.models import InventoryPolicy
from suppliers.models import (
    OPEN_PO_STATUSES,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    SupplierScorecard,
)

Key = tuple[int, int]
TAIL_DAYS = 28  # beyond the horizon, the forecast continues at its last four weeks' mean
EXPIRY_HIGH_FACTOR = 10
EXPIRY_HIGH_FLOOR = Decimal("1000")
GRADES = "ABCD"
SCORECARD_LOOKBACK_DAYS = 400


def sku_site_key(sku_id: int, site_id: int) -> str:
    return f"sku:{sku_id}:site:{site_id}"


def _units(value: float) -> str:
    return f"{value:,.0f}"


def _money(value: Decimal | float) -> str:
    return f"{Decimal(value):,.2f}"


@dataclass
class RuleInputs:
    """What the rules read, loaded once per evaluation and shared between rules."""

    config: AlertSettings
    today: date
    now: datetime

    @cached_property
    def forecast_run(self) -> ForecastRun | None:
        return current_run()

    @cached_property
    def forecasts(self) -> dict[Key, list[float]]:
        """Daily forecast per SKU-site from the current run's as_of, overrides applied."""
        run = self.forecast_run
        if run is None or "horizon" not in (run.parameters or {}):
            return {}
        return forecast_selectors.effective_forecasts(run)

    def daily_forecast(self, key: Key, days: int, fallback: float = 0.0) -> np.ndarray | None:
        """`days` daily values from today: the forecast, extended past its horizon by its last
        four weeks' mean; a flat `fallback` without a forecast (None when that is zero)."""
        values = self.forecasts.get(key)
        if values:
            run = self.forecast_run
            offset = (self.today - run.as_of).days if run is not None else 0
            series = np.asarray(values, dtype=float)[max(offset, 0) :]
            tail = float(np.mean(values[-TAIL_DAYS:]))
            if series.size < days:
                series = np.concatenate([series, np.full(days - series.size, tail)])
            return np.clip(series[:days], 0.0, None)
        if fallback > 0:
            return np.full(days, float(fallback))
        return None

    @cached_property
    def positions(self) -> dict[Key, dict[str, Any]]:
        rows = StockPosition.objects.values(
            "sku_id", "site_id", "on_hand", "inventory_position", "safety_stock", "avg_daily_demand"
        )
        return {(row["sku_id"], row["site_id"]): row for row in rows}

    @cached_property
    def policies(self) -> dict[Key, tuple[float, float]]:
        """(lead_time_mean, safety_stock) per SKU-site."""
        rows = InventoryPolicy.objects.values_list(
            "sku_id", "site_id", "lead_time_mean", "safety_stock"
        )
        return {(sku, site): (lead, safety) for sku, site, lead, safety in rows}

    @cached_property
    def skus(self) -> dict[int, tuple[str, str, Decimal]]:
        """(code, name, unit_cost) of every SKU."""
        rows = Sku.objects.values_list("pk", "code", "name", "unit_cost")
        return {pk: (code, name, cost) for pk, code, name, cost in rows}

    @cached_property
    def sites(self) -> dict[int, str]:
        return dict(Site.objects.values_list("pk", "code"))

    def label(self, key: Key) -> str:
        sku = self.skus.get(key[0])
        return f"{sku[0] if sku else key[0]} at {self.sites.get(key[1], key[1])}"

    @cached_property
    def open_lines(self) -> list[dict[str, Any]]:
        """Open order lines with units still to come and their agreed date."""
        return list(
            PurchaseOrderLine.objects.filter(
                purchase_order__status__in=OPEN_PO_STATUSES, received_quantity__lt=F("quantity")
            )
            .annotate(
                due=Coalesce("confirmed_date", "requested_date", "purchase_order__expected_on"),
                open_units=F("quantity") - F("received_quantity"),
            )
            .values(
                "pk",
                "sku_id",
                "due",
                "open_units",
                "purchase_order_id",
                "purchase_order__number",
                "purchase_order__supplier_id",
                "purchase_order__supplier__name",
                "purchase_order__destination_id",
            )
        )


# ---- stock -----------------------------------------------------------------------------------


def stockout_risk(inputs: RuleInputs) -> list[Condition]:
    extra = inputs.config.stockout_extra_days
    arrivals: dict[Key, list[tuple[int, int]]] = defaultdict(list)
    for line in inputs.open_lines:
        key = (line["sku_id"], line["purchase_order__destination_id"])
        day = max((line["due"] - inputs.today).days, 0) if line["due"] else 0
        arrivals[key].append((day, line["open_units"]))
    conditions = []
    for key, (lead_time, _safety) in inputs.policies.items():
        position = inputs.positions.get(key)
        if position is None:
            continue
        lead_days = max(int(np.ceil(lead_time)), 1)
        window = lead_days + extra
        demand = inputs.daily_forecast(key, window)
        if demand is None or not demand.any():
            continue
        receipts = np.zeros(window)
        for day, units in arrivals.get(key, ()):
            if day < window:
                receipts[day] += units
        stock = position["on_hand"] + np.cumsum(receipts) - np.cumsum(demand)
        short = np.flatnonzero(stock < 0)
        if short.size == 0:
            continue
        day = int(short[0])
        stockout = inputs.today + timedelta(days=day)
        arrival = inputs.today + timedelta(days=lead_days)
        critical = day < lead_days
        on_hand = position["on_hand"]
        if day == 0 and on_hand <= 0:
            when = "is out of stock today"
        else:
            when = f"runs out on {stockout:%Y-%m-%d} ({day} days)"
        message = (
            f"{inputs.label(key)} {when}: {_units(on_hand)} units on hand"
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
                kind=AlertKind.STOCKOUT_RISK,
                key=sku_site_key(*key),
                severity=Severity.CRITICAL if critical else Severity.HIGH,
                title=f"Stock-out of {inputs.label(key)} on {stockout:%Y-%m-%d}",
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


def _incoming(arrivals: Any, window: int) -> str:
    units = sum(units for day, units in arrivals if day < window)
    return f" and {_units(units)} arriving on open orders" if units else ""


def below_safety_stock(inputs: RuleInputs) -> list[Condition]:
    conditions = []
    for key, position in inputs.positions.items():
        policy = inputs.policies.get(key)
        safety = policy[1] if policy is not None else position["safety_stock"]
        if safety is None or safety <= 0:
            continue
        level = position["inventory_position"]
        if level >= safety:
            continue
        gap = safety - level
        conditions.append(
            Condition(
                kind=AlertKind.BELOW_SAFETY_STOCK,
                key=sku_site_key(*key),
                severity=Severity.HIGH,
                title=f"{inputs.label(key)} below safety stock",
                message=(
                    f"The inventory position of {inputs.label(key)} is {_units(level)} units "
                    f"({_units(position['on_hand'])} on hand), {_units(gap)} below its safety "
                    f"stock of {_units(safety)}."
                ),
                detail={
                    "inventory_position": level,
                    "on_hand": position["on_hand"],
                    "safety_stock": round(float(safety), 1),
                },
                sku_id=key[0],
                site_id=key[1],
            )
        )
    return conditions


def projected_waste(
    lots: list[tuple[date, int, str]], demand: np.ndarray, today: date
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


def expiry_risk(inputs: RuleInputs) -> list[Condition]:
    config = inputs.config
    window = config.expiry_window_days
    horizon_end = inputs.today + timedelta(days=window)
    lots: dict[Key, list[tuple[date, int, str]]] = defaultdict(list)
    for sku_id, site_id, expiry, quantity, number in Lot.objects.filter(
        status=LotStatus.RELEASED,
        quantity__gt=0,
        expiry_date__gt=inputs.today,
        expiry_date__lte=horizon_end,
    ).values_list("sku_id", "site_id", "expiry_date", "quantity", "lot_number"):
        lots[(sku_id, site_id)].append((expiry, quantity, number))
    threshold = Decimal(config.expiry_min_value)
    high_from = max(threshold * EXPIRY_HIGH_FACTOR, EXPIRY_HIGH_FLOOR)
    conditions = []
    for key, key_lots in lots.items():
        position = inputs.positions.get(key) or {}
        fallback = float(position.get("avg_daily_demand") or 0)
        demand = inputs.daily_forecast(key, window, fallback=fallback)
        if demand is None:
            demand = np.zeros(window)
        wasted = projected_waste(key_lots, demand, inputs.today)
        units = int(sum(waste for *_, waste in wasted))
        if units < 1:
            continue
        unit_cost = inputs.skus.get(key[0], ("", "", Decimal(0)))[2]
        value = (unit_cost * units).quantize(Decimal("0.01"))
        if value < threshold:
            continue
        first = min(expiry for _, expiry, _, _ in wasted)
        lot_words = ", ".join(
            f"{number} ({_units(waste)} of {_units(quantity)} by {expiry:%Y-%m-%d})"
            for number, expiry, quantity, waste in wasted[:5]
        )
        conditions.append(
            Condition(
                kind=AlertKind.EXPIRY_RISK,
                key=sku_site_key(*key),
                severity=Severity.HIGH if value >= high_from else Severity.MEDIUM,
                title=f"{_units(units)} units of {inputs.label(key)} will expire unused",
                message=(
                    f"At the forecast rate, {_units(units)} units of {inputs.label(key)} "
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


def po_late(inputs: RuleInputs) -> list[Condition]:
    cutoff = inputs.today - timedelta(days=inputs.config.po_late_grace_days)
    late: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in inputs.open_lines:
        if line["due"] is not None and line["due"] < cutoff:
            late[line["purchase_order_id"]].append(line)
    conditions = []
    for order_id, lines in late.items():
        first = lines[0]
        number = first["purchase_order__number"]
        oldest = min(line["due"] for line in lines)
        days = (inputs.today - oldest).days
        units = sum(line["open_units"] for line in lines)
        skus = sorted(
            {inputs.skus.get(line["sku_id"], (str(line["sku_id"]),))[0] for line in lines}
        )
        count = len(lines)
        conditions.append(
            Condition(
                kind=AlertKind.PO_LATE,
                key=f"po:{order_id}",
                severity=Severity.HIGH,
                title=f"{number} from {first['purchase_order__supplier__name']} is late",
                message=(
                    f"{count} line{'s' if count != 1 else ''} of {number} "
                    f"({', '.join(skus[:6])}{'…' if len(skus) > 6 else ''}) "
                    f"{'are' if count != 1 else 'is'} past the agreed date, the oldest due "
                    f"{oldest:%Y-%m-%d} ({days} days ago); {_units(units)} units still to come "
                    f"to {inputs.sites.get(first['purchase_order__destination_id'], '')}."
                ),
                detail={
                    "lines": [line["pk"] for line in lines],
                    "oldest_due": oldest.isoformat(),
                    "days_late": days,
                    "open_units": units,
                },
                site_id=first["purchase_order__destination_id"],
                supplier_id=first["purchase_order__supplier_id"],
                reference=number,
            )
        )
    return conditions


def po_unacknowledged(inputs: RuleInputs) -> list[Condition]:
    hours = inputs.config.po_acknowledge_hours
    cutoff = inputs.now - timedelta(hours=hours)
    orders = PurchaseOrder.objects.filter(
        status=PurchaseOrderStatus.SENT,
        acknowledged_at__isnull=True,
        sent_at__isnull=False,
        sent_at__lt=cutoff,
    ).values_list("pk", "number", "sent_at", "supplier_id", "supplier__name", "destination_id")
    conditions = []
    for pk, number, sent_at, supplier_id, supplier_name, site_id in orders:
        waited = (inputs.now - sent_at).total_seconds() / 3600
        conditions.append(
            Condition(
                kind=AlertKind.PO_UNACKNOWLEDGED,
                key=f"po:{pk}",
                severity=Severity.MEDIUM,
                title=f"{number} not acknowledged by {supplier_name}",
                message=(
                    f"{number} was sent to {supplier_name} on {sent_at:%Y-%m-%d %H:%M} UTC, "
                    f"{waited:,.0f} hours ago, and is not acknowledged yet (expected within "
                    f"{hours} hours). Chase the supplier."
                ),
                detail={"sent_at": sent_at.isoformat(), "hours_waiting": round(waited, 1)},
                site_id=site_id,
                supplier_id=supplier_id,
                reference=number,
            )
        )
    return conditions


# ---- forecasts and suppliers -------------------------------------------------------------------


def forecast_accuracy(inputs: RuleInputs) -> list[Condition]:
    run = inputs.forecast_run
    if run is None:
        return []
    previous = (
        ForecastRun.objects.filter(status=RunStatus.SUCCEEDED)
        .filter(Q(as_of__lt=run.as_of) | Q(as_of=run.as_of, pk__lt=run.pk))
        .order_by("-as_of", "-pk")
        .first()
    )
    if previous is None:
        return []
    before = {
        (sku, site): mase
        for sku, site, mase in SeriesForecast.objects.filter(
            run=previous, mase__isnull=False
        ).values_list("sku_id", "site_id", "mase")
    }
    ratio = float(inputs.config.forecast_mase_ratio)
    floor = float(inputs.config.forecast_mase_floor)
    conditions = []
    for sku, site, mase, method in SeriesForecast.objects.filter(
        run=run, mase__isnull=False, mase__gte=floor
    ).values_list("sku_id", "site_id", "mase", "method"):
        old = before.get((sku, site))
        if old is None or old <= 0 or mase < ratio * old:
            continue
        growth = mase / old
        label = inputs.label((sku, site))
        conditions.append(
            Condition(
                kind=AlertKind.FORECAST_ACCURACY,
                key=sku_site_key(sku, site),
                severity=Severity.MEDIUM if growth >= 2 else Severity.LOW,
                title=f"Forecast accuracy of {label} dropped",
                message=(
                    f"The forecast of {label} ({method}) has a MASE of {mase:.2f} in the run as of "
                    f"{run.as_of:%Y-%m-%d}, up from {old:.2f} in the run as of "
                    f"{previous.as_of:%Y-%m-%d} (x{growth:.1f}). Above {floor:.2f} it is worse "
                    "than the threshold: check the demand history or set an override."
                ),
                detail={
                    "mase": round(mase, 3),
                    "previous_mase": round(old, 3),
                    "run": run.pk,
                    "previous_run": previous.pk,
                },
                sku_id=sku,
                site_id=site,
                reference=f"Forecast run {run.pk}",
            )
        )
    return conditions


def supplier_grade(inputs: RuleInputs) -> list[Condition]:
    since = inputs.today - timedelta(days=SCORECARD_LOOKBACK_DAYS)
    latest: dict[int, list[tuple[date, str, float | None, str]]] = defaultdict(list)
    for supplier_id, month, grade, score, name in (
        SupplierScorecard.objects.filter(month__gte=since, grade__in=list(GRADES))
        .order_by("supplier_id", "-month")
        .values_list("supplier_id", "month", "grade", "score", "supplier__name")
    ):
        if len(latest[supplier_id]) < 2:
            latest[supplier_id].append((month, grade, score, name))
    conditions = []
    for supplier_id, months in latest.items():
        if len(months) < 2:
            continue
        (month, grade, score, name), (before_month, before_grade, before_score, _) = months
        drop = GRADES.index(grade) - GRADES.index(before_grade)
        if drop <= 0:
            continue
        score_words = (
            f" (score {score:.0f}, was {before_score:.0f})" if score and before_score else ""
        )
        conditions.append(
            Condition(
                kind=AlertKind.SUPPLIER_GRADE,
                key=f"supplier:{supplier_id}",
                severity=Severity.HIGH if drop >= 2 else Severity.MEDIUM,
                title=f"{name} fell to grade {grade}",
                message=(
                    f"{name} scored grade {grade} for {month:%B %Y}, down from {before_grade} "
                    f"for {before_month:%B %Y}{score_words}. Review its scorecard: on-time, "
                    "in-full, quality and lead time."
                ),
                detail={
                    "month": month.isoformat(),
                    "grade": grade,
                    "previous_month": before_month.isoformat(),
                    "previous_grade": before_grade,
                },
                supplier_id=supplier_id,
                reference=f"{month:%Y-%m}",
            )
        )
    return conditions


Rule = Callable[[RuleInputs], list[Condition]]

# The kinds evaluated here; the others (temperature excursions, failed jobs) are raised and
# cleared by the events themselves and are never touched by an evaluation.
RULES: dict[str, Rule] = {
    AlertKind.STOCKOUT_RISK: stockout_risk,
    AlertKind.BELOW_SAFETY_STOCK: below_safety_stock,
    AlertKind.EXPIRY_RISK: expiry_risk,
    AlertKind.PO_LATE: po_late,
    AlertKind.PO_UNACKNOWLEDGED: po_unacknowledged,
    AlertKind.FORECAST_ACCURACY: forecast_accuracy,
    AlertKind.SUPPLIER_GRADE: supplier_grade,
}
