"""The overview's reads: the inputs of its figures (reporting.figures) in a handful of aggregate
queries (its KPI windows are reporting.selectors.business), the latest snapshot, and the live
count of open alerts for the viewer; and what waits for the warehouse today."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from alerts.models import ACTIVE_STATUSES, DashboardSnapshot
from alerts.selectors.alerts import visible_alerts
from inventory.models import (
    Category,
    CycleCountStatus,
    DailyDemand,
    Lot,
    LotStatus,
    MovementKind,
    Site,
    StockMovement,
    StockPosition,
    StockStatus,
    TemperatureZone,
    TransferOrderStatus,
)
from inventory.selectors.counts import cycle_counts
from inventory.selectors.transfers import TransferOrderFilters, transfer_orders
from reporting.figures import (
    TREND_WEEKS,
    DashboardInputs,
    HeldLot,
    PositionRow,
)
from suppliers.selectors.receiving import (
    ReceivingFilters,
    notices_to_receive,
    receivable_orders,
)

USABLE_STATUSES = (LotStatus.RELEASED, LotStatus.QUARANTINE)


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


def dashboard_inputs(*, as_of: date) -> DashboardInputs:
    """What the overview's figures as of `as_of` are computed from, read from the current data:
    stock held now (lots and positions), issues and demand by day for the consumption trend,
    and the sites. The KPI windows are read by reporting.selectors.business."""
    trend_start = as_of - timedelta(days=7 * TREND_WEEKS)
    lots = [
        HeldLot(sku_id, site_id, quantity, float(cost), expiry, status in USABLE_STATUSES)
        for sku_id, site_id, quantity, status, expiry, cost in Lot.objects.filter(
            quantity__gt=0
        ).values_list("sku_id", "site_id", "quantity", "status", "expiry_date", "sku__unit_cost")
    ]
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
    issued = {
        day: (-units, -value)
        for day, (units, value) in _by_day(
            StockMovement.objects.filter(
                kind=MovementKind.ISSUE,
                occurred_at__gte=_start_of(trend_start),
                occurred_at__lt=_start_of(as_of),
            )
        ).items()
    }
    asked_by_day = {
        day: int(asked)
        for day, asked in DailyDemand.objects.filter(date__gte=trend_start, date__lt=as_of)
        .order_by()
        .values("date")
        .annotate(asked=Sum("quantity"))
        .values_list("date", "asked")
    }
    sites = list(
        Site.objects.order_by("code").values(
            "id", "code", "name", "echelon", "region", "latitude", "longitude"
        )
    )
    return DashboardInputs(
        as_of=as_of,
        lots=lots,
        positions=positions,
        issued_by_day=issued,
        asked_by_day=asked_by_day,
        sites=sites,
        categories=Category.choices,
        zones=TemperatureZone.choices,
        statuses=StockStatus.values,
    )


def latest_snapshot() -> DashboardSnapshot | None:
    """The newest snapshot with its KPI windows (two queries)."""
    return DashboardSnapshot.objects.prefetch_related("kpis").order_by("-as_of").first()


def open_alert_count(user: Any) -> int:
    """Alerts `user` may see (alerts.selectors.alerts.visible_alerts) not resolved yet (open or
    acknowledged), read live: one indexed count."""
    return visible_alerts(user).filter(status__in=ACTIVE_STATUSES).count()


# ---- the warehouse's day --------------------------------------------------------------------


@dataclass(frozen=True)
class WarehouseWork:
    """What waits for the warehouse, at one site or across the network: goods to receive,
    transfer orders at each step, and cycle counts still open or waiting for approval."""

    notices_waiting: int
    notices_due: int
    orders_receivable: int
    orders_overdue: int
    transfers_to_pick: int
    transfers_to_ship: int
    transfers_to_receive: int
    counts_open: int
    counts_to_approve: int


def warehouse_work(*, user: Any, today: date, site: Site | None = None) -> WarehouseWork:
    """The warehouse's counts of work, read by the same selectors as the pages they link to
    (receiving, transfer orders, cycle counts), so a figure here is the length of that list."""
    receiving = ReceivingFilters(site=site)
    orders = receivable_orders(user, receiving)
    notices = notices_to_receive(user, receiving)
    transfers = transfer_orders(TransferOrderFilters())
    outbound = transfers if site is None else transfers.filter(source=site)
    inbound = transfers if site is None else transfers.filter(destination=site)
    counts = cycle_counts(site_id=site.pk if site is not None else None)
    return WarehouseWork(
        notices_waiting=notices.count(),
        notices_due=notices.filter(expected_on__lte=today).count(),
        orders_receivable=orders.count(),
        orders_overdue=orders.filter(expected_on__lt=today).count(),
        transfers_to_pick=outbound.filter(status=TransferOrderStatus.OPEN).count(),
        transfers_to_ship=outbound.filter(status=TransferOrderStatus.PICKED).count(),
        transfers_to_receive=inbound.filter(status=TransferOrderStatus.SHIPPED).count(),
        counts_open=counts.filter(status=CycleCountStatus.OPEN).count(),
        counts_to_approve=counts.filter(status=CycleCountStatus.COUNTED).count(),
    )
