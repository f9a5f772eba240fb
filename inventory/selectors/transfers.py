"""Reads of transfer orders: the list with its filters, one order with its picks and
movements, the lots that may be picked for it (the FEFO preview) and the orders made from a
plan's suggestions."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from inventory.models import (
    Lot,
    Site,
    Sku,
    StockMovement,
    TransferOrder,
    TransferOrderPick,
)
from inventory.rules import fefo_takes

TRANSFER_ORDER_SORTS: dict[str, tuple[str, ...]] = {
    "number": ("number",),
    "created": ("created_at", "pk"),
    "sku": ("sku__code", "number"),
    "source": ("source__code", "number"),
    "destination": ("destination__code", "number"),
    "quantity": ("quantity", "number"),
    "status": ("status", "number"),
}


@dataclass(frozen=True)
class TransferOrderFilters:
    q: str = ""
    status: str = ""
    site: Site | None = None  # the order leaves or reaches this site
    sort: str = "created"
    descending: bool = True


def transfer_orders(filters: TransferOrderFilters) -> QuerySet[TransferOrder]:
    """Transfer orders for the list: search by number or SKU, filter by status and by a site
    at either end, sort by a whitelisted column (newest first by default)."""
    orders = TransferOrder.objects.select_related("sku", "source", "destination", "created_by")
    if filters.q:
        orders = orders.filter(
            Q(number__icontains=filters.q)
            | Q(sku__code__icontains=filters.q)
            | Q(sku__name__icontains=filters.q)
        )
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.site is not None:
        orders = orders.filter(Q(source=filters.site) | Q(destination=filters.site))
    order = TRANSFER_ORDER_SORTS.get(filters.sort, TRANSFER_ORDER_SORTS["created"])
    if filters.descending:
        order = tuple(f"-{term}" for term in order)
    return orders.order_by(*order)


def transfer_order_detail(pk: int) -> TransferOrder:
    """One order with its SKU and sites (raises TransferOrder.DoesNotExist)."""
    return TransferOrder.objects.select_related("sku", "source", "destination", "created_by").get(
        pk=pk
    )


def transfer_order_picks(order: TransferOrder) -> list[TransferOrderPick]:
    return list(
        order.picks.select_related("source_lot", "destination_lot").order_by(
            "source_lot__expiry_date", "pk"
        )
    )


def transfer_order_movements(order: TransferOrder) -> list[StockMovement]:
    """The ledger rows the order wrote: out of the source when shipped, into the destination
    when received (both carry the order's number as reference)."""
    return list(
        StockMovement.objects.filter(
            sku_id=order.sku_id,
            site_id__in=[order.source_id, order.destination_id],
            reference=order.number,
        )
        .select_related("lot", "site", "user")
        .order_by("occurred_at", "pk")
    )


def arrival_expiry_cutoff(sku: Sku, destination: Site, *, today: date) -> date:
    """The earliest expiry a lot sent today may have: on arrival (today + the destination's
    transit days) it must still have the SKU's minimum remaining shelf life."""
    return today + timedelta(days=destination.transit_days + sku.min_remaining_shelf_life_days)


def pickable_lots(sku: Sku, source: Site, destination: Site, *, today: date) -> QuerySet[Lot]:
    """The lots of `sku` at `source` that may be sent to `destination` today, first expiry
    first: released, unexpired, holding units, and with enough shelf life left on arrival."""
    cutoff = arrival_expiry_cutoff(sku, destination, today=today)
    return (
        Lot.objects.usable(today)
        .filter(sku=sku, site=source, expiry_date__gte=cutoff)
        .order_by("expiry_date", "pk")
    )


def fefo_split(lots: Sequence[Lot], quantity: int) -> list[tuple[Lot, int]]:
    """`quantity` units taken from `lots` in their order (first expiry first), by the one FEFO
    rule (inventory.rules.fefo_takes): each lot reached with the units taken from it."""
    takes = fefo_takes([max(lot.quantity, 0) for lot in lots], quantity)
    return [(lot, take) for lot, take in zip(lots, takes, strict=True) if take > 0]


@dataclass(frozen=True)
class PickPreview:
    """What the pick step would take by FEFO, and every lot that may be picked instead."""

    lots: list[Lot]
    fefo: dict[int, int]  # lot id -> units FEFO takes
    available: int
    cutoff: date


def pick_preview(order: TransferOrder, *, today: date) -> PickPreview:
    lots = list(pickable_lots(order.sku, order.source, order.destination, today=today))
    return PickPreview(
        lots=lots,
        fefo={lot.pk: units for lot, units in fefo_split(lots, order.quantity)},
        available=sum(lot.quantity for lot in lots),
        cutoff=arrival_expiry_cutoff(order.sku, order.destination, today=today),
    )


def orders_for_suggestions(suggestion_ids: Iterable[int]) -> dict[int, TransferOrder]:
    """The live (not cancelled) transfer order made from each of these suggested transfers."""
    orders = TransferOrder.objects.not_cancelled().filter(
        suggested_transfer_id__in=list(suggestion_ids)
    )
    return {
        order.suggested_transfer_id: order
        for order in orders
        if order.suggested_transfer_id is not None
    }
