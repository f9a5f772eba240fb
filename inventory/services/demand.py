"""The day's demand history (DailyDemand), kept up as stock is consumed: every service that
issues or dispenses units adds them here, so the next forecast sees them.

DailyDemand is derived (one row per SKU, site and day, never negative). The callers hold the
StockPosition row locks of the SKU-sites they add to (inventory.services.stock's lock order),
so two additions to the same row are made one after the other."""

from collections.abc import Mapping
from datetime import date

from common.bulk import update_rows
from inventory.models import DailyDemand


def daily_demand_add(*, added: Mapping[tuple[int, int, date], int]) -> None:
    """Add units to the demand of each (sku_id, site_id, day): the existing rows grow, the
    missing ones are created. Runs inside the caller's transaction; units of 0 are ignored."""
    added = {key: units for key, units in added.items() if units}
    if not added:
        return
    existing = {
        (demand.sku_id, demand.site_id, demand.date): demand
        for demand in DailyDemand.objects.filter(
            sku_id__in={key[0] for key in added},
            site_id__in={key[1] for key in added},
            date__in={key[2] for key in added},
        )
    }
    to_update, to_create = [], []
    for key, units in added.items():
        if demand := existing.get(key):
            demand.quantity += units
            to_update.append(demand)
        else:
            to_create.append(
                DailyDemand(sku_id=key[0], site_id=key[1], date=key[2], quantity=units)
            )
    update_rows(DailyDemand, to_update, ["quantity"])
    DailyDemand.objects.bulk_create(to_create, batch_size=1000)
