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
