"""Supplier scorecards: reading each supplier's facts (its terms, ordered lines with their
receipts, receipts and acknowledgements) and writing its monthly scorecards. The measures, the
score and the grade are defined and computed in suppliers.scoring."""

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
from suppliers.scoring import (
    LineFacts,
    PricedLine,
    ReceiptFacts,
    Weights,
    acknowledgement_hours,
    components,
    delivery_measures,
    month_bounds,
    price_variance,
    receipt_measures,
    score_and_grade,
)

NOT_ORDERED = (PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.CANCELLED)


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
    sent = [
        (sent_at, acknowledged_at)
        for sent_at, acknowledged_at in supplier.purchase_orders.filter(
            sent_at__isnull=False
        ).values_list("sent_at", "acknowledged_at")
        if sent_at is not None  # (filtered above; this tells the type checker)
    ]
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
