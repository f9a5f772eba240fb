"""One lot for quality: its facts, excursions, signatures and movements, the signed status
decision (inventory.services.lots.lot_status_decide) and the signed recall of its lot number
at every site (lot_number_recall); and the expired write-off on demand from the lot list
(expired_lots_write_off).

A decision or a recall answers, for htmx, with its panel again (done, or the form with what
is wrong), so the panel is swapped in place; without htmx, a refusal renders the lot page
again with the form (400) and a success redirects to it."""

from abc import ABC, abstractmethod
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseClientRefresh

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability, user_can
from accounts.sessions import signature_inputs, signing_identified
from common.errors import DomainError
from inventory.forms.lots import LotStatusForm, RecallForm
from inventory.models import Lot, LotStatus
from inventory.selectors import lots as selectors
from inventory.services.lots import expired_lots_write_off, lot_number_recall, lot_status_decide
from inventory.views.cold_chain import LOT_STATUS_STYLES

TEMPLATE = "inventory/lot_detail.html"


def _lot_or_404(pk: int) -> Lot:
    try:
        return selectors.lot_detail(pk)
    except Lot.DoesNotExist as missing:
        raise Http404("No such lot.") from missing


def _panel_context(
    request: Any,
    lot: Lot,
    *,
    status_form: Form | None = None,
    recall_form: Form | None = None,
    notice: str = "",
) -> dict[str, Any]:
    can_decide = user_can(request.user, Capability.QUALITY_DECISIONS)
    return {
        "lot": lot,
        "can_decide": can_decide,
        "status_form": status_form or LotStatusForm(auto_id="status-%s"),
        "recall_form": recall_form or RecallForm(auto_id="recall-%s"),
        "statuses": LotStatus,
        "lot_status_styles": LOT_STATUS_STYLES,
        "notice": notice,
    }


def _page_context(request: Any, lot: Lot, **panel: Any) -> dict[str, Any]:
    return {
        **_panel_context(request, lot, **panel),
        "exposures": selectors.lot_exposures(lot),
        "signatures": selectors.lot_signatures(lot),
        "movements": selectors.lot_recent_movements(lot),
        "siblings": selectors.lot_number_lots(lot.sku, lot.lot_number),
    }


class LotDetailView(CapabilityRequiredMixin, TemplateView):
    required_capability = Capability.VIEW_OPERATIONS
    template_name = TEMPLATE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(_page_context(self.request, _lot_or_404(kwargs["pk"])))
        return context


class _SignedLotAction(CapabilityRequiredMixin, View, ABC):
    """POST: one signed quality act on a lot, answered with its panel."""

    required_capability = Capability.QUALITY_DECISIONS
    http_method_names = ["post"]
    form_class: type[Form]
    form_key: str
    partial: str
    refresh_after = False  # the act changes more than its panel: reload the page after it

    @abstractmethod
    def act(self, request: Any, lot: Lot, data: dict[str, Any]) -> str:
        """Call the service; return the notice to show."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        lot = _lot_or_404(pk)
        form: Any = self.form_class(request.POST, auto_id=f"{self.form_key.split('_')[0]}-%s")
        if form.is_valid():
            try:
                notice = self.act(request, lot, form.cleaned_data)
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                signing_identified(request)
                lot = _lot_or_404(pk)
                if request.htmx and self.refresh_after:
                    messages.success(request, notice)
                    return HttpResponseClientRefresh()
                if request.htmx:
                    return render(
                        request,
                        f"{TEMPLATE}#{self.partial}",
                        _panel_context(request, lot, notice=notice),
                    )
                messages.success(request, notice)
                return redirect("inventory:lot_detail", pk=pk)
        if request.htmx:
            return render(
                request,
                f"{TEMPLATE}#{self.partial}",
                _panel_context(request, lot, **{self.form_key: form}),
            )
        return render(
            request, TEMPLATE, _page_context(request, lot, **{self.form_key: form}), status=400
        )


class LotStatusView(_SignedLotAction):
    form_class = LotStatusForm
    form_key = "status_form"
    partial = "status_panel"

    def act(self, request: Any, lot: Lot, data: dict[str, Any]) -> str:
        lot = lot_status_decide(
            actor=request.user,
            lot=lot,
            status=data["status"],
            reason=data["reason"],
            **signature_inputs(request, data["password"]),
        )
        return f"Lot {lot.lot_number} at {lot.site.code} is now {lot.get_status_display().lower()}."


class LotRecallView(_SignedLotAction):
    form_class = RecallForm
    form_key = "recall_form"
    partial = "recall_panel"
    refresh_after = True  # every site's row and the lot's own status change

    def act(self, request: Any, lot: Lot, data: dict[str, Any]) -> str:
        recall = lot_number_recall(
            actor=request.user,
            sku=lot.sku,
            lot_number=lot.lot_number,
            reason=data["reason"],
            **signature_inputs(request, data["password"]),
        )
        return (
            f"Lot {recall.lot_number} of {recall.sku.code} is blocked at {recall.sites} "
            f"site(s), {recall.units} units: {len(recall.quarantined)} lot(s) put in "
            f"quarantine, {len(recall.already_quarantined)} already there."
        )


class ExpiredWriteOffView(CapabilityRequiredMixin, View):
    """POST: write off every expired lot now, and say how many lots, units and what value."""

    required_capability = Capability.WRITE_OFF_EXPIRED
    http_method_names = ["post"]

    def post(self, request: Any) -> HttpResponse:
        try:
            written_off = expired_lots_write_off(actor=request.user)
        except DomainError as refused:
            notice, level = refused.message, "danger"
        else:
            notice = (
                f"{written_off.lots} expired lot(s) written off: {written_off.units:,} units, "
                f"{written_off.value:,.2f} at unit cost."
                if written_off.lots
                else "No expired lot holds stock: nothing was written off."
            )
            level = "success"
        if request.htmx:
            return render(
                request,
                "inventory/_write_off_result.html",
                {"notice": notice, "level": level},
            )
        (messages.success if level == "success" else messages.error)(request, notice)
        return redirect(reverse("inventory:lot_list"))
