"""What the stock positions carry from the planning steps above them, so that a position's
status says what the alerts say:

- the current policy's safety stock and reorder point (set by the policy refresh), rounded up
  to whole units: for whole-unit inventory positions, "below the rounded-up figure" is the
  same test as the below-safety-stock alert's "below the policy's figure";
- the day the stock runs out within the lead time, as the stock-out rule projected it (set by
  each evaluation of that rule), which turns an otherwise OK status into "stock-out risk".

Both rewrite only the positions whose figures change, recompute their status from the stored
figures with `inventory.rules.stock_status` (the same rule the movements use), and lock the
positions in (SKU, site) order first, as every stock movement does, so they never deadlock
with the daily feed."""

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction

from common.bulk import update_values
from inventory import rules
from inventory.models import StockPosition

Key = tuple[int, int]

_STATUS_INPUTS = (
    "pk",
    "sku_id",
    "site_id",
    "on_hand",
    "inventory_position",
    "avg_daily_demand",
    "expiring_quantity",
    "days_of_cover",
    "safety_stock",
    "reorder_point",
    "stockout_date",
    "status",
)


def whole_units(value: float | None) -> int | None:
    """A policy level as the positions hold it: rounded up to a whole unit (None stays None)."""
    if value is None or not math.isfinite(value):
        return None
    return math.ceil(value - 1e-9)


def _status(row: dict[str, Any], safety_stock: int | None, stockout: date | None) -> str:
    cover = row["days_of_cover"]
    return rules.stock_status(
        on_hand=row["on_hand"],
        inventory_position=row["inventory_position"],
        daily_demand=float(row["avg_daily_demand"]),
        safety_stock=safety_stock,
        expiring_units=row["expiring_quantity"],
        cover_days=None if cover is None else float(cover),
        stockout_projected=stockout is not None,
    )


def _locked_positions() -> list[dict[str, Any]]:
    return list(
        StockPosition.objects.select_for_update()
        .order_by("sku_id", "site_id")
        .values(*_STATUS_INPUTS)
    )


def positions_set_policy_levels(*, levels: Mapping[Key, tuple[float, float]]) -> int:
    """Give every position the safety stock and reorder point of its SKU-site's current policy
    (`levels`: (safety stock, reorder point) in units by (sku_id, site_id)); positions with no
    policy lose theirs. Returns the number of positions rewritten."""
    with transaction.atomic():
        rows = []
        for row in _locked_positions():
            safety, reorder = levels.get((row["sku_id"], row["site_id"]), (None, None))
            safety_stock, reorder_point = whole_units(safety), whole_units(reorder)
            status = _status(row, safety_stock, row["stockout_date"])
            if (safety_stock, reorder_point, status) != (
                row["safety_stock"],
                row["reorder_point"],
                row["status"],
            ):
                rows.append((row["pk"], safety_stock, reorder_point, status))
        return update_values(StockPosition, ["safety_stock", "reorder_point", "status"], rows)


def positions_set_stockout_dates(*, dates: Mapping[Key, date]) -> int:
    """Record, per SKU-site, the day its stock runs out within the lead time as the stock-out
    rule projected it (`dates`); every other position has none. Returns the number of
    positions rewritten."""
    with transaction.atomic():
        rows = []
        for row in _locked_positions():
            stockout = dates.get((row["sku_id"], row["site_id"]))
            status = _status(row, row["safety_stock"], stockout)
            if (stockout, status) != (row["stockout_date"], row["status"]):
                rows.append((row["pk"], stockout, status))
        return update_values(StockPosition, ["stockout_date", "status"], rows)
