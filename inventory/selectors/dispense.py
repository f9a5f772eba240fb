"""What the dispense page reads: SKUs to pick from, the lots a dispense may take from in the
order first-expired-first-out takes them (with what it would take for a quantity), the lots
that hold stock but may not be dispensed, and a site's recent dispenses."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, Q

from inventory import rules
from inventory.models import Lot, MovementKind, Site, Sku, StockMovement

SKU_CHOICES_LIMIT = 20
RECENT_DISPENSES = 20


def sku_choices(q: str, *, limit: int = SKU_CHOICES_LIMIT) -> list[Sku]:
    """Active SKUs whose code or name contains `q`, codes starting with it first."""
    q = q.strip()
    if not q:
        return []
    matches = Sku.objects.filter(active=True).filter(Q(code__icontains=q) | Q(name__icontains=q))
    starting = list(matches.filter(code__istartswith=q).order_by("code")[:limit])
    if len(starting) == limit:
        return starting
    others = matches.exclude(pk__in=[sku.pk for sku in starting]).order_by("code")
    return starting + list(others[: limit - len(starting)])


def sku_by_code_or_name(text: str) -> Sku | None:
    """The active SKU whose code is `text` (any case), else the one whose name is exactly
    `text`; None when there is none or the name is not unique."""
    text = text.strip()
    if not text:
        return None
    active = Sku.objects.filter(active=True)
    sku = active.filter(code__iexact=text).first()
    if sku is not None:
        return sku
    by_name = list(active.filter(name__iexact=text)[:2])
    return by_name[0] if len(by_name) == 1 else None


@dataclass(frozen=True)
class LotLine:
    """A usable lot, what first-expired-first-out would take from it for the quantity asked,
    and whether it is a first-expired lot (one the user may pick without a reason)."""

    lot: Lot
    takes: int
    first_expired: bool


@dataclass(frozen=True)
class DispensePreview:
    lines: list[LotLine] = field(default_factory=list)
    blocked: list[Lot] = field(default_factory=list)  # hold stock, may not be dispensed
    quantity: int | None = None

    @property
    def available(self) -> int:
        return sum(line.lot.quantity for line in self.lines)

    @property
    def shortfall(self) -> int:
        return max((self.quantity or 0) - self.available, 0)


def dispense_preview(*, sku: Sku, site: Site, today: date, quantity: int | None) -> DispensePreview:
    """The lots of `sku` at `site` holding stock: the usable ones in FEFO order with what FEFO
    takes for `quantity`, and the others (quarantined, rejected, expired) apart."""
    lots = list(
        Lot.objects.filter(sku=sku, site=site, quantity__gt=0).order_by("expiry_date", "pk")
    )
    usable = [lot for lot in lots if lot.is_usable(today)]
    takes = rules.fefo_takes([lot.quantity for lot in usable], quantity or 0)
    first_expiry = usable[0].expiry_date if usable else None
    return DispensePreview(
        lines=[
            LotLine(lot=lot, takes=take, first_expired=lot.expiry_date == first_expiry)
            for lot, take in zip(usable, takes, strict=True)
        ],
        blocked=[lot for lot in lots if not lot.is_usable(today)],
        quantity=quantity,
    )


def site_recent_dispenses(site: Site, *, limit: int = RECENT_DISPENSES) -> list[StockMovement]:
    """The site's latest issues and dispenses, newest first, with their lots and SKUs; `units`
    is the number of units that left (the movement's quantity is negative)."""
    return list(
        StockMovement.objects.filter(site=site, kind=MovementKind.ISSUE)
        .select_related("lot", "sku", "user")
        .annotate(units=-F("quantity"))
        .order_by("-occurred_at", "-pk")[:limit]
    )
