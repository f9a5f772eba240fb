"""The planners' replenishment pages: the worklist of the current plan's suggested orders (edit,
reject, signed approval), its transfers, and the plan runs that compute it.

Every suggestion is one `<tbody>` of the worklist table (its row and, below it, a slot for the
details, the edit form or the reject form). Each action answers with that `<tbody>` again, so
htmx swaps the one suggestion in place; approval answers with the dialog's content and the
changed suggestions out of band. Business rules stay in optimization.services.approvals and .plans:
these views map their refusals onto the forms.
"""

import json
import uuid
from itertools import islice
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseStopPolling

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability, user_can
from accounts.selectors import signature_manifestations
from accounts.sessions import signature_inputs, signing_identified
from common.errors import DomainError, ReasonRequired
from common.views import ExportMixin, HtmxPartialMixin, NotFoundMixin, query_without
from inventory.selectors.transfers import orders_for_suggestions
from inventory.services.transfers import TransferOrderExists
from optimization.forms.policies import (
    ApprovalForm,
    SuggestionEditForm,
    SuggestionRejectForm,
    WorklistFilterForm,
)
from optimization.models import (
    URGENCY_RANK,
    PlanRun,
    PlanRunStatus,
    SuggestedOrder,
    SuggestedTransfer,
    SuggestionStatus,
    Urgency,
)
from optimization.selectors import plans as selectors
from optimization.services.approvals import (
    approval_limit,
    change_errors,
    suggestion_edit,
    suggestion_reject,
    suggestions_approve,
)
from optimization.services.plans import PlanRunRefused, current_plan, plan_run_start
from optimization.services.transfers import suggested_transfer_order_create

PAGE_SIZE = 50
RECENT_RUNS = 10
FINISHED = (PlanRunStatus.SUCCEEDED, PlanRunStatus.FAILED)
UNDER_WAY = (PlanRunStatus.PENDING, PlanRunStatus.RUNNING)

URGENCY_STYLES = {
    Urgency.CRITICAL: "danger",
    Urgency.HIGH: "warning",
    Urgency.NORMAL: "secondary",
}
STATUS_STYLES = {
    SuggestionStatus.PROPOSED: "secondary",
    SuggestionStatus.EDITED: "info",
    SuggestionStatus.AWAITING_SECOND: "warning",
    SuggestionStatus.APPROVED: "success",
    SuggestionStatus.REJECTED: "dark",
}
URGENCIES = sorted(Urgency.values, key=lambda value: URGENCY_RANK[value])


def _base_context(request: Any) -> dict[str, Any]:
    return {
        "can_plan": user_can(request.user, Capability.PLAN),
        "urgency_styles": URGENCY_STYLES,
        "status_styles": STATUS_STYLES,
    }


def _counts_context(plan: PlanRun | None) -> dict[str, Any]:
    counts = selectors.worklist_counts(plan)
    return {
        "counts": counts,
        "open_total": sum(counts["by_urgency"].values()),
        "status_counts": [
            (value, label, counts["by_status"].get(value, 0))
            for value, label in SuggestionStatus.choices
        ],
        "urgency_counts": [(value, counts["by_urgency"].get(value, 0)) for value in URGENCIES],
    }


# ---- the worklist -----------------------------------------------------------------------------


class WorklistView(CapabilityRequiredMixin, ExportMixin, HtmxPartialMixin, TemplateView):
    """The current plan's suggested orders, most urgent first, with their decisions."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "optimization/worklist.html"
    partial_name = "results"
    export_name = "suggested-orders"

    def export_rows(self) -> tuple[list[str], Any]:
        rows = selectors.worklist(current_plan(), WorklistFilterForm(self.request.GET).filters())
        headers = [
            "sku_code",
            "sku_name",
            "site_code",
            "supplier_code",
            "supplier_name",
            "urgency",
            "abc",
            "status",
            "quantity",
            "suggested_quantity",
            "order_date",
            "arrival_date",
            "stockout_date",
            "unit_price",
            "value",
            "reason",
            "edit_reason",
            "edited_by",
            "decided_by",
            "decision_reason",
            "purchase_order",
            "signatures",
        ]

        def with_signatures(suggestions: Any, size: int = 2000) -> Any:
            """Each suggestion with its signatures in words, read a batch at a time."""
            while batch := list(islice(suggestions, size)):
                signed = signature_manifestations(SuggestedOrder, [row.pk for row in batch])
                yield from ((row, signed.get(str(row.pk), "")) for row in batch)

        lines = (
            [
                row.sku.code,
                row.sku.name,
                row.site.code,
                row.supplier.code,
                row.supplier.name,
                row.urgency,
                row.abc_class,
                row.status,
                row.quantity,
                row.suggested_quantity,
                row.order_date,
                row.arrival_date,
                row.stockout_date,
                row.unit_price,
                row.value,
                row.reason,
                row.edit_reason,
                row.edited_by.get_full_name() if row.edited_by else "",
                row.decided_by.get_full_name() if row.decided_by else "",
                row.decision_reason,
                row.purchase_order_line.purchase_order.number if row.purchase_order_line else "",
                signatures,
            ]
            for row, signatures in with_signatures(rows.iterator(chunk_size=2000))
        )
        return headers, lines

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plan = current_plan()
        form = WorklistFilterForm(self.request.GET)
        page = Paginator(selectors.worklist(plan, form.filters()), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context.update(
            _base_context(self.request),
            **_counts_context(plan),
            plan=plan,
            form=form,
            page_obj=page,
            suggestions=page.object_list,
            latest_run=selectors.plan_runs_with_progress().first(),
            query=query_without(self.request, "page"),
            sort_query=query_without(self.request, "page", "sort", "desc"),
            export_query=query_without(self.request, "page", "export"),
        )
        return context


def render_suggestion(
    request: Any,
    suggestion: SuggestedOrder,
    *,
    show: str = "",
    form: Any = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    """One suggestion as the worklist shows it: for htmx its `<tbody>` (with the counts out of
    band after a change), otherwise a page of its own."""
    context = {
        **_base_context(request),
        "s": suggestion,
        "show": show,
        "form": form,
        "notice": notice,
    }
    if show == "detail":
        context.update(chart=_projection_chart(suggestion), chart_id=f"projection-{suggestion.pk}")
    if request.htmx:
        if notice:
            context.update(_counts_context(suggestion.plan), counts_oob=True)
        return render(request, "optimization/_worklist_item.html", context)
    context["current"] = suggestion.plan_id == getattr(current_plan(), "pk", None)
    return render(request, "optimization/worklist_suggestion.html", context, status=status)


def _projection_chart(suggestion: SuggestedOrder) -> dict[str, Any] | None:
    projection = suggestion.projection or {}
    if not projection.get("without"):
        return None
    return {
        "start": projection.get("start"),
        "without": projection.get("without", []),
        "with": projection.get("with", []),
        "reorder_point": projection.get("reorder_point", suggestion.reorder_point),
        "safety_stock": projection.get("safety_stock", suggestion.safety_stock),
    }


class SuggestionDetailView(CapabilityRequiredMixin, View):
    """One suggestion with why it is suggested and its projected stock; `?show=` picks what
    opens under the row (detail, or nothing: the row alone)."""

    required_capability = Capability.VIEW_OPERATIONS

    def get(self, request: Any, pk: int) -> HttpResponse:
        suggestion = get_object_or_404(selectors.suggestions(), pk=pk)
        show = request.GET.get("show", "detail")
        return render_suggestion(request, suggestion, show="detail" if show == "detail" else "")


class SuggestionEditView(CapabilityRequiredMixin, View):
    """The inline edit of quantity and order date; nothing is saved when the service refuses."""

    required_capability = Capability.PLAN

    def get(self, request: Any, pk: int) -> HttpResponse:
        suggestion = get_object_or_404(selectors.suggestions(), pk=pk)
        form = SuggestionEditForm(
            auto_id=f"s{pk}-%s",
            initial={
                "quantity": suggestion.quantity,
                "order_date": suggestion.order_date,
                "version": suggestion.version,
            },
        )
        return render_suggestion(request, suggestion, show="edit", form=form)

    def post(self, request: Any, pk: int) -> HttpResponse:
        suggestion = get_object_or_404(selectors.suggestions(), pk=pk)
        form = SuggestionEditForm(request.POST, auto_id=f"s{pk}-%s")
        if form.is_valid():
            try:
                suggestion_edit(
                    actor=request.user,
                    suggestion_id=suggestion.pk,
                    quantity=form.cleaned_data["quantity"],
                    order_date=form.cleaned_data["order_date"],
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            except ReasonRequired as refused:
                # Say at once what else is wrong, so one correction is enough.
                form.add_refusal(
                    DomainError(
                        refused.message,
                        fields={
                            **change_errors(
                                suggestion,
                                quantity=form.cleaned_data["quantity"],
                                order_date=form.cleaned_data["order_date"],
                                today=timezone.localdate(),
                            ),
                            "reason": [refused.message],
                        },
                    )
                )
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                return _saved(request, pk, "Change saved.")
        return render_suggestion(request, suggestion, show="edit", form=form, status=400)


class SuggestionRejectView(CapabilityRequiredMixin, View):
    """Decide not to order, with the reason."""

    required_capability = Capability.PLAN

    def get(self, request: Any, pk: int) -> HttpResponse:
        suggestion = get_object_or_404(selectors.suggestions(), pk=pk)
        form = SuggestionRejectForm(auto_id=f"s{pk}-%s", initial={"version": suggestion.version})
        return render_suggestion(request, suggestion, show="reject", form=form)

    def post(self, request: Any, pk: int) -> HttpResponse:
        suggestion = get_object_or_404(selectors.suggestions(), pk=pk)
        form = SuggestionRejectForm(request.POST, auto_id=f"s{pk}-%s")
        if form.is_valid():
            try:
                suggestion_reject(
                    actor=request.user,
                    suggestion_id=suggestion.pk,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                return _saved(request, pk, "Rejected.")
        return render_suggestion(request, suggestion, show="reject", form=form, status=400)


def _saved(request: Any, pk: int, notice: str) -> HttpResponse:
    if request.htmx:
        return render_suggestion(request, selectors.suggestions().get(pk=pk), notice=notice)
    messages.success(request, notice)
    return redirect("optimization:suggestion_detail", pk=pk)


# ---- signed approval --------------------------------------------------------------------------


def _chosen(data: Any) -> tuple[list[int], dict[int, int]]:
    """The suggestion ids of a request (`ids`) and the version each was seen at (`version-<id>`)."""
    ids: list[int] = []
    for value in data.getlist("ids"):
        if str(value).isdigit() and int(value) not in ids:
            ids.append(int(value))
    versions = {}
    for pk in ids:
        seen = str(data.get(f"version-{pk}", ""))
        if seen.isdigit():
            versions[pk] = int(seen)
    return ids, versions


class ApproveView(CapabilityRequiredMixin, View):
    """The signature dialog (GET: its content, with a new idempotency key each time it opens)
    and the approval itself (POST). A bulk approval signs every chosen row at once."""

    required_capability = Capability.PLAN

    def get(self, request: Any) -> HttpResponse:
        ids, versions = _chosen(request.GET)
        form = ApprovalForm(initial={"idempotency_key": uuid.uuid4().hex})
        return self._dialog(request, ids, versions, form)

    def post(self, request: Any) -> HttpResponse:
        ids, versions = _chosen(request.POST)
        form = ApprovalForm(request.POST)
        if form.is_valid():
            try:
                outcome = suggestions_approve(
                    actor=request.user,
                    suggestion_ids=ids,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    expected_versions=versions,
                    reason=form.cleaned_data["reason"],
                    **signature_inputs(request, form.cleaned_data["password"]),
                )
            except DomainError as refused:
                form.add_refusal(refused)
            else:
                signing_identified(request)
                return self._approved(request, ids, outcome)
        return self._dialog(request, ids, versions, form, status=400)

    def _dialog(
        self, request: Any, ids: list[int], versions: dict[int, int], form: Any, status: int = 200
    ) -> HttpResponse:
        chosen = list(
            selectors.suggestions().filter(pk__in=ids).order_by("urgency_rank", "sku__code")
        )
        context = {
            **_base_context(request),
            "form": form,
            "chosen": [(s, versions.get(s.pk, s.version)) for s in chosen],
            "total": sum(s.value for s in chosen),
            "limit": approval_limit(request.user),
            "signer": request.user,
        }
        template = "optimization/_worklist_approve.html"
        if not request.htmx:
            template = "optimization/worklist_approve.html"
            context["cancel_url"] = reverse("optimization:worklist")
        # htmx swaps 200 answers only: a refused dialog comes back with its messages as 200.
        return render(request, template, context, status=200 if request.htmx else status)

    def _approved(self, request: Any, ids: list[int], outcome: Any) -> HttpResponse:
        summary = _outcome_text(outcome)
        if not request.htmx:
            messages.success(request, summary)
            return redirect(reverse("optimization:worklist") + "?status=all")
        changed = list(selectors.suggestions().filter(pk__in=ids))
        plan = changed[0].plan if changed else current_plan()
        context = {
            **_base_context(request),
            **_counts_context(plan),
            "outcome": outcome,
            "summary": summary,
            "changed": changed,
            "counts_oob": True,
        }
        response = render(request, "optimization/_worklist_approved.html", context)
        response["HX-Trigger"] = json.dumps({"worklist:approved": {"ids": ids}})
        return response


def _outcome_text(outcome: Any) -> str:
    parts = []
    if outcome.approved:
        parts.append(
            f"{len(outcome.approved)} approved into purchase order"
            f"{'s' if len(outcome.purchase_orders) > 1 else ''} "
            + ", ".join(outcome.purchase_orders)
        )
    if outcome.awaiting_second:
        parts.append(
            f"{len(outcome.awaiting_second)} awaiting a second approval (above your limit)"
        )
    text = "; ".join(parts) + "."
    if outcome.replayed:
        text += " (This request had already been carried out; nothing was approved twice.)"
    return text[0].upper() + text[1:]


# ---- transfers and plan runs ------------------------------------------------------------------


class TransferListView(CapabilityRequiredMixin, TemplateView):
    """The current plan's suggested transfers: surplus stock moved before buying new."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "optimization/worklist_transfers.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plan = current_plan()
        page = Paginator(selectors.suggested_transfers(plan), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context.update(
            plan=plan,
            page_obj=page,
            transfers=page.object_list,
            orders=orders_for_suggestions(t.pk for t in page.object_list),
            query=query_without(self.request, "page"),
        )
        return context


class TransferOrderCreateView(CapabilityRequiredMixin, NotFoundMixin, View):
    """POST: turn one suggested transfer into a transfer order for the warehouse. A suggestion
    that already has one answers with that order instead of a second. For htmx, the row comes
    back with the order (or the refusal); otherwise a message and the list again."""

    required_capability = Capability.PLAN
    http_method_names = ["post"]

    def post(self, request: Any, pk: int) -> HttpResponse:
        order, notice, error = None, "", ""
        try:
            order = suggested_transfer_order_create(actor=request.user, suggestion_id=pk)
        except TransferOrderExists as exists:
            order, error = exists.order, exists.message
        except DomainError as refused:
            error = refused.message
        else:
            notice = f"Transfer order {order.number} opened for the warehouse to pick and ship."
        if request.htmx:
            transfer = get_object_or_404(
                SuggestedTransfer.objects.select_related("sku", "source", "destination"), pk=pk
            )
            return render(
                request,
                "optimization/_transfer_row.html",
                {"t": transfer, "order": order, "notice": notice, "error": error},
            )
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
        return redirect("optimization:plan_transfers")


class PlanRunListView(CapabilityRequiredMixin, TemplateView):
    """Recent plan runs with live progress for the one under way."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "optimization/worklist_runs.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            _base_context(self.request),
            plan=current_plan(),
            runs=selectors.plan_runs_with_progress()[:RECENT_RUNS],
        )
        return context


class PlanRunStartView(CapabilityRequiredMixin, View):
    required_capability = Capability.PLAN
    http_method_names = ["post"]

    def post(self, request: Any) -> HttpResponse:
        try:
            run = plan_run_start(actor=request.user)
        except PlanRunRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                f"Plan run {run.pk} started for {run.keys_total:,} SKU-sites "
                f"in {run.chunks_total} chunk{'s' if run.chunks_total != 1 else ''}.",
            )
        return redirect("optimization:plan_runs")


class PlanRunProgressView(CapabilityRequiredMixin, View):
    """The progress fragment of one plan run; htmx polls it until the run has finished."""

    required_capability = Capability.VIEW_OPERATIONS

    def get(self, request: Any, pk: int) -> HttpResponse:
        run = get_object_or_404(selectors.plan_runs_with_progress(), pk=pk)
        html = render_to_string(
            "optimization/_worklist_run_progress.html", {"run": run}, request=request
        )
        if run.status in FINISHED and request.htmx:
            stop = HttpResponseStopPolling(html)
            stop["HX-Refresh"] = "true"  # show the new current plan
            return stop
        return HttpResponse(html)
