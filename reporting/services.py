"""The overview's one write: refreshing the day's snapshot (alerts.models.DashboardSnapshot and
its KpiSnapshot windows) from the figures (reporting.figures) of the current data
(reporting.selectors.overview) and the business measures of each window
(reporting.selectors.business), nightly and on demand, so the page reads one row and never
scans the ledger."""

import time
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from alerts.models import DashboardSnapshot, KpiSnapshot
from reporting.figures import WINDOWS, dashboard_figures
from reporting.selectors.business import business_measures
from reporting.selectors.overview import dashboard_inputs

MONEY = Decimal("0.01")
SHARE = Decimal("0.000001")


def _money(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(MONEY)


def _share(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value)).quantize(SHARE)


def dashboard_snapshot_refresh(*, as_of: date | None = None) -> DashboardSnapshot:
    """Compute the overview as of `as_of` (today by default) and store it: the snapshot of that
    day is replaced, never duplicated, with its KPI windows, in one transaction."""
    as_of = as_of or timezone.localdate()
    started = time.monotonic()
    figures = dashboard_figures(dashboard_inputs(as_of=as_of))
    windows = {
        n: business_measures(start=as_of - timedelta(days=n), end=as_of - timedelta(days=1))
        for n in WINDOWS
    }
    fields = {
        "computed_at": timezone.now(),
        "duration_ms": round((time.monotonic() - started) * 1000),
        "inventory_value": _money(figures.inventory_value),
        "inventory_units": figures.inventory_units,
        "positions": figures.positions,
        "projected_waste_value": _money(figures.projected_waste_value),
        "abc_xyz": figures.abc_xyz,
        "status_by_category": figures.status_by_category,
        "status_by_zone": figures.status_by_zone,
        "expiry_by_month": figures.expiry_by_month,
        "by_site": figures.by_site,
        "consumption_trend": figures.consumption_trend,
    }
    with transaction.atomic():
        snapshot, _ = DashboardSnapshot.objects.select_for_update().update_or_create(
            as_of=as_of, defaults=fields
        )
        snapshot.kpis.all().delete()
        KpiSnapshot.objects.bulk_create(
            [
                KpiSnapshot(
                    snapshot=snapshot,
                    window_days=n,
                    start_date=measures.start,
                    end_date=measures.end,
                    units_asked=w.units_asked,
                    units_served=w.units_served,
                    fill_rate=_share(w.fill_rate),
                    sku_site_days=w.sku_site_days,
                    stockout_days=w.stockout_days,
                    stockout_rate=_share(w.stockout_rate),
                    average_inventory_value=_money(w.average_inventory_value),
                    cogs_issued=_money(w.cogs_issued),
                    turnover=None
                    if w.turnover is None
                    else Decimal(repr(w.turnover)).quantize(Decimal("0.001")),
                    carrying_cost=_money(w.carrying_cost_per_year),
                    expired_value=_money(w.expired_value),
                    expired_units=w.expired_units,
                )
                for n, measures in windows.items()
                for w in (measures.total,)
            ]
        )
    return snapshot
