"""Read queries of the cold chain: excursions for the quality pages, readings for the API."""

from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from inventory.models import Excursion, ExcursionLot, StorageUnit, TemperatureReading


def excursions(*, status: str = "") -> QuerySet[Excursion]:
    """Excursions, newest first, with their unit and site and the count of lots exposed and
    still waiting for a decision."""
    rows = Excursion.objects.select_related("unit__site").annotate(
        lots_pending=Count("exposed_lots", filter=Q(exposed_lots__decision=""))
    )
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-started_at", "-pk")


def excursion_detail(pk: int) -> Excursion:
    """One excursion with its exposed lots (lot, SKU, site, who decided) in one go."""
    exposures = ExcursionLot.objects.select_related("lot__sku", "lot__site", "decided_by").order_by(
        "lot__lot_number", "pk"
    )
    return (
        Excursion.objects.select_related("unit__site")
        .prefetch_related(Prefetch("exposed_lots", queryset=exposures))
        .get(pk=pk)
    )


def excursion_lot(excursion_id: int, lot_id: int) -> ExcursionLot:
    return ExcursionLot.objects.select_related(
        "excursion__unit__site", "lot__sku", "lot__site", "decided_by"
    ).get(excursion_id=excursion_id, lot_id=lot_id)


def storage_unit_by_ref(ref: str) -> StorageUnit | None:
    """A unit named as "<site code>/<unit code>" or by its id."""
    ref = (ref or "").strip()
    if ref.isdigit():
        return StorageUnit.objects.filter(pk=int(ref)).select_related("site").first()
    site_code, slash, code = ref.rpartition("/")
    if not slash:
        return None
    return (
        StorageUnit.objects.filter(site__code=site_code, code=code).select_related("site").first()
    )


def readings(*, unit: StorageUnit | None = None, since: datetime | None = None) -> Any:
    """Readings, oldest first, optionally of one unit and from a time on."""
    rows = TemperatureReading.objects.select_related("unit__site")
    if unit is not None:
        rows = rows.filter(unit=unit)
    if since is not None:
        rows = rows.filter(recorded_at__gte=since)
    return rows.order_by("recorded_at", "pk")
