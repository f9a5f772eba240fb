"""The inputs of the alert rules (alerts.rules), read with a few set-based queries into the
rules' plain dataclasses: never one query per SKU, site or order.

`RuleInputs` holds the reads several rules share (stock positions, policies, open order lines,
the current forecast, the names in messages) for one evaluation: each is loaded the first time
a rule asks for it, so evaluating one kind reads only what that kind needs."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import cached_property

from django.db.models import F, Q
from django.db.models.functions import Coalesce

from alerts.rules import (
    GRADES,
    DailyForecasts,
    ExpiringLot,
    GradedMonth,
    Key,
    Names,
    OpenLine,
    Policy,
    Position,
    RunAccuracy,
    SentOrder,
    SeriesAccuracy,
)
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

SCORECARD_LOOKBACK_DAYS = 400  # a supplier's last two graded months are within this


def stock_positions() -> dict[Key, Position]:
    rows = StockPosition.objects.values_list(
        "sku_id", "site_id", "on_hand", "inventory_position", "safety_stock", "avg_daily_demand"
    )
    return {
        (sku, site): Position(on_hand, level, safety, demand)
        for sku, site, on_hand, level, safety, demand in rows
    }


def inventory_policies() -> dict[Key, Policy]:
    rows = InventoryPolicy.objects.values_list(
        "sku_id", "site_id", "lead_time_mean", "safety_stock"
    )
    return {(sku, site): Policy(lead, safety) for sku, site, lead, safety in rows}


def sku_and_site_names() -> Names:
    rows = Sku.objects.values_list("pk", "code", "unit_cost")
    skus = {pk: (code, cost) for pk, code, cost in rows}
    return Names(skus=skus, sites=dict(Site.objects.values_list("pk", "code")))


def open_order_lines() -> list[OpenLine]:
    """Open order lines with units still to come and their agreed date."""
    rows = (
        PurchaseOrderLine.objects.filter(
            purchase_order__status__in=OPEN_PO_STATUSES, received_quantity__lt=F("quantity")
        )
        .annotate(
            due=Coalesce("confirmed_date", "requested_date", "purchase_order__expected_on"),
            open_units=F("quantity") - F("received_quantity"),
        )
        .values_list(
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
    return [OpenLine(*row) for row in rows]


def current_forecasts(run: ForecastRun | None) -> DailyForecasts:
    """The daily forecast per SKU-site of the current run, overrides applied (none without a
    run, or for a run that has no horizon yet)."""
    if run is None or "horizon" not in (run.parameters or {}):
        return DailyForecasts()
    return DailyForecasts(as_of=run.as_of, values=forecast_selectors.effective_forecasts(run))


def expiring_lots(*, after: date, until: date) -> dict[Key, list[ExpiringLot]]:
    """Released lots with stock expiring after `after` and on or before `until`, per SKU-site."""
    lots: dict[Key, list[ExpiringLot]] = defaultdict(list)
    for sku_id, site_id, expiry, quantity, number in Lot.objects.filter(
        status=LotStatus.RELEASED,
        quantity__gt=0,
        expiry_date__gt=after,
        expiry_date__lte=until,
    ).values_list("sku_id", "site_id", "expiry_date", "quantity", "lot_number"):
        lots[(sku_id, site_id)].append(ExpiringLot(expiry, quantity, number))
    return lots


def sent_unacknowledged_orders() -> list[SentOrder]:
    rows = PurchaseOrder.objects.filter(
        status=PurchaseOrderStatus.SENT, acknowledged_at__isnull=True, sent_at__isnull=False
    ).values_list("pk", "number", "sent_at", "supplier_id", "supplier__name", "destination_id")
    return [
        SentOrder(pk, number, sent_at, supplier_id, supplier_name, destination_id)
        for pk, number, sent_at, supplier_id, supplier_name, destination_id in rows
        if sent_at is not None  # (filtered above; this tells the type checker)
    ]


def run_accuracy(run: ForecastRun) -> RunAccuracy:
    rows = SeriesForecast.objects.filter(run=run, mase__isnull=False).values_list(
        "sku_id", "site_id", "mase", "method"
    )
    return RunAccuracy(
        run_id=run.pk,
        as_of=run.as_of,
        series=[
            SeriesAccuracy(sku_id, site_id, mase, method)
            for sku_id, site_id, mase, method in rows
            if mase is not None  # (filtered above; this tells the type checker)
        ],
    )


def previous_succeeded_run(run: ForecastRun) -> ForecastRun | None:
    """The succeeded forecast run just before `run` (by as_of, then by id)."""
    return (
        ForecastRun.objects.filter(status=RunStatus.SUCCEEDED)
        .filter(Q(as_of__lt=run.as_of) | Q(as_of=run.as_of, pk__lt=run.pk))
        .order_by("-as_of", "-pk")
        .first()
    )


def graded_months(*, today: date) -> list[GradedMonth]:
    """Every supplier's graded scorecard months of the last SCORECARD_LOOKBACK_DAYS."""
    since = today - timedelta(days=SCORECARD_LOOKBACK_DAYS)
    rows = SupplierScorecard.objects.filter(month__gte=since, grade__in=list(GRADES)).values_list(
        "supplier_id", "supplier__name", "month", "grade", "score"
    )
    return [GradedMonth(*row) for row in rows]


class RuleInputs:
    """The reads of one evaluation as of `today` / `now`, each loaded once, on first use."""

    def __init__(self, *, today: date, now: datetime) -> None:
        self.today = today
        self.now = now

    @cached_property
    def forecast_run(self) -> ForecastRun | None:
        return current_run()

    @cached_property
    def forecasts(self) -> DailyForecasts:
        return current_forecasts(self.forecast_run)

    @cached_property
    def positions(self) -> dict[Key, Position]:
        return stock_positions()

    @cached_property
    def policies(self) -> dict[Key, Policy]:
        return inventory_policies()

    @cached_property
    def names(self) -> Names:
        return sku_and_site_names()

    @cached_property
    def open_lines(self) -> list[OpenLine]:
        return open_order_lines()
