"""Temperature excursions for the quality pages: the list, one excursion with its exposed lots,
and the signed release or rejection of each lot
(inventory.services.cold_chain.excursion_lot_decide).

A decision answers, for htmx, with the lot's row again (decided, or the form with what is
wrong), so the row is swapped in place."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import trigger_client_event

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability, user_can
from accounts.sessions import signature_inputs, signing_identified
from common.errors import DomainError
from common.tables import Column
from common.views import HtmxPartialMixin, query_without
from inventory.forms.cold_chain import ExcursionFilterForm, ExcursionLotDecisionForm
from inventory.models import Excursion, ExcursionLot
from inventory.selectors import cold_chain as selectors
from inventory.services.cold_chain import excursion_lot_decide

PAGE_SIZE = 50
LOT_STATUS_STYLES = {
    "quarantine": "warning",
    "released": "success",
    "rejected": "danger",
    "expired": "dark",
}
EXCURSION_COLUMNS = (
    Column("Unit"),
    Column("Site"),
    Column("Zone"),
    Column("From (UTC)"),
    Column("To (UTC)"),
    Column("Min °C", align="end"),
    Column("Max °C", align="end"),
    Column("Lots quarantined", align="end"),
    Column("Awaiting decision", align="end"),
    Column("Status"),
)


class ExcursionListView(CapabilityRequiredMixin, HtmxPartialMixin, TemplateView):
    required_capability = Capability.VIEW_OPERATIONS
    template_name = "inventory/excursions.html"
    partial_name = "results"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = ExcursionFilterForm(self.request.GET or None)
        status = form.cleaned_data["status"] if form.is_valid() else ""
        page = Paginator(selectors.excursions(status=status), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context.update(
            form=form,
            page_obj=page,
            excursions=page.object_list,
            columns=EXCURSION_COLUMNS,
            query=query_without(self.request, "page"),
        )
        return context


def _lot_context(request: Any, exposure: ExcursionLot, form: Any = None) -> dict[str, Any]:
    return {
        "exposure": exposure,
        "excursion": exposure.excursion,
        "can_decide": user_can(request.user, Capability.QUALITY_DECISIONS),
        "form": form or ExcursionLotDecisionForm(auto_id=f"lot{exposure.lot_id}-%s"),
        "lot_status_styles": LOT_STATUS_STYLES,
    }


class ExcursionDetailView(CapabilityRequiredMixin, TemplateView):
    required_capability = Capability.VIEW_OPERATIONS
    template_name = "inventory/excursion_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            excursion = selectors.excursion_detail(kwargs["pk"])
        except Excursion.DoesNotExist as missing:
            raise Http404("No such excursion.") from missing
        context.update(
            excursion=excursion,
            rows=[_lot_context(self.request, row) for row in excursion.exposed_lots.all()],
            can_decide=user_can(self.request.user, Capability.QUALITY_DECISIONS),
        )
        return context


class ExcursionLotDecideView(CapabilityRequiredMixin, View):
    """POST: release or reject one exposed lot, signed."""

    required_capability = Capability.QUALITY_DECISIONS
    http_method_names = ["post"]

    def post(self, request: Any, pk: int, lot_id: int) -> HttpResponse:
        try:
            exposure = selectors.excursion_lot(pk, lot_id)
        except ExcursionLot.DoesNotExist as missing:
            raise Http404("This lot was not exposed to this excursion.") from missing
        form = ExcursionLotDecisionForm(request.POST, auto_id=f"lot{lot_id}-%s")
        if form.is_valid():
            try:
                excursion_lot_decide(
                    actor=request.user,
                    lot=exposure.lot,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    **signature_inputs(request, form.cleaned_data["password"]),
                )
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                signing_identified(request)
                return self._decided(request, pk, lot_id)
        context = _lot_context(request, exposure, form)
        if request.htmx:
            return render(request, "inventory/_excursion_lot.html", context)
        return render(
            request,
            "inventory/excursion_detail.html",
            {
                "excursion": selectors.excursion_detail(pk),
                "rows": [context],
                "can_decide": True,
            },
            status=400,
        )

    def _decided(self, request: Any, pk: int, lot_id: int) -> HttpResponse:
        exposure = selectors.excursion_lot(pk, lot_id)
        notice = f"Lot {exposure.lot.lot_number} {exposure.get_decision_display().lower()}."
        if request.htmx:
            response = render(
                request, "inventory/_excursion_lot.html", _lot_context(request, exposure)
            )
            return trigger_client_event(response, "excursion:decided", {"message": notice})
        messages.success(request, notice)
        return redirect("inventory:excursion_detail", pk=pk)
