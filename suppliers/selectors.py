from django.db.models import F, Sum

from .models import OPEN_PO_STATUSES, PurchaseOrderLine


def open_order_quantities(
    *, sku_id: int | None = None, site_id: int | None = None
) -> dict[tuple[int, int], int]:
    """Units still to arrive on open purchase orders, by (sku_id, destination site_id)."""
    lines = PurchaseOrderLine.objects.filter(purchase_order__status__in=OPEN_PO_STATUSES)
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
