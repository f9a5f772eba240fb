"""Read queries of the suppliers app; what a user may see is decided here."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.models import Signature
from accounts.roles import Capability, user_can
from accounts.services import canonical_content_hash
from inventory.models import Site
from suppliers.models import (
    LineProposal,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderMessage,
    PurchaseOrderStatus,
    Receipt,
    ShippingNotice,
    ShippingNoticeLine,
    Supplier,
    SupplierItem,
    SupplierScorecard,
    SupplierUser,
)


def open_order_quantities(
    *, sku_id: int | None = None, site_id: int | None = None
) -> dict[tuple[int, int], int]:
    """Units still to arrive on open purchase orders, by (sku_id, destination site_id)."""
    lines = PurchaseOrderLine.objects.to_arrive()
    if sku_id is not None:
        lines = lines.filter(sku_id=sku_id)
    if site_id is not None:
        lines = lines.filter(purchase_order__destination_id=site_id)
    rows = (
        lines.values("sku_id", "purchase_order__destination_id")
        .annotate(open=Sum(F("quantity") - F("received_quantity")))
        .values_list("sku_id", "purchase_order__destination_id", "open")
    )
    return {(sku, site): int(units) for sku, site, units in rows if units}


# ---- purchase orders: what a user may see -----------------------------------------------------

PURCHASE_ORDER_SORTS = {
    "created": ("created_at", "pk"),
    "number": ("number",),
    "supplier": ("supplier__code", "number"),
    "destination": ("destination__code", "number"),
    "status": ("status", "number"),
    "ordered_on": ("ordered_on", "number"),
    "expected_on": ("expected_on", "number"),
    "value": ("total_value", "number"),
    "lines": ("line_count", "number"),
}


@dataclass(frozen=True)
class PurchaseOrderFilters:
    q: str = ""
    status: str = ""
    supplier: Supplier | None = None
    destination: Site | None = None
    sort: str = "created"
    descending: bool = True


def supplier_of(user: Any) -> Supplier | None:
    """The supplier a portal user acts for (None: not a supplier user, or one whose account
    is not linked to a supplier yet). Read once per user object."""
    if user is None or not user.is_authenticated or not user_can(user, Capability.SUPPLIER_PORTAL):
        return None
    if not hasattr(user, "_supplier_cache"):
        link = SupplierUser.objects.select_related("supplier").filter(user=user).first()
        user._supplier_cache = link.supplier if link else None
    return user._supplier_cache


# Orders a supplier sees: from the moment they are sent, never drafts or approvals in progress.
SUPPLIER_VISIBLE_STATUSES = (
    PurchaseOrderStatus.SENT,
    PurchaseOrderStatus.ACKNOWLEDGED,
    PurchaseOrderStatus.PARTIALLY_RECEIVED,
    PurchaseOrderStatus.RECEIVED,
    PurchaseOrderStatus.CANCELLED,
)


def purchase_orders_for(user: Any) -> QuerySet[PurchaseOrder]:
    """The purchase orders `user` may see: every order for users who may view operations; a
    supplier user, their own supplier's orders once sent; none for anyone else."""
    if user_can(user, Capability.VIEW_OPERATIONS):
        return PurchaseOrder.objects.all()
    supplier = supplier_of(user)
    if supplier is not None:
        return PurchaseOrder.objects.filter(supplier=supplier, status__in=SUPPLIER_VISIBLE_STATUSES)
    return PurchaseOrder.objects.none()


def purchase_orders_with_lines(user: Any) -> QuerySet[PurchaseOrder]:
    """The orders `user` may see, newest first, each with its supplier, destination and lines
    (with their SKUs) read up front."""
    lines = PurchaseOrderLine.objects.select_related("sku").order_by("pk")
    return (
        purchase_orders_for(user)
        .select_related("supplier", "destination")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-created_at", "-pk")
    )


def purchase_order_line(pk: int) -> PurchaseOrderLine:
    """One line as just changed, with its SKU and order, to answer the change with."""
    return PurchaseOrderLine.objects.select_related("sku", "purchase_order").get(pk=pk)


def purchase_order_lines_for(user: Any) -> QuerySet[PurchaseOrderLine]:
    return PurchaseOrderLine.objects.filter(purchase_order__in=purchase_orders_for(user))


def receipts_for(user: Any) -> QuerySet[Receipt]:
    return Receipt.objects.filter(line__purchase_order__in=purchase_orders_for(user))


def supplier_items_for(user: Any) -> QuerySet[SupplierItem]:
    """Supplier terms: all for operations users, a supplier user's own only."""
    if user_can(user, Capability.VIEW_OPERATIONS):
        return SupplierItem.objects.all()
    supplier = supplier_of(user)
    if supplier is not None:
        return SupplierItem.objects.filter(supplier=supplier)
    return SupplierItem.objects.none()


def scorecards_for(user: Any) -> QuerySet[SupplierScorecard]:
    """Scorecards: all for operations users, a supplier user's own only."""
    if user_can(user, Capability.VIEW_OPERATIONS):
        return SupplierScorecard.objects.all()
    supplier = supplier_of(user)
    if supplier is not None:
        return SupplierScorecard.objects.filter(supplier=supplier)
    return SupplierScorecard.objects.none()


def purchase_order_list(user: Any, filters: PurchaseOrderFilters) -> QuerySet[PurchaseOrder]:
    """The orders `user` may see that match the filters, with their line count and value,
    sorted by a whitelisted column."""
    money = DecimalField(max_digits=20, decimal_places=2)
    line_value = ExpressionWrapper(
        F("lines__quantity") * F("lines__unit_price"), output_field=money
    )
    orders = (
        purchase_orders_for(user)
        .select_related("supplier", "destination")
        .annotate(
            line_count=Count("lines"),
            total_value=Coalesce(Sum(line_value), Value(Decimal(0)), output_field=money),
        )
    )
    if filters.q:
        orders = orders.filter(
            Q(number__icontains=filters.q)
            | Q(supplier__code__icontains=filters.q)
            | Q(supplier__name__icontains=filters.q)
        )
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.supplier is not None:
        orders = orders.filter(supplier=filters.supplier)
    if filters.destination is not None:
        orders = orders.filter(destination=filters.destination)
    order = PURCHASE_ORDER_SORTS.get(filters.sort, PURCHASE_ORDER_SORTS["created"])
    if filters.descending:
        order = tuple(f"-{term}" for term in order)
    return orders.order_by(*order, "-pk" if filters.descending else "pk")


@dataclass(frozen=True)
class SignatureLine:
    printed_name: str
    signed_at: Any  # an aware datetime; shown in UTC
    meaning: str
    reason: str
    covers: str = "suggestion"  # what was signed: "suggestion" or "order line"
    matches: bool | None = None  # for order-line signatures: are the signed terms still the line's?


@dataclass(frozen=True)
class PurchaseOrderLineView:
    line: PurchaseOrderLine
    value: Decimal
    suggestion: Any  # the SuggestedOrder the line came from, or None
    suggestion_signatures: list[SignatureLine]
    term_signatures: list[SignatureLine]  # on the line's own terms, each checked against them

    @property
    def signatures(self) -> list[SignatureLine]:
        return sorted(
            [*self.suggestion_signatures, *self.term_signatures], key=lambda s: s.signed_at
        )

    @property
    def terms_signed(self) -> bool:
        """The line's current terms carry a valid approval signature."""
        return any(signature.matches for signature in self.term_signatures)


@dataclass(frozen=True)
class PurchaseOrderView:
    order: PurchaseOrder
    lines: list[PurchaseOrderLineView]
    total_quantity: int
    total_received: int
    total_value: Decimal

    @property
    def signatures(self) -> list[SignatureLine]:
        return [signature for line in self.lines for signature in line.signatures]

    @property
    def lines_awaiting_reapproval(self) -> int:
        return sum(1 for view in self.lines if view.line.reapproval_required)


def purchase_order_detail(user: Any, pk: int) -> PurchaseOrderView:
    """One order `user` may see with its lines, the suggestion each line came from, that
    suggestion's signatures and the signatures on the line's own terms (each checked against
    the terms now), in four queries. Raises PurchaseOrder.DoesNotExist for an order out of
    scope."""
    order = (
        purchase_orders_for(user).select_related("supplier", "destination", "created_by").get(pk=pk)
    )
    lines = list(
        order.lines.select_related(
            "sku", "amended_by", "suggestion__site", "suggestion__sku", "suggestion__decided_by"
        ).order_by("pk")
    )
    for line in lines:
        line.purchase_order = order
    suggestions = {line.pk: getattr(line, "suggestion", None) for line in lines}
    by_suggestion = _signatures_on(
        ContentType.objects.get_by_natural_key("optimization", "suggestedorder"),
        {str(s.pk): None for s in suggestions.values() if s is not None},
        covers="suggestion",
    )
    by_line = _signatures_on(
        ContentType.objects.get_for_model(PurchaseOrderLine),
        {str(line.pk): canonical_content_hash(line) for line in lines},
        covers="order line",
    )
    views = []
    for line in lines:
        suggestion = suggestions[line.pk]
        views.append(
            PurchaseOrderLineView(
                line=line,
                value=Decimal(line.quantity) * line.unit_price,
                suggestion=suggestion,
                suggestion_signatures=[]
                if suggestion is None
                else by_suggestion.get(str(suggestion.pk), []),
                term_signatures=by_line.get(str(line.pk), []),
            )
        )
    return PurchaseOrderView(
        order=order,
        lines=views,
        total_quantity=sum(line.quantity for line in lines),
        total_received=sum(line.received_quantity for line in lines),
        total_value=sum((view.value for view in views), Decimal(0)),
    )


def _signatures_on(
    content_type: ContentType, current_hashes: dict[str, str | None], *, covers: str
) -> dict[str, list[SignatureLine]]:
    """Signatures on records of one kind, oldest first, by the record's pk as text (as
    Signature keeps it). `current_hashes` maps each pk to its content hash now, to check each
    signature against, or to None where the check means nothing. (Suggestions are looked up by
    name: the optimization app is not imported here.)"""
    if not current_hashes:
        return {}
    rows = Signature.objects.filter(
        content_type=content_type, object_pk__in=list(current_hashes)
    ).order_by("signed_at", "pk")
    found: dict[str, list[SignatureLine]] = {}
    for row in rows:
        current = current_hashes[row.object_pk]
        found.setdefault(row.object_pk, []).append(
            SignatureLine(
                printed_name=row.signer_full_name,
                signed_at=row.signed_at,
                meaning=row.get_meaning_display(),
                reason=row.reason,
                covers=covers,
                matches=None if current is None else row.content_hash == current,
            )
        )
    return found


# ---- planner side of the portal: what happened on one order -----------------------------------


@dataclass(frozen=True)
class PurchaseOrderExchanges:
    """What the supplier and the planners said and did on one order, beside its lines."""

    proposals_by_line: dict[int, list[LineProposal]]  # newest first
    shipping_notices: list[ShippingNotice]  # `.lines` prefetched, with their order line's SKU
    messages: list[PurchaseOrderMessage]  # oldest first


def purchase_order_exchanges(order: PurchaseOrder) -> PurchaseOrderExchanges:
    """The proposals, shipping notices and messages of an order the caller already got through
    purchase_orders_for(), in three queries (four with notices)."""
    proposals: dict[int, list[LineProposal]] = {}
    for proposal in LineProposal.objects.filter(line__purchase_order=order).select_related(
        "proposed_by", "decided_by"
    ):
        proposals.setdefault(proposal.line_id, []).append(proposal)
    notice_lines = ShippingNoticeLine.objects.select_related("line__sku").order_by("pk")
    notices = list(
        ShippingNotice.objects.filter(purchase_order=order)
        .select_related("created_by")
        .prefetch_related(Prefetch("lines", queryset=notice_lines))
    )
    messages = list(
        PurchaseOrderMessage.objects.filter(purchase_order=order).select_related("author")
    )
    return PurchaseOrderExchanges(
        proposals_by_line=proposals, shipping_notices=notices, messages=messages
    )


# ---- supplier performance -----------------------------------------------------------------------

# Sort keys of the performance table: the columns, nulls last either way.
SCORECARD_SORTS = {
    "supplier": "supplier__code",
    "otif": "otif_rate",
    "on_time": "on_time_rate",
    "in_full": "in_full_rate",
    "quality": "quality_acceptance_rate",
    "lead_time": "lead_time_mean",
    "lead_time_std": "lead_time_std",
    "lead_time_trend": "lead_time_trend",
    "price": "price_variance",
    "ack": "acknowledgement_hours",
    "score": "score",
    "grade": "grade",
}


def scorecard_months(user: Any) -> list[date]:
    """The months with computed scorecards that `user` may see, newest first."""
    return list(scorecards_for(user).order_by("-month").values_list("month", flat=True).distinct())


def scorecards_of_month(
    user: Any, month: date, *, sort: str = "score", descending: bool = True
) -> QuerySet[SupplierScorecard]:
    """Every supplier's scorecard for `month` that `user` may see, sorted by a whitelisted
    column (empty values last)."""
    column = SCORECARD_SORTS.get(sort, SCORECARD_SORTS["score"])
    term = F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    return (
        scorecards_for(user)
        .filter(month=month)
        .select_related("supplier")
        .order_by(term, "supplier__code")
    )


def scorecard_history(
    user: Any, *, until: date, months: int = 12, supplier: Supplier | None = None
) -> list[SupplierScorecard]:
    """The scorecards of the `months` months up to `until` (a first of month), oldest first,
    for one supplier or all that `user` may see."""
    first = _months_before(until, months - 1)
    rows = scorecards_for(user).filter(month__gte=first, month__lte=until)
    if supplier is not None:
        rows = rows.filter(supplier=supplier)
    return list(rows.select_related("supplier").order_by("month", "supplier__code"))


def month_range(until: date, months: int) -> list[date]:
    """The first days of the `months` months ending with `until`'s month, oldest first."""
    return [_months_before(until, back) for back in range(months - 1, -1, -1)]


def _months_before(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


# Orders whose lines count against a supplier: placed with them (not drafts or cancelled).
_ORDERED = ~Q(purchase_order__status__in=(PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.CANCELLED))


def late_lines(
    supplier: Supplier, *, today: date, due_from: date | None = None, due_to: date | None = None
) -> QuerySet[PurchaseOrderLine]:
    """Lines of the supplier's orders whose agreed date (confirmed, else requested, else the
    order's expected date) has passed without the agreed quantity (confirmed, else ordered)
    received by that date: the lines that are not on time in full. Each row carries `due`,
    `agreed`, `received_by_due` and `last_received_on`; most recently due first."""
    received_by_due = (
        Receipt.objects.filter(line=OuterRef("pk"), received_on__lte=OuterRef("due"))
        .values("line")
        .annotate(units=Sum("quantity_received"))
        .values("units")[:1]
    )
    last_received = (
        Receipt.objects.filter(line=OuterRef("pk"))
        .order_by("-received_on")
        .values("received_on")[:1]
    )
    lines = (
        PurchaseOrderLine.objects.filter(_ORDERED, purchase_order__supplier=supplier)
        .annotate(
            due=Coalesce("confirmed_date", "requested_date", "purchase_order__expected_on"),
            agreed=Coalesce("confirmed_quantity", "quantity"),
        )
        .annotate(
            received_by_due=Coalesce(Subquery(received_by_due), Value(0)),
            last_received_on=Subquery(last_received),
        )
        .filter(due__lt=today, received_by_due__lt=F("agreed"))
    )
    if due_from is not None:
        lines = lines.filter(due__gte=due_from)
    if due_to is not None:
        lines = lines.filter(due__lte=due_to)
    return lines.select_related("purchase_order", "sku").order_by("-due", "-pk")


def rejected_receipts(
    supplier: Supplier, *, received_from: date | None = None, received_to: date | None = None
) -> QuerySet[Receipt]:
    """Receipts from the supplier where quality accepted fewer units than arrived, newest
    first, each with `quantity_rejected`."""
    receipts = Receipt.objects.filter(
        line__purchase_order__supplier=supplier, quantity_accepted__lt=F("quantity_received")
    ).annotate(quantity_rejected=F("quantity_received") - F("quantity_accepted"))
    if received_from is not None:
        receipts = receipts.filter(received_on__gte=received_from)
    if received_to is not None:
        receipts = receipts.filter(received_on__lte=received_to)
    return receipts.select_related("line__purchase_order", "line__sku").order_by(
        "-received_on", "-pk"
    )


def proposals_for(user: Any) -> QuerySet[LineProposal]:
    """Supplier proposals on the lines of orders `user` may see."""
    return LineProposal.objects.filter(line__purchase_order__in=purchase_orders_for(user))
