"""What-if scenario pages: the saved scenarios and a form to add one, a scenario's KPIs against
the current policy (with progress while it computes), and 2-4 scenarios side by side.

Every figure shown comes from a scenario's stored results (optimization.services.scenarios);
the views only label and format them."""

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability, user_can
from common.errors import DomainError
from common.views import HtmxPartialMixin
from optimization.forms.scenarios import ScenarioForm
from optimization.models import PolicyRunStatus, Scenario
from optimization.selectors.policies import current_policy_run
from optimization.services.scenarios import (
    COMPARE_MAX,
    COMPARE_MIN,
    scenario_start,
    scenarios_for_comparison,
    scenarios_recent,
)

PAGE_SIZE = 25

# (key in the results, label, kind of figure, whether more is better: None = neither)
KPIS = (
    ("fill_rate", "Fill rate", "ratio", True),
    ("cycle_service_level", "Cycle service level", "ratio", True),
    ("stockout_days", "Stock-out days (SKU-site-days)", "count", False),
    ("average_inventory_value", "Average inventory value", "money", False),
    ("carrying_cost_per_year", "Carrying cost per year", "money", False),
    ("expired_value", "Expired value", "money", False),
    ("orders", "Orders", "count", None),
    ("emergency_orders", "Emergency orders", "count", False),
    ("turnover", "Inventory turnover (per year)", "number", True),
)
KPI_LABELS = {key: label for key, label, _, _ in KPIS}
# Measures whose relative change is charted (ratios are shown as point changes in the table).
CHARTED = (
    "average_inventory_value",
    "carrying_cost_per_year",
    "stockout_days",
    "expired_value",
    "orders",
    "emergency_orders",
)


# ---- formatting ------------------------------------------------------------------------------


def _figure(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "ratio":
        return f"{value * 100:.2f} %"
    if kind == "number":
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def _change(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "ratio":
        return f"{value * 100:+.2f} pts"
    if kind == "number":
        return f"{value:+,.1f}"
    return f"{value:+,.0f}"


def _relative(value: Any) -> str:
    return "—" if value is None else f"{value * 100:+.1f} %"


def _judged(change: Any, better: bool | None) -> bool | None:
    """True when the change is an improvement, False when worse, None when neither."""
    if change is None or better is None or abs(change) < 1e-12:
        return None
    return (change > 0) == better


def describe_selection(selection: dict[str, Any]) -> str:
    parts = []
    if selection.get("abc"):
        parts.append("ABC " + ", ".join(selection["abc"]))
    if selection.get("xyz"):
        parts.append("XYZ " + ", ".join(selection["xyz"]))
    if selection.get("sites"):
        parts.append("sites " + ", ".join(selection["sites"]))
    if selection.get("skus"):
        parts.append("SKUs " + ", ".join(selection["skus"]))
    return " · ".join(parts) or "All SKU-sites with a policy"


def describe_changes(changes: dict[str, Any]) -> list[str]:
    described = []
    levels = changes.get("service_levels") or {}
    if "all" in levels:
        described.append(f"Service level {levels['all'] * 100:g} % for all")
    for label in ("A", "B", "C"):
        if label in levels:
            described.append(f"{label} items at {levels[label] * 100:g} %")
    if changes.get("holding_rate") is not None:
        described.append(f"Holding rate {changes['holding_rate'] * 100:g} %/year")
    if changes.get("lead_time_mean_factor", 1.0) != 1.0:
        described.append(f"Lead time {(changes['lead_time_mean_factor'] - 1) * 100:+g} %")
    if changes.get("lead_time_std_factor", 1.0) != 1.0:
        described.append(
            f"Lead-time variability {(changes['lead_time_std_factor'] - 1) * 100:+g} %"
        )
    if changes.get("demand_uplift"):
        described.append(f"Demand {changes['demand_uplift'] * 100:+g} %")
    return described


def kpi_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Baseline, scenario and their difference per KPI, labelled and formatted."""
    baseline = results.get("baseline", {}).get("overall", {})
    scenario = results.get("scenario", {}).get("overall", {})
    deltas = results.get("deltas", {}).get("overall", {})
    rows = []
    for key, label, kind, better in KPIS:
        delta = deltas.get(key) or {}
        rows.append(
            {
                "key": key,
                "label": label,
                "baseline": _figure(baseline.get(key), kind),
                "scenario": _figure(scenario.get(key), kind),
                "change": _change(delta.get("absolute"), kind),
                "relative": _relative(delta.get("relative")) if kind != "ratio" else "",
                "good": _judged(delta.get("absolute"), better),
            }
        )
    return rows


def class_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Per ABC class: SKU-sites, fill rate, stock-out days and inventory value, both ways."""
    baseline = results.get("baseline", {}).get("by_abc", {})
    scenario = results.get("scenario", {}).get("by_abc", {})
    rows = []
    for label in sorted(set(baseline) | set(scenario)):
        before, after = baseline.get(label, {}), scenario.get(label, {})
        rows.append(
            {
                "label": label,
                "sku_sites": before.get("sku_sites") or after.get("sku_sites"),
                "cells": [
                    (_figure(before.get(key), kind), _figure(after.get(key), kind))
                    for key, kind in (
                        ("fill_rate", "ratio"),
                        ("stockout_days", "count"),
                        ("average_inventory_value", "money"),
                        ("expired_value", "money"),
                    )
                ],
            }
        )
    return rows


def _percent_or_none(value: Any) -> float | None:
    return None if value is None else round(value * 100, 3)


def detail_chart(results: dict[str, Any]) -> dict[str, Any] | None:
    if not results.get("baseline"):
        return None
    baseline, scenario = results["baseline"]["by_abc"], results["scenario"]["by_abc"]
    classes = sorted(set(baseline) | set(scenario))
    relative = results["deltas"]["overall"]
    return {
        "classes": classes,
        "fill_baseline": [_percent_or_none(baseline.get(c, {}).get("fill_rate")) for c in classes],
        "fill_scenario": [_percent_or_none(scenario.get(c, {}).get("fill_rate")) for c in classes],
        "value_baseline": [baseline.get(c, {}).get("average_inventory_value") for c in classes],
        "value_scenario": [scenario.get(c, {}).get("average_inventory_value") for c in classes],
        "change_labels": [KPI_LABELS[key] for key in CHARTED],
        "change_values": [_percent_or_none(relative[key]["relative"]) for key in CHARTED],
    }


# ---- pages -----------------------------------------------------------------------------------


def _form(data: Any = None) -> ScenarioForm:
    return ScenarioForm(data, holding_rate=settings.OPTIMIZATION_HOLDING_RATE)


def _list_context(request: Any, form: ScenarioForm | None = None) -> dict[str, Any]:
    can_plan = user_can(request.user, Capability.PLAN)
    page = Paginator(scenarios_recent(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for scenario in page.object_list:
        deltas = (scenario.results or {}).get("deltas", {}).get("overall", {})
        fill = (deltas.get("fill_rate") or {}).get("absolute")
        value = (deltas.get("average_inventory_value") or {}).get("relative")
        rows.append(
            {
                "scenario": scenario,
                "selection": describe_selection(scenario.selection),
                "changes": describe_changes(scenario.changes),
                "fill_change": _change(fill, "ratio"),
                "fill_good": _judged(fill, True),
                "value_change": _relative(value),
                "value_good": _judged(value, False),
            }
        )
    return {
        "page_obj": page,
        "rows": rows,
        "running": any(row["scenario"].status == PolicyRunStatus.RUNNING for row in rows),
        "can_plan": can_plan,
        "form": (form or _form()) if can_plan else None,
        "run": current_policy_run(),
        "compare_min": COMPARE_MIN,
        "compare_max": COMPARE_MAX,
    }


class ScenarioListView(CapabilityRequiredMixin, HtmxPartialMixin, TemplateView):
    """The saved scenarios (newest first) and, for planners, the form to add one."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "optimization/scenarios.html"
    partial_name = "list"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(_list_context(self.request))
        return context


class ScenarioCreateView(CapabilityRequiredMixin, View):
    """Save a scenario and start its simulation; on a refusal the form comes back with the
    messages and nothing is saved."""

    required_capability = Capability.PLAN
    http_method_names = ["post"]

    def post(self, request: Any) -> HttpResponse:
        form = _form(request.POST)
        if form.is_valid():
            try:
                scenario = scenario_start(actor=request.user, **form.service_arguments())
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                messages.success(request, f"Scenario “{scenario.name}” is being simulated.")
                target = reverse("optimization:scenario_detail", args=[scenario.pk])
                if request.htmx:
                    return HttpResponseClientRedirect(target)
                return redirect(target)
        if request.htmx:
            return render(request, "optimization/scenarios.html#form", {"form": form})
        return render(
            request, "optimization/scenarios.html", _list_context(request, form), status=400
        )


class ScenarioDetailView(CapabilityRequiredMixin, TemplateView):
    """One scenario: its KPIs against the current policy, by ABC class, and charts."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "optimization/scenario_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scenario = get_object_or_404(Scenario.objects.select_related("created_by"), pk=kwargs["pk"])
        results = scenario.results or {}
        finished = scenario.status == PolicyRunStatus.SUCCEEDED and "baseline" in results
        context.update(
            scenario=scenario,
            finished=finished,
            selection=describe_selection(scenario.selection),
            changes=describe_changes(scenario.changes),
            rows=kpi_rows(results) if finished else [],
            classes=class_rows(results) if finished else [],
            policy=_policy_rows(results) if finished else [],
            chart=json.dumps(detail_chart(results) if finished else None),
        )
        return context


def _policy_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    baseline, scenario = results["baseline"]["policy"], results["scenario"]["policy"]
    deltas = results["deltas"]["policy"]
    return [
        {
            "label": label,
            "baseline": _figure(baseline[key], kind),
            "scenario": _figure(scenario[key], kind),
            "change": _change(deltas[key]["absolute"], kind),
            "relative": _relative(deltas[key]["relative"]) if kind != "ratio" else "",
        }
        for key, label, kind in (
            ("mean_service_level", "Mean service target", "ratio"),
            ("safety_stock_value", "Safety stock value", "money"),
            ("cycle_stock_value", "Cycle stock value (Q/2)", "money"),
        )
    ]


class ScenarioProgressView(CapabilityRequiredMixin, View):
    """The status fragment of a scenario; htmx polls it until the simulation has finished,
    then the page reloads with the results."""

    required_capability = Capability.VIEW_OPERATIONS

    def get(self, request: Any, pk: int) -> HttpResponse:
        scenario = get_object_or_404(Scenario, pk=pk)
        response = render(
            request, "optimization/scenario_detail.html#status", {"scenario": scenario}
        )
        if scenario.status != PolicyRunStatus.RUNNING and request.htmx:
            stop = HttpResponseStopPolling(response.content)
            stop["HX-Refresh"] = "true"
            return stop
        return response


class ScenarioCompareView(CapabilityRequiredMixin, TemplateView):
    """2 to 4 finished scenarios side by side: each one's KPIs and change against the current
    policy, and the trade-off of fill rate against inventory value."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "optimization/scenario_compare.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        ids = self.request.GET.getlist("ids")
        scenarios, problem = [], None
        if ids:
            try:
                scenarios = scenarios_for_comparison(ids)
            except DomainError as refused:
                problem = refused.message
        context.update(
            scenarios=scenarios,
            columns=[
                {
                    "scenario": scenario,
                    "selection": describe_selection(scenario.selection),
                    "changes": describe_changes(scenario.changes),
                }
                for scenario in scenarios
            ],
            problem=problem,
            rows=_compare_rows(scenarios),
            chart=json.dumps(_compare_chart(scenarios) if scenarios else None),
            compare_min=COMPARE_MIN,
            compare_max=COMPARE_MAX,
        )
        return context


def _compare_rows(scenarios: list[Scenario]) -> list[dict[str, Any]]:
    rows = []
    for key, label, kind, better in KPIS:
        cells = []
        for scenario in scenarios:
            value = scenario.results["scenario"]["overall"].get(key)
            delta = scenario.results["deltas"]["overall"].get(key) or {}
            cells.append(
                {
                    "value": _figure(value, kind),
                    "baseline": _figure(scenario.results["baseline"]["overall"].get(key), kind),
                    "change": _change(delta.get("absolute"), kind),
                    "relative": _relative(delta.get("relative")) if kind != "ratio" else "",
                    "good": _judged(delta.get("absolute"), better),
                }
            )
        rows.append({"key": key, "label": label, "cells": cells})
    return rows


def _compare_chart(scenarios: list[Scenario]) -> dict[str, Any]:
    return {
        "names": [scenario.name for scenario in scenarios],
        "tradeoff": [
            {
                "name": scenario.name,
                "baseline": {
                    "x": scenario.results["baseline"]["overall"]["average_inventory_value"],
                    "y": _percent_or_none(scenario.results["baseline"]["overall"]["fill_rate"]),
                },
                "scenario": {
                    "x": scenario.results["scenario"]["overall"]["average_inventory_value"],
                    "y": _percent_or_none(scenario.results["scenario"]["overall"]["fill_rate"]),
                },
            }
            for scenario in scenarios
        ],
        "change_labels": [KPI_LABELS[key] for key in CHARTED],
        "changes": [
            [
                _percent_or_none(scenario.results["deltas"]["overall"][key]["relative"])
                for key in CHARTED
            ]
            for scenario in scenarios
        ],
    }
