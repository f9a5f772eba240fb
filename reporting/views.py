"""The overview dashboard page: it reads the latest snapshot (reporting.selectors) and the live
count of open alerts, a handful of small queries, and never computes a figure itself."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability, user_can
from alerts.models import DashboardSnapshot
from inventory.models import StockStatus
from reporting.forms import WarehouseSiteForm
from reporting.selectors.overview import latest_snapshot, open_alert_count, warehouse_work
from reporting.tasks import refresh_dashboard

# Who may recompute the snapshot on demand: planners, and admins (who keep the schedules).
REFRESH_CAPABILITIES = (Capability.PLAN, Capability.MANAGE_MASTER_DATA)
STATUS_COLOURS = {
    StockStatus.STOCKOUT: "#c92a2a",
    StockStatus.BELOW_SAFETY: "#d9480f",
    StockStatus.STOCKOUT_RISK: "#a84300",
    StockStatus.EXPIRING: "#e8a10c",
    StockStatus.EXCESS: "#5c7cfa",
    StockStatus.OK: "#0b6e69",
}


def can_refresh(user: Any) -> bool:
    return any(user_can(user, capability) for capability in REFRESH_CAPABILITIES)


def heatmap(snapshot: DashboardSnapshot) -> dict[str, Any]:
    """The ABC-XYZ cells as rows of A, B, C by columns X, Y, Z, each with a shade (0..1) by
    its share of the largest held value, and the cell of unclassified positions if any."""
    cells = {(c["abc"], c["xyz"]): c for c in snapshot.abc_xyz}
    top = max((c["value"] for c in snapshot.abc_xyz), default=0) or 1
    rows = [
        {
            "abc": abc,
            "cells": [
                {
                    **cells[(abc, xyz)],
                    "shade": round(0.08 + 0.72 * cells[(abc, xyz)]["value"] / top, 2),
                }
                for xyz in "XYZ"
                if (abc, xyz) in cells
            ],
        }
        for abc in "ABC"
    ]
    return {"rows": rows, "unclassified": cells.get(("", ""))}


class DashboardView(CapabilityRequiredMixin, TemplateView):
    """KPI cards for the last 30 and 90 days, the consumption trend, the ABC-XYZ heatmap,
    stock status by category and temperature zone, expiry by month and inventory by site."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "reporting/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        snapshot = latest_snapshot()
        context.update(
            snapshot=snapshot,
            open_alerts=open_alert_count(self.request.user),
            can_refresh=can_refresh(self.request.user),
            statuses=[
                (value, label, STATUS_COLOURS[value]) for value, label in StockStatus.choices
            ],
        )
        if snapshot is not None:
            kpis = list(snapshot.kpis.all())
            context.update(
                kpis=kpis,
                longest=kpis[-1] if kpis else None,
                heatmap=heatmap(snapshot),
                chart_data={
                    "trend": snapshot.consumption_trend,
                    "byCategory": snapshot.status_by_category,
                    "byZone": snapshot.status_by_zone,
                    "expiry": snapshot.expiry_by_month,
                    "statuses": [
                        {"key": value, "label": label, "colour": STATUS_COLOURS[value]}
                        for value, label in StockStatus.choices
                    ],
                },
            )
        return context


class DashboardRefreshView(CapabilityRequiredMixin, View):
    """Recompute the snapshot now (planners and admins), as the nightly job does."""

    required_capability = Capability.VIEW_OPERATIONS
    http_method_names = ["post"]

    def post(self, request: Any) -> HttpResponse:
        if not can_refresh(request.user):
            raise PermissionDenied(Capability.PLAN.value)
        refresh_dashboard.delay_on_commit()
        messages.success(
            request, "The dashboard is being recomputed from the current data; reload in a moment."
        )
        return redirect("alerts:dashboard")


class WarehouseView(CapabilityRequiredMixin, TemplateView):
    """The warehouse's day: what waits to be received, picked, shipped, received from other
    sites and counted, at one site or across the network, each figure linking to its list."""

    required_capability = Capability.MOVE_STOCK
    template_name = "reporting/warehouse.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = WarehouseSiteForm(self.request.GET or None)
        site = form.cleaned_data["site"] if form.is_valid() else None
        context.update(
            form=form,
            site=site,
            work=warehouse_work(user=self.request.user, today=timezone.localdate(), site=site),
            site_query=f"site={site.pk}&" if site is not None else "",
        )
        return context
