import json
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
from common.errors import DomainError
from common.tables import Column
from common.views import HtmxPartialMixin, query_without
from optimization.forms.policies import (
    LOT_REASONS,
    EchelonForm,
    EoqForm,
    PolicyFilterForm,
    SafetyStockForm,
)
from optimization.models import PolicySimulation
from optimization.selectors import policies as selectors
from optimization.selectors.calculators import eoq_calculation, safety_stock_calculation
from optimization.services.backtests import simulation_create
from optimization.tasks import refresh_policies, run_policy_simulation

PAGE_SIZE = 50

POLICY_COLUMNS = (
    Column("SKU", sort="code"),
    Column("Site", sort="site"),
    Column("Class"),
    Column("Target"),
    Column("Demand/day", sort="demand", align="end"),
    Column("Replenished from"),
    Column("Lead time", align="end"),
    Column("Order qty", sort="quantity", align="end"),
    Column("Safety stock", sort="ss_value", align="end"),
    Column("Reorder point", sort="rop", align="end"),
    Column("Order-up-to", align="end"),
)


class PolicyListView(CapabilityRequiredMixin, HtmxPartialMixin, TemplateView):
    """Every SKU-site's replenishment policy, with what it costs to hold."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "optimization/policies.html"
    partial_name = "results"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = PolicyFilterForm(self.request.GET or None)
        rows = selectors.policies(form.filters())
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            form=form,
            page_obj=page,
            policies=page.object_list,
            columns=POLICY_COLUMNS,
            totals=selectors.policy_totals(rows),
            run=selectors.current_policy_run(),
            lot_reasons=dict(LOT_REASONS),
            can_refresh=user_can(self.request.user, Capability.PLAN),
            query=query_without(self.request, "page"),
            sort_query=query_without(self.request, "page", "sort", "desc"),
        )
        return context


class PolicyRefreshView(CapabilityRequiredMixin, View):
    required_capability = Capability.PLAN
    http_method_names = ["post"]

    def post(self, request: Any) -> HttpResponse:
        refresh_policies.delay_on_commit()
        messages.success(
            request, "Policies are being recomputed from the current forecast; reload in a moment."
        )
        return redirect("optimization:policies")


class PolicyDetailView(CapabilityRequiredMixin, TemplateView):
    """One SKU-site's policy: inputs, parameters and why, the EOQ cost curve and the
    service-versus-inventory trade-off."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "optimization/policy_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        policy = get_object_or_404(
            selectors.policies_in_full(), sku_id=kwargs["sku_id"], site_id=kwargs["site_id"]
        )
        context.update(
            policy=policy,
            fed_sites=selectors.fed_site_codes(policy),
            lot_reasons=dict(LOT_REASONS),
            eoq=json.dumps(selectors.eoq_curve(policy)),
            tradeoff=json.dumps(selectors.tradeoff_curve(policy)),
        )
        return context


class EchelonView(CapabilityRequiredMixin, TemplateView):
    """Multi-echelon safety stock of one SKU over the site tree: the guaranteed-service plan
    (which sites hold stock and what each promises downstream) beside every site holding its
    own, and the saving."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "optimization/network.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        skus = selectors.echelon_candidates()
        data = self.request.GET.copy()
        if skus and not data.get("sku"):
            data["sku"] = str(skus[0].pk)
        data.setdefault("service", "0.95")
        form = EchelonForm(data, skus=skus)
        plan = None
        sku = None
        if form.is_valid() and form.cleaned_data["sku"]:
            # The form offers the candidates only, so the chosen SKU is one of them.
            sku = next(sku for sku in skus if sku.pk == form.cleaned_data["sku"])
            plan = selectors.echelon_plan(sku, service_level=form.cleaned_data["service"])
        chart = None
        if plan:
            chart = {
                "labels": [stage.site.code for stage in plan["stages"]],
                "guaranteed": [round(stage.safety_stock, 1) for stage in plan["stages"]],
                "single": [round(stage.single_safety_stock, 1) for stage in plan["stages"]],
            }
        context.update(form=form, sku=sku, plan=plan, chart=json.dumps(chart))
        return context


class SimulationView(CapabilityRequiredMixin, TemplateView):
    """The latest policy backtest: our policies against the textbook rule on held-out demand."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "optimization/simulation.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        latest = selectors.latest_simulation()
        finished = selectors.latest_simulation_with_results()
        rows = []
        if finished:
            for measure, label, better in SIMULATION_MEASURES:
                before = finished.results["textbook"]["overall"][measure]
                after = finished.results["optimized"]["overall"][measure]
                change = (after - before) / before * 100 if before else None
                good = None if change is None or better is None else (change > 0) == better
                rows.append(
                    {
                        "label": label,
                        "measure": measure,
                        "before": before,
                        "after": after,
                        "change": change,
                        "good": good,
                    }
                )
        context.update(
            latest=latest,
            simulation=finished,
            rows=rows,
            chart=json.dumps(_simulation_chart(finished)),
            can_run=user_can(self.request.user, Capability.PLAN),
        )
        return context


SIMULATION_MEASURES = (
    ("fill_rate", "Fill rate", True),
    ("cycle_service_level", "Cycle service level", True),
    ("stockout_rate", "Stock-out days (share of SKU-site-days)", False),
    ("average_inventory_value", "Average inventory value", False),
    ("turnover", "Inventory turnover (per year)", True),
    ("carrying_cost_per_year", "Carrying cost per year", False),
    ("expired_value", "Expired value", False),
    ("orders", "Orders", None),
    ("emergency_orders", "Emergency orders", False),
)


def _simulation_chart(simulation: Any) -> dict[str, Any] | None:
    if simulation is None:
        return None
    textbook = simulation.results["textbook"]["by_abc"]
    optimized = simulation.results["optimized"]["by_abc"]
    classes = sorted(set(textbook) | set(optimized))
    return {
        "labels": classes,
        "fill_textbook": [textbook.get(c, {}).get("fill_rate") for c in classes],
        "fill_optimized": [optimized.get(c, {}).get("fill_rate") for c in classes],
        "value_textbook": [textbook.get(c, {}).get("average_inventory_value") for c in classes],
        "value_optimized": [optimized.get(c, {}).get("average_inventory_value") for c in classes],
    }


class SimulationStartView(CapabilityRequiredMixin, View):
    required_capability = Capability.PLAN
    http_method_names = ["post"]

    def post(self, request: Any) -> HttpResponse:
        try:
            simulation = simulation_create(actor=request.user)
        except DomainError as refused:
            messages.error(request, refused.message)
        else:
            run_policy_simulation.delay_on_commit(simulation.pk)
            messages.success(request, f"Backtest {simulation.pk} started.")
        return redirect("optimization:simulation")


class SimulationProgressView(CapabilityRequiredMixin, View):
    """The status fragment of a backtest; htmx polls it until it has finished."""

    required_capability = Capability.VIEW_OPERATIONS

    def get(self, request: Any, pk: int) -> HttpResponse:
        simulation = get_object_or_404(PolicySimulation, pk=pk)
        response = render(request, "optimization/simulation.html#status", {"latest": simulation})
        if simulation.status != "running" and request.htmx:
            stop = HttpResponseStopPolling(response.content)
            stop["HX-Refresh"] = "true"
            return stop
        return response


class CalculatorView(CapabilityRequiredMixin, TemplateView):
    """Safety stock and order quantity for figures typed in; htmx recomputes as they change.
    Writes nothing."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "optimization/calculator.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        which = self.request.GET.get("form")
        data = self.request.GET if which else None
        ss_form = SafetyStockForm(data if which == "ss" else None)
        eoq_form = EoqForm(data if which == "eoq" else None)
        context.update(
            ss_form=ss_form,
            eoq_form=eoq_form,
            ss=_calculate(ss_form, _safety_stock)
            if which == "ss"
            else _defaults(_safety_stock, SafetyStockForm),
            eoq=_calculate(eoq_form, _eoq) if which == "eoq" else _defaults(_eoq, EoqForm),
        )
        return context

    def get_template_names(self) -> list[str]:
        which = self.request.GET.get("form")
        if self.request.htmx and which in ("ss", "eoq"):
            return [f"optimization/calculator.html#{which}-result"]
        return [self.template_name]


def _safety_stock(data: dict[str, Any]) -> dict[str, Any]:
    return safety_stock_calculation(**{**data, "service_level": data["service_level"] / 100})


def _eoq(data: dict[str, Any]) -> dict[str, Any]:
    return eoq_calculation(
        **{
            **data,
            "holding_rate": data["holding_rate"] / 100,
            "min_usable_life_days": data.get("min_usable_life_days") or 0,
        }
    )


def _calculate(form: Any, compute: Any) -> dict[str, Any]:
    if not form.is_valid():
        return {
            "errors": {
                form.fields[name].label if name in form.fields else name: errors
                for name, errors in form.errors.items()
            }
        }
    try:
        return {"result": compute(form.cleaned_data)}
    except DomainError as refused:
        return {"errors": {"__all__": [refused.message]}}


def _defaults(compute: Any, form_class: Any) -> dict[str, Any]:
    initial = {name: field.initial for name, field in form_class.base_fields.items()}
    return {"result": compute(initial)}
