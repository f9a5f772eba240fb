"""Reads of one lot for the lot page, and of one lot number across the network for the recall
and the trace: where it is now and what the ledger did with it. A fixed number of queries
whatever the number of sites or movements."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from accounts.models import Signature
from accounts.selectors import object_signatures
from inventory.models import ExcursionLot, Lot, Sku, StockMovement

RECENT_MOVEMENTS = 50


def lot_detail(lot_id: int) -> Lot:
    return Lot.objects.select_related("sku", "site", "storage_unit").get(pk=lot_id)


def lot_exposures(lot: Lot) -> list[ExcursionLot]:
    """The excursions the lot was exposed to, newest first, with their unit and decider."""
    return list(
        ExcursionLot.objects.filter(lot=lot)
        .select_related("excursion__unit__site", "decided_by")
        .order_by("-excursion__started_at", "-pk")
    )


def lot_signatures(lot: Lot) -> list[Signature]:
    """The signatures on the lot (status decisions, recalls), newest first."""
    on_lot = object_signatures(
        content_type=ContentType.objects.get_for_model(Lot), object_pk=str(lot.pk)
    )
    return list(on_lot.reverse())


def lot_recent_movements(lot: Lot, limit: int = RECENT_MOVEMENTS) -> list[StockMovement]:
    return list(
        StockMovement.objects.filter(lot=lot)
        .select_related("user")
        .order_by("-occurred_at", "-pk")[:limit]
    )


def sku_by_code(code: str) -> Sku | None:
    return Sku.objects.filter(code=code.strip()).first() if code.strip() else None


def lot_number_lots(sku: Sku, lot_number: str) -> list[Lot]:
    """Every lot of `lot_number` of `sku`, at every site (with stock or not), by site."""
    return list(
        Lot.objects.filter(sku=sku, lot_number=lot_number)
        .select_related("site")
        .order_by("site__code", "pk")
    )


def lot_number_movements(sku: Sku, lot_number: str) -> QuerySet[StockMovement]:
    """The ledger of `lot_number` of `sku` at every site, oldest first: where it went."""
    return (
        StockMovement.objects.filter(sku=sku, lot__lot_number=lot_number)
        .select_related("site", "lot", "user")
        .order_by("occurred_at", "pk")
    )


@dataclass(frozen=True)
class SiteFlow:
    """One site's totals of a lot number by movement kind (signed units, as in the ledger)."""

    site_code: str
    by_kind: dict[str, int]
    on_hand: int
    status: str

    @property
    def units_in(self) -> int:
        return sum(units for units in self.by_kind.values() if units > 0)

    @property
    def units_out(self) -> int:
        return -sum(units for units in self.by_kind.values() if units < 0)


def lot_number_flows(lots: list[Lot], movements: list[StockMovement]) -> list[SiteFlow]:
    """Per site: what came in and went out of the lot number, by kind, and what is left."""
    totals: dict[int, dict[str, int]] = {}
    for movement in movements:
        kinds = totals.setdefault(movement.site_id, {})
        kinds[movement.kind] = kinds.get(movement.kind, 0) + movement.quantity
    return [
        SiteFlow(
            site_code=lot.site.code,
            by_kind=totals.get(lot.site_id, {}),
            on_hand=lot.quantity,
            status=lot.get_status_display(),
        )
        for lot in lots
    ]
