from datetime import date, timedelta
from decimal import Decimal

import pytest

from forecasting.models import LeadTimeEstimate
from forecasting.services import forecast_override_create
from inventory.models import StockPosition
from optimization.models import InventoryPolicy, PolicyRun, PolicyRunStatus
from optimization.services import policies as services
from optimization.services.policies import PolicyRefreshRefused, policies_refresh
from suppliers.models import SupplierItem
from tests.factories import SiteFactory, SkuFactory, SupplierFactory, published_series

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 12, 1)


@pytest.fixture
def forecast():  # type: ignore[no-untyped-def]
    sku = SkuFactory(unit_cost=4, criticality="high", shelf_life_days=365)
    site = SiteFactory()
    StockPosition.objects.create(sku=sku, site=site, abc_class="A", xyz_class="X")
    supplier = SupplierFactory()
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
    run = published_series(sku, site, [20.0] * 60, as_of=AS_OF)
    return sku, site, supplier, run


def test_a_policy_uses_the_primary_supplier_terms_and_the_forecast(forecast) -> None:  # type: ignore[no-untyped-def]
    sku, site, supplier, _ = forecast

    run = policies_refresh()

    policy = InventoryPolicy.objects.get(sku=sku, site=site)
    assert run.status == PolicyRunStatus.SUCCEEDED and run.policies_total == 1
    assert policy.supplier == supplier
    assert (policy.unit_price, policy.order_cost, policy.order_multiple) == (5, 40, 10)
    assert (policy.lead_time_mean, policy.lead_time_std, policy.lead_time_basis) == (10, 2, "terms")
    assert policy.demand_mean == pytest.approx(20.0)
    assert (policy.service_kind, policy.service_level) == ("fill_rate", 0.98)  # high, A, X
    assert policy.order_quantity % 10 == 0
    assert policy.reorder_point == pytest.approx(20.0 * 10 + policy.safety_stock)
    assert policy.expected_fill_rate == pytest.approx(0.98, abs=1e-6)


def test_the_lead_time_estimate_from_receipts_wins_over_the_terms(forecast) -> None:  # type: ignore[no-untyped-def]
    sku, site, supplier, _ = forecast
    LeadTimeEstimate.objects.create(
        supplier=supplier,
        sku=sku,
        observations=12,
        mean_days=15,
        std_days=4,
        trend_days_per_year=0,
        projected_mean_days=15,
        source="history",
        terms_mean_days=10,
        terms_std_days=2,
        computed_on=AS_OF,
    )

    policies_refresh()

    policy = InventoryPolicy.objects.get(sku=sku, site=site)
    assert (policy.lead_time_mean, policy.lead_time_std, policy.lead_time_basis) == (
        15,
        4,
        "history",
    )


def test_policies_read_the_forecast_with_planner_overrides(forecast, planner) -> None:  # type: ignore[no-untyped-def]
    sku, site, _, _ = forecast
    forecast_override_create(
        actor=planner,
        sku=sku,
        site=site,
        start_date=AS_OF,
        end_date=AS_OF + timedelta(days=59),
        kind="percent",
        value=Decimal("50"),
        reason="New ward opens",
        today=AS_OF,
    )

    policies_refresh()

    assert InventoryPolicy.objects.get(sku=sku, site=site).demand_mean == pytest.approx(30.0)


def test_a_sku_without_supplier_terms_plans_with_the_default_lead_time(settings) -> None:  # type: ignore[no-untyped-def]
    settings.OPTIMIZATION_DEFAULT_LEAD_TIME_DAYS = 21
    sku, site = SkuFactory(unit_cost=3), SiteFactory()
    published_series(sku, site, [5.0] * 30, as_of=AS_OF)

    policies_refresh()

    policy = InventoryPolicy.objects.get(sku=sku, site=site)
    assert (policy.lead_time_mean, policy.lead_time_basis, policy.supplier) == (21, "default", None)
    assert policy.lead_time_std == pytest.approx(0.3 * 21)


def test_refreshing_twice_keeps_one_policy_per_sku_site(forecast) -> None:  # type: ignore[no-untyped-def]
    policies_refresh()
    second = policies_refresh()

    assert InventoryPolicy.objects.count() == 1
    assert InventoryPolicy.objects.get().run == second


def test_a_failed_refresh_keeps_the_previous_policies(forecast, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first = policies_refresh()

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("solver exploded")

    monkeypatch.setattr(services, "compute_policies", broken)
    with pytest.raises(ValueError):
        policies_refresh()

    failed = PolicyRun.objects.exclude(pk=first.pk).get()
    assert failed.status == PolicyRunStatus.FAILED and "solver exploded" in failed.error
    assert InventoryPolicy.objects.get().run == first


def test_no_policies_without_a_published_forecast() -> None:
    with pytest.raises(PolicyRefreshRefused, match="No forecast is published"):
        policies_refresh()

    assert not PolicyRun.objects.exists()


def test_publishing_a_forecast_refreshes_the_policies(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from demo import generator as demo_data
    from forecasting.services import forecast_run_start

    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=4, days=150, sites=3, seed=3, today=timezone.localdate())
    )

    with django_capture_on_commit_callbacks(execute=True):
        forecast_run_start(actor=None, history_days=120, horizon=30)

    run = PolicyRun.objects.get()
    assert run.status == PolicyRunStatus.SUCCEEDED
    assert run.policies_total == InventoryPolicy.objects.count() > 0
