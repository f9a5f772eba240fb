"""The day's demand history (DailyDemand), kept up as stock is consumed: every service that
issues or dispenses units adds them here, so the next forecast sees them.

DailyDemand is derived (one row per SKU, site and day, never negative). The callers hold the
StockPosition row locks of the SKU-sites they add to (inventory.services.stock's lock order),
so two additions to the same row are made one after the other. On PostgreSQL the additions go
in one INSERT … ON CONFLICT DO UPDATE, in key order."""

from collections.abc import Mapping
from datetime import date

from django.db import connection

from common.bulk import int_array, update_rows
from inventory.models import DailyDemand


def daily_demand_add(*, added: Mapping[tuple[int, int, date], int]) -> None:
    """Add units to the demand of each (sku_id, site_id, day): the existing rows grow, the
    missing ones are created. Runs inside the caller's transaction; units of 0 are ignored."""
    added = {key: units for key, units in added.items() if units}
    if not added:
        return
    if connection.vendor == "postgresql":
        _add_by_upsert(added)
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


def _add_by_upsert(added: Mapping[tuple[int, int, date], int]) -> None:
    keys = sorted(added)
    table = connection.ops.quote_name(DailyDemand._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (sku_id, site_id, date, quantity) "  # noqa: S608 - name quoted
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::integer[]) "
            "ON CONFLICT (sku_id, site_id, date) "
            f"DO UPDATE SET quantity = {table}.quantity + EXCLUDED.quantity",
            [
                int_array(key[0] for key in keys),
                int_array(key[1] for key in keys),
                "{" + ",".join(key[2].isoformat() for key in keys) + "}",
                int_array(added[key] for key in keys),
            ],
        )
