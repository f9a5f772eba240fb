"""The demo generator's multi-echelon network, on the generated arrays (no database): supply
paths that follow the product's replenishment rule, stock upstream, lots that flow down by
transfer, and the same data for the same config."""

from collections import Counter, defaultdict
from datetime import date

import numpy as np
import pytest

from demo import generator as demo_data
from inventory.models import Echelon, ReplenishmentSource
from inventory.rules import replenished_by_transfer

CONFIG = demo_data.DemoConfig(
    skus=80, days=200, sites=12, suppliers=5, seed=11, today=date(2026, 3, 1)
)


@pytest.fixture(scope="module")
def data() -> demo_data.DemoData:
    return demo_data.generate(CONFIG)


def by_transfer(data: demo_data.DemoData, site: int, sku: int) -> bool:
    return replenished_by_transfer(
        site_replenishment=data.site_replenishment[site],
        has_parent=bool(data.site_parent[site] >= 0),
        direct_delivery=bool(data.sku_direct[sku]),
    )


def purchased(data: demo_data.DemoData) -> set[tuple[int, int]]:
    """(SKU, site) pairs that purchase orders were placed for."""
    return set(zip(data.line_sku.tolist(), data.po_site[data.line_po].tolist(), strict=True))


def test_sites_say_where_their_stock_comes_from(data: demo_data.DemoData) -> None:
    paths = Counter(zip(data.site_echelon, data.site_replenishment, strict=True))
    assert paths[(Echelon.DC, ReplenishmentSource.SUPPLIER)] >= 1
    assert paths[(Echelon.WAREHOUSE, ReplenishmentSource.PARENT)] >= 1
    assert paths[(Echelon.DC, ReplenishmentSource.PARENT)] == 0
    hospitals = paths[(Echelon.HOSPITAL, ReplenishmentSource.PARENT)]
    assert hospitals > paths[(Echelon.HOSPITAL, ReplenishmentSource.SUPPLIER)]


def supply_path(data: demo_data.DemoData, sku: int, site: int) -> list[int]:
    """The sites a SKU-site's stock comes through: itself, then up by transfer to the buyer."""
    path = [site]
    while by_transfer(data, path[-1], sku):
        path.append(int(data.site_parent[path[-1]]))
    return path


def test_every_demand_sku_site_has_a_supply_path_ending_in_purchase_orders(
    data: demo_data.DemoData,
) -> None:
    bought = purchased(data)
    opening_stock = {  # at a buying site, lots without a receipt are opening stock
        (sku, site)
        for sku, site, receipt in zip(
            data.lot_sku.tolist(), data.lot_site.tolist(), data.lot_receipt.tolist(), strict=True
        )
        if receipt < 0
    }
    stocking = set(zip(data.stock_sku.tolist(), data.stock_site.tolist(), strict=True))
    primary = set(data.item_sku[data.item_primary].tolist())
    for sku, site in zip(data.demand_sku.tolist(), data.demand_site.tolist(), strict=True):
        path = supply_path(data, sku, site)
        assert {(sku, step) for step in path} <= stocking
        buyer = path[-1]
        assert sku in primary
        # Slow movers may still live on their opening balance.
        assert (sku, buyer) in bought | opening_stock, f"SKU {sku} at {buyer}: never bought"
    assert len(bought) > 0.8 * len(
        {
            (sku, supply_path(data, sku, site)[-1])
            for sku, site in zip(data.demand_sku.tolist(), data.demand_site.tolist(), strict=True)
        }
    )


def test_direct_delivery_skus_are_bought_straight_into_the_demand_sites(
    data: demo_data.DemoData,
) -> None:
    direct = np.flatnonzero(data.sku_direct)
    assert len(direct)
    upstream = np.isin(data.stock_sku, direct) & ~np.isin(
        data.stock_site, data.demand_site[np.isin(data.demand_sku, direct)]
    )
    assert not upstream.any()
    assert not np.isin(data.to_sku, direct).any()


def test_the_history_follows_the_replenishment_rule(data: demo_data.DemoData) -> None:
    for source, destination, sku in zip(
        data.to_source.tolist(), data.to_destination.tolist(), data.to_sku.tolist(), strict=True
    ):
        assert by_transfer(data, destination, sku)
        assert data.site_parent[destination] == source
    for sku, site in purchased(data):
        assert not by_transfer(data, site, sku)


def test_upstream_sites_hold_stock_or_have_it_coming_for_the_skus_asked_below(
    data: demo_data.DemoData,
) -> None:
    held = {
        (sku, site)
        for sku, site, qty in zip(
            data.lot_sku.tolist(), data.lot_site.tolist(), data.lot_qty.tolist(), strict=True
        )
        if qty > 0
    }
    coming = set(data.open_on_order()) | {
        (sku, site)
        for sku, site, received in zip(
            data.to_sku.tolist(), data.to_destination.tolist(), data.to_received, strict=True
        )
        if not received
    }
    demand = set(zip(data.demand_sku.tolist(), data.demand_site.tolist(), strict=True))
    upstream = [
        key
        for key in zip(data.stock_sku.tolist(), data.stock_site.tolist(), strict=True)
        if key not in demand
    ]
    assert upstream
    # The site itself or a site above it on the SKU's path has stock or has it coming.
    dry = [
        (sku, site)
        for sku, site in upstream
        if not any((sku, step) in held | coming for step in supply_path(data, sku, site))
    ]
    assert dry == []


def test_each_lot_holds_its_movements_and_never_goes_below_zero(
    data: demo_data.DemoData,
) -> None:
    hours = np.asarray(demo_data.MOVEMENT_HOURS)[data.move_kind]
    in_time_order = np.lexsort((hours, data.move_day, data.move_lot))
    assert np.array_equal(in_time_order, np.arange(len(data.move_lot)))
    running = np.cumsum(data.move_qty)
    first = np.r_[0, np.flatnonzero(np.diff(data.move_lot)) + 1]
    before = np.repeat(np.r_[0, running[first[1:] - 1]], np.diff(np.r_[first, len(running)]))
    assert (running - before).min() >= 0
    totals = np.bincount(data.move_lot, weights=data.move_qty, minlength=len(data.lot_qty))
    assert np.array_equal(totals, data.lot_qty)


def test_transfers_out_and_in_balance_per_lot_number_with_what_is_in_transit(
    data: demo_data.DemoData,
) -> None:
    numbers = np.asarray(data.lot_number, dtype=object)
    moved: dict[tuple[str, int], int] = defaultdict(int)
    for kind, lot, qty in zip(
        data.move_kind.tolist(), data.move_lot.tolist(), data.move_qty.tolist(), strict=True
    ):
        if kind in (demo_data.KIND_TRANSFER_OUT, demo_data.KIND_TRANSFER_IN):
            moved[(numbers[lot], int(data.lot_sku[lot]))] += qty
    in_transit = ~data.to_received[data.pick_order]
    assert in_transit.any(), "some transfers are on their way at the end"
    for lot, qty in zip(
        data.pick_lot[in_transit].tolist(), data.pick_qty[in_transit].tolist(), strict=True
    ):
        moved[(numbers[lot], int(data.lot_sku[lot]))] += qty
    assert moved
    assert set(moved.values()) == {0}


def test_a_transferred_lot_keeps_its_number_and_expiry_at_the_destination(
    data: demo_data.DemoData,
) -> None:
    arrived = data.pick_destination_lot >= 0
    source, destination = data.pick_lot[arrived], data.pick_destination_lot[arrived]
    numbers = np.asarray(data.lot_number, dtype=object)
    assert np.array_equal(numbers[source], numbers[destination])
    assert np.array_equal(data.lot_expiry_day[source], data.lot_expiry_day[destination])
    assert np.array_equal(data.lot_site[destination], data.to_destination[data.pick_order[arrived]])
    assert np.array_equal(data.lot_site[source], data.to_source[data.pick_order[arrived]])
    # Each site holds one lot per lot number and SKU (Lot's unique constraint).
    keys = list(zip(numbers.tolist(), data.lot_sku.tolist(), data.lot_site.tolist(), strict=True))
    assert len(set(keys)) == len(keys)


def test_transferred_units_arrive_with_the_minimum_remaining_shelf_life(
    data: demo_data.DemoData,
) -> None:
    arrival = data.to_arrival_day[data.pick_order]
    remaining = data.lot_expiry_day[data.pick_lot] - arrival
    assert (remaining >= data.sku_min_remaining[data.lot_sku[data.pick_lot]]).all()


def test_a_items_are_asked_for_at_more_sites_than_c_items(data: demo_data.DemoData) -> None:
    sites = np.bincount(data.demand_sku, minlength=CONFIG.skus)
    abc = np.asarray(data.sku_abc)
    assert sites[abc == "A"].mean() > 1.5 * sites[abc == "C"].mean()
    assert sites[abc == "C"].max() <= 2


def test_the_same_config_gives_identical_arrays(data: demo_data.DemoData) -> None:
    again = demo_data.generate(CONFIG)
    for name, value in vars(data).items():
        other = getattr(again, name)
        if isinstance(value, np.ndarray):
            assert np.array_equal(value, other, equal_nan=value.dtype.kind == "f"), name
        else:
            assert value == other, name


def test_another_seed_gives_another_network(data: demo_data.DemoData) -> None:
    other = demo_data.generate(
        demo_data.DemoConfig(skus=80, days=200, sites=12, suppliers=5, seed=12, today=CONFIG.today)
    )
    assert not np.array_equal(other.demand_sku, data.demand_sku)


def test_the_history_lands_on_plausible_figures() -> None:
    """The policy parameters are tuned so the last year reads like a real network's."""
    figures = demo_data.network_figures(
        demo_data.generate(
            demo_data.DemoConfig(skus=400, days=730, sites=12, seed=42, today=date(2026, 11, 24))
        )
    )
    assert 0.92 <= figures.fill_rate <= 0.97
    assert 3.5 <= figures.turnover <= 8.0
    assert 0.003 <= figures.expired_share <= 0.03
    assert figures.upstream_sku_sites > 0


def test_the_figures_are_what_the_ledger_says() -> None:
    """Fill rate and expiry recomputed from the rows the loader writes."""
    config = demo_data.DemoConfig(skus=30, days=100, sites=8, seed=3, today=date(2026, 3, 1))
    data = demo_data.generate(config)
    figures = demo_data.network_figures(data)
    window = data.move_day >= config.days - figures.days
    issued = -data.move_qty[window & (data.move_kind == demo_data.KIND_ISSUE)].sum()
    assert figures.units_served == issued
    assert figures.units_asked == data.demand[:, config.days - figures.days :].sum()
    assert figures.fill_rate == pytest.approx(issued / figures.units_asked)
    assert figures.demand_sku_sites == len(data.demand_sku)
    assert figures.stocking_sku_sites == figures.demand_sku_sites + figures.upstream_sku_sites
