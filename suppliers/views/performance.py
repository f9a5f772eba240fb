"""Supplier performance pages for planners: every supplier compared on one month's scorecard
(table and charts), one supplier's measures over time, and the lines behind its figures
(late lines, rejected receipts). Scorecards are computed by a job
(suppliers.services.scorecards); the pages only read them."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability, user_can
from common.views import HtmxPartialMixin, query_without
from suppliers.forms.planner import PerformanceForm
from suppliers.models import Supplier, SupplierScorecard
from suppliers.selectors import purchase_orders as selectors

HISTORY_MONTHS = 12  # the comparison's OTIF chart
SUPPLIER_HISTORY_MONTHS = 24  # one supplier's page
DRILL_DOWN_PAGE_SIZE = 25
GRADE_STYLES = {"A": "success", "B": "info", "C": "warning", "D": "danger"}
GRADE_COLOURS = {"A": "#198754", "B": "#0dcaf0", "C": "#ffc107", "D": "#dc3545"}


@dataclass(frozen=True)
class PerformanceRow:
    """A scorecard with its rates as percentages, as the table shows them."""

    card: SupplierScorecard

    @property
    def otif(self) -> float | None:
        return _percent(self.card.otif_rate)

    @property
    def on_time(self) -> float | None:
        return _percent(self.card.on_time_rate)

    @property
    def in_full(self) -> float | None:
        return _percent(self.card.in_full_rate)

    @property
    def quality(self) -> float | None:
        return _percent(self.card.quality_acceptance_rate)

    @property
    def price(self) -> float | None:
        return _percent(self.card.price_variance)

    @property
    def slower_than_agreed(self) -> bool:
        mean, agreed = self.card.lead_time_mean, self.card.agreed_lead_time
        return mean is not None and agreed is not None and mean > agreed


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


class PerformanceView(CapabilityRequiredMixin, HtmxPartialMixin, TemplateView):
    """All suppliers compared for one month (the latest computed unless another is chosen)."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "suppliers/performance.html"
    partial_name = "results"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = PerformanceForm(self.request.GET or None, months=selectors.scorecard_months(user))
        month, sort, descending = form.chosen()
        scorecards = (
            list(selectors.scorecards_of_month(user, month, sort=sort, descending=descending))
            if month
            else []
        )
        context.update(
            form=form,
            month=month,
            rows=[PerformanceRow(card) for card in scorecards],
            grade_styles=GRADE_STYLES,
            can_plan=user_can(user, Capability.PLAN),
            sort_query=query_without(self.request, "sort", "desc"),
        )
        if month and not self.request.htmx:
            context["charts"] = comparison_charts(user, month, scorecards)
        return context


def comparison_charts(
    user: Any, month: date, scorecards: list[SupplierScorecard]
) -> dict[str, Any]:
    """Chart data: the month's score by supplier (best first), and each supplier's OTIF over
    the twelve months to it (percent; null where a month had no lines due)."""
    ranked = sorted(
        (card for card in scorecards if card.score is not None),
        key=lambda card: (-(card.score or 0), card.supplier.code),
    )
    months = selectors.month_range(month, HISTORY_MONTHS)
    otif: dict[str, dict[date, float | None]] = {}
    for card in selectors.scorecard_history(user, until=month, months=HISTORY_MONTHS):
        otif.setdefault(card.supplier.code, {})[card.month] = _percent(card.otif_rate)
    return {
        "score": {
            "labels": [card.supplier.code for card in ranked],
            "scores": [_rounded(card.score) for card in ranked],
            "colours": [GRADE_COLOURS.get(card.grade, "#6c757d") for card in ranked],
        },
        "otif": {
            "labels": [f"{first:%Y-%m}" for first in months],
            "series": [
                {"label": code, "data": [by_month.get(first) for first in months]}
                for code, by_month in sorted(otif.items())
            ],
        },
    }


class PerformanceRecomputeView(CapabilityRequiredMixin, View):
    """Recompute the last twelve months' scorecards now (the job also runs every month)."""

    required_capability = Capability.PLAN

    def post(self, request: Any) -> HttpResponse:
        from suppliers.tasks import compute_scorecards

        compute_scorecards.delay_on_commit()
        messages.success(
            request,
            "Scorecards of the last twelve months are being recomputed; "
            "the figures change when the job has finished.",
        )
        return redirect("suppliers:performance")


def _month_param(value: str | None) -> date | None:
    try:
        chosen = date.fromisoformat(value or "")
    except ValueError:
        return None
    return chosen.replace(day=1)


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


class SupplierPerformanceView(CapabilityRequiredMixin, HtmxPartialMixin, TemplateView):
    """One supplier's measures month by month, and the lines behind them: late lines or
    rejected receipts (`?show=`), all or one month's (`?month=`), a page at a time."""

    required_capability = Capability.VIEW_OPERATIONS
    template_name = "suppliers/supplier_performance.html"
    partial_name = "drilldown"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        supplier = get_object_or_404(Supplier, pk=kwargs["supplier_id"])
        show = "rejected" if self.request.GET.get("show") == "rejected" else "late"
        month = _month_param(self.request.GET.get("month"))
        end = _month_end(month) if month else None
        if show == "late":
            rows = selectors.late_lines(
                supplier, today=timezone.localdate(), due_from=month, due_to=end
            )
        else:
            rows = selectors.rejected_receipts(supplier, received_from=month, received_to=end)
        page = Paginator(rows, DRILL_DOWN_PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            supplier=supplier,
            show=show,
            drill_month=month,
            page_obj=page,
            rows=page.object_list,
            query=query_without(self.request, "page"),
            grade_styles=GRADE_STYLES,
        )
        if not self.request.htmx:
            months = selectors.scorecard_months(user)
            history = (
                selectors.scorecard_history(
                    user, until=months[0], months=SUPPLIER_HISTORY_MONTHS, supplier=supplier
                )
                if months
                else []
            )
            context.update(history=list(reversed(history)), charts=supplier_charts(history))
        return context


def supplier_charts(history: list[SupplierScorecard]) -> dict[str, Any]:
    """One supplier's rates (percent), score and lead time (days) by month, oldest first."""
    return {
        "labels": [f"{card.month:%Y-%m}" for card in history],
        "otif": [_percent(card.otif_rate) for card in history],
        "on_time": [_percent(card.on_time_rate) for card in history],
        "in_full": [_percent(card.in_full_rate) for card in history],
        "quality": [_percent(card.quality_acceptance_rate) for card in history],
        "score": [_rounded(card.score) for card in history],
        "lead_time_mean": [_rounded(card.lead_time_mean) for card in history],
        "lead_time_std": [_rounded(card.lead_time_std) for card in history],
        "agreed_lead_time": [_rounded(card.agreed_lead_time) for card in history],
    }
