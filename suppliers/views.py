"""Purchase-order pages: the list (filter, sort, export), one order with the signed
suggestions its lines came from, and a printable copy."""

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from inventory.views import ExportMixin, HtmxPartialMixin, query_without

from . import selectors
from .forms import PurchaseOrderFilterForm
from .models import PurchaseOrder, PurchaseOrderStatus

PAGE_SIZE = 50

STATUS_STYLES = {
    PurchaseOrderStatus.DRAFT: "secondary",
    PurchaseOrderStatus.APPROVED: "primary",
    PurchaseOrderStatus.SENT: "info",
    PurchaseOrderStatus.ACKNOWLEDGED: "info",
    PurchaseOrderStatus.PARTIALLY_RECEIVED: "warning",
    PurchaseOrderStatus.RECEIVED: "success",
    PurchaseOrderStatus.CANCELLED: "dark",
}

# Where a line's suggestion is shown: the replenishment worklist, filtered to its SKU and site
# (the SKU's page when the worklist is not installed).
SUGGESTION_URL_NAME = "optimization:worklist"


class PurchaseOrderListView(CapabilityRequiredMixin, ExportMixin, HtmxPartialMixin, TemplateView):
    required_capability = Capability.VIEW_OPERATIONS
    template_name = "suppliers/purchase_order_list.html"
    partial_name = "results"
    export_name = "purchase-orders"

    def orders(self) -> Any:
        form = PurchaseOrderFilterForm(self.request.GET or None)
        return form, selectors.purchase_order_list(self.request.user, form.filters())

    def export_rows(self) -> tuple[list[str], Any]:
        _, orders = self.orders()
        headers = [
            "number",
            "supplier_code",
            "supplier_name",
            "destination_code",
            "status",
            "ordered_on",
            "expected_on",
            "lines",
            "total_value",
            "created_at_utc",
        ]
        rows = (
            [
                order.number,
                order.supplier.code,
                order.supplier.name,
                order.destination.code,
                order.status,
                order.ordered_on,
                order.expected_on,
                order.line_count,
                order.total_value,
                order.created_at,
            ]
            for order in orders.iterator(chunk_size=2000)
        )
        return headers, rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form, orders = self.orders()
        page = Paginator(orders, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            form=form,
            page_obj=page,
            orders=page.object_list,
            status_styles=STATUS_STYLES,
            query=query_without(self.request, "page"),
            sort_query=query_without(self.request, "page", "sort", "desc"),
        )
        return context


class PurchaseOrderDetailView(CapabilityRequiredMixin, TemplateView):
    required_capability = Capability.VIEW_OPERATIONS
    template_name = "suppliers/purchase_order_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            detail = selectors.purchase_order_detail(self.request.user, kwargs["pk"])
        except PurchaseOrder.DoesNotExist as missing:
            raise Http404("No such purchase order.") from missing
        context.update(
            detail=detail,
            order=detail.order,
            status_styles=STATUS_STYLES,
            suggestion_urls={
                view.line.pk: suggestion_url(view.suggestion)
                for view in detail.lines
                if view.suggestion is not None
            },
        )
        return context


class PurchaseOrderPrintView(PurchaseOrderDetailView):
    """The same order on one clean page for printing or saving as PDF: no navigation."""

    template_name = "suppliers/purchase_order_print.html"


def suggestion_url(suggestion: Any) -> str:
    try:
        worklist = reverse(SUGGESTION_URL_NAME)
    except NoReverseMatch:
        return reverse("inventory:sku_detail", kwargs={"pk": suggestion.sku_id})
    query = urlencode({"q": suggestion.sku.code, "site": suggestion.site_id, "status": "all"})
    return f"{worklist}?{query}"
