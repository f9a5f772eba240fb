"""What the warehouse can receive: open orders and the shipping notices not yet received, one
order's open lines, one notice's announced lots, and what a receipt put into stock."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from inventory.models import Site
from suppliers.models import (
    RECEIVABLE_PO_STATUSES,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ShippingNotice,
    ShippingNoticeLine,
    Supplier,
)
from suppliers.selectors.purchase_orders import purchase_orders_for


@dataclass(frozen=True)
class ReceivingFilters:
    q: str = ""
    site: Site | None = None
    supplier: Supplier | None = None


def _subquery_total(rows: QuerySet[Any]) -> Coalesce:
    """One figure per outer order from a grouped subquery's `total`, zero when it has no row."""
    return Coalesce(
        Subquery(rows.values("total")[:1], output_field=IntegerField()),
        Value(0),
        output_field=IntegerField(),
    )


def receivable_orders(user: Any, filters: ReceivingFilters) -> QuerySet[PurchaseOrder]:
    """Orders `user` may see that goods can be received on, soonest expected first, each with
    its open lines and units and the number of its shipping notices not yet received."""
    open_lines = PurchaseOrderLine.objects.filter(
        purchase_order=OuterRef("pk"), received_quantity__lt=F("quantity")
    ).values("purchase_order")
    waiting = ShippingNotice.objects.filter(
        purchase_order=OuterRef("pk"), received_at__isnull=True
    ).values("purchase_order")
    orders = (
        purchase_orders_for(user)
        .filter(status__in=RECEIVABLE_PO_STATUSES)
        .select_related("supplier", "destination")
        .annotate(
            open_lines=_subquery_total(open_lines.annotate(total=Count("pk"))),
            open_units=_subquery_total(
                open_lines.annotate(total=Sum(F("quantity") - F("received_quantity")))
            ),
            notices_waiting=_subquery_total(waiting.annotate(total=Count("pk"))),
        )
    )
    if filters.q:
        orders = orders.filter(
            Q(number__icontains=filters.q)
            | Q(
                pk__in=ShippingNotice.objects.filter(number__icontains=filters.q).values(
                    "purchase_order_id"
                )
            )
        )
    if filters.site is not None:
        orders = orders.filter(destination=filters.site)
    if filters.supplier is not None:
        orders = orders.filter(supplier=filters.supplier)
    return orders.order_by(F("expected_on").asc(nulls_last=True), "number", "pk")


def notices_to_receive(user: Any, filters: ReceivingFilters) -> QuerySet[ShippingNotice]:
    """Shipping notices not yet received, on orders `user` may see that can still be received,
    soonest expected first, each with its number of lines and units."""
    notices = (
        ShippingNotice.objects.filter(
            received_at__isnull=True,
            purchase_order__in=purchase_orders_for(user).filter(status__in=RECEIVABLE_PO_STATUSES),
        )
        .select_related("purchase_order__supplier", "purchase_order__destination")
        .annotate(line_count=Count("lines"), units=Coalesce(Sum("lines__quantity"), Value(0)))
    )
    if filters.q:
        notices = notices.filter(
            Q(number__icontains=filters.q) | Q(purchase_order__number__icontains=filters.q)
        )
    if filters.site is not None:
        notices = notices.filter(purchase_order__destination=filters.site)
    if filters.supplier is not None:
        notices = notices.filter(purchase_order__supplier=filters.supplier)
    return notices.order_by("expected_on", "purchase_order__number", "pk")


def order_to_receive(user: Any, pk: int) -> PurchaseOrder:
    """One order `user` may see, with its supplier and destination. Raises
    PurchaseOrder.DoesNotExist for one out of scope."""
    return purchase_orders_for(user).select_related("supplier", "destination").get(pk=pk)


def open_lines(order: PurchaseOrder) -> list[PurchaseOrderLine]:
    """The order's lines with units still to receive, with their SKUs."""
    lines = list(
        order.lines.filter(received_quantity__lt=F("quantity")).select_related("sku").order_by("pk")
    )
    for line in lines:
        line.purchase_order = order
    return lines


def notice_to_receive(user: Any, pk: int) -> ShippingNotice:
    """One shipping notice on an order `user` may see, with its order and who received it.
    Raises ShippingNotice.DoesNotExist for one out of scope."""
    return (
        ShippingNotice.objects.filter(purchase_order__in=purchase_orders_for(user))
        .select_related(
            "purchase_order__supplier", "purchase_order__destination", "received_by", "created_by"
        )
        .get(pk=pk)
    )


def notice_lines(notice: ShippingNotice) -> list[ShippingNoticeLine]:
    """The notice's announced lines (lot, expiry, quantity), each with its order line and SKU."""
    lines = list(notice.lines.select_related("line__sku").order_by("pk"))
    for item in lines:
        item.line.purchase_order = notice.purchase_order
    return lines


def receipts_of_order(order: PurchaseOrder, ids: Iterable[int] = ()) -> QuerySet[Receipt]:
    """The receipts on an order (only those of `ids`, when given), newest first, with their
    lot, SKU, notice and receiver, and the units rejected (`quantity_rejected`)."""
    receipts = (
        Receipt.objects.filter(line__purchase_order=order)
        .select_related("lot", "line__sku", "shipping_notice", "received_by")
        .annotate(quantity_rejected=F("quantity_received") - F("quantity_accepted"))
    )
    wanted = list(ids)
    if wanted:
        receipts = receipts.filter(pk__in=wanted)
    return receipts.order_by("-received_on", "-pk")
