import json
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseClientRefresh, HttpResponseStopPolling

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability, user_can
from common.errors import DomainError
from forecasting import rules, selectors
from forecasting.forms import OverrideForm, RunStartForm
from forecasting.models import ForecastOverride, RunStatus
from forecasting.services import (
    ForecastRunRefused,
    current_run,
    forecast_override_create,
    forecast_override_withdraw,
    forecast_run_start,
)
from inventory.models import Category, Site, Sku

FINISHED = (RunStatus.SUCCEEDED, RunStatus.FAILED)


class RunListView(CapabilityRequiredMixin, TemplateView):
    """Forecast runs, newest first, with live progress for the one under way."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "forecasting/runs.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = Paginator(selectors.forecast_runs(), 20).get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page,
            runs=page.object_list,
            current=current_run(),
            can_start=user_can(self.request.user, Capability.PLAN),
            start_form=RunStartForm(),
        )
        return context


class RunStartView(CapabilityRequiredMixin, View):
    required_capability = Capability.PLAN
    http_method_names = ["post"]

    def post(self, request: Any) -> HttpResponse:
        form = RunStartForm(request.POST)
        if not form.is_valid():
            problems = "; ".join(" ".join(errors) for errors in form.errors.values())
            messages.error(request, f"The run was not started: {problems}")
            return redirect("forecasting:runs")
        options = {}
        if form.cleaned_data["rich_methods"]:
            options = {
                "rich_methods": form.cleaned_data["rich_methods"],
                "rich_classes": form.cleaned_data["rich_classes"],
            }
        try:
            run = forecast_run_start(actor=request.user, **options)
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
        run = get_object_or_404(selectors.forecast_runs(), pk=pk)
        response = render(request, "forecasting/runs.html#progress", {"run": run})
        if run.status in FINISHED and request.htmx:
            stop = HttpResponseStopPolling(response.content)
            stop["HX-Refresh"] = "true"  # show the final figures and the new current run
            return stop
        return response


HISTORY_SHOWN_DAYS = 120


def series_page_context(request: Any, sku: Sku, site: Site, form: Any = None) -> dict[str, Any]:
    """What the forecast page of one SKU-site shows; `form` is a bound override form to show
    again with its errors."""
    series = selectors.current_series(sku.pk, site.pk)
    today = timezone.localdate()
    overrides = selectors.series_overrides(sku.pk, site.pk, today=today)
    can_override = user_can(request.user, Capability.PLAN)
    context = {
        "sku": sku,
        "site": site,
        "series": series,
        "overrides": overrides,
        "lead_times": selectors.lead_time_estimates(sku.pk),
    }
    context["can_override"] = can_override and series is not None
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
    active = [override for override in overrides if override.active]
    adjusted = rules.apply_overrides(series.values, as_of, active)
    before = [None] * HISTORY_SHOWN_DAYS
    chart = {
        "labels": [day.isoformat() for day in history_dates + future_dates],
        "history": [*history.tolist(), *[None] * len(future_dates)],
        "forecast": [*before, *series.values],
        "adjusted": [*before, *[round(value, 3) for value in adjusted]] if active else None,
        "lower_80": [*before, *series.lower_80],
        "upper_80": [*before, *series.upper_80],
        "lower_95": [*before, *series.lower_95],
        "upper_95": [*before, *series.upper_95],
    }
    ranked = sorted(series.candidates.items(), key=lambda item: (item[1] is None, item[1] or 0))
    context.update(
        chart=json.dumps(chart),
        ranked=ranked,
        next_28=round(sum(series.values[:28])),
        next_28_adjusted=round(sum(adjusted[:28])) if active else None,
        form=form or OverrideForm.proposing_week(max(today, as_of)),
        forecast_last_day=future_dates[-1],
    )
    return context


class SeriesForecastView(CapabilityRequiredMixin, TemplateView):
    """One SKU-site: recent demand, the current forecast with its 80/95 % bands, the method
    chosen with the backtest scores of every method it was chosen from, and the planners'
    overrides with their value added."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "forecasting/series.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        sku = get_object_or_404(Sku, pk=kwargs["sku_id"])
        site = get_object_or_404(Site, pk=kwargs["site_id"])
        context.update(series_page_context(self.request, sku, site))
        return context


class OverrideCreateView(CapabilityRequiredMixin, View):
    """Save an override from the forecast page; on a refusal the form comes back with the
    messages and nothing is saved."""

    required_capability = Capability.PLAN
    http_method_names = ["post"]

    def post(self, request: Any, sku_id: int, site_id: int) -> HttpResponse:
        sku = get_object_or_404(Sku, pk=sku_id)
        site = get_object_or_404(Site, pk=site_id)
        form = OverrideForm(request.POST)
        if form.is_valid():
            try:
                override = forecast_override_create(
                    actor=request.user, sku=sku, site=site, **form.cleaned_data
                )
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                messages.success(
                    request,
                    f"Override saved: {override.describe()} from {override.start_date} "
                    f"to {override.end_date}.",
                )
                if request.htmx:
                    return HttpResponseClientRefresh()
                return redirect("forecasting:series", sku_id=sku.pk, site_id=site.pk)
        context = series_page_context(request, sku, site, form=form)
        if request.htmx:
            return render(request, "forecasting/series.html#override-form", context)
        return render(request, "forecasting/series.html", context, status=400)


class OverrideWithdrawView(CapabilityRequiredMixin, View):
    required_capability = Capability.PLAN
    http_method_names = ["post"]

    def post(self, request: Any, pk: int) -> HttpResponse:
        override = get_object_or_404(ForecastOverride, pk=pk)
        try:
            forecast_override_withdraw(
                actor=request.user, override=override, reason=request.POST.get("reason", "")
            )
        except DomainError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, "Override withdrawn; the statistical forecast applies.")
        return redirect("forecasting:series", sku_id=override.sku_id, site_id=override.site_id)


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
                value_added=selectors.override_value_added_summary(),
            )
        return context
