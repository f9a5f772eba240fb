"""What the world simulator reads each day: a handful of set-based queries into small
dataclasses, so a day costs the same few queries whatever the world's size. And the business
case the page shows."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Max, Q, Sum
from django.utils import timezone

from common.models import ChunkedRunStatus
from demo.models import BusinessCase
from inventory.models import (
    DailyDemand,
    Echelon,
    Lot,
    LotStatus,
    Site,
    Sku,
    StockMovement,
    TransferOrder,
    TransferOrderStatus,
)
from optimization.models import (
    SuggestedOrder,
    SuggestedTransfer,
    SuggestionStatus,
)
from suppliers.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    ShippingNotice,
    ShippingNoticeLine,
    SupplierItem,
)

SHIPPABLE_STATUSES = (
    PurchaseOrderStatus.SENT,
    PurchaseOrderStatus.ACKNOWLEDGED,
    PurchaseOrderStatus.PARTIALLY_RECEIVED,
)


def last_demand_day() -> date | None:
    """The last day with recorded demand (None: no history)."""
    return DailyDemand.objects.aggregate(last=Max("date"))["last"]


@dataclass(frozen=True)
class SkuFacts:
    id: int
    code: str
    category: str
    shelf_life_days: int
    min_remaining_days: int


@dataclass(frozen=True)
class SiteFacts:
    id: int
    code: str
    region: str
    echelon: str
    transit_days: int


def skus_by_code() -> dict[str, SkuFacts]:
    return {
        row[1]: SkuFacts(*row)
        for row in Sku.objects.filter(active=True).values_list(
            "pk", "code", "category", "shelf_life_days", "min_remaining_shelf_life_days"
        )
    }


def sites_by_code() -> dict[str, SiteFacts]:
    return {
        row[1]: SiteFacts(*row)
        for row in Site.objects.filter(active=True).values_list(
            "pk", "code", "region", "echelon", "transit_days"
        )
    }


def demand_sites() -> list[str]:
    """Codes of the active hospital/pharmacy sites: where patients ask for stock."""
    return list(
        Site.objects.filter(active=True, echelon=Echelon.HOSPITAL)
        .order_by("code")
        .values_list("code", flat=True)
    )


def demand_levels(*, before: date, window_days: int) -> dict[tuple[str, str], float]:
    """Mean daily demand (units) of each SKU-site over the `window_days` days before `before`,
    for the SKU-sites with any demand in that window, by (SKU code, site code)."""
    rows = (
        DailyDemand.objects.filter(date__gte=before - timedelta(days=window_days), date__lt=before)
        .values_list("sku__code", "site__code")
        .annotate(units=Sum("quantity"))
    )
    return {(sku, site): units / window_days for sku, site, units in rows if units}


def usable_units(today: date) -> dict[tuple[int, int], int]:
    """Units that may be dispensed on `today` per (SKU id, site id): released, unexpired lots."""
    rows = (
        Lot.objects.usable(today).values_list("sku_id", "site_id").annotate(units=Sum("quantity"))
    )
    return {(sku_id, site_id): units for sku_id, site_id, units in rows}


@dataclass(frozen=True)
class OrderLineFacts:
    id: int
    sku_code: str
    quantity: int
    received: int
    announced_open: int  # on notices not yet received
    confirmed: bool
    reapproval_required: bool
    lead_time_mean: float
    lead_time_std: float


@dataclass
class OpenOrder:
    """A sent, acknowledged or partly received order as its supplier sees it."""

    id: int
    number: str
    supplier_id: int
    supplier_code: str
    destination_code: str
    sent_on: date
    ordered_on: date | None
    acknowledged: bool
    notice_numbers: set[str] = field(default_factory=set)
    lines: list[OrderLineFacts] = field(default_factory=list)

    @property
    def identity(self) -> str:
        """What names the order in the world's draws and lot numbers without its database id
        (which another build of the same world may number differently)."""
        day = self.ordered_on or self.sent_on
        return f"{self.supplier_code}-{self.destination_code}-{day:%Y%m%d}-{self.lines[0].sku_code}"

    @property
    def lead_time(self) -> tuple[float, float]:
        """The terms' (mean, std) lead time of the order: its slowest line's."""
        slowest = max(self.lines, key=lambda line: line.lead_time_mean)
        return slowest.lead_time_mean, slowest.lead_time_std


def open_orders() -> list[OpenOrder]:
    """Every order suppliers may still ship, with its lines, their terms and its notices, in
    order-number order."""
    orders = {
        row[0]: OpenOrder(
            id=row[0],
            number=row[1],
            supplier_id=row[2],
            supplier_code=row[3],
            destination_code=row[4],
            sent_on=timezone.localdate(row[5] or row[8]) if row[5] or not row[7] else row[7],
            ordered_on=row[7],
            acknowledged=row[6] is not None,
        )
        for row in PurchaseOrder.objects.filter(status__in=SHIPPABLE_STATUSES).values_list(
            "pk",
            "number",
            "supplier_id",
            "supplier__code",
            "destination__code",
            "sent_at",
            "acknowledged_at",
            "ordered_on",
            "created_at",
        )
    }
    terms = {
        (supplier_id, sku_id): (float(mean), float(std))
        for supplier_id, sku_id, mean, std in SupplierItem.objects.values_list(
            "supplier_id", "sku_id", "lead_time_mean_days", "lead_time_std_days"
        )
    }
    announced: dict[int, int] = defaultdict(int)
    for line_id, units in (
        ShippingNoticeLine.objects.filter(
            notice__purchase_order_id__in=orders, notice__received_at__isnull=True
        )
        .values_list("line_id")
        .annotate(units=Sum("quantity"))
    ):
        announced[line_id] = units
    for order_id, number in ShippingNotice.objects.filter(purchase_order_id__in=orders).values_list(
        "purchase_order_id", "number"
    ):
        orders[order_id].notice_numbers.add(number)
    for row in (
        PurchaseOrderLine.objects.filter(purchase_order_id__in=orders)
        .order_by("pk")
        .values_list(
            "pk",
            "purchase_order_id",
            "sku_id",
            "sku__code",
            "quantity",
            "received_quantity",
            "confirmed_quantity",
            "reapproval_required",
        )
    ):
        pk, order_id, sku_id, sku_code, quantity, received, confirmed, reapproval = row
        order = orders[order_id]
        mean, std = terms.get((order.supplier_id, sku_id), (14.0, 3.0))
        order.lines.append(
            OrderLineFacts(
                id=pk,
                sku_code=sku_code,
                quantity=quantity,
                received=received,
                announced_open=announced[pk],
                confirmed=confirmed is not None,
                reapproval_required=reapproval,
                lead_time_mean=mean,
                lead_time_std=std,
            )
        )
    return sorted((order for order in orders.values() if order.lines), key=lambda o: o.number)


def notices_due(today: date) -> list[ShippingNotice]:
    """Notices not yet received whose goods are expected by `today`, with their lines and
    orders, oldest first."""
    return list(
        ShippingNotice.objects.filter(
            received_at__isnull=True,
            expected_on__lte=today,
            purchase_order__status__in=SHIPPABLE_STATUSES,
        )
        .select_related("purchase_order", "purchase_order__supplier")
        .prefetch_related("lines__line__sku")
        .order_by("expected_on", "purchase_order__number", "number")
    )


@dataclass(frozen=True)
class QuarantinedLot:
    id: int
    key: str  # SKU@site#lot, the world's key for its quality draw
    received_on: date | None
    expiry_date: date


def quarantined_lots() -> list[QuarantinedLot]:
    """Lots holding stock in quarantine that quality may decide in a batch (not those still
    waiting for a temperature-excursion decision), in id order."""
    rows = (
        Lot.objects.filter(status=LotStatus.QUARANTINE, quantity__gt=0)
        .exclude(excursion_exposures__decision="")
        .order_by("pk")
        .values_list("pk", "sku__code", "site__code", "lot_number", "received_on", "expiry_date")
    )
    return [
        QuarantinedLot(pk, f"{sku}@{site}#{number}", received_on, expiry)
        for pk, sku, site, number, received_on, expiry in rows
    ]


def lots_by_id(ids: list[int]) -> list[Lot]:
    return list(Lot.objects.filter(pk__in=ids).order_by("pk"))


def transfer_orders(statuses: tuple[str, ...]) -> list[TransferOrder]:
    return list(
        TransferOrder.objects.filter(status__in=statuses)
        .select_related("sku", "source", "destination")
        .order_by("created_at", "pk")
    )


def transfers_to_ship() -> list[TransferOrder]:
    return transfer_orders((TransferOrderStatus.OPEN, TransferOrderStatus.PICKED))


def transfers_arriving(today: date) -> list[TransferOrder]:
    """Shipped orders whose route's transit days have passed by `today`."""
    return [
        order
        for order in transfer_orders((TransferOrderStatus.SHIPPED,))
        if order.shipped_at is not None
        and timezone.localdate(order.shipped_at) + timedelta(days=order.destination.transit_days)
        <= today
    ]


def suggestions_due(plan_id: int, today: date) -> list[int]:
    """Suggested orders of the plan still waiting for a first approval and due by `today`."""
    return list(
        SuggestedOrder.objects.filter(
            plan_id=plan_id,
            status__in=[SuggestionStatus.PROPOSED, SuggestionStatus.EDITED],
            order_date__lte=today,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def suggestions_awaiting_second(plan_id: int, *, first_approved_before: date | None) -> list[int]:
    """Suggested orders of the plan waiting for a second approver (first approved before the
    given day, when one is given)."""
    waiting = SuggestedOrder.objects.filter(
        plan_id=plan_id, status=SuggestionStatus.AWAITING_SECOND
    )
    if first_approved_before is not None:
        waiting = waiting.filter(first_approved_at__date__lt=first_approved_before)
    return list(waiting.order_by("pk").values_list("pk", flat=True))


def transfer_suggestions_without_order(plan_id: int, day: date) -> list[int]:
    """Suggested transfers of the plan due to ship by `day` (surplus moves have no ship day:
    they go now) that have no live transfer order yet."""
    live = TransferOrder.objects.exclude(status=TransferOrderStatus.CANCELLED).filter(
        suggested_transfer_id__isnull=False
    )
    return list(
        SuggestedTransfer.objects.filter(plan_id=plan_id)
        .filter(Q(ship_date__isnull=True) | Q(ship_date__lte=day))
        .exclude(pk__in=live.values("suggested_transfer_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def approved_orders() -> list[int]:
    """Approved purchase orders ready to send (no line waiting for re-approval)."""
    return list(
        PurchaseOrder.objects.filter(status=PurchaseOrderStatus.APPROVED)
        .exclude(lines__reapproval_required=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def day_movements(today: date) -> dict[str, int]:
    """Units moved on `today` per ledger kind (write-offs as positive units)."""
    rows = (
        StockMovement.objects.filter(occurred_at__date=today)
        .values_list("kind")
        .annotate(units=Sum("quantity"))
    )
    return {kind: abs(units) for kind, units in rows}


def latest_business_case() -> BusinessCase | None:
    """The business case finished last (both arms measured), or None."""
    return (
        BusinessCase.objects.filter(status=ChunkedRunStatus.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .first()
    )


def business_case_under_way() -> BusinessCase | None:
    """The latest case still waiting or running, or None."""
    return (
        BusinessCase.objects.filter(status__in=[ChunkedRunStatus.PENDING, ChunkedRunStatus.RUNNING])
        .order_by("-created_at", "-pk")
        .first()
    )
