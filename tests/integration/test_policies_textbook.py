"""The policy refresh in textbook mode: the seed's rule from the trailing year of demand, with
our service target and lead time, stored as the plan reads policies.

The fixture, as of 2026-12-01: one SKU (shelf life 30 days) at one hospital, primary supplier
at 5 a unit, 40 an order, lead time 9 +/- 2 days, MOQ 1, multiple 10; classes A-X, criticality
high, so our target is a 98 % fill rate (z = 2.053749). Demand: 100 a day for 200 days, then
the trailing year (365 days) alternates 8 and 12 and ends on 10: mean 10, standard deviation
sqrt(364 x 4 / 365) = 1.997259.

Textbook: SS = 2.053749 x sqrt(9) x 1.997259 = 12.3056; ROP = 10 x 9 + 12.3056 = 102.3056;
EOQ = sqrt(2 x 3,650 x 40 / (0.25 x 5)) = 483.32, ordered as 490 (the multiple of 10); our
shelf-life cap (10 x 30 = 300) is not applied. Periodic review every 7 days: S = 10 x 16 +
2.053749 x 4 x 1.997259 = 176.41.
"""

from datetime import date, timedelta

import numpy as np
import pytest

from inventory.models import DailyDemand, StockPosition
from optimization.models import InventoryPolicy, PlanRunStatus, PolicyRun, SuggestedOrder
from optimization.services.plans import plan_run_create
from optimization.services.policies import PolicyRefreshRefused, policies_refresh
from optimization.tasks import plan_run
from suppliers.models import SupplierItem
from tests.factories import SiteFactory, SkuFactory, SupplierFactory, published_series

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 12, 1)
Z_98 = 2.0537489
SIGMA = (364 * 4 / 365) ** 0.5


@pytest.fixture
def world(settings):  # type: ignore[no-untyped-def]
    settings.OPTIMIZATION_HOLDING_RATE = 0.25
    settings.OPTIMIZATION_REVIEW_PERIOD_DAYS = 7
    sku = SkuFactory(
        unit_cost=4, criticality="high", shelf_life_days=30, min_remaining_shelf_life_days=0
    )
    site = SiteFactory()
    StockPosition.objects.create(
        sku=sku, site=site, abc_class="A", xyz_class="X", on_hand=40, inventory_position=40
    )
    supplier = SupplierFactory()
    item = SupplierItem.objects.create(
        supplier=supplier,
        sku=sku,
        lead_time_mean_days=9,
        lead_time_std_days=2,
        unit_price=5,
        cost_per_order=40,
        moq=1,
        order_multiple=10,
        is_primary=True,
    )
    old = [100] * 200
    recent = [8, 12] * 182 + [10]
    first = AS_OF - timedelta(days=len(old) + len(recent))
    DailyDemand.objects.bulk_create(
        DailyDemand(sku=sku, site=site, date=first + timedelta(days=i), quantity=q)
        for i, q in enumerate(old + recent)
    )
    return {"sku": sku, "site": site, "item": item}


def test_textbook_policies_come_from_the_trailing_year_of_demand(world) -> None:  # type: ignore[no-untyped-def]
    run = policies_refresh(method="textbook", today=AS_OF)

    policy = InventoryPolicy.objects.get(sku=world["sku"], site=world["site"])
    assert run.parameters["method"] == "textbook"
    assert run.forecast_run is None  # no forecast needed
    assert (policy.demand_mean, policy.demand_error_std) == pytest.approx((10.0, SIGMA))
    assert (policy.service_kind, policy.service_level) == ("fill_rate", 0.98)
    assert (policy.lead_time_mean, policy.lead_time_basis) == (9, "terms")
    assert policy.safety_stock == pytest.approx(Z_98 * 3 * SIGMA, rel=1e-6)
    assert policy.reorder_point == pytest.approx(90 + Z_98 * 3 * SIGMA, rel=1e-6)
    assert policy.eoq == pytest.approx(np.sqrt(2 * 3650 * 40 / 1.25))
    assert (policy.order_quantity, policy.lot_reason) == (490, "eoq")
    assert policy.order_up_to == pytest.approx(160 + Z_98 * 4 * SIGMA, rel=1e-6)


def test_textbook_orders_are_not_capped_by_shelf_life(world) -> None:  # type: ignore[no-untyped-def]
    policies_refresh(method="textbook", today=AS_OF)

    policy = InventoryPolicy.objects.get(sku=world["sku"], site=world["site"])
    assert policy.shelf_life_cap is None
    assert policy.order_quantity > 10 * 30  # what 30 days of shelf life can use


def test_a_moq_above_the_eoq_lifts_the_stored_order_quantity(world) -> None:  # type: ignore[no-untyped-def]
    SupplierItem.objects.filter(pk=world["item"].pk).update(moq=1000)

    policies_refresh(method="textbook", today=AS_OF)

    policy = InventoryPolicy.objects.get(sku=world["sku"], site=world["site"])
    assert (policy.order_quantity, policy.lot_reason) == (1000, "moq")
    assert policy.eoq == pytest.approx(483.32, abs=0.01)


def test_the_setting_chooses_the_method_when_none_is_given(world, settings) -> None:  # type: ignore[no-untyped-def]
    settings.OPTIMIZATION_POLICY_METHOD = "textbook"

    run = policies_refresh(today=AS_OF)

    assert run.parameters["method"] == "textbook"
    assert InventoryPolicy.objects.get().reorder_point == pytest.approx(
        90 + Z_98 * 3 * SIGMA, rel=1e-6
    )


def test_an_argument_overrides_the_setting(world, settings) -> None:  # type: ignore[no-untyped-def]
    settings.OPTIMIZATION_POLICY_METHOD = "textbook"
    published_series(world["sku"], world["site"], [20.0] * 60, as_of=AS_OF)

    run = policies_refresh(method="optimized", today=AS_OF)

    assert run.parameters["method"] == "optimized"
    assert InventoryPolicy.objects.get().demand_mean == pytest.approx(20.0)


def test_an_unknown_method_is_refused_and_writes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PolicyRefreshRefused, match="Unknown policy method 'newsvendor'"):
        policies_refresh(method="newsvendor", today=AS_OF)

    assert not PolicyRun.objects.exists()
    assert not InventoryPolicy.objects.exists()


def test_the_plan_orders_with_the_textbook_parameters(world) -> None:  # type: ignore[no-untyped-def]
    published_series(world["sku"], world["site"], [10.0] * 90, as_of=AS_OF)
    policies_refresh(method="textbook", today=AS_OF)

    run = plan_run_create(actor=None, as_of=AS_OF)
    plan_run.delay(run.pk)
    run.refresh_from_db()

    assert run.status == PlanRunStatus.SUCCEEDED
    order = SuggestedOrder.objects.get(plan=run)
    assert order.quantity == 490
    assert order.reorder_point == pytest.approx(102.3, abs=0.05)
    assert order.shelf_life_cap is None
