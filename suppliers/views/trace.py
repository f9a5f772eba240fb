"""The trace of a lot number (quality, recalls): where it came from (supplier, purchase order,
receipt, shipping notice) and where it went (the movement ledger, per site), with CSV/XLSX
export of the ledger lines. It lives with the suppliers' pages because the origin is theirs;
the ledger is inventory's (suppliers.selectors.trace)."""

from typing import Any

from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from common.views import ExportMixin, HtmxPartialMixin, query_without
from inventory.models import MovementKind
from inventory.selectors.lots import sku_by_code
from suppliers.forms.trace import LotTraceForm
from suppliers.selectors import trace as selectors

EXPORT_HEADERS = [
    "occurred_at",
    "site_code",
    "kind",
    "quantity",
    "reference",
    "supplier",
    "purchase_order",
    "shipping_notices",
    "reason",
    "user",
]


class LotTraceView(CapabilityRequiredMixin, ExportMixin, HtmxPartialMixin, TemplateView):
    required_capability = Capability.VIEW_OPERATIONS
    template_name = "suppliers/lot_trace.html"
    partial_name = "results"
    export_name = "lot-trace"

    def _trace(self) -> tuple[LotTraceForm, selectors.LotTrace | None]:
        form = LotTraceForm(self.request.GET or None)
        if not form.is_valid():
            return form, None
        sku = sku_by_code(form.cleaned_data["sku"])
        if sku is None:
            form.add_error("sku", "No SKU has this code.")
            return form, None
        return form, selectors.lot_trace(sku, form.cleaned_data["lot"])

    def export_rows(self) -> tuple[list[str], Any]:
        _, trace = self._trace()
        events = trace.events if trace is not None else []
        rows = (
            [
                event.movement.occurred_at,
                event.movement.site.code,
                event.movement.kind,
                event.movement.quantity,
                event.movement.reference,
                event.supplier,
                event.purchase_order,
                event.shipping_notices,
                event.movement.reason,
                event.movement.user.get_username() if event.movement.user else "",
            ]
            for event in events
        )
        return EXPORT_HEADERS, rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form, trace = self._trace()
        context.update(
            form=form,
            trace=trace,
            kinds=MovementKind,
            query=query_without(self.request, "export"),
        )
        return context
