"""Cycle counts for the warehouse (inventory.services.counts): the list, a new count, the
count sheet (a blind count: no book figures, on the page, in print or in the export), and the
review of a submitted count with book, counted, difference and value, approved by a second
person with a reason.

Refusals come back on the form that was posted: for htmx the form's part of the page, without
htmx the page again with status 400. Success redirects (htmx: a client redirect) to where
the count goes next."""

from abc import ABC, abstractmethod
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseClientRedirect

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from common.errors import DomainError
from common.tables import Column
from common.views import ExportMixin, HtmxPartialMixin, query_without
from inventory.forms.counts import (
    CountDecisionForm,
    CycleCountCreateForm,
    CycleCountFilterForm,
    CycleCountSheetForm,
)
from inventory.models import CycleCount, CycleCountStatus
from inventory.selectors import counts as selectors
from inventory.services.counts import (
    cycle_count_approve,
    cycle_count_cancel,
    cycle_count_create,
    cycle_count_record,
)

PAGE_SIZE = 50
STATUS_STYLES = {
    CycleCountStatus.OPEN: "primary",
    CycleCountStatus.COUNTED: "warning",
    CycleCountStatus.APPROVED: "success",
    CycleCountStatus.CANCELLED: "secondary",
}
COUNT_COLUMNS = (
    Column("Count"),
    Column("Site"),
    Column("Scope"),
    Column("Counted lines", align="end"),
    Column("Created (UTC)"),
    Column("By"),
    Column("Status"),
)
SHEET_TEMPLATE = "inventory/count_sheet.html"
REVIEW_TEMPLATE = "inventory/count_review.html"


def _count_or_404(pk: int) -> CycleCount:
    try:
        return selectors.cycle_count(pk)
    except CycleCount.DoesNotExist as missing:
        raise Http404("No such cycle count.") from missing


def _done(request: Any, url: str, notice: str) -> HttpResponse:
    messages.success(request, notice)
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


class CycleCountListView(CapabilityRequiredMixin, HtmxPartialMixin, TemplateView):
    required_capability = Capability.MOVE_STOCK
    template_name = "inventory/counts.html"
    partial_name = "results"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = CycleCountFilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        site = data.get("site")
        status = data.get("status") or ""
        page = Paginator(
            selectors.cycle_counts(site_id=site.pk if site else None, status=status), PAGE_SIZE
        ).get_page(self.request.GET.get("page"))
        context.update(
            form=form,
            filtered=bool(site or status),
            page_obj=page,
            counts=page.object_list,
            columns=COUNT_COLUMNS,
            status_styles=STATUS_STYLES,
            query=query_without(self.request, "page"),
        )
        return context


class CycleCountCreateView(CapabilityRequiredMixin, View):
    """GET: the form; POST: open the count, then go to its sheet."""

    required_capability = Capability.MOVE_STOCK
    template_name = "inventory/count_new.html"

    def get(self, request: Any) -> HttpResponse:
        return render(request, self.template_name, {"form": CycleCountCreateForm()})

    def post(self, request: Any) -> HttpResponse:
        form = CycleCountCreateForm(request.POST)
        if form.is_valid():
            try:
                count = cycle_count_create(
                    actor=request.user,
                    site=form.cleaned_data["site"],
                    zone=form.cleaned_data["zone"],
                    storage_unit=form.cleaned_data["storage_unit"],
                )
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                lines = count.lines.count()
                return _done(
                    request,
                    reverse("inventory:count_sheet", kwargs={"pk": count.pk}),
                    f"Count {count.number} opened: {lines} lot(s) to count at {count.site.code}.",
                )
        if request.htmx:
            return render(request, f"{self.template_name}#create_form", {"form": form})
        return render(request, self.template_name, {"form": form}, status=400)


class CycleCountSheetView(CapabilityRequiredMixin, ExportMixin, TemplateView):
    """The count sheet: GET shows it (or ?export=csv|xlsx downloads it), POST saves the counted
    quantities, and with action=submit hands the count over for approval. No book figure is
    read into this view's context."""

    required_capability = Capability.MOVE_STOCK
    template_name = SHEET_TEMPLATE

    def export_rows(self) -> tuple[list[str], Any]:
        count = _count_or_404(self.kwargs["pk"])
        self.export_name = f"cycle-count-{count.number}"
        headers = [
            "count",
            "site",
            "location",
            "sku_code",
            "sku_name",
            "lot_number",
            "expiry_date",
            "counted_quantity",
        ]
        rows = (
            [
                count.number,
                count.site.code,
                line.location,
                line.sku_code,
                line.sku_name,
                line.lot_number,
                line.expiry_date,
                line.counted,
            ]
            for line in selectors.sheet_lines(count)
        )
        return headers, rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(_sheet_context(_count_or_404(kwargs["pk"])))
        return context

    def post(self, request: Any, pk: int) -> HttpResponse:
        count = _count_or_404(pk)
        form = CycleCountSheetForm(request.POST, lines=selectors.sheet_lines(count))
        submit = request.POST.get("action") == "submit"
        if form.is_valid():
            try:
                count = cycle_count_record(
                    actor=request.user, count=count, quantities=form.quantities(), submit=submit
                )
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                if submit:
                    return _done(
                        request,
                        reverse("inventory:count_review", kwargs={"pk": pk}),
                        f"Count {count.number} submitted: a colleague reviews and approves it.",
                    )
                return _done(
                    request,
                    reverse("inventory:count_sheet", kwargs={"pk": pk}),
                    f"Count {count.number} saved; carry on where you left off.",
                )
        context = _sheet_context(_count_or_404(pk), form=form)
        if request.htmx:
            return render(request, f"{SHEET_TEMPLATE}#sheet", context)
        return render(request, SHEET_TEMPLATE, context, status=400)


class CycleCountPrintView(CapabilityRequiredMixin, View):
    """The sheet on paper, to count with a pen: locations, SKUs, lots, expiry, an empty box."""

    required_capability = Capability.MOVE_STOCK

    def get(self, request: Any, pk: int) -> HttpResponse:
        count = _count_or_404(pk)
        return render(
            request,
            "inventory/count_print.html",
            {"count": count, "lines": selectors.sheet_lines(count)},
        )


def _sheet_context(count: CycleCount, **forms: Form) -> dict[str, Any]:
    lines = selectors.sheet_lines(count)
    return {
        "count": count,
        "form": forms.get("form") or CycleCountSheetForm(lines=lines),
        "editable": count.status == CycleCountStatus.OPEN,
        "counted_lines": sum(1 for line in lines if line.counted is not None),
        "status_styles": STATUS_STYLES,
        "cancel_form": forms.get("cancel_form") or CountDecisionForm(auto_id="cancel-%s"),
    }


def _review_context(request: Any, count: CycleCount, **forms: Form) -> dict[str, Any]:
    review = selectors.count_review(count)
    counters = {row.line.counted_by_id for row in review.lines} | {count.counted_by_id}
    return {
        "count": count,
        "review": review,
        "status_styles": STATUS_STYLES,
        "is_counter": request.user.pk in counters,
        "approve_form": forms.get("approve_form") or CountDecisionForm(auto_id="approve-%s"),
        "cancel_form": forms.get("cancel_form") or CountDecisionForm(auto_id="cancel-%s"),
    }


class CycleCountReviewView(CapabilityRequiredMixin, View):
    """A submitted count with its book figures; an open count sends the visitor to its sheet,
    so the book is never shown while counting."""

    required_capability = Capability.MOVE_STOCK

    def get(self, request: Any, pk: int) -> HttpResponse:
        count = _count_or_404(pk)
        if count.status == CycleCountStatus.OPEN or (
            count.status == CycleCountStatus.CANCELLED and count.counted_at is None
        ):
            return redirect("inventory:count_sheet", pk=pk)
        return render(request, REVIEW_TEMPLATE, _review_context(request, count))


class _CountDecisionView(CapabilityRequiredMixin, View, ABC):
    """POST: approve or cancel a count with a reason."""

    required_capability = Capability.MOVE_STOCK
    http_method_names = ["post"]
    form_key = ""

    @abstractmethod
    def decide(self, request: Any, count: CycleCount, reason: str) -> str:
        """Take the decision and say what was done."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        count = _count_or_404(pk)
        form = CountDecisionForm(request.POST, auto_id=f"{self.form_key.split('_')[0]}-%s")
        if form.is_valid():
            try:
                notice = self.decide(request, count, form.cleaned_data["reason"])
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                return _done(request, reverse("inventory:count_review", kwargs={"pk": pk}), notice)
        count = _count_or_404(pk)
        if count.status == CycleCountStatus.OPEN:
            template = SHEET_TEMPLATE
            context = _sheet_context(count, **{self.form_key: form})
        else:
            template = REVIEW_TEMPLATE
            context = _review_context(request, count, **{self.form_key: form})
        if request.htmx:
            return render(request, f"{template}#{self.form_key}", context)
        return render(request, template, context, status=400)


class CycleCountApproveView(_CountDecisionView):
    form_key = "approve_form"

    def decide(self, request: Any, count: CycleCount, reason: str) -> str:
        count = cycle_count_approve(actor=request.user, count=count, reason=reason)
        adjusted = count.lines.exclude(adjustment=None).count()
        return f"Count {count.number} approved: {adjusted} lot(s) adjusted."


class CycleCountCancelView(_CountDecisionView):
    form_key = "cancel_form"

    def decide(self, request: Any, count: CycleCount, reason: str) -> str:
        count = cycle_count_cancel(actor=request.user, count=count, reason=reason)
        return f"Count {count.number} cancelled; nothing was adjusted."
