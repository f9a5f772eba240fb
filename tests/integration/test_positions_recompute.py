"""inventory.services.stock.positions_recompute: the figures of many SKU-sites read at once
(on PostgreSQL for exactly the keys given) equal those `position_recompute` gives one by one,
and positions outside the keys are left as they were."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from inventory.models import DailyDemand, Lot, LotStatus, StockPosition, TransferOrder
from inventory.services.stock import (
    POSITION_FIGURE_FIELDS,
    position_recompute,
    positions_recompute,
)
from tests.factories import LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 1)
FIGURES = [name for name in POSITION_FIGURE_FIELDS if name != "refreshed_at"]


@pytest.fixture
def network(db):  # type: ignore[no-untyped-def]
    """Two SKUs at three sites: released, quarantined and expired lots, recent and old demand,
    a transfer on its way, and a position with orders, backorders and a safety stock."""
    skus = [
        SkuFactory(unit_cost=12, min_remaining_shelf_life_days=0),
        SkuFactory(unit_cost="3.50", min_remaining_shelf_life_days=0),
    ]
    sites = [SiteFactory() for _ in range(3)]
    for number, (sku, site, expiry, quantity, status) in enumerate(
        [
            (skus[0], sites[0], date(2026, 4, 1), 40, LotStatus.RELEASED),
            (skus[0], sites[0], date(2027, 1, 1), 500, LotStatus.RELEASED),
            (skus[0], sites[0], date(2027, 2, 1), 30, LotStatus.QUARANTINE),
            (skus[0], sites[1], date(2026, 2, 1), 25, LotStatus.RELEASED),  # expired
            (skus[1], sites[1], date(2026, 3, 20), 7, LotStatus.RELEASED),
            (skus[1], sites[2], date(2027, 6, 1), 90, LotStatus.RELEASED),
        ]
    ):
        LotFactory(
            sku=sku,
            site=site,
            lot_number=f"L-{number}",
            expiry_date=expiry,
            quantity=quantity,
            status=status,
            today=date(2026, 1, 1),
        )
    for sku, site, days_ago, units in [
        (skus[0], sites[0], 1, 90),
        (skus[0], sites[0], 30, 45),
        (skus[0], sites[0], 120, 1000),  # outside the 90 days
        (skus[1], sites[1], 2, 9),
        (skus[1], sites[1], 0, 50),  # today: not yet in the average
    ]:
        DailyDemand.objects.create(
            sku=sku, site=site, date=TODAY - timedelta(days=days_ago), quantity=units
        )
    TransferOrder.objects.create(
        number="TO-1",
        sku=skus[1],
        source=sites[2],
        destination=sites[1],
        quantity=15,
        status="shipped",
        picked_at=timezone.now(),
        shipped_at=timezone.now(),
    )
    TransferOrder.objects.create(
        number="TO-2", sku=skus[1], source=sites[2], destination=sites[1], quantity=4
    )
    for sku in skus:
        for site in sites:
            StockPosition.objects.get_or_create(sku=sku, site=site)
    StockPosition.objects.filter(sku=skus[0], site=sites[0]).update(
        on_order=60, backorders=5, allocated=3, safety_stock=200
    )
    return skus, sites


def figures(sku_id: int, site_id: int) -> dict[str, object]:
    position = StockPosition.objects.get(sku_id=sku_id, site_id=site_id)
    return {name: getattr(position, name) for name in FIGURES}


def test_many_at_once_equal_one_by_one(network) -> None:  # type: ignore[no-untyped-def]
    skus, sites = network
    keys = {(sku.pk, site.pk) for sku in skus for site in sites}

    assert positions_recompute(keys=keys, today=TODAY) == len(keys)
    at_once = {key: figures(*key) for key in keys}
    for key in keys:
        position_recompute(sku_id=key[0], site_id=key[1], today=TODAY)
    one_by_one = {key: figures(*key) for key in keys}

    assert at_once == one_by_one
    first = at_once[(skus[0].pk, sites[0].pk)]
    assert (first["on_hand"], first["quarantine"], first["inventory_position"]) == (540, 30, 592)
    assert at_once[(skus[1].pk, sites[1].pk)]["in_transit"] == 15


def test_positions_outside_the_keys_are_left_alone(network) -> None:  # type: ignore[no-untyped-def]
    skus, sites = network
    before = {(sku.pk, site.pk): figures(sku.pk, site.pk) for sku in skus for site in sites}

    positions_recompute(keys={(skus[0].pk, sites[0].pk), (skus[1].pk, sites[1].pk)}, today=TODAY)

    for key, old in before.items():
        if key not in {(skus[0].pk, sites[0].pk), (skus[1].pk, sites[1].pk)}:
            assert figures(*key) == old
    assert figures(skus[0].pk, sites[0].pk)["on_hand"] == 540
    assert Lot.objects.count() == 6


def test_no_keys_write_nothing(network) -> None:  # type: ignore[no-untyped-def]
    assert positions_recompute(keys=set(), today=TODAY) == 0
