"""Purchase-order pages: the list (filter, sort, export), one order with the signed
suggestions its lines came from, and a printable copy.

On an order's page planners also work with the supplier: send an approved order, accept or
reject what the supplier proposes per line, and write on the order. Each action answers htmx
with the part of the page it changed (`page.html#partial`); the rules are in
suppliers.services.portal.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability, user_can
from accounts.sessions import signature_inputs, signing_identified
from common.errors import DomainError
from common.tables import Column
from common.views import ExportMixin, HtmxPartialMixin, NotFoundMixin, query_without
from suppliers.forms.planner import (
    LineAmendForm,
    LineReapproveForm,
    MessageForm,
    ProposalRejectForm,
)
from suppliers.forms.purchase_orders import PurchaseOrderFilterForm
from suppliers.models import (
    OPEN_PO_STATUSES,
    RECEIVABLE_PO_STATUSES,
    ProposalStatus,
    PurchaseOrder,
    PurchaseOrderStatus,
)
from suppliers.selectors import purchase_orders as selectors
from suppliers.services.amendments import line_amend, line_reapprove
from suppliers.services.portal import (
    PortalRefused,
    message_post,
    proposal_decide,
    purchase_order_send,
)

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

PURCHASE_ORDER_COLUMNS = (
    Column("Number", sort="number"),
    Column("Supplier", sort="supplier"),
    Column("Destination", sort="destination"),
    Column("Status", sort="status"),
    Column("Ordered", sort="ordered_on"),
    Column("Expected", sort="expected_on"),
    Column("Lines", sort="lines", align="end"),
    Column("Value", sort="value", align="end"),
)

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
            columns=PURCHASE_ORDER_COLUMNS,
            status_styles=STATUS_STYLES,
            query=query_without(self.request, "page"),
            sort_query=query_without(self.request, "page", "sort", "desc"),
        )
        return context


DETAIL_TEMPLATE = "suppliers/purchase_order_detail.html"
PROPOSAL_STYLES = {
    ProposalStatus.PENDING: "warning",
    ProposalStatus.ACCEPTED: "success",
    ProposalStatus.REJECTED: "dark",
}


def order_context(request: Any, pk: int, *, exchanges: bool = True) -> dict[str, Any]:
    """What an order's page shows, for the whole page and for each of its partials. Raises
    Http404 for an order the user may not see."""
    try:
        detail = selectors.purchase_order_detail(request.user, pk)
    except PurchaseOrder.DoesNotExist as missing:
        raise Http404("No such purchase order.") from missing
    context: dict[str, Any] = {
        "detail": detail,
        "order": detail.order,
        "status_styles": STATUS_STYLES,
        "suggestion_urls": {
            view.line.pk: suggestion_url(view.suggestion)
            for view in detail.lines
            if view.suggestion is not None
        },
    }
    context["can_receive"] = (
        user_can(request.user, Capability.MOVE_STOCK)
        and detail.order.status in RECEIVABLE_PO_STATUSES
        and detail.total_received < detail.total_quantity
    )
    if exchanges:
        can_plan = user_can(request.user, Capability.PLAN)
        context.update(
            exchanges=selectors.purchase_order_exchanges(detail.order),
            can_plan=can_plan,
            can_amend=can_plan and detail.order.status in OPEN_PO_STATUSES,
            proposal_styles=PROPOSAL_STYLES,
            reject_forms={},
            message_form=MessageForm(),
            amend_forms={view.line.pk: _amend_form(view.line) for view in detail.lines},
            reapprove_forms={
                view.line.pk: LineReapproveForm(prefix=f"r{view.line.pk}")
                for view in detail.lines
                if view.line.reapproval_required
            },
        )
    return context


def _amend_form(line: Any, data: Any = None) -> LineAmendForm:
    initial = {
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "requested_date": line.requested_date,
    }
    return LineAmendForm(data, initial=initial, prefix=f"a{line.pk}")


class PurchaseOrderDetailView(CapabilityRequiredMixin, TemplateView):
    required_capability = Capability.VIEW_OPERATIONS
    template_name = DETAIL_TEMPLATE
    with_exchanges = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(order_context(self.request, kwargs["pk"], exchanges=self.with_exchanges))
        return context


class PurchaseOrderPrintView(PurchaseOrderDetailView):
    """The same order on one clean page for printing or saving as PDF: no navigation."""

    template_name = "suppliers/purchase_order_print.html"
    with_exchanges = False


# ---- planners working with the supplier on one order --------------------------------------------


def order_part(
    request: Any, pk: int, partial: str, *, notice: str = "", refused: bool = False, **extra: Any
) -> HttpResponse:
    """After an action: for htmx the changed part of the order's page (refusals too, as htmx
    swaps 200 answers only); otherwise the page again, or on success a redirect to it."""
    if not request.htmx and not refused:
        if notice:
            messages.success(request, notice)
        return redirect("suppliers:purchase_order_detail", pk=pk)
    context = {**order_context(request, pk), "notice": notice}
    for name, value in extra.items():
        # A refused line's form replaces that line's form only; the other lines keep theirs.
        known = context.get(name)
        context[name] = {**known, **value} if isinstance(known, dict) else value
    if request.htmx:
        return render(request, f"{DETAIL_TEMPLATE}#{partial}", context)
    return render(request, DETAIL_TEMPLATE, context, status=400)


class PurchaseOrderSendView(NotFoundMixin, CapabilityRequiredMixin, View):
    """Send an approved order to its supplier: it appears in their portal."""

    required_capability = Capability.PLAN

    def post(self, request: Any, pk: int) -> HttpResponse:
        try:
            order = purchase_order_send(actor=request.user, order_id=pk)
        except PortalRefused as refused:
            return order_part(request, pk, "workflow", refused=True, send_error=refused.message)
        return order_part(
            request, pk, "workflow", notice=f"{order.number} sent to {order.supplier.code}."
        )


class ProposalDecideView(NotFoundMixin, CapabilityRequiredMixin, View):
    """Accept a supplier's proposal for a line (its confirmed date and quantity become the
    proposed ones) or reject it with a reason the supplier reads."""

    required_capability = Capability.PLAN
    accept = True

    def post(self, request: Any, pk: int) -> HttpResponse:
        proposal = (
            selectors.proposals_for(request.user).select_related("line__sku").filter(pk=pk).first()
        )
        if proposal is None:
            raise Http404("No such proposal.")
        order_id = proposal.line.purchase_order_id
        form = ProposalRejectForm(request.POST, prefix=f"p{pk}")
        if form.is_valid():
            try:
                proposal_decide(
                    actor=request.user,
                    proposal_id=pk,
                    accept=self.accept,
                    reason="" if self.accept else form.cleaned_data["reason"],
                )
            except DomainError as refused:
                form.add_refusal(refused)
        if form.errors:
            return order_part(request, order_id, "lines", refused=True, reject_forms={pk: form})
        notice = (
            f"Accepted: {proposal.line.sku.code} now due {proposal.proposed_date:%Y-%m-%d}, "
            f"{proposal.proposed_quantity:,} units."
            if self.accept
            else f"Proposal for {proposal.line.sku.code} rejected."
        )
        return order_part(request, order_id, "lines", notice=notice, notice_line=proposal.line_id)


class MessagePostView(NotFoundMixin, CapabilityRequiredMixin, View):
    """A planner writes on an order; the supplier's users read it in their portal."""

    required_capability = Capability.PLAN

    def post(self, request: Any, pk: int) -> HttpResponse:
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                message_post(actor=request.user, order_id=pk, body=form.cleaned_data["body"])
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                return order_part(request, pk, "messages", notice="Message sent.")
        return order_part(request, pk, "messages", refused=True, message_form=form)


def _visible_line(request: Any, pk: int) -> Any:
    line = (
        selectors.purchase_order_lines_for(request.user).select_related("sku").filter(pk=pk).first()
    )
    if line is None:
        raise Http404("No such purchase-order line.")
    return line


class LineAmendView(NotFoundMixin, CapabilityRequiredMixin, View):
    """Change an approved line's quantity, price or requested date, with a reason: the line
    then waits for another planner's signed approval (suppliers.services.amendments)."""

    required_capability = Capability.PLAN

    def post(self, request: Any, pk: int) -> HttpResponse:
        line = _visible_line(request, pk)
        form = _amend_form(line, request.POST)
        if form.is_valid():
            try:
                line_amend(actor=request.user, line_id=pk, **form.cleaned_data)
            except DomainError as refused:
                form.add_refusal(refused)
        if form.errors:
            return order_part(
                request, line.purchase_order_id, "lines", refused=True, amend_forms={pk: form}
            )
        return order_part(
            request,
            line.purchase_order_id,
            "lines",
            notice=f"{line.sku.code} changed: it waits for another planner's approval.",
        )


class LineReapproveView(NotFoundMixin, CapabilityRequiredMixin, View):
    """Approve a changed line's new terms with an e-signature."""

    required_capability = Capability.PLAN

    def post(self, request: Any, pk: int) -> HttpResponse:
        line = _visible_line(request, pk)
        form = LineReapproveForm(request.POST, prefix=f"r{pk}")
        if form.is_valid():
            try:
                line_reapprove(
                    actor=request.user,
                    line_id=pk,
                    reason=form.cleaned_data["reason"],
                    **signature_inputs(request, form.cleaned_data["password"]),
                )
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                signing_identified(request)
        if form.errors:
            return order_part(
                request, line.purchase_order_id, "lines", refused=True, reapprove_forms={pk: form}
            )
        return order_part(
            request,
            line.purchase_order_id,
            "lines",
            notice=f"The change to {line.sku.code} is approved and signed.",
        )


def suggestion_url(suggestion: Any) -> str:
    try:
        worklist = reverse(SUGGESTION_URL_NAME)
    except NoReverseMatch:
        return reverse("inventory:sku_detail", kwargs={"pk": suggestion.sku_id})
    query = urlencode({"q": suggestion.sku.code, "site": suggestion.site_id, "status": "all"})
    return f"{worklist}?{query}"
