"""Policies and plans along the network's paths: hospitals replenished by transfer from their
warehouse, the warehouse sized on their demand and ordering in time for what it ships."""

import math
from datetime import date, timedelta

import pytest

from inventory.models import DailyDemand, Lot, TransferOrder
from inventory.services.stock import InsufficientStock
from optimization.models import InventoryPolicy, PlanRun, SuggestedOrder, SuggestedTransfer
from optimization.services.plans import plan_run_create
from optimization.services.policies import TRANSFER_LEAD_TIME_STD_DAYS, policies_refresh
from optimization.services.transfers import suggested_transfer_order_create
from optimization.tasks import plan_run
from suppliers.models import SupplierItem
from tests.factories import LotFactory, SiteFactory, SkuFactory, SupplierFactory, published_series
from tests.integration.test_plan_runs import stocked

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 12, 1)
HOSPITAL_DEMAND = {"HSP-001": 20.0, "HSP-002": 10.0, "HSP-003": 5.0}


def build_tree(*, direct_delivery: bool = False, warehouse_parent=None) -> dict:  # type: ignore[no-untyped-def]
    """One SKU (unit cost 4) bought by WH-01 from one supplier (lead time 10 days) and sent on
    to three hospitals replenished from it, 2 days away; the hospitals use 20, 10 and 5 a day,
    the warehouse nothing itself. The warehouse has plenty of stock, each hospital 40 days'
    worth: well above its reorder point, with nothing to spare over the plan's 60 days."""
    sku = SkuFactory(
        unit_cost=4,
        shelf_life_days=3650,
        min_remaining_shelf_life_days=0,
        direct_delivery=direct_delivery,
    )
    warehouse = SiteFactory(
        code="WH-01",
        echelon="warehouse",
        replenished_from=warehouse_parent,
        transit_days=3 if warehouse_parent else 0,
        replenishment="parent" if warehouse_parent else "supplier",
    )
    supplier = SupplierFactory(name="Acme Pharma")
    SupplierItem.objects.create(
        supplier=supplier,
        sku=sku,
        lead_time_mean_days=10,
        lead_time_std_days=2,
        unit_price=5,
        cost_per_order=40,
        moq=1,
        order_multiple=10,
        is_primary=True,
    )
    stocked(sku, warehouse, 5000)
    hospitals = {}
    run = None
    for code, daily in HOSPITAL_DEMAND.items():
        hospital = SiteFactory(
            code=code, replenished_from=warehouse, transit_days=2, replenishment="parent"
        )
        hospitals[code] = hospital
        stocked(sku, hospital, int(40 * daily))
        run = published_series(sku, hospital, [daily] * 90, as_of=AS_OF, run=run)
    return {"sku": sku, "warehouse": warehouse, "supplier": supplier, "hospitals": hospitals}


@pytest.fixture
def tree() -> dict:
    return build_tree()


def policy(sku, site) -> InventoryPolicy:  # type: ignore[no-untyped-def]
    return InventoryPolicy.objects.get(sku=sku, site=site)


def run_plan() -> PlanRun:
    run = plan_run_create(actor=None, as_of=AS_OF)
    plan_run.delay(run.pk)
    run.refresh_from_db()
    return run


# ---- policies ----------------------------------------------------------------------------------


def test_a_hospital_replenished_by_transfer_has_the_transit_lead_time_and_no_supplier(
    tree, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.OPTIMIZATION_TRANSFER_HANDLING_DAYS = 1
    settings.OPTIMIZATION_TRANSFER_ORDER_COST = 15

    policies_refresh()

    hospital = policy(tree["sku"], tree["hospitals"]["HSP-001"])
    assert (hospital.supplier, hospital.source_site) == (None, tree["warehouse"])
    assert (hospital.lead_time_mean, hospital.lead_time_basis) == (3, "transit")
    assert hospital.lead_time_std == TRANSFER_LEAD_TIME_STD_DAYS
    assert (hospital.unit_price, hospital.order_cost) == (4, 15)
    assert (hospital.moq, hospital.order_multiple) == (1, 1)
    assert hospital.demand_mean == pytest.approx(20.0)


def test_the_warehouse_gets_a_policy_on_the_summed_demand_of_its_hospitals(tree) -> None:  # type: ignore[no-untyped-def]
    run = policies_refresh()

    warehouse = policy(tree["sku"], tree["warehouse"])
    assert warehouse.demand_mean == pytest.approx(35.0)
    assert warehouse.demand_error_std == pytest.approx(math.sqrt(3 * 2.0**2))  # 2.0 each
    assert (warehouse.supplier, warehouse.source_site) == (tree["supplier"], None)
    assert (warehouse.lead_time_mean, warehouse.lead_time_basis) == (10, "terms")
    assert run.policies_total == 4
    assert run.summary["replenished_by_transfer"] == 3


def test_a_warehouse_replenished_from_a_distribution_centre_passes_the_demand_up() -> None:
    centre = SiteFactory(code="DC-01", echelon="dc")
    tree = build_tree(warehouse_parent=centre)

    policies_refresh()

    warehouse = policy(tree["sku"], tree["warehouse"])
    assert (warehouse.source_site, warehouse.supplier) == (centre, None)
    assert warehouse.lead_time_mean == 4  # 3 days' transit + 1 of handling
    dc = policy(tree["sku"], centre)
    assert dc.demand_mean == pytest.approx(35.0)
    assert dc.supplier == tree["supplier"]


def test_a_sku_delivered_direct_is_bought_by_the_hospital_from_its_supplier() -> None:
    tree = build_tree(direct_delivery=True)

    policies_refresh()

    hospital = policy(tree["sku"], tree["hospitals"]["HSP-001"])
    assert (hospital.supplier, hospital.source_site) == (tree["supplier"], None)
    assert hospital.lead_time_mean == 10
    assert not InventoryPolicy.objects.filter(site=tree["warehouse"]).exists()


# ---- the plan ----------------------------------------------------------------------------------


def test_a_hospital_at_its_reorder_point_gets_a_transfer_from_its_warehouse(tree) -> None:  # type: ignore[no-untyped-def]
    hospital = tree["hospitals"]["HSP-001"]
    stocked(tree["sku"], hospital, 40)
    policies_refresh()
    hospital_policy = policy(tree["sku"], hospital)

    run = run_plan()

    transfer = SuggestedTransfer.objects.get(plan=run)
    assert (transfer.kind, transfer.source, transfer.destination) == (
        "replenishment",
        tree["warehouse"],
        hospital,
    )
    assert transfer.quantity == transfer.requested_quantity == int(hospital_policy.order_quantity)
    assert (transfer.ship_date, transfer.arrival_date) == (AS_OF, AS_OF + timedelta(days=3))
    assert transfer.reason.startswith(
        "HSP-001 is replenished from WH-01: its position 40 is at or below its reorder point "
        f"{hospital_policy.reorder_point:,.0f} today"
    )
    assert not SuggestedOrder.objects.filter(plan=run, site=hospital).exists()
    assert run.summary["replenishment_transfers"] == 1


def test_the_warehouse_orders_when_the_transfers_it_ships_take_it_below_its_reorder_point(
    tree,
) -> None:  # type: ignore[no-untyped-def]
    stocked(tree["sku"], tree["hospitals"]["HSP-001"], 40)
    policies_refresh()
    warehouse = policy(tree["sku"], tree["warehouse"])
    shipped = int(policy(tree["sku"], tree["hospitals"]["HSP-001"]).order_quantity)
    above = math.ceil(warehouse.reorder_point) + shipped - 50  # above it until the transfer
    stocked(tree["sku"], tree["warehouse"], above)

    run = run_plan()

    order = SuggestedOrder.objects.get(plan=run)
    assert (order.site, order.supplier) == (tree["warehouse"], tree["supplier"])
    assert order.order_date == AS_OF
    assert order.inventory_position == above - shipped
    without = order.projection["without"]
    assert without[0] == pytest.approx(above - shipped)  # the transfer leaves on day 0
    assert without[6] == without[0]  # no demand of its own in the review week
    assert without[7] - without[8] == pytest.approx(35.0)  # then its hospitals' demand


def test_the_warehouse_at_the_same_stock_orders_nothing_while_its_hospitals_need_nothing(
    tree,
) -> None:  # type: ignore[no-untyped-def]
    policies_refresh()
    warehouse = policy(tree["sku"], tree["warehouse"])
    stocked(tree["sku"], tree["warehouse"], math.ceil(warehouse.reorder_point) + 10)

    run = run_plan()

    assert not SuggestedOrder.objects.filter(plan=run).exists()
    assert not SuggestedTransfer.objects.filter(plan=run).exists()


def test_a_transfer_is_cut_to_what_the_warehouse_has_and_says_so(tree) -> None:  # type: ignore[no-untyped-def]
    hospital = tree["hospitals"]["HSP-001"]
    stocked(tree["sku"], hospital, 40)
    stocked(tree["sku"], tree["warehouse"], 30)
    policies_refresh()
    asked = int(policy(tree["sku"], hospital).order_quantity)

    run = run_plan()

    transfer = SuggestedTransfer.objects.get(plan=run, destination=hospital)
    assert (transfer.quantity, transfer.requested_quantity) == (30, asked)
    assert f"WH-01 has only 30 released units to send: transfer cut to 30 of the {asked:,}" in (
        transfer.reason
    )
    # the warehouse still owes the whole quantity, so it orders
    assert SuggestedOrder.objects.filter(plan=run, site=tree["warehouse"]).exists()
    assert run.summary["replenishment_transfers_cut"] == 1


def test_hospitals_asking_the_same_warehouse_are_served_in_the_order_they_ask(tree) -> None:  # type: ignore[no-untyped-def]
    later, sooner = tree["hospitals"]["HSP-001"], tree["hospitals"]["HSP-002"]
    stocked(tree["sku"], later, 80)  # 20 a day: at its reorder point 60 tomorrow
    stocked(tree["sku"], sooner, 10)  # at its reorder point today
    policies_refresh()
    first_asked = int(policy(tree["sku"], sooner).order_quantity)
    stocked(tree["sku"], tree["warehouse"], first_asked + 7)

    run = run_plan()

    served_first = SuggestedTransfer.objects.get(plan=run, destination=sooner)
    served_next = SuggestedTransfer.objects.get(plan=run, destination=later)
    assert served_first.quantity == served_first.requested_quantity == first_asked
    assert served_first.ship_date == AS_OF
    assert (served_next.quantity, served_next.ship_date) == (7, AS_OF + timedelta(days=1))


def test_a_sku_delivered_direct_still_gets_a_purchase_order_at_the_hospital() -> None:
    tree = build_tree(direct_delivery=True)
    hospital = tree["hospitals"]["HSP-001"]
    stocked(tree["sku"], hospital, 40)
    stocked(tree["sku"], tree["warehouse"], 0)  # no surplus to move there instead
    policies_refresh()

    run = run_plan()

    order = SuggestedOrder.objects.get(plan=run)
    assert (order.site, order.supplier) == (hospital, tree["supplier"])
    assert not SuggestedTransfer.objects.filter(plan=run).exists()


def test_a_replenishment_transfer_becomes_a_transfer_order(tree, planner) -> None:  # type: ignore[no-untyped-def]
    hospital = tree["hospitals"]["HSP-001"]
    LotFactory(
        sku=tree["sku"],
        site=tree["warehouse"],
        quantity=2000,
        expiry_date=AS_OF + timedelta(days=800),
        today=AS_OF,
    )
    stocked(tree["sku"], tree["warehouse"], 2000)
    stocked(tree["sku"], hospital, 40)
    policies_refresh()
    suggestion = SuggestedTransfer.objects.get(plan=run_plan())

    order = suggested_transfer_order_create(actor=planner, suggestion_id=suggestion.pk, today=AS_OF)

    assert isinstance(order, TransferOrder)
    assert (order.source, order.destination, order.quantity) == (
        tree["warehouse"],
        hospital,
        suggestion.quantity,
    )
    assert order.suggested_transfer_id == suggestion.pk
    assert "replenished from WH-01" in order.reason


def test_a_planner_may_order_what_the_source_can_send_when_that_is_less(tree, planner) -> None:  # type: ignore[no-untyped-def]
    hospital = tree["hospitals"]["HSP-001"]
    lot = LotFactory(
        sku=tree["sku"],
        site=tree["warehouse"],
        quantity=2000,
        expiry_date=AS_OF + timedelta(days=800),
        today=AS_OF,
    )
    stocked(tree["sku"], tree["warehouse"], 2000)
    stocked(tree["sku"], hospital, 40)
    policies_refresh()
    suggestion = SuggestedTransfer.objects.get(plan=run_plan())
    Lot.objects.filter(pk=lot.pk).update(quantity=suggestion.quantity - 5)

    with pytest.raises(InsufficientStock, match="Only"):
        suggested_transfer_order_create(actor=planner, suggestion_id=suggestion.pk, today=AS_OF)
    order = suggested_transfer_order_create(
        actor=planner, suggestion_id=suggestion.pk, today=AS_OF, up_to_available=True
    )

    assert order.quantity == suggestion.quantity - 5
    assert f"Only {suggestion.quantity - 5:,} of the {suggestion.quantity:,} suggested" in (
        order.reason
    )


def test_the_textbook_policy_follows_the_same_paths_on_the_summed_raw_demand(tree) -> None:  # type: ignore[no-untyped-def]
    sku, warehouse = tree["sku"], tree["warehouse"]
    DailyDemand.objects.bulk_create(
        DailyDemand(
            sku=sku,
            site=hospital,
            date=AS_OF - timedelta(days=back),
            quantity=int(HOSPITAL_DEMAND[code]) + (2 if back % 2 else -2),
        )
        for code, hospital in tree["hospitals"].items()
        for back in range(1, 366)
    )

    policies_refresh(method="textbook", today=AS_OF)

    hospital = policy(sku, tree["hospitals"]["HSP-002"])
    assert (hospital.supplier, hospital.source_site) == (None, warehouse)
    assert hospital.demand_mean == pytest.approx(10.0 + 2 / 365)
    upstream = policy(sku, warehouse)
    assert upstream.source_site is None and upstream.supplier == tree["supplier"]
    assert upstream.demand_mean == pytest.approx(35.0 + 6 / 365)
    assert upstream.demand_error_std == pytest.approx(6.0, rel=1e-3)  # the three swing together
