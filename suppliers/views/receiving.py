"""The warehouse's receiving pages: what can be received (open orders and shipping notices not
yet received), a goods receipt for one order or one notice, and what a receipt put into stock.

The receipt form posts every row at once to suppliers.services.receiving.goods_receipt_post:
all rows are received or none, and a refusal comes back onto the rows it names.
"""

from abc import ABC, abstractmethod
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from common.errors import DomainError
from common.tables import Column
from common.views import HtmxPartialMixin, NotFoundMixin, query_without
from inventory.models import LotStatus
from suppliers.forms.receiving import GoodsReceiptForm, ReceivingFilterForm
from suppliers.models import RECEIVABLE_PO_STATUSES, PurchaseOrder, ShippingNotice
from suppliers.selectors import receiving as selectors
from suppliers.services.receiving import goods_receipt_post
from suppliers.views.purchase_orders import STATUS_STYLES

PAGE_SIZE = 50

ORDER_COLUMNS = (
    Column("Order"),
    Column("Supplier"),
    Column("Destination"),
    Column("Status"),
    Column("Expected"),
    Column("Open lines", align="end"),
    Column("Open units", align="end"),
    Column("Notices waiting", align="end"),
    Column(""),
)
NOTICE_COLUMNS = (
    Column("Shipping notice"),
    Column("Order"),
    Column("Supplier"),
    Column("Destination"),
    Column("Shipped"),
    Column("Expected"),
    Column("Lines", align="end"),
    Column("Units", align="end"),
    Column(""),
)


class ReceivingView(CapabilityRequiredMixin, HtmxPartialMixin, TemplateView):
    """Open orders and announced shipments, soonest expected first, filtered by destination
    site and supplier and searched by order or notice number."""

    required_capability = Capability.MOVE_STOCK
    template_name = "suppliers/receiving.html"
    partial_name = "results"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = ReceivingFilterForm(self.request.GET or None)
        filters, tab = form.filters(), form.tab()
        orders = selectors.receivable_orders(self.request.user, filters)
        notices = selectors.notices_to_receive(self.request.user, filters)
        rows = orders if tab == "orders" else notices
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        base = query_without(self.request, "page", "show")
        context.update(
            form=form,
            tab=tab,
            page_obj=page,
            rows=page.object_list,
            columns=ORDER_COLUMNS if tab == "orders" else NOTICE_COLUMNS,
            counts={"orders": orders.count(), "notices": notices.count()},
            tab_queries={
                name: "&".join(part for part in (base, f"show={name}") if part)
                for name in ("orders", "notices")
            },
            filtered=bool(filters.q or filters.site or filters.supplier),
            status_styles=STATUS_STYLES,
            query=query_without(self.request, "page"),
        )
        return context


RECEIPT_TEMPLATE = "suppliers/receipt_form.html"


class _ReceiptFormView(NotFoundMixin, CapabilityRequiredMixin, TemplateView, ABC):
    required_capability = Capability.MOVE_STOCK
    template_name = RECEIPT_TEMPLATE

    @abstractmethod
    def receipt_context(self, pk: int, data: Any = None) -> dict[str, Any]:
        """The form's context for the order or notice `pk`, bound to `data` when posted."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.receipt_context(kwargs["pk"]))
        return context

    def post(self, request: Any, pk: int) -> HttpResponse:
        context = {**super().get_context_data(pk=pk), **self.receipt_context(pk, request.POST)}
        form: GoodsReceiptForm | None = context["receipt_form"]
        if form is None:  # nothing can be received here (any more): the page says why
            return self.render_to_response(context, status=400)
        if form.is_valid():
            try:
                received = goods_receipt_post(
                    actor=request.user,
                    order=context["order"],
                    rows=form.receipt_rows(),
                    notice=context.get("notice"),
                )
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                url = reverse("suppliers:receipt_summary", kwargs={"pk": received.order.pk})
                ids = urlencode([("receipt", receipt.pk) for receipt in received.receipts])
                return redirect(f"{url}?{ids}")
        return self.render_to_response(context, status=400)


def _receivable(order: PurchaseOrder) -> bool:
    return order.status in RECEIVABLE_PO_STATUSES


def _not_receivable(order: PurchaseOrder) -> str:
    """Why nothing can be received on `order`, or "" when goods can be."""
    if not _receivable(order):
        return (
            f"Nothing can be received on {order.number}: it is "
            f"{order.get_status_display().lower()}. Goods are received on sent, acknowledged "
            "or partly received orders."
        )
    return ""


def _notice_received(notice: ShippingNotice) -> str:
    if notice.received_at is None:
        return ""
    by = notice.received_by
    who = f" by {by.get_full_name() or by.get_username()}" if by is not None else ""
    return (
        f"Shipping notice {notice.number} was received on "
        f"{timezone.localtime(notice.received_at):%Y-%m-%d %H:%M}{who}."
    )


class ReceiveOrderView(_ReceiptFormView):
    """A goods receipt against one purchase order: a row for each line with units open."""

    def receipt_context(self, pk: int, data: Any = None) -> dict[str, Any]:
        try:
            order = selectors.order_to_receive(self.request.user, pk)
        except PurchaseOrder.DoesNotExist as missing:
            raise Http404("No such purchase order.") from missing
        blocked = _not_receivable(order)
        lines = [] if blocked else selectors.open_lines(order)
        if not blocked and not lines:
            blocked = f"Every line of {order.number} is received in full."
        return {
            "order": order,
            "notice": None,
            "blocked": blocked,
            "status_styles": STATUS_STYLES,
            "receipt_form": GoodsReceiptForm(data, lines=lines) if lines else None,
            "waiting_notices": order.shipping_notices.filter(received_at__isnull=True).order_by(
                "expected_on", "pk"
            ),
        }


class ReceiveNoticeView(_ReceiptFormView):
    """A goods receipt of one shipping notice, prefilled with the lots, expiries and units the
    supplier announced (one row per notice line), each editable."""

    def receipt_context(self, pk: int, data: Any = None) -> dict[str, Any]:
        try:
            notice = selectors.notice_to_receive(self.request.user, pk)
        except ShippingNotice.DoesNotExist as missing:
            raise Http404("No such shipping notice.") from missing
        order = notice.purchase_order
        blocked = _notice_received(notice) or _not_receivable(order)
        items = [] if blocked else selectors.notice_lines(notice)
        if not blocked and not items:
            blocked = f"Shipping notice {notice.number} announces no lines to receive."
        return {
            "order": order,
            "notice": notice,
            "blocked": blocked,
            "status_styles": STATUS_STYLES,
            "receipt_form": GoodsReceiptForm(data, notice_lines=items) if items else None,
        }


class ReceiptSummaryView(NotFoundMixin, CapabilityRequiredMixin, TemplateView):
    """What a receipt put into stock (the receipts named in the query, else all of the
    order's): each lot with its status, quarantined lots first to catch the eye."""

    required_capability = Capability.MOVE_STOCK
    template_name = "suppliers/receipt_summary.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            order = selectors.order_to_receive(self.request.user, kwargs["pk"])
        except PurchaseOrder.DoesNotExist as missing:
            raise Http404("No such purchase order.") from missing
        ids = [int(value) for value in self.request.GET.getlist("receipt") if value.isdigit()]
        receipts = list(selectors.receipts_of_order(order, ids))
        quarantined = [
            r for r in receipts if r.quantity_accepted and r.lot.status == LotStatus.QUARANTINE
        ]
        context.update(
            order=order,
            receipts=receipts,
            just_received=bool(ids),
            quarantined=quarantined,
            status_styles=STATUS_STYLES,
            totals={
                "received": sum(r.quantity_received for r in receipts),
                "accepted": sum(r.quantity_accepted for r in receipts),
                "rejected": sum(r.quantity_rejected for r in receipts),
            },
            receivable=_receivable(order),
        )
        return context
