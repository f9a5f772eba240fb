from celery import shared_task

from inventory.services.stock import stock_positions_refresh
from suppliers.selectors.purchase_orders import open_order_quantities
from suppliers.services.scorecards import scorecards_compute


@shared_task(name="suppliers.refresh_stock_positions")
def refresh_stock_positions() -> int:
    """Nightly rebuild of every stock position, with on-order from open purchase orders."""
    return stock_positions_refresh(on_order=open_order_quantities())


@shared_task(name="suppliers.tasks.compute_scorecards")
def compute_scorecards(supplier_id: int | None = None) -> int:
    """On demand: the last twelve months' scorecards of every supplier (or one)."""
    return scorecards_compute(months=12, supplier_id=supplier_id)


@shared_task(name="suppliers.tasks.monthly_scorecards")
def monthly_scorecards() -> int:
    """Scheduled on the first of the month: the month just ended, and the new one so far."""
    return scorecards_compute(months=2)
