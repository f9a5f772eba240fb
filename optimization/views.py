import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability, user_can
from inventory.models import Sku
from inventory.views import HtmxPartialMixin

from . import selectors
from .forms import LOT_REASONS, EchelonForm, PolicyFilterForm
from .models import InventoryPolicy
from .tasks import refresh_policies

PAGE_SIZE = 50


def _query_without(request: Any, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


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
            totals=selectors.policy_totals(rows),
            run=selectors.current_policy_run(),
            lot_reasons=dict(LOT_REASONS),
            can_refresh=user_can(self.request.user, Capability.PLAN),
            query=_query_without(self.request, "page"),
            sort_query=_query_without(self.request, "page", "sort", "desc"),
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
            InventoryPolicy.objects.select_related("sku", "site", "supplier", "run"),
            sku_id=kwargs["sku_id"],
            site_id=kwargs["site_id"],
        )
        context.update(
            policy=policy,
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
            sku = Sku.objects.filter(pk=form.cleaned_data["sku"]).first()
            if sku is not None:
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
