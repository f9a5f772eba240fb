"""The demo-data generator (manage.py generate_demo_data) at small sizes: deterministic, shaped
as DOMAIN.md describes, and consistent across lots, movements, orders and positions."""

import hashlib
from collections import Counter
from datetime import date, timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q, Sum

from demo import generator as demo_data
from inventory.models import (
    Category,
    DailyDemand,
    Echelon,
    Lot,
    LotStatus,
    MovementKind,
    ReplenishmentSource,
    Site,
    Sku,
    StockMovement,
    StockPosition,
    TemperatureZone,
    TransferOrder,
    TransferOrderPick,
    TransferOrderStatus,
)
from suppliers.models import (
    OPEN_PO_STATUSES,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Receipt,
    Supplier,
    SupplierItem,
)

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 31)
SMALL = {"skus": 40, "days": 120, "sites": 6, "suppliers": 4, "seed": 7}


def generate(replace: bool = False, **sizes: int) -> str:
    options = {**SMALL, **sizes}
    args = [f"--{name}={value}" for name, value in options.items()]
    args.append(f"--today={TODAY:%Y-%m-%d}")
    if replace:
        args.append("--replace")
    out = StringIO()
    call_command("generate_demo_data", *args, stdout=out)
    return out.getvalue()


def fingerprint() -> str:
    """A hash of the generated values (not ids, which depend on the sequences)."""
    parts = [
        DailyDemand.objects.order_by("sku__code", "date").values_list(
            "sku__code", "site__code", "date", "quantity"
        ),
        Lot.objects.order_by("lot_number").values_list(
            "sku__code", "site__code", "lot_number", "expiry_date", "quantity", "status"
        ),
        PurchaseOrderLine.objects.order_by("purchase_order__number", "sku__code").values_list(
            "purchase_order__number",
            "purchase_order__status",
            "sku__code",
            "quantity",
            "unit_price",
            "received_quantity",
        ),
        Sku.objects.values_list("code", "name", "category", "shelf_life_days", "unit_cost"),
        TransferOrder.objects.order_by("number").values_list(
            "number", "sku__code", "source__code", "destination__code", "quantity", "status"
        ),
    ]
    digest = hashlib.sha256()
    for rows in parts:
        digest.update(repr(list(rows)).encode())
    return digest.hexdigest()


def test_the_same_seed_gives_identical_data() -> None:
    generate()
    first = fingerprint()
    generate(replace=True)
    assert fingerprint() == first


def test_another_seed_gives_other_data() -> None:
    generate()
    first = fingerprint()
    generate(replace=True, seed=8)
    assert fingerprint() != first


def test_category_shares_match_the_targets() -> None:
    generate(skus=400, days=14)
    counts = Counter(Sku.objects.values_list("category", flat=True))
    targets = {
        Category.VACCINE: 0.15,
        Category.BIOLOGIC: 0.25,
        Category.SMALL_MOLECULE: 0.35,
        Category.ONCOLOGY: 0.15,
        Category.SPECIALTY: 0.10,
    }
    for category, share in targets.items():
        assert counts[category] / 400 == pytest.approx(share, abs=0.01), category


def test_temperature_zones_and_costs_follow_the_category() -> None:
    generate(skus=400, days=14)

    def zone_share(category: str, zones: list[str]) -> float:
        skus = Sku.objects.filter(category=category)
        return skus.filter(temperature_zone__in=zones).count() / skus.count()

    cold = [TemperatureZone.REFRIGERATED, TemperatureZone.FROZEN, TemperatureZone.ULTRA_COLD]
    assert zone_share(Category.VACCINE, cold) == 1.0
    assert zone_share(Category.BIOLOGIC, [TemperatureZone.REFRIGERATED]) > 0.8
    assert zone_share(Category.SMALL_MOLECULE, [TemperatureZone.ROOM]) > 0.75
    biologic_costs = Sku.objects.filter(category=Category.BIOLOGIC).values_list(
        "unit_cost", flat=True
    )
    assert all(100 <= cost <= 2000 for cost in biologic_costs)
    vaccine_life = Sku.objects.filter(category=Category.VACCINE).values_list(
        "shelf_life_days", flat=True
    )
    assert all(180 <= days <= 720 for days in vaccine_life)


def test_every_sku_has_exactly_one_primary_supplier() -> None:
    generate()
    primaries = dict(
        SupplierItem.objects.filter(is_primary=True)
        .values_list("sku_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    assert set(primaries) == set(Sku.objects.values_list("id", flat=True))
    assert set(primaries.values()) == {1}
    assert Supplier.objects.count() == SMALL["suppliers"]


def test_each_lot_holds_the_sum_of_its_movements_and_never_less_than_zero() -> None:
    generate()
    lots = Lot.objects.annotate(moved=Sum("movements__quantity"))
    assert lots.count() > SMALL["skus"]
    assert not lots.exclude(moved=F("quantity")).exists()
    assert not Lot.objects.filter(quantity__lt=0).exists()
    inbound = StockMovement.objects.filter(kind=MovementKind.RECEIPT)
    outbound = StockMovement.objects.filter(kind__in=[MovementKind.ISSUE, MovementKind.WRITE_OFF])
    assert not inbound.filter(quantity__lte=0).exists()
    assert not outbound.filter(quantity__gte=0).exists()
    assert not StockMovement.objects.exclude(sku_id=F("lot__sku_id")).exists()
    assert not StockMovement.objects.exclude(site_id=F("lot__site_id")).exists()


def test_issues_never_take_from_an_expired_lot() -> None:
    generate()
    late_issues = StockMovement.objects.filter(
        kind=MovementKind.ISSUE, occurred_at__date__gt=F("lot__expiry_date")
    )
    assert not late_issues.exists()
    assert not StockMovement.objects.filter(occurred_at__date__gte=TODAY).exists()


def test_demand_has_one_row_per_sku_site_and_day_ending_yesterday() -> None:
    generate()
    dates = DailyDemand.objects.values_list("date", flat=True)
    assert max(dates) == TODAY - timedelta(days=1)
    assert min(dates) == TODAY - timedelta(days=SMALL["days"])
    per_sku_site = DailyDemand.objects.values("sku_id", "site_id").annotate(days=Count("id"))
    assert {row["days"] for row in per_sku_site} == {SMALL["days"]}
    sites_per_sku = Counter(row["sku_id"] for row in per_sku_site)
    assert len(sites_per_sku) == SMALL["skus"]
    assert max(sites_per_sku.values()) > 1  # many SKUs are asked for at several sites
    demand_sites = set(DailyDemand.objects.values_list("site__echelon", flat=True))
    assert demand_sites == {Echelon.HOSPITAL}
    assert not DailyDemand.objects.filter(quantity__lt=0).exists()


def test_demand_mixes_a_few_fast_movers_with_many_slow_and_intermittent_ones() -> None:
    generate(skus=300, days=140)
    totals, zero_days = Counter(), Counter()
    for sku_id, quantity in DailyDemand.objects.values_list("sku_id", "quantity"):
        totals[sku_id] += quantity
        zero_days[sku_id] += quantity == 0
    ranked = sorted(totals.values(), reverse=True)
    assert sum(ranked[:60]) / sum(ranked) > 0.6  # the top 20 % carry most of the units
    intermittent = sum(1 for days in zero_days.values() if days > 140 / 2) / 300
    assert 0.15 <= intermittent <= 0.5


def test_shelf_life_and_minimum_remaining_life_rules_hold() -> None:
    generate()
    for shelf, minimum in Sku.objects.values_list(
        "shelf_life_days", "min_remaining_shelf_life_days"
    ):
        assert 0.29 * shelf <= minimum <= 0.51 * shelf < shelf
    for received_on, expiry, shelf, minimum in Lot.objects.values_list(
        "received_on", "expiry_date", "sku__shelf_life_days", "sku__min_remaining_shelf_life_days"
    ):
        assert minimum <= (expiry - received_on).days <= shelf
    assert not Receipt.objects.exclude(expiry_date=F("lot__expiry_date")).exists()
    assert not Receipt.objects.exclude(lot_number=F("lot__lot_number")).exists()


def test_sites_form_a_tree_rooted_at_the_plant() -> None:
    generate(sites=12)
    sites = {site.pk: site for site in Site.objects.all()}
    assert len(sites) == 12
    roots = [site for site in sites.values() if site.replenished_from_id is None]
    assert [root.echelon for root in roots] == [Echelon.PLANT]
    for site in sites.values():
        seen, node = set(), site
        while node.replenished_from_id is not None:
            assert node.pk not in seen, "cycle"
            assert node.transit_days >= 1
            seen.add(node.pk)
            node = sites[node.replenished_from_id]
        assert node.pk == roots[0].pk
    echelons = Counter(site.echelon for site in sites.values())
    assert echelons[Echelon.DC] >= 1
    assert echelons[Echelon.HOSPITAL] >= 1
    assert all(site.latitude is not None and site.region for site in sites.values())


def test_refuses_to_run_twice_without_replace() -> None:
    generate()
    before = fingerprint()
    with pytest.raises(CommandError, match="--replace"):
        generate(seed=8)
    assert fingerprint() == before


def test_a_failure_leaves_nothing_written(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**kwargs: object) -> int:
        raise RuntimeError("positions failed")

    monkeypatch.setattr(demo_data.services, "stock_positions_refresh", broken)
    with pytest.raises(RuntimeError, match="positions failed"):
        generate()
    for model in demo_data.demo_models():
        assert not model.objects.exists(), model


def test_positions_exist_for_every_sku_site_with_stock_or_demand() -> None:
    generate()
    positions = set(StockPosition.objects.values_list("sku_id", "site_id"))
    with_stock = set(Lot.objects.filter(quantity__gt=0).values_list("sku_id", "site_id").distinct())
    with_demand = set(DailyDemand.objects.values_list("sku_id", "site_id").distinct())
    assert with_stock
    assert with_stock | with_demand <= positions


def test_positions_on_order_equals_the_open_purchase_order_lines() -> None:
    generate()
    open_lines = (
        PurchaseOrderLine.objects.filter(purchase_order__status__in=OPEN_PO_STATUSES)
        .values_list("sku_id", "purchase_order__destination_id")
        .annotate(open=Sum(F("quantity") - F("received_quantity")))
        .order_by()
    )
    expected = {(sku, site): qty for sku, site, qty in open_lines if qty}
    assert expected
    on_order = {
        (p.sku_id, p.site_id): p.on_order for p in StockPosition.objects.filter(on_order__gt=0)
    }
    assert on_order == expected


def test_purchase_order_statuses_agree_with_their_receipts() -> None:
    generate()
    received = PurchaseOrderLine.objects.annotate(got=Sum("receipts__quantity_received"))
    assert not received.filter(got__isnull=False).exclude(received_quantity=F("got")).exists()
    assert not received.filter(got__isnull=True).exclude(received_quantity=0).exists()
    fully = PurchaseOrder.objects.filter(status=PurchaseOrderStatus.RECEIVED)
    assert fully.exists()
    assert not PurchaseOrderLine.objects.filter(
        purchase_order__in=fully, receipts__isnull=True
    ).exists()
    waiting = PurchaseOrder.objects.filter(
        status__in=[PurchaseOrderStatus.APPROVED, PurchaseOrderStatus.SENT]
    )
    assert not Receipt.objects.filter(line__purchase_order__in=waiting).exists()
    assert not Receipt.objects.filter(quantity_accepted__gt=F("quantity_received")).exists()
    assert not Receipt.objects.exclude(lot__sku_id=F("line__sku_id")).exists()
    assert not Receipt.objects.exclude(
        lot__site_id=F("line__purchase_order__destination_id")
    ).exists()
    assert not PurchaseOrder.objects.filter(expected_on__lt=F("ordered_on")).exists()


def test_lots_are_mostly_released_with_some_in_quarantine() -> None:
    generate(skus=200, days=140)
    statuses = Counter(Lot.objects.values_list("status", flat=True))
    assert statuses[LotStatus.RELEASED] / sum(statuses.values()) > 0.9
    assert statuses[LotStatus.QUARANTINE] > 0
    expired = Lot.objects.filter(status=LotStatus.EXPIRED)
    assert not expired.exclude(quantity=0).exists()
    assert not Lot.objects.filter(
        ~Q(status=LotStatus.EXPIRED), movements__kind="write_off"
    ).exists()


def test_both_foreign_key_check_modes_load_the_same_data(require_postgres: None) -> None:
    """PostgreSQL: per-row trigger checks and the set-based check give identical rows."""
    generate(**{"fk-checks": "rows"})
    per_row = fingerprint()
    generate(replace=True, **{"fk-checks": "set"})
    assert fingerprint() == per_row


def test_the_set_based_check_refuses_a_dangling_reference(
    require_postgres: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: with the per-row triggers skipped, an orphan still aborts the whole load."""
    real_generate = demo_data.generate

    def with_orphan(config: demo_data.DemoConfig) -> demo_data.DemoData:
        data = real_generate(config)
        data.line_sku[0] = 10**6  # a purchase-order line for a SKU that does not exist
        return data

    monkeypatch.setattr(demo_data, "generate", with_orphan)
    with pytest.raises(CommandError, match=r"refer to a missing inventory\.Sku"):
        generate(**{"fk-checks": "set"})
    for model in demo_data.demo_models():
        assert not model.objects.exists(), model


def test_unusual_sizes_still_give_consistent_data() -> None:
    """More sites than SKUs and a single supplier (no secondary sources)."""
    generate(skus=10, sites=40, suppliers=1, days=30)
    assert Site.objects.count() == 40
    assert SupplierItem.objects.count() == 10
    assert (
        not Lot.objects.annotate(moved=Sum("movements__quantity"))
        .exclude(moved=F("quantity"))
        .exists()
    )
    assert set(PurchaseOrder.objects.values_list("destination__echelon", flat=True)) <= {
        Echelon.DC,
        Echelon.HOSPITAL,
    }


def test_if_empty_does_nothing_when_data_exists() -> None:
    from tests.factories import SkuFactory

    SkuFactory(code="KEEP-ME")

    call_command("generate_demo_data", "--skus", "5", "--days", "10", "--if-empty", verbosity=0)

    assert list(Sku.objects.values_list("code", flat=True)) == ["KEEP-ME"]


def test_refused_where_demo_data_is_disabled(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_DATA_ALLOWED = False

    with pytest.raises(CommandError, match="disabled"):
        call_command("generate_demo_data", "--skus", "5", "--days", "10", verbosity=0)


def test_positions_are_classified_abc_xyz() -> None:
    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=30, days=120, sites=5, seed=3, today=date(2026, 3, 1))
    )

    classes = set(StockPosition.objects.exclude(abc_class="").values_list("abc_class", flat=True))
    assert classes == {"A", "B", "C"}
    assert not StockPosition.objects.filter(avg_daily_demand__gt=0, xyz_class="").exists()


def test_demand_matrix_is_each_skus_generated_demand_over_its_sites() -> None:
    config = demo_data.DemoConfig(skus=20, days=60, sites=8, seed=9, today=date(2026, 3, 1))
    data = demo_data.generate(config)
    per_sku = np.zeros((config.skus, config.days), np.int64)
    np.add.at(per_sku, data.demand_sku, data.demand)

    assert np.array_equal(demo_data.demand_matrix(config), per_sku)


def test_sites_and_skus_carry_the_replenishment_paths() -> None:
    generate(sites=12)
    assert set(Site.objects.filter(echelon=Echelon.DC).values_list("replenishment", flat=True)) == {
        ReplenishmentSource.SUPPLIER
    }
    assert set(
        Site.objects.filter(echelon=Echelon.WAREHOUSE).values_list("replenishment", flat=True)
    ) == {ReplenishmentSource.PARENT}
    assert Site.objects.filter(
        echelon=Echelon.HOSPITAL, replenishment=ReplenishmentSource.PARENT
    ).exists()
    assert not Sku.objects.filter(
        temperature_zone=TemperatureZone.ULTRA_COLD, direct_delivery=False
    ).exists()


def test_transfers_follow_the_sites_replenishment_and_mirror_the_transfer_service() -> None:
    generate(sites=12)
    orders = TransferOrder.objects.select_related("source", "destination", "sku")
    assert orders.exists()
    for order in orders:
        assert order.destination.replenished_from_id == order.source_id
        assert order.destination.replenishment == ReplenishmentSource.PARENT
        assert not order.sku.direct_delivery
    outs = StockMovement.objects.filter(kind=MovementKind.TRANSFER_OUT)
    ins = StockMovement.objects.filter(kind=MovementKind.TRANSFER_IN)
    numbers = set(orders.values_list("number", flat=True))
    assert set(outs.values_list("reference", flat=True)) == numbers
    assert set(ins.values_list("reference", flat=True)) == set(
        orders.filter(status=TransferOrderStatus.RECEIVED).values_list("number", flat=True)
    )
    picks = TransferOrderPick.objects.select_related("order", "source_lot", "destination_lot")
    for pick in picks:
        assert pick.source_lot.site_id == pick.order.source_id
        if pick.order.status == TransferOrderStatus.RECEIVED:
            assert pick.destination_lot.site_id == pick.order.destination_id
            assert pick.destination_lot.lot_number == pick.source_lot.lot_number
            assert pick.destination_lot.expiry_date == pick.source_lot.expiry_date
        else:
            assert pick.destination_lot is None
    shipped = dict(picks.values_list("order_id").annotate(units=Sum("quantity")).order_by())
    assert shipped == dict(orders.values_list("id", "quantity"))
    po_sites = PurchaseOrderLine.objects.values_list(
        "purchase_order__destination__replenishment", "sku__direct_delivery"
    ).distinct()
    assert all(
        replenishment == ReplenishmentSource.SUPPLIER or direct
        for replenishment, direct in po_sites
    )


def test_every_stocking_sku_site_has_a_position_and_in_transit_is_what_was_shipped() -> None:
    generate(sites=12)
    data = demo_data.generate(
        demo_data.DemoConfig(skus=40, days=120, sites=12, suppliers=4, seed=7, today=TODAY)
    )
    positions = {
        (sku, site): (on_hand, in_transit)
        for sku, site, on_hand, in_transit in StockPosition.objects.values_list(
            "sku__code", "site__code", "on_hand", "in_transit"
        )
    }
    stocking = {
        (data.sku_code[sku], data.site_code[site])
        for sku, site in zip(data.stock_sku.tolist(), data.stock_site.tolist(), strict=True)
    }
    upstream = Site.objects.exclude(echelon=Echelon.HOSPITAL).values_list("code", flat=True)
    assert {key for key in stocking if key[1] in set(upstream)}
    assert stocking <= set(positions)
    on_the_way = (
        TransferOrder.objects.filter(status=TransferOrderStatus.SHIPPED)
        .values_list("sku__code", "destination__code")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    expected = {(sku, site): units for sku, site, units in on_the_way}
    assert expected, "some transfers are in transit at the end"
    assert {key: value[1] for key, value in positions.items() if value[1]} == expected
    released = (
        Lot.objects.filter(status=LotStatus.RELEASED, expiry_date__gte=TODAY)
        .values_list("sku__code", "site__code")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    for sku, site, units in released:
        assert positions[(sku, site)][0] == units


def test_the_command_reports_the_history_figures() -> None:
    output = generate()
    assert "with demand" in output
    assert "stocked upstream" in output
    assert "fill rate" in output
    assert "inventory turnover" in output
