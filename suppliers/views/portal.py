"""The supplier portal: what a supplier's users see of their own business with us. Open orders
and what they still need, one order (acknowledge, confirm or propose per line, shipping notices
with lots, receipts, messages), received lines with their quality outcome, their terms per SKU
and their monthly scorecard.

Scoping is the selectors' (suppliers.selectors.portal): an order is looked up by its number
within the user's own supplier, so any other number answers 404. Rules are the services' in
suppliers.services.portal; these views map their refusals onto the forms. Each action answers
an htmx request with the fragment it changed, and a plain form post with a redirect (or the
page with its messages).
"""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from common.tables import Column
from common.views import HtmxPartialMixin, NotFoundMixin, query_without
from suppliers.forms.portal import (
    LineProposeForm,
    MessageForm,
    PortalSearchForm,
    ReceiptFilterForm,
    ShippingNoticeForm,
    TermsSearchForm,
)
from suppliers.models import ProposalStatus, PurchaseOrder, PurchaseOrderLine
from suppliers.selectors import portal as selectors
from suppliers.selectors.purchase_orders import supplier_of
from suppliers.services.portal import (
    PortalRefused,
    line_confirm,
    line_propose,
    message_post,
    purchase_order_acknowledge,
    shipping_notice_create,
)
from suppliers.views.purchase_orders import STATUS_STYLES

PAGE_SIZE = 25
PROPOSAL_STYLES = {
    ProposalStatus.PENDING: "warning",
    ProposalStatus.ACCEPTED: "success",
    ProposalStatus.REJECTED: "danger",
}

# The scorecard measures: (field, label, unit). Rates are shown in percent.
SCORECARD_MEASURES = (
    ("otif_rate", "OTIF", "%"),
    ("on_time_rate", "On time", "%"),
    ("in_full_rate", "In full", "%"),
    ("quality_acceptance_rate", "Quality acceptance", "%"),
    ("lead_time_mean", "Lead time mean", "days"),
    ("lead_time_std", "Lead time std dev", "days"),
    ("lead_time_trend", "Lead-time trend", "days/year"),
    ("agreed_lead_time", "Agreed lead time", "days"),
    ("price_variance", "Price variance", "%"),
    ("acknowledgement_hours", "Acknowledgement", "hours"),
    ("score", "Score", "of 100"),
)
PERCENT_MEASURES = {"otif_rate", "on_time_rate", "in_full_rate", "quality_acceptance_rate"}

OPEN_ORDER_COLUMNS = (
    Column("Number"),
    Column("Status"),
    Column("Deliver to"),
    Column("Ordered"),
    Column("Expected"),
    Column("Lines", align="end"),
    Column("Needs your action"),
)
RECEIPT_COLUMNS = (
    Column("Received on"),
    Column("Order"),
    Column("SKU"),
    Column("Lot"),
    Column("Expiry"),
    Column("Received", align="end"),
    Column("Accepted", align="end"),
    Column("Rejected", align="end"),
)
TERM_COLUMNS = (
    Column("SKU"),
    Column("Lead time (days)", align="end"),
    Column("MOQ", align="end"),
    Column("Multiple", align="end"),
    Column("Unit price", align="end"),
    Column("Price breaks"),
)


class PortalMixin(NotFoundMixin, CapabilityRequiredMixin):
    """A portal page: supplier users only (an order out of their reach answers 404);
    `portal_tab` lights its tab."""

    required_capability = Capability.SUPPLIER_PORTAL
    portal_tab = ""

    def portal_context(self) -> dict[str, Any]:
        supplier = supplier_of(self.request.user)  # type: ignore[attr-defined]
        return {"supplier": supplier, "unlinked": supplier is None, "portal_tab": self.portal_tab}


# ---- open orders ----------------------------------------------------------------------------


class PortalHomeView(PortalMixin, HtmxPartialMixin, TemplateView):
    template_name = "suppliers/portal/home.html"
    partial_name = "results"
    portal_tab = "orders"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = PortalSearchForm(self.request.GET or None)
        orders = selectors.portal_open_orders(user, q=form.query())
        page = Paginator(orders, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            self.portal_context(),
            form=form,
            page_obj=page,
            orders=page.object_list,
            columns=OPEN_ORDER_COLUMNS,
            actions=selectors.portal_actions(user),
            status_styles=STATUS_STYLES,
            query=query_without(self.request, "page"),
        )
        return context


# ---- one order ------------------------------------------------------------------------------


def _portal_order(user: Any, number: str) -> selectors.PortalOrder:
    try:
        return selectors.portal_order(user, number)
    except PurchaseOrder.DoesNotExist as missing:
        raise Http404("No such purchase order.") from missing


def _order_id(user: Any, number: str) -> int:
    try:
        return selectors.portal_order_header(user, number).pk
    except PurchaseOrder.DoesNotExist as missing:
        raise Http404("No such purchase order.") from missing


def _portal_line(user: Any, number: str, line_id: int) -> PurchaseOrderLine:
    try:
        return selectors.portal_order_line(user, number, line_id).line
    except (PurchaseOrder.DoesNotExist, PurchaseOrderLine.DoesNotExist) as missing:
        raise Http404("No such purchase-order line.") from missing


def order_context(
    user: Any,
    number: str,
    *,
    propose_forms: dict[int, LineProposeForm] | None = None,
    line_notices: dict[int, str] | None = None,
    notice_form: ShippingNoticeForm | None = None,
    message_form: MessageForm | None = None,
) -> dict[str, Any]:
    """Everything the order page shows; a form given here replaces its blank one."""
    detail = _portal_order(user, number)
    propose_forms = propose_forms or {}
    line_notices = line_notices or {}
    to_announce = detail.lines_to_announce
    rows = [
        {
            "pl": pl,
            "form": propose_forms.get(pl.line.pk) or LineProposeForm.for_line(pl.line),
            "open_form": pl.line.pk in propose_forms,
            "notice": line_notices.get(pl.line.pk, ""),
        }
        for pl in detail.lines
    ]
    return {
        "detail": detail,
        "order": detail.order,
        "rows": rows,
        "notice_form": notice_form
        or ShippingNoticeForm(
            lines=[pl.line for pl in to_announce], initial={"shipped_on": timezone.localdate()}
        ),
        "to_announce": {pl.line.pk: pl.to_announce for pl in to_announce},
        "message_form": message_form or MessageForm(),
        "status_styles": STATUS_STYLES,
        "proposal_styles": PROPOSAL_STYLES,
        "today": timezone.localdate(),
    }


class PortalOrderView(PortalMixin, TemplateView):
    template_name = "suppliers/portal/order.html"
    portal_tab = "orders"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.portal_context())
        context.update(order_context(self.request.user, kwargs["number"]))
        return context


class OrderActionView(PortalMixin, View):
    """A POST on one order. Answers htmx with the named fragment of the order page (200, so
    htmx swaps it, messages included); a plain post with a redirect on success or the whole
    page with its messages (400)."""

    portal_tab = "orders"
    fragment = ""

    def answer(
        self,
        request: Any,
        number: str,
        *,
        success: str = "",
        error: str = "",
        line_id: int | None = None,
        **forms: Any,
    ) -> HttpResponse:
        if not request.htmx and success:
            messages.success(request, success)
            return redirect("portal:order", number=number)
        context = {
            **self.portal_context(),
            **order_context(request.user, number, **forms),
            "success": success,
            "error": error,
        }
        if request.htmx:
            if line_id is not None:
                context["row"] = next(r for r in context["rows"] if r["pl"].line.pk == line_id)
                return render(request, "suppliers/portal/_line.html", context)
            return render(request, f"suppliers/portal/order.html#{self.fragment}", context)
        if error:
            messages.error(request, error)
        return render(request, "suppliers/portal/order.html", context, status=400)


class AcknowledgeView(OrderActionView):
    fragment = "header"

    def post(self, request: Any, number: str) -> HttpResponse:
        order_id = _order_id(request.user, number)
        try:
            purchase_order_acknowledge(actor=request.user, order_id=order_id)
        except PortalRefused as refused:
            return self.answer(request, number, error=refused.message)
        return self.answer(request, number, success=f"{number} acknowledged. Thank you.")


class LineConfirmView(OrderActionView):
    def post(self, request: Any, number: str, line_id: int) -> HttpResponse:
        line_id = _portal_line(request.user, number, line_id).pk
        try:
            line_confirm(actor=request.user, line_id=line_id)
        except PortalRefused as refused:
            return self.answer(
                request,
                number,
                error=refused.message,
                line_id=line_id,
                line_notices={line_id: refused.message},
            )
        return self.answer(
            request,
            number,
            success="Line confirmed as requested.",
            line_id=line_id,
            line_notices={line_id: "Confirmed as requested."},
        )


class LineProposeView(OrderActionView):
    def post(self, request: Any, number: str, line_id: int) -> HttpResponse:
        line = _portal_line(request.user, number, line_id)
        form = LineProposeForm.for_line(line, request.POST)
        if form.is_valid():
            try:
                line_propose(
                    actor=request.user,
                    line_id=line.pk,
                    proposed_date=form.cleaned_data["proposed_date"],
                    proposed_quantity=form.cleaned_data["proposed_quantity"],
                    note=form.cleaned_data["note"],
                )
            except PortalRefused as refused:
                form.add_refusal(refused)
            else:
                return self.answer(
                    request,
                    number,
                    success="Proposal sent to the planner.",
                    line_id=line.pk,
                    line_notices={line.pk: "Proposal sent to the planner."},
                )
        return self.answer(request, number, line_id=line.pk, propose_forms={line.pk: form})


class ShippingNoticeView(OrderActionView):
    fragment = "asn"

    def post(self, request: Any, number: str) -> HttpResponse:
        detail = _portal_order(request.user, number)
        form = ShippingNoticeForm(request.POST, lines=[pl.line for pl in detail.lines_to_announce])
        if form.is_valid():
            try:
                notice = shipping_notice_create(
                    actor=request.user,
                    order_id=detail.order.pk,
                    number=form.cleaned_data["number"],
                    shipped_on=form.cleaned_data["shipped_on"],
                    expected_on=form.cleaned_data["expected_on"],
                    lines=form.notice_lines(),
                    carrier=form.cleaned_data["carrier"],
                    tracking=form.cleaned_data["tracking"],
                )
            except PortalRefused as refused:
                form.add_refusal(refused)
            else:
                return self.answer(
                    request, number, success=f"Shipping notice {notice.number} sent."
                )
        return self.answer(request, number, notice_form=form)


class MessagePostView(OrderActionView):
    fragment = "thread"

    def post(self, request: Any, number: str) -> HttpResponse:
        order_id = _order_id(request.user, number)
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                message_post(actor=request.user, order_id=order_id, body=form.cleaned_data["body"])
            except PortalRefused as refused:
                form.add_refusal(refused)
            else:
                return self.answer(request, number, success="Message sent.")
        return self.answer(request, number, message_form=form)


# ---- history, terms, scorecard --------------------------------------------------------------


class PortalReceiptsView(PortalMixin, HtmxPartialMixin, TemplateView):
    template_name = "suppliers/portal/receipts.html"
    partial_name = "results"
    portal_tab = "receipts"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = ReceiptFilterForm(
            self.request.GET or None, months=selectors.portal_receipt_months(user)
        )
        receipts = selectors.portal_receipts(user, month=form.chosen_month())
        page = Paginator(receipts, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            self.portal_context(),
            form=form,
            page_obj=page,
            receipts=page.object_list,
            columns=RECEIPT_COLUMNS,
            query=query_without(self.request, "page"),
        )
        return context


class PortalTermsView(PortalMixin, HtmxPartialMixin, TemplateView):
    template_name = "suppliers/portal/terms.html"
    partial_name = "results"
    portal_tab = "terms"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = TermsSearchForm(self.request.GET or None)
        items = selectors.portal_terms(self.request.user, q=form.query())
        page = Paginator(items, PAGE_SIZE * 2).get_page(self.request.GET.get("page"))
        context.update(
            self.portal_context(),
            form=form,
            page_obj=page,
            items=page.object_list,
            columns=TERM_COLUMNS,
            query=query_without(self.request, "page"),
        )
        return context


class PortalScorecardView(PortalMixin, TemplateView):
    template_name = "suppliers/portal/scorecard.html"
    portal_tab = "scorecard"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cards = selectors.portal_scorecards(self.request.user)
        rows = [
            {"card": card, "values": [_shown(card, field) for field, _, _ in SCORECARD_MEASURES]}
            for card in reversed(cards)
        ]
        chart = {
            "months": [f"{card.month:%Y-%m}" for card in cards],
            "measures": [
                {
                    "key": field,
                    "label": label,
                    "unit": unit,
                    "values": [_shown(card, field) for card in cards],
                }
                for field, label, unit in SCORECARD_MEASURES
            ],
        }
        context.update(
            self.portal_context(),
            cards=cards,
            latest=cards[-1] if cards else None,
            rows=rows,
            measures=SCORECARD_MEASURES,
            chart_data=chart,
        )
        return context


def _shown(card: Any, field: str) -> float | None:
    """A measure as the page shows it: rates and the price variance in percent, rounded."""
    value = getattr(card, field)
    if value is None:
        return None
    if field in PERCENT_MEASURES or field == "price_variance":
        return round(value * 100, 1)
    return round(value, 1)
