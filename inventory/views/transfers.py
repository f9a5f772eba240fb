"""Transfer orders for the warehouse: the list, a new order by hand, and one order's page with
its picks, its movements and the button of its next step (pick, with the first-expiry-first
preview and the lots that may be picked instead; ship; receive; cancel).

Each step posts to inventory.services.transfers. For htmx, a refusal answers with the steps
panel again (the form and what is wrong) and a success reloads the page (status, picks and
movements all change); without htmx, a refusal renders the page again (400) and a success
redirects to it."""

from abc import ABC, abstractmethod
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseClientRefresh

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from common.errors import DomainError
from common.tables import Column
from common.views import HtmxPartialMixin, NotFoundMixin, query_without
from inventory.forms.transfers import (
    TransferCancelForm,
    TransferOrderFilterForm,
    TransferOrderForm,
    TransferPickForm,
)
from inventory.models import TRANSFER_PICKABLE_STATUSES, TransferOrder, TransferOrderStatus
from inventory.selectors import transfers as selectors
from inventory.services.transfers import (
    transfer_order_cancel,
    transfer_order_create,
    transfer_order_pick,
    transfer_order_receive,
    transfer_order_ship,
)

PAGE_SIZE = 50
TEMPLATE = "inventory/transfer_order_detail.html"

TRANSFER_STATUS_STYLES = {
    TransferOrderStatus.OPEN: "secondary",
    TransferOrderStatus.PICKED: "info",
    TransferOrderStatus.SHIPPED: "warning",
    TransferOrderStatus.RECEIVED: "success",
    TransferOrderStatus.CANCELLED: "light border",
}

TRANSFER_COLUMNS = (
    Column("Order", sort="number"),
    Column("Created", sort="created"),
    Column("SKU", sort="sku"),
    Column("From", sort="source"),
    Column("To", sort="destination"),
    Column("Quantity", sort="quantity", align="end"),
    Column("Status", sort="status"),
    Column("Origin"),
)


def _order_or_404(pk: int) -> TransferOrder:
    try:
        return selectors.transfer_order_detail(pk)
    except TransferOrder.DoesNotExist as missing:
        raise Http404("No such transfer order.") from missing


class TransferOrderListView(CapabilityRequiredMixin, HtmxPartialMixin, TemplateView):
    required_capability = Capability.MOVE_STOCK
    template_name = "inventory/transfer_orders.html"
    partial_name = "results"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = TransferOrderFilterForm(self.request.GET or None)
        filters = form.filters()
        page = Paginator(selectors.transfer_orders(filters), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context.update(
            form=form,
            page_obj=page,
            orders=page.object_list,
            columns=TRANSFER_COLUMNS,
            filtered=bool(filters.q or filters.status or filters.site),
            status_styles=TRANSFER_STATUS_STYLES,
            query=query_without(self.request, "page"),
            sort_query=query_without(self.request, "page", "sort", "desc"),
        )
        return context


class TransferOrderCreateView(CapabilityRequiredMixin, View):
    """A transfer by hand: the form, then the new order's page."""

    required_capability = Capability.MOVE_STOCK
    template_name = "inventory/transfer_order_form.html"

    def get(self, request: Any) -> HttpResponse:
        return render(request, self.template_name, {"form": TransferOrderForm()})

    def post(self, request: Any) -> HttpResponse:
        form = TransferOrderForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                order = transfer_order_create(
                    actor=request.user,
                    sku=data["sku"],
                    source=data["source"],
                    destination=data["destination"],
                    quantity=data["quantity"],
                    reason=data["reason"],
                )
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                messages.success(
                    request,
                    f"Transfer order {order.number} opened: {order.quantity:,} units of "
                    f"{order.sku.code} from {order.source.code} to {order.destination.code}. "
                    "Pick it next.",
                )
                return redirect("inventory:transfer_order_detail", pk=order.pk)
        return render(request, self.template_name, {"form": form}, status=400)


def _steps_context(
    request: Any,
    order: TransferOrder,
    *,
    pick_form: Form | None = None,
    cancel_form: Form | None = None,
    error: str = "",
) -> dict[str, Any]:
    today = timezone.localdate()
    preview = (
        selectors.pick_preview(order, today=today)
        if order.status in TRANSFER_PICKABLE_STATUSES
        else None
    )
    if pick_form is None and preview is not None:
        # The inputs start at what is picked already, else at what FEFO would take.
        picked = {p.source_lot_id: p.quantity for p in selectors.transfer_order_picks(order)}
        pick_form = TransferPickForm(
            lots=preview.lots,
            initial={f"lot_{lot_id}": units for lot_id, units in (picked or preview.fefo).items()},
            auto_id="pick-%s",
        )
    return {
        "order": order,
        "statuses": TransferOrderStatus,
        "status_styles": TRANSFER_STATUS_STYLES,
        "can_pick": order.status in TRANSFER_PICKABLE_STATUSES,
        "preview": preview,
        # The rows of the form's own lots (a posted form keeps the lots it was checked with).
        "pick_rows": [
            (lot, pick_form[f"lot_{lot.pk}"], preview.fefo.get(lot.pk, 0))
            for lot in getattr(pick_form, "lots", [])
        ]
        if preview is not None
        else [],
        "pick_form": pick_form,
        "cancel_form": cancel_form or TransferCancelForm(auto_id="cancel-%s"),
        "arrival": today + timedelta(days=order.destination.transit_days),
        "error": error,
    }


def _page_context(request: Any, order: TransferOrder, **steps: Any) -> dict[str, Any]:
    return {
        **_steps_context(request, order, **steps),
        "picks": selectors.transfer_order_picks(order),
        "movements": selectors.transfer_order_movements(order),
    }


class TransferOrderDetailView(CapabilityRequiredMixin, TemplateView):
    required_capability = Capability.MOVE_STOCK
    template_name = TEMPLATE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(_page_context(self.request, _order_or_404(kwargs["pk"])))
        return context


class _TransferStep(CapabilityRequiredMixin, NotFoundMixin, View, ABC):
    """POST: one step of a transfer order, answered as the module docstring says."""

    required_capability = Capability.MOVE_STOCK
    http_method_names = ["post"]
    form_key = ""  # the context name of the step's form, when it has one

    def form(self, request: Any, order: TransferOrder) -> Form | None:
        return None

    @abstractmethod
    def act(self, request: Any, order: TransferOrder, form: Any) -> str:
        """Call the service; return the notice to show."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        order = _order_or_404(pk)
        form = self.form(request, order)
        steps: dict[str, Any] = {self.form_key: form} if self.form_key else {}
        if form is None or form.is_valid():
            try:
                notice = self.act(request, order, form)
            except DomainError as refused:
                if form is not None and hasattr(form, "add_refusal"):
                    form.add_refusal(refused)
                else:
                    steps["error"] = refused.message
            else:
                messages.success(request, notice)
                if request.htmx:
                    return HttpResponseClientRefresh()
                return redirect("inventory:transfer_order_detail", pk=pk)
        order = _order_or_404(pk)
        if request.htmx:
            return render(request, f"{TEMPLATE}#steps", _steps_context(request, order, **steps))
        return render(request, TEMPLATE, _page_context(request, order, **steps), status=400)


class TransferOrderPickView(_TransferStep):
    form_key = "pick_form"

    def form(self, request: Any, order: TransferOrder) -> Form:
        preview = selectors.pick_preview(order, today=timezone.localdate())
        return TransferPickForm(request.POST, lots=preview.lots, auto_id="pick-%s")

    def act(self, request: Any, order: TransferOrder, form: Any) -> str:
        order = transfer_order_pick(actor=request.user, order=order, picks=form.picks())
        lots = order.picks.count()
        return f"{order.number} picked: {order.quantity:,} units from {lots} lot(s). Ship it next."


class TransferOrderShipView(_TransferStep):
    def act(self, request: Any, order: TransferOrder, form: Any) -> str:
        order = transfer_order_ship(actor=request.user, order=order)
        return (
            f"{order.number} shipped: {order.quantity:,} units left {order.source.code} and are "
            f"in transit to {order.destination.code}."
        )


class TransferOrderReceiveView(_TransferStep):
    def act(self, request: Any, order: TransferOrder, form: Any) -> str:
        order = transfer_order_receive(actor=request.user, order=order)
        return f"{order.number} received at {order.destination.code}: {order.quantity:,} units."


class TransferOrderCancelView(_TransferStep):
    form_key = "cancel_form"

    def form(self, request: Any, order: TransferOrder) -> Form:
        return TransferCancelForm(request.POST, auto_id="cancel-%s")

    def act(self, request: Any, order: TransferOrder, form: Any) -> str:
        order = transfer_order_cancel(
            actor=request.user, order=order, reason=form.cleaned_data["reason"]
        )
        return f"{order.number} cancelled."
