"""The ledger's fingerprint: same starting database + same seed + same days -> same checksum.

SHA-256 over, in this order and each sorted on its own columns (never on ids or timestamps
beyond the day, which another run could number or time differently):
- stock movements: day, kind, SKU code, site code, lot number, quantity;
- daily demand rows: SKU code, site code, day, units asked;
- purchase-order lines: supplier code, destination code, order day, SKU code, quantity,
  received quantity (not the order number, which holds the order's database id).
"""

import hashlib

from django.db.models.functions import TruncDate

from inventory.models import DailyDemand, StockMovement
from suppliers.models import PurchaseOrderLine

CHUNK = 20_000


def _feed(digest: "hashlib._Hash", label: str, rows: object) -> None:
    digest.update(f"#{label}\n".encode())
    for row in rows:  # type: ignore[attr-defined]
        digest.update(("|".join(str(value) for value in row) + "\n").encode())


def ledger_checksum() -> str:
    digest = hashlib.sha256()
    movements = (
        StockMovement.objects.annotate(day=TruncDate("occurred_at"))
        .order_by("day", "kind", "sku__code", "site__code", "lot__lot_number", "quantity")
        .values_list("day", "kind", "sku__code", "site__code", "lot__lot_number", "quantity")
    )
    _feed(digest, "movements", movements.iterator(chunk_size=CHUNK))
    demand = DailyDemand.objects.order_by("sku__code", "site__code", "date").values_list(
        "sku__code", "site__code", "date", "quantity"
    )
    _feed(digest, "demand", demand.iterator(chunk_size=CHUNK))
    line_columns = (
        "purchase_order__supplier__code",
        "purchase_order__destination__code",
        "purchase_order__ordered_on",
        "sku__code",
        "quantity",
        "received_quantity",
    )
    lines = PurchaseOrderLine.objects.order_by(*line_columns).values_list(*line_columns)
    _feed(digest, "order lines", lines.iterator(chunk_size=CHUNK))
    return digest.hexdigest()
