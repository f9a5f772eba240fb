from celery import shared_task

from inventory.services import stock_positions_refresh

from .selectors import open_order_quantities


@shared_task(name="suppliers.refresh_stock_positions")
def refresh_stock_positions() -> int:
    """Nightly rebuild of every stock position, with on-order from open purchase orders."""
    return stock_positions_refresh(on_order=open_order_quantities())
