import json
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseStopPolling

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability, user_can
from inventory.models import Category, Site, Sku

from . import selectors
from .models import ForecastRun, RunStatus
from .services import ForecastRunRefused, current_run, forecast_run_start

FINISHED = (RunStatus.SUCCEEDED, RunStatus.FAILED)


class RunListView(CapabilityRequiredMixin, TemplateView):
    """Forecast runs, newest first, with live progress for the one under way."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "forecasting/runs.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = Paginator(ForecastRun.objects.select_related("created_by"), 20).get_page(
            self.request.GET.get("page")
        )
        context.update(
            page_obj=page,
            runs=page.object_list,
            current=current_run(),
            can_start=user_can(self.request.user, Capability.PLAN),
        )
        return context


class RunStartView(CapabilityRequiredMixin, View):
    required_capability = Capability.PLAN
    http_method_names = ["post"]

    def post(self, request: Any) -> HttpResponse:
        try:
            run = forecast_run_start(actor=request.user)
        except ForecastRunRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request, f"Forecast run {run.pk} started for {run.series_total} series."
            )
        return redirect("forecasting:runs")


class RunProgressView(CapabilityRequiredMixin, View):
    """The progress fragment of one run; htmx polls it until the run has finished."""

    required_capability = Capability.VIEW_OPERATIONS

    def get(self, request: Any, pk: int) -> HttpResponse:
        run = get_object_or_404(ForecastRun, pk=pk)
        response = render(request, "forecasting/runs.html#progress", {"run": run})
        if run.status in FINISHED and request.htmx:
            stop = HttpResponseStopPolling(response.content)
            stop["HX-Refresh"] = "true"  # show the final figures and the new current run
            return stop
        return response


HISTORY_SHOWN_DAYS = 120


class SeriesForecastView(CapabilityRequiredMixin, TemplateView):
    """One SKU-site: recent demand, the current forecast with its 80/95 % bands, and the method
    chosen with the backtest scores of every method it was chosen from."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "forecasting/series.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        sku = get_object_or_404(Sku, pk=kwargs["sku_id"])
        site = get_object_or_404(Site, pk=kwargs["site_id"])
        series = selectors.current_series(sku.pk, site.pk)
        context.update(sku=sku, site=site, series=series)
        if series is None:
            return context
        as_of = series.run.as_of
        history = selectors.demand_matrix(
            [(sku.pk, site.pk)], as_of=as_of, history_days=HISTORY_SHOWN_DAYS
        )[0]
        history_dates = [
            as_of - timedelta(days=HISTORY_SHOWN_DAYS - day) for day in range(HISTORY_SHOWN_DAYS)
        ]
        future_dates = [as_of + timedelta(days=day) for day in range(len(series.values))]
        chart = {
            "labels": [day.isoformat() for day in history_dates + future_dates],
            "history": [*history.tolist(), *[None] * len(future_dates)],
            "forecast": [*[None] * HISTORY_SHOWN_DAYS, *series.values],
            "lower_80": [*[None] * HISTORY_SHOWN_DAYS, *series.lower_80],
            "upper_80": [*[None] * HISTORY_SHOWN_DAYS, *series.upper_80],
            "lower_95": [*[None] * HISTORY_SHOWN_DAYS, *series.lower_95],
            "upper_95": [*[None] * HISTORY_SHOWN_DAYS, *series.upper_95],
        }
        ranked = sorted(series.candidates.items(), key=lambda item: (item[1] is None, item[1] or 0))
        context.update(
            chart=json.dumps(chart), ranked=ranked, next_28=round(sum(series.values[:28]))
        )
        return context


class AccuracyView(CapabilityRequiredMixin, TemplateView):
    """How good the current forecast is: backtest accuracy of the champions, where it is weak."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "forecasting/accuracy.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = current_run()
        context["run"] = run
        if run is not None:
            overview = selectors.accuracy_overview(run)
            context.update(
                overview=overview,
                histogram=json.dumps(overview["histogram"]),
                categories=dict(Category.choices),
            )
        return context
