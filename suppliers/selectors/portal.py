"""What the supplier portal reads. Every query starts from the scoped selectors in
`suppliers.selectors.purchase_orders` and is narrowed once more to the user's own supplier,
so a user who also holds an operations role still sees only their own supplier's business
here."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from suppliers.models import (
    LineProposal,
    ProposalStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderMessage,
    PurchaseOrderStatus,
    Receipt,
    ShippingNotice,
    ShippingNoticeLine,
    SupplierItem,
    SupplierScorecard,
)
from suppliers.selectors.purchase_orders import (
    purchase_order_lines_for,
    purchase_orders_for,
    receipts_for,
    scorecards_for,
    supplier_items_for,
    supplier_of,
)
from suppliers.services.portal import SUPPLIER_ACTIONABLE

# What the portal lists as open: orders the supplier still has to act on or deliver.
PORTAL_OPEN_STATUSES = SUPPLIER_ACTIONABLE
SCORECARD_MONTHS = 12
_REJECTED = F("quantity_received") - F("quantity_accepted")


def portal_orders(user: Any) -> QuerySet[PurchaseOrder]:
    """The orders of the user's own supplier that the user may see (none when unlinked)."""
    supplier = supplier_of(user)
    if supplier is None:
        return PurchaseOrder.objects.none()
    return purchase_orders_for(user).filter(supplier=supplier)


def portal_open_orders(user: Any, *, q: str = "") -> QuerySet[PurchaseOrder]:
    """Open orders with what each still needs from the supplier; unacknowledged first, then by
    expected date."""
    orders = portal_orders(user).filter(status__in=PORTAL_OPEN_STATUSES)
    if q:
        orders = orders.filter(number__icontains=q)
    return (
        orders.select_related("destination")
        .annotate(
            line_count=Count("lines", distinct=True),
            unconfirmed_lines=Count(
                "lines", filter=Q(lines__confirmed_date__isnull=True), distinct=True
            ),
            pending_proposals=Count(
                "lines__proposals",
                filter=Q(lines__proposals__status=ProposalStatus.PENDING),
                distinct=True,
            ),
            needs_acknowledgement=Case(
                When(status=PurchaseOrderStatus.SENT, acknowledged_at__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("needs_acknowledgement", "expected_on", "number")
    )


@dataclass(frozen=True)
class PortalActions:
    to_acknowledge: int
    lines_to_confirm: int
    pending_proposals: int

    @property
    def total(self) -> int:
        return self.to_acknowledge + self.lines_to_confirm


def portal_actions(user: Any) -> PortalActions:
    """How much waits for the supplier on their open orders (and for the planner, the
    proposals), in three small counts."""
    open_orders = portal_orders(user).filter(status__in=PORTAL_OPEN_STATUSES)
    lines = PurchaseOrderLine.objects.filter(purchase_order__in=open_orders)
    return PortalActions(
        to_acknowledge=open_orders.filter(
            status=PurchaseOrderStatus.SENT, acknowledged_at__isnull=True
        ).count(),
        lines_to_confirm=lines.filter(confirmed_date__isnull=True)
        .exclude(proposals__status=ProposalStatus.PENDING)
        .count(),
        pending_proposals=LineProposal.objects.filter(
            line__in=lines, status=ProposalStatus.PENDING
        ).count(),
    )


@dataclass(frozen=True)
class PortalLine:
    line: PurchaseOrderLine
    proposals: list[LineProposal]  # newest first
    announced: int  # units on the order's shipping notices so far

    @property
    def pending(self) -> LineProposal | None:
        return next((p for p in self.proposals if p.status == ProposalStatus.PENDING), None)

    @property
    def to_announce(self) -> int:
        return max(self.line.open_quantity - self.announced, 0)


@dataclass(frozen=True)
class PortalOrder:
    order: PurchaseOrder
    lines: list[PortalLine]
    notices: list[ShippingNotice]
    receipts: Sequence[Receipt]
    messages: list[PurchaseOrderMessage]

    @property
    def actionable(self) -> bool:
        return self.order.status in PORTAL_OPEN_STATUSES

    @property
    def can_acknowledge(self) -> bool:
        return self.order.status == PurchaseOrderStatus.SENT and self.order.acknowledged_at is None

    @property
    def lines_to_announce(self) -> list[PortalLine]:
        return [line for line in self.lines if line.to_announce > 0]


def portal_order(user: Any, number: str) -> PortalOrder:
    """One of the user's own orders by its number, with everything the order page shows.
    Raises PurchaseOrder.DoesNotExist for any other number."""
    order = (
        portal_orders(user)
        .select_related("destination", "supplier", "acknowledged_by")
        .get(number=number)
    )
    lines = _portal_lines(user, order)
    notices = list(
        ShippingNotice.objects.filter(purchase_order=order).prefetch_related(
            Prefetch("lines", queryset=ShippingNoticeLine.objects.select_related("line__sku"))
        )
    )
    receipts = list(
        receipts_for(user)
        .filter(line__purchase_order=order)
        .annotate(quantity_rejected=_REJECTED)
        .select_related("line__sku")
        .order_by("-received_on", "-pk")
    )
    messages = list(order.messages.select_related("author").order_by("created_at", "pk"))
    return PortalOrder(
        order=order, lines=lines, notices=notices, receipts=receipts, messages=messages
    )


def portal_order_header(user: Any, number: str) -> PurchaseOrder:
    """The order alone (for the actions). Raises PurchaseOrder.DoesNotExist out of scope."""
    return portal_orders(user).select_related("destination", "acknowledged_by").get(number=number)


def portal_order_line(user: Any, number: str, line_id: int) -> PortalLine:
    """One line of one of the user's own orders. Raises PurchaseOrderLine.DoesNotExist when
    the order is not theirs or the line is not on it."""
    order = portal_orders(user).get(number=number)
    lines = _portal_lines(user, order, line_id=line_id)
    if not lines:
        raise PurchaseOrderLine.DoesNotExist("No such line on this order.")
    return lines[0]


def _portal_lines(
    user: Any, order: PurchaseOrder, *, line_id: int | None = None
) -> list[PortalLine]:
    lines = (
        purchase_order_lines_for(user)
        .filter(purchase_order=order)
        .select_related("sku", "purchase_order")
        .prefetch_related(
            Prefetch(
                "proposals",
                queryset=LineProposal.objects.select_related("decided_by").order_by(
                    "-proposed_at", "-pk"
                ),
            )
        )
        .annotate(announced=Coalesce(Sum("shipping_notice_lines__quantity"), Value(0)))
        .order_by("pk")
    )
    if line_id is not None:
        lines = lines.filter(pk=line_id)
    return [
        PortalLine(line=line, proposals=list(line.proposals.all()), announced=line.announced or 0)
        for line in lines
    ]


def portal_receipts(user: Any, *, month: date | None = None) -> QuerySet[Receipt]:
    """Received lines on the user's own orders, newest first; `month` (its first day) keeps
    that calendar month."""
    supplier = supplier_of(user)
    if supplier is None:
        return Receipt.objects.none()
    receipts = receipts_for(user).filter(line__purchase_order__supplier=supplier)
    if month is not None:
        receipts = receipts.filter(received_on__year=month.year, received_on__month=month.month)
    return (
        receipts.annotate(quantity_rejected=_REJECTED)
        .select_related("line__sku", "line__purchase_order")
        .order_by("-received_on", "-pk")
    )


def portal_receipt_months(user: Any) -> list[date]:
    """The months with receipts on the user's own orders, newest first."""
    return list(portal_receipts(user).order_by().dates("received_on", "month", order="DESC"))


def portal_terms(user: Any, *, q: str = "") -> QuerySet[SupplierItem]:
    """The user's own supplier's terms per SKU."""
    supplier = supplier_of(user)
    if supplier is None:
        return SupplierItem.objects.none()
    items = supplier_items_for(user).filter(supplier=supplier)
    if q:
        items = items.filter(Q(sku__code__icontains=q) | Q(sku__name__icontains=q))
    return items.select_related("sku").order_by("sku__code")


def portal_scorecards(user: Any, *, months: int = SCORECARD_MONTHS) -> list[SupplierScorecard]:
    """The user's own supplier's latest `months` monthly scorecards, oldest first."""
    supplier = supplier_of(user)
    if supplier is None:
        return []
    latest = scorecards_for(user).filter(supplier=supplier).order_by("-month")[:months]
    return sorted(latest, key=lambda card: card.month)
