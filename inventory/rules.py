"""Pure stock-status rules (no Django): what the badge on a SKU-site says, and how much of its
stock is projected to expire before demand consumes it (FEFO)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

EXPIRY_WINDOW_DAYS = 90  # lots expiring within this many days are checked for waste
EXCESS_COVER_DAYS = 180  # more days of cover than this is excess stock


def replenished_by_transfer(
    *, site_replenishment: str, has_parent: bool, direct_delivery: bool
) -> bool:
    """Whether a SKU-site gets its stock by transfer from the site's parent (True) or by
    purchase orders to suppliers (False): the site says it is replenished from its parent, it
    has one, and the SKU is not one that suppliers deliver direct."""
    return site_replenishment == "parent" and has_parent and not direct_delivery


@dataclass(frozen=True)
class LotOnHand:
    quantity: int
    expiry_date: date


def projected_expiring_units(
    lots: Sequence[LotOnHand],
    *,
    daily_demand: float,
    today: date,
    window_days: int = EXPIRY_WINDOW_DAYS,
) -> int:
    """Units of lots expiring within the window that FEFO consumption at `daily_demand` will not
    use before they expire. Lots are consumed in expiry order; a lot can be used up to and
    including its expiry date."""
    consumed_until_previous = 0.0
    at_risk = 0
    for lot in sorted(lots, key=lambda lot: lot.expiry_date):
        days_usable = (lot.expiry_date - today).days + 1
        if days_usable <= 0:  # already expired: the write-off job takes it, it is not on hand
            continue
        capacity = max(daily_demand * days_usable - consumed_until_previous, 0.0)
        used = min(float(lot.quantity), capacity)
        consumed_until_previous += used
        if days_usable <= window_days:
            at_risk += round(lot.quantity - used)
    return at_risk


def days_of_cover(on_hand: int, daily_demand: float) -> float | None:
    if daily_demand <= 0:
        return None
    return on_hand / daily_demand


def stock_status(
    *,
    on_hand: int,
    inventory_position: int,
    daily_demand: float,
    safety_stock: int | None,
    expiring_units: int,
    cover_days: float | None,
    stockout_projected: bool = False,
) -> str:
    """One status per SKU-site, most urgent first: stock-out, below safety stock, stock-out
    risk, expiring, excess, ok. Values are inventory.models.StockStatus values.

    `safety_stock` is the policy's rounded up, so that for whole-unit positions "below it" means
    the same as the below-safety-stock alert's comparison with the unrounded figure;
    `stockout_projected` is the stock-out alert's verdict (stock runs out within the lead
    time), so the status never says OK where that alert stands."""
    most_urgent_first = (
        (on_hand <= 0 and daily_demand > 0, "stockout"),
        (safety_stock is not None and inventory_position < safety_stock, "below_safety"),
        (stockout_projected, "stockout_risk"),
        (expiring_units > 0, "expiring"),
        (cover_days is not None and cover_days > EXCESS_COVER_DAYS, "excess"),
        # Stock with no demand of its own is excess, unless a policy keeps it for the sites
        # this one replenishes (a warehouse or DC on the network's paths).
        (on_hand > 0 and daily_demand <= 0 and safety_stock is None, "excess"),
    )
    return next((status for holds, status in most_urgent_first if holds), "ok")


def abc_classes(
    values: Sequence[float], *, a_share: float = 0.80, b_share: float = 0.95
) -> list[str]:
    """ABC class per item by consumption value: sorted descending, items whose cumulative
    share of the total is within `a_share` are A, within `b_share` B, the rest C. The item that
    crosses a threshold belongs to the class it enters (so the top item is always A)."""
    if not 0 < a_share < b_share <= 1:
        raise ValueError("Thresholds must satisfy 0 < A < B <= 1.")
    total = float(sum(values))
    classes = ["C"] * len(values)
    if total <= 0:
        return classes
    cumulative_before = 0.0
    for index in sorted(range(len(values)), key=lambda i: values[i], reverse=True):
        share_before = cumulative_before / total
        if values[index] <= 0:
            break
        classes[index] = "A" if share_before < a_share else "B" if share_before < b_share else "C"
        cumulative_before += values[index]
    return classes


def coefficient_of_variation(weekly: Sequence[float]) -> float | None:
    """Population CV of weekly demand; None when there is no demand at all."""
    if not weekly:
        return None
    mean = sum(weekly) / len(weekly)
    if mean <= 0:
        return None
    variance = sum((value - mean) ** 2 for value in weekly) / len(weekly)
    return variance**0.5 / mean


def xyz_class(cv: float | None, *, x_below: float = 0.5, y_below: float = 1.0) -> str:
    """X steady (CV < 0.5), Y variable (CV < 1.0), Z erratic; no demand counts as Z."""
    if cv is None:
        return "Z"
    return "X" if cv < x_below else "Y" if cv < y_below else "Z"


def fefo_takes(quantities: Sequence[int], wanted: int) -> list[int]:
    """How many units first-expired-first-out takes from each lot, given the lots' quantities
    in FEFO order (soonest expiry first): each lot is emptied before the next is touched. The
    list has one entry per lot (0 for lots not reached); when the lots hold less than
    `wanted`, every lot is taken whole and the caller decides whether that is a refusal."""
    takes, remaining = [], max(wanted, 0)
    for quantity in quantities:
        take = min(quantity, remaining)
        takes.append(take)
        remaining -= take
    return takes
