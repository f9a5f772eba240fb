"""Supplier scorecards: each supplier's delivery, quality, lead-time, price and responsiveness
measures per calendar month, one weighted score and a grade.

Measures of supplier s in month M (evaluated on day E = the month's last day, or today for the
current month):
- Lines due: lines of s's orders (neither draft nor cancelled) whose agreed date (confirmed,
  else requested, else the order's expected date) falls in M on or before E.
  - on time: the first delivery came on or before the agreed date;
  - in full: the units received by E reach the agreed quantity (confirmed, else ordered);
  - OTIF: the units received on or before the agreed date reach the agreed quantity.
  Each rate is its count over the lines due (empty without lines due).
- Quality acceptance: units accepted / units received, over the receipts of M.
- Lead time: order date to receipt, days, over the receipts of M: mean and standard deviation
  (sample, from two receipts); its trend, days per year, is the least-squares slope over the
  receipts of the twelve months to M (from three receipts on more than one day); the agreed
  lead time is the mean of the supplier's quoted lead times for the SKUs received.
- Price variance: sum of paid value / sum of agreed value - 1 over the lines of orders placed
  in M, the agreed price being the supplier's price for that quantity (all-units breaks).
- Acknowledgement: hours from sending to acknowledgement, mean over orders sent in M; an
  order still unacknowledged a week after sending counts as a week.

Component scores, 0 to 100: OTIF and quality are the rates x 100; lead time loses points for
lateness against the agreed time only (100 x (1 - max(0, mean - agreed) / agreed)); price
loses 10 points per 1 % paid above the agreed price; acknowledgement is 100 within a day,
falling linearly to 0 at a week. The score is the weighted mean (ScorecardWeights) of the
components the month has; the grade follows the weights' bands. A month with nothing to
measure has no score and no grade.
"""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from suppliers.models import (
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Receipt,
    ScorecardWeights,
    Supplier,
    SupplierItem,
    SupplierScorecard,
)

ACK_FULL_MARKS_HOURS = 24.0
ACK_ZERO_HOURS = 7 * 24.0
PRICE_POINTS_PER_PERCENT = 10.0
TREND_MONTHS = 12
NOT_ORDERED = (PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.CANCELLED)


@dataclass(frozen=True)
class LineFacts:
    due: date
    agreed_quantity: int
    deliveries: tuple[tuple[date, int], ...]  # (received_on, units received)


@dataclass(frozen=True)
class ReceiptFacts:
    received_on: date
    ordered_on: date | None
    received: int
    accepted: int
    agreed_lead_time: float | None


@dataclass(frozen=True)
class PricedLine:
    quantity: int
    paid: Decimal
    agreed: Decimal


@dataclass(frozen=True)
class Weights:
    otif: float = 0.40
    quality: float = 0.25
    lead_time: float = 0.15
    price: float = 0.10
    acknowledgement: float = 0.10
    grade_a_from: float = 90.0
    grade_b_from: float = 75.0
    grade_c_from: float = 60.0


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _rate(count: int, total: int) -> float | None:
    return count / total if total else None


def delivery_measures(lines: list[LineFacts], evaluated_on: date) -> dict[str, Any]:
    """On-time, in-full and OTIF counts and rates of the lines due (see the module docstring)."""
    due = [line for line in lines if line.due <= evaluated_on]
    on_time = in_full = otif = 0
    for line in due:
        delivered = sorted(line.deliveries)
        if delivered and delivered[0][0] <= line.due:
            on_time += 1
        if sum(units for day, units in delivered if day <= evaluated_on) >= line.agreed_quantity:
            in_full += 1
        if sum(units for day, units in delivered if day <= line.due) >= line.agreed_quantity:
            otif += 1
    return {
        "lines_due": len(due),
        "lines_on_time": on_time,
        "lines_in_full": in_full,
        "lines_otif": otif,
        "on_time_rate": _rate(on_time, len(due)),
        "in_full_rate": _rate(in_full, len(due)),
        "otif_rate": _rate(otif, len(due)),
    }


def receipt_measures(month_receipts: list[ReceiptFacts], year_receipts: list[ReceiptFacts]) -> dict:
    """Quality acceptance and lead-time statistics (see the module docstring)."""
    received = sum(r.received for r in month_receipts)
    accepted = sum(r.accepted for r in month_receipts)
    days = [(r.received_on - r.ordered_on).days for r in month_receipts if r.ordered_on]
    agreed = [r.agreed_lead_time for r in month_receipts if r.agreed_lead_time is not None]
    return {
        "receipts": len(month_receipts),
        "units_received": received,
        "units_accepted": accepted,
        "quality_acceptance_rate": _rate(accepted, received),
        "lead_time_mean": statistics.fmean(days) if days else None,
        "lead_time_std": statistics.stdev(days) if len(days) >= 2 else None,
        "lead_time_trend": lead_time_trend(year_receipts),
        "agreed_lead_time": statistics.fmean(agreed) if agreed else None,
    }


def lead_time_trend(receipts: list[ReceiptFacts]) -> float | None:
    """Least-squares slope of lead time against receipt date, in days per year."""
    points = [
        (r.received_on.toordinal(), (r.received_on - r.ordered_on).days)
        for r in receipts
        if r.ordered_on
    ]
    if len(points) < 3 or len({x for x, _ in points}) < 2:
        return None
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return slope * 365.0


def price_variance(lines: list[PricedLine]) -> float | None:
    agreed = sum(line.agreed * line.quantity for line in lines)
    if not lines or agreed <= 0:
        return None
    paid = sum(line.paid * line.quantity for line in lines)
    return float(paid / agreed - 1)


def acknowledgement_hours(
    orders: list[tuple[datetime, datetime | None]], now: datetime
) -> float | None:
    """Mean hours from sending to acknowledgement; unacknowledged a week on counts a week."""
    hours = []
    for sent_at, acknowledged_at in orders:
        if acknowledged_at is not None:
            hours.append(max((acknowledged_at - sent_at).total_seconds() / 3600, 0.0))
        elif (now - sent_at).total_seconds() / 3600 >= ACK_ZERO_HOURS:
            hours.append(ACK_ZERO_HOURS)
    return statistics.fmean(hours) if hours else None


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


def components(measures: dict[str, Any]) -> dict[str, float]:
    """Each available component's score, 0 to 100."""
    scores: dict[str, float] = {}
    if measures.get("otif_rate") is not None:
        scores["otif"] = _clamp(100 * measures["otif_rate"])
    if measures.get("quality_acceptance_rate") is not None:
        scores["quality"] = _clamp(100 * measures["quality_acceptance_rate"])
    mean, agreed = measures.get("lead_time_mean"), measures.get("agreed_lead_time")
    if mean is not None and agreed:
        scores["lead_time"] = _clamp(100 * (1 - max(0.0, mean - agreed) / agreed))
    if measures.get("price_variance") is not None:
        over = max(0.0, measures["price_variance"]) * 100
        scores["price"] = _clamp(100 - PRICE_POINTS_PER_PERCENT * over)
    hours = measures.get("acknowledgement_hours")
    if hours is not None:
        late = max(0.0, hours - ACK_FULL_MARKS_HOURS) / (ACK_ZERO_HOURS - ACK_FULL_MARKS_HOURS)
        scores["acknowledgement"] = _clamp(100 * (1 - late))
    return scores


def score_and_grade(parts: dict[str, float], weights: Weights) -> tuple[float | None, str]:
    weighted = [(getattr(weights, name), value) for name, value in parts.items()]
    total = sum(weight for weight, _ in weighted)
    if not weighted or total <= 0:
        return None, ""
    score = sum(weight * value for weight, value in weighted) / total
    if score >= weights.grade_a_from:
        grade = "A"
    elif score >= weights.grade_b_from:
        grade = "B"
    elif score >= weights.grade_c_from:
        grade = "C"
    else:
        grade = "D"
    return score, grade


# ---- reading the facts and writing the scorecards -------------------------------------------


def current_weights() -> Weights:
    row = ScorecardWeights.objects.filter(name="default").first()
    if row is None:
        return Weights()
    return Weights(
        **{
            name: float(getattr(row, name))
            for name in Weights.__dataclass_fields__  # the same names on both
        }
    )


def agreed_price(item: SupplierItem | None, quantity: int, fallback: Decimal) -> Decimal:
    """The supplier's all-units price for `quantity` (the largest break reached)."""
    if item is None:
        return fallback
    return item.price_schedule.unit_price_at(quantity, item.unit_price)


@dataclass(frozen=True)
class SupplierHistory:
    """What one supplier's scorecards are computed from, read once for all the months asked:
    its terms, its ordered lines with their receipts, its receipts since the first month's
    trend window, and when its orders were sent and acknowledged."""

    items: dict[int, SupplierItem]
    lines: list[PurchaseOrderLine]  # `purchase_order` and `receipts` loaded
    receipts: list[ReceiptFacts]
    sent: list[tuple[datetime, datetime | None]]  # (sent_at, acknowledged_at)


def _trend_start(first: date) -> date:
    """The first day of the trend window of the month starting on `first`."""
    return month_bounds((first - timedelta(days=330)).replace(day=1))[0]


def supplier_history(supplier: Supplier, *, earliest_month: date) -> SupplierHistory:
    """One supplier's history for the months from `earliest_month` on, in five queries."""
    items = {item.sku_id: item for item in SupplierItem.objects.filter(supplier=supplier)}
    lines = list(
        PurchaseOrderLine.objects.filter(purchase_order__supplier=supplier)
        .exclude(purchase_order__status__in=NOT_ORDERED)
        .select_related("purchase_order")
        .prefetch_related("receipts")
    )
    receipts = [
        ReceiptFacts(
            received_on=receipt.received_on,
            ordered_on=receipt.line.purchase_order.ordered_on,
            received=receipt.quantity_received,
            accepted=receipt.quantity_accepted,
            agreed_lead_time=float(items[receipt.line.sku_id].lead_time_mean_days)
            if receipt.line.sku_id in items
            else None,
        )
        for receipt in Receipt.objects.filter(
            line__purchase_order__supplier=supplier,
            received_on__gte=_trend_start(earliest_month),
        ).select_related("line__purchase_order")
    ]
    sent = list(
        supplier.purchase_orders.filter(sent_at__isnull=False).values_list(
            "sent_at", "acknowledged_at"
        )
    )
    return SupplierHistory(items=items, lines=lines, receipts=receipts, sent=sent)


def supplier_month(
    history: SupplierHistory, month: date, *, today: date, weights: Weights
) -> dict[str, Any]:
    """Every measure, the components, score and grade of one supplier in one month."""
    first, last = month_bounds(month)
    evaluated_on = min(last, today)
    items = history.items
    due_lines = [
        LineFacts(
            due=line.due_date,
            agreed_quantity=line.agreed_quantity,
            deliveries=tuple((r.received_on, r.quantity_received) for r in line.receipts.all()),
        )
        for line in history.lines
        if line.due_date is not None and first <= line.due_date <= evaluated_on
    ]
    measures = delivery_measures(due_lines, evaluated_on)

    year_start = _trend_start(first)
    year = [r for r in history.receipts if year_start <= r.received_on <= last]
    in_month = [r for r in year if first <= r.received_on <= last]
    measures.update(receipt_measures(in_month, year))

    ordered = [
        line
        for line in history.lines
        if line.purchase_order.ordered_on is not None
        and first <= line.purchase_order.ordered_on <= last
    ]
    measures["price_variance"] = price_variance(
        [
            PricedLine(
                quantity=line.quantity,
                paid=line.unit_price,
                agreed=agreed_price(items.get(line.sku_id), line.quantity, line.unit_price),
            )
            for line in ordered
        ]
    )
    sent = [
        (sent_at, acknowledged_at)
        for sent_at, acknowledged_at in history.sent
        if first <= timezone.localtime(sent_at).date() <= last
    ]
    measures["acknowledgement_hours"] = acknowledgement_hours(
        sent, timezone.now() if last >= today else _end_of(last)
    )
    parts = components(measures)
    measures["score"], measures["grade"] = score_and_grade(parts, weights)
    measures["components"] = {name: round(value, 2) for name, value in parts.items()}
    return measures


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))


def scorecards_compute(
    *, months: int = 12, supplier_id: int | None = None, today: date | None = None
) -> int:
    """Recompute the scorecards of the last `months` calendar months (this one included) for
    every active supplier, or one. Returns the number of scorecards written."""
    today = today or timezone.localdate()
    weights = current_weights()
    suppliers = Supplier.objects.filter(active=True)
    if supplier_id is not None:
        suppliers = suppliers.filter(pk=supplier_id)
    month = today.replace(day=1)
    wanted = []
    for _ in range(max(months, 1)):
        wanted.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    written = 0
    for supplier in suppliers:
        history = supplier_history(supplier, earliest_month=wanted[-1])
        with transaction.atomic():
            for first in wanted:
                measures = supplier_month(history, first, today=today, weights=weights)
                SupplierScorecard.objects.update_or_create(
                    supplier=supplier,
                    month=first,
                    defaults={**measures, "computed_at": timezone.now()},
                )
                written += 1
    return written
