from typing import Any

from django.db import transaction

from accounts.commands import AuditedCommand
from inventory.models import Lot, Site, StorageUnit, TemperatureZone

# One unit per site and zone: its code, its name and how long it may be outside its zone.
UNITS = {
    TemperatureZone.ULTRA_COLD: ("ULT-1", "Ultra-cold freezer", 15),
    TemperatureZone.FROZEN: ("FRZ-1", "Freezer", 30),
    TemperatureZone.REFRIGERATED: ("REF-1", "Cold room", 30),
    TemperatureZone.ROOM: ("AMB-1", "Ambient store", 60),
}


class Command(AuditedCommand):
    help = (
        "Give every site one storage unit per temperature zone of the SKUs it holds lots of "
        "(codes ULT-1, FRZ-1, REF-1, AMB-1), so temperature readings have somewhere to go. "
        "Units that exist are left as they are: running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        zones_by_site: dict[int, set[str]] = {}
        for site_id, zone in (
            Lot.objects.values_list("site_id", "sku__temperature_zone").distinct().order_by()
        ):
            zones_by_site.setdefault(site_id, set()).add(zone)
        created = 0
        with transaction.atomic():
            for site in Site.objects.filter(pk__in=zones_by_site).order_by("code"):
                for zone in sorted(zones_by_site[site.pk]):
                    code, name, minutes = UNITS[TemperatureZone(zone)]
                    _, made = StorageUnit.objects.get_or_create(
                        site=site,
                        code=code,
                        defaults={"name": name, "zone": zone, "allowed_minutes_outside": minutes},
                    )
                    created += made
        total = StorageUnit.objects.count()
        self.stdout.write(f"{created} storage units created ({total} in all).")
