"""The overview's reads: the inputs of its figures (reporting.figures) in a handful of aggregate
queries and two row loads (demand and issues of the longest window), the latest snapshot, and
the live count of open alerts for the viewer; and what waits for the warehouse today."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
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
    SERVICE_SPAN_DAYS,
    TREND_WEEKS,
    WINDOWS,
    DashboardInputs,
    HeldLot,
    PositionRow,
)
from suppliers.selectors.receiving import (
    ReceivingFilters,
    notices_to_receive,
    receivable_orders,
)

EXPIRY_REFERENCE = "expiry"  # the reference of write-offs made at expiry
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


def dashboard_inputs(*, as_of: date, windows: Iterable[int] = WINDOWS) -> DashboardInputs:
    """What the overview's figures as of `as_of` are computed from, read from the current data:
    stock held now (lots and positions), the ledger by day (net value of every kind for the
    inventory history, issues for the cost of goods and the trend, expiry write-offs), demand
    by day, and the sites."""
    windows = sorted(set(windows))
    first_day = as_of - timedelta(days=max(windows))
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
    sites = list(
        Site.objects.order_by("code").values(
            "id", "code", "name", "echelon", "region", "latitude", "longitude"
        )
    )
    return DashboardInputs(
        as_of=as_of,
        windows=windows,
        lots=lots,
        positions=positions,
        net_value_by_day=net,
        issued_by_day=issued,
        expired_by_day=expired,
        demand_by_day=demand_by_day,
        demand=demand,
        issues=issues,
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
