"""Demand that could not be served: units patients or wards asked for when the site had no
usable stock left to give.

Fill rate is units served from stock on the day asked / units asked (DOMAIN.md), so the units
asked must be on record whether or not they were served. Served units reach the day's demand
with their issue (the feed, the dispense page); this service adds the rest, so DailyDemand
holds everything asked and the issue movements what was served.

The rules, in words:
- Each entry names a SKU, a site, a day (not in the future) and a whole number of units above
  zero; an unknown SKU or site, or a bad entry, refuses the whole call and nothing is written.
- The units go into DailyDemand like any demand (the next forecast sees them); no stock moves.
- The audit trail gets one entry per site and day (DailyDemand is derived and not logged row
  by row): on the site, field "unserved_demand", naming each SKU's units, with the actor and
  the reason.

Locks: the StockPosition rows of the SKU-sites, in (SKU id, site id) order, as every stock
service does, so an addition to a day's demand waits for an issue adding to the same row.
"""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_context, audit_rows_write
from accounts.models import AuditLogEntry, User
from common.errors import DomainError
from inventory.models import Site, Sku
from inventory.services.demand import daily_demand_add
from inventory.services.feed import _lock_positions

UNSERVED_REASON = "asked for when no usable stock was left"


class UnservedDemandRefused(DomainError):
    code = "unserved_demand_refused"


def demand_unserved_record(
    *,
    actor: User | None,
    unserved: Mapping[tuple[int, int, date], int],
    reason: str = UNSERVED_REASON,
    today: date | None = None,
) -> int:
    """Record units asked and not served, per (SKU id, site id, day). Returns the units
    recorded. Refuses (UnservedDemandRefused, nothing written) any entry that is not a whole
    number of units above zero, lies in the future, or names an unknown SKU or site."""
    today = today or timezone.localdate()
    problems = []
    for (sku_id, site_id, day), units in unserved.items():
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            problems.append(f"{units!r} units for SKU {sku_id} at site {site_id}: above zero.")
        if day > today:
            problems.append(f"{day:%Y-%m-%d} for SKU {sku_id} at site {site_id} is in the future.")
    sku_codes = dict(
        Sku.objects.filter(pk__in={key[0] for key in unserved}).values_list("pk", "code")
    )
    sites = {site.pk: site for site in Site.objects.filter(pk__in={key[1] for key in unserved})}
    problems += [f"No SKU {pk}." for pk in sorted({key[0] for key in unserved} - set(sku_codes))]
    problems += [f"No site {pk}." for pk in sorted({key[1] for key in unserved} - set(sites))]
    if problems:
        raise UnservedDemandRefused("Nothing was recorded: " + " ".join(problems[:20]))
    if not unserved:
        return 0
    by_site_day: dict[tuple[int, date], dict[str, int]] = defaultdict(dict)
    for (sku_id, site_id, day), units in sorted(unserved.items()):
        by_site_day[(site_id, day)][sku_codes[sku_id]] = units
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        _lock_positions({(sku_id, site_id) for sku_id, site_id, _ in unserved})
        daily_demand_add(added=unserved)
        audit_rows_write(
            Site,
            AuditLogEntry.Action.UPDATE,
            [
                (
                    site_id,
                    str(sites[site_id]),
                    {"unserved_demand": [None, {"date": day.isoformat(), "units": units}]},
                )
                for (site_id, day), units in sorted(by_site_day.items())
            ],
        )
    return sum(unserved.values())
