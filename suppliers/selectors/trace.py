"""The trace of one lot number of one SKU: where it came from (supplier, purchase order,
receipt, shipping notice) and where it went (the movement ledger, per site). The ledger part
is inventory's (inventory.selectors.lots); the origin is read here, where purchase orders are
known. A fixed number of queries whatever the number of sites, receipts or movements."""

from dataclasses import dataclass, field

from inventory.models import Lot, MovementKind, Sku, StockMovement
from inventory.selectors import lots as lot_selectors
from suppliers.models import Receipt, ShippingNoticeLine


@dataclass(frozen=True)
class TraceEvent:
    """One line of the trace: a ledger movement, with the supplier side filled in for a
    receipt whose purchase order is known."""

    movement: StockMovement
    supplier: str = ""
    purchase_order: str = ""
    shipping_notices: str = ""


@dataclass(frozen=True)
class LotTrace:
    sku: Sku
    lot_number: str
    lots: list[Lot]
    receipts: list[Receipt]
    notice_lines: list[ShippingNoticeLine]
    events: list[TraceEvent]
    flows: list[lot_selectors.SiteFlow] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.lots or self.receipts or self.notice_lines)


def lot_receipts(sku: Sku, lot_number: str) -> list[Receipt]:
    return list(
        Receipt.objects.filter(line__sku=sku, lot_number=lot_number)
        .select_related("line__purchase_order__supplier", "lot__site", "received_by")
        .order_by("received_on", "pk")
    )


def lot_notice_lines(sku: Sku, lot_number: str) -> list[ShippingNoticeLine]:
    return list(
        ShippingNoticeLine.objects.filter(line__sku=sku, lot_number=lot_number)
        .select_related("notice__purchase_order__supplier")
        .order_by("notice__shipped_on", "pk")
    )


def lot_trace(sku: Sku, lot_number: str) -> LotTrace:
    lots = lot_selectors.lot_number_lots(sku, lot_number)
    receipts = lot_receipts(sku, lot_number)
    notice_lines = lot_notice_lines(sku, lot_number)
    movements = list(lot_selectors.lot_number_movements(sku, lot_number))
    suppliers_by_order = {
        r.line.purchase_order.number: r.line.purchase_order.supplier.name for r in receipts
    }
    notices_by_order: dict[str, list[str]] = {}
    for notice_line in notice_lines:
        order = notice_line.notice.purchase_order.number
        numbers = notices_by_order.setdefault(order, [])
        if notice_line.notice.number not in numbers:
            numbers.append(notice_line.notice.number)
    events = []
    for movement in movements:
        order = movement.reference if movement.kind == MovementKind.RECEIPT else ""
        known = order in suppliers_by_order
        events.append(
            TraceEvent(
                movement=movement,
                supplier=suppliers_by_order.get(order, "") if known else "",
                purchase_order=order if known else "",
                shipping_notices=", ".join(notices_by_order.get(order, [])) if known else "",
            )
        )
    return LotTrace(
        sku=sku,
        lot_number=lot_number,
        lots=lots,
        receipts=receipts,
        notice_lines=notice_lines,
        events=events,
        flows=lot_selectors.lot_number_flows(lots, movements),
    )
