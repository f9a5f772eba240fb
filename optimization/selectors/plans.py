"""Read queries of the replenishment plan: the worklist of suggested orders, its counts, the
suggested transfers and the plan runs."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from optimization.models import (
    OPEN_SUGGESTION_STATUSES,
    PlanRun,
    SuggestedOrder,
    SuggestedTransfer,
    SuggestionStatus,
)


def suggestions() -> QuerySet[SuggestedOrder]:
    """Suggested orders with everything a worklist row shows (the people who edited and
    decided, the purchase order it became) read in the same query."""
    return SuggestedOrder.objects.select_related(
        "sku",
        "site",
        "supplier",
        "edited_by",
        "first_approved_by",
        "decided_by",
        "purchase_order_line__purchase_order",
    )


WORKLIST_SORTS = {
    "urgency": ("urgency_rank", "order_date", "sku__code"),
    "order_date": ("order_date", "urgency_rank", "sku__code"),
    "arrival": ("arrival_date", "sku__code"),
    "value": ("value", "sku__code"),
    "quantity": ("quantity", "sku__code"),
    "sku": ("sku__code", "site__code"),
    "site": ("site__code", "sku__code"),
    "supplier": ("supplier__code", "sku__code"),
    "stockout": ("stockout_date", "urgency_rank"),
}
WORKLIST_STATUS_GROUPS = {
    "open": OPEN_SUGGESTION_STATUSES,
    "all": tuple(SuggestionStatus.values),
}


@dataclass(frozen=True)
class WorklistFilters:
    """The worklist's filters. `status`: "open" (proposed, edited or awaiting a second
    approval; the default), "all", or one SuggestionStatus value."""

    q: str = ""
    site: int | None = None
    supplier: int | None = None
    abc: str = ""
    urgency: str = ""
    status: str = "open"
    sort: str = "urgency"
    descending: bool = False

    @classmethod
    def from_input(cls, data: Mapping[str, Any], *, descending: bool) -> "WorklistFilters":
        """The filters from a checked page form or API query (site and supplier as records);
        what was left out takes the default."""
        return cls(
            q=(data.get("q") or "").strip(),
            site=data["site"].pk if data.get("site") else None,
            supplier=data["supplier"].pk if data.get("supplier") else None,
            abc=data.get("abc") or "",
            urgency=data.get("urgency") or "",
            status=data.get("status") or cls.status,
            sort=data.get("sort") or cls.sort,
            descending=descending,
        )


def worklist(plan: PlanRun | None, filters: WorklistFilters) -> QuerySet[SuggestedOrder]:
    """The suggested orders of `plan` (none without a plan) that match the filters, sorted."""
    if plan is None:
        return SuggestedOrder.objects.none()
    # The daily projection is read only when a row is opened: sorting wide rows costs.
    rows = suggestions().filter(plan=plan).defer("projection", "price_breaks")
    if filters.q:
        rows = rows.filter(
            Q(sku__code__icontains=filters.q)
            | Q(sku__name__icontains=filters.q)
            | Q(site__code__icontains=filters.q)
            | Q(supplier__code__icontains=filters.q)
            | Q(supplier__name__icontains=filters.q)
        )
    if filters.site is not None:
        rows = rows.filter(site_id=filters.site)
    if filters.supplier is not None:
        rows = rows.filter(supplier_id=filters.supplier)
    if filters.abc:
        rows = rows.filter(abc_class=filters.abc)
    if filters.urgency:
        rows = rows.filter(urgency=filters.urgency)
    statuses = WORKLIST_STATUS_GROUPS.get(filters.status, (filters.status,))
    rows = rows.filter(status__in=statuses)
    order = WORKLIST_SORTS.get(filters.sort, WORKLIST_SORTS["urgency"])
    if filters.descending:
        order = tuple(f"-{term}" for term in order)
    return rows.order_by(*order, "pk")


def worklist_counts(plan: PlanRun | None) -> dict[str, Any]:
    """Counts by status and urgency (open ones) and the open value, for the worklist header."""
    if plan is None:
        return {"by_status": {}, "by_urgency": {}, "open_value": Decimal(0)}
    rows = SuggestedOrder.objects.filter(plan=plan)
    by_status = dict(rows.values_list("status").annotate(n=Count("pk")).order_by())
    open_rows = rows.filter(status__in=OPEN_SUGGESTION_STATUSES)
    by_urgency = dict(open_rows.values_list("urgency").annotate(n=Count("pk")).order_by())
    return {
        "by_status": by_status,
        "by_urgency": by_urgency,
        "open_value": open_rows.aggregate(v=Sum("value"))["v"] or Decimal(0),
    }


def suggested_transfers(plan: PlanRun | None) -> QuerySet[SuggestedTransfer]:
    """The transfers `plan` suggests (none without a plan)."""
    if plan is None:
        return SuggestedTransfer.objects.none()
    return SuggestedTransfer.objects.filter(plan=plan).select_related(
        "sku", "source", "destination"
    )


def plan_runs() -> QuerySet[PlanRun]:
    """Plan runs, newest first, with who started each."""
    return PlanRun.objects.select_related("created_by")


def plan_runs_with_progress() -> QuerySet[PlanRun]:
    """Plan runs with how many of their chunks have finished (`chunks_finished`), in one
    query: the run pages' progress bars and the API read it."""
    return (
        plan_runs()
        .annotate(chunks_finished=Count("chunks"))
        .order_by("-created_at", "-pk")  # (a GROUP BY query drops the model's ordering)
    )
