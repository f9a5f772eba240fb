import json
import re
from datetime import date

import pytest

from accounts.roles import Role
from inventory.models import StockPosition
from optimization.models import PolicyRun
from optimization.services.policies import policies_refresh
from suppliers.models import SupplierItem
from tests.factories import SiteFactory, SkuFactory, SupplierFactory, published_series

pytestmark = pytest.mark.django_db


@pytest.fixture
def policies():  # type: ignore[no-untyped-def]
    site, other = SiteFactory(code="HOSP-1"), SiteFactory(code="HOSP-2")
    supplier = SupplierFactory(code="SUP-1")
    cheap = SkuFactory(code="AMX-500", unit_cost=2)
    dear = SkuFactory(code="ONC-100", unit_cost=900, criticality="critical")
    for sku, price in ((cheap, 2), (dear, 900)):
        SupplierItem.objects.create(
            supplier=supplier,
            sku=sku,
            lead_time_mean_days=12,
            lead_time_std_days=3,
            unit_price=price,
            cost_per_order=60,
            moq=10,
            order_multiple=10,
            is_primary=True,
            price_breaks=[{"min_quantity": 1000, "unit_price": str(price * 0.9)}],
        )
    run = published_series(cheap, site, [40.0] * 60, as_of=date(2026, 12, 1))
    published_series(dear, other, [1.5] * 60, as_of=date(2026, 12, 1), run=run)
    StockPosition.objects.create(sku=cheap, site=site, abc_class="C", xyz_class="X")
    StockPosition.objects.create(sku=dear, site=other, abc_class="A", xyz_class="Z")
    policies_refresh()
    return cheap, dear, site, other


def test_the_policy_list_shows_every_sku_site_with_totals(client, planner, policies) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    page = client.get("/optimization/").content.decode()

    assert "AMX-500" in page and "ONC-100" in page
    totals = re.search(
        r'data-testid="policy-totals">(.*?)</div>\s*<div class="card shadow-sm">', page, re.S
    )
    assert ">2</div>" in totals.group(1)


def test_the_policy_list_filters_by_class_and_site(client, planner, policies) -> None:  # type: ignore[no-untyped-def]
    _, _, _, other = policies
    client.force_login(planner)

    page = client.get("/optimization/", {"abc": "A", "site": other.pk}).content.decode()

    assert "ONC-100" in page and "AMX-500" not in page


def test_the_policy_list_sorts_by_safety_stock_value(client, planner, policies) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    page = client.get("/optimization/", {"sort": "ss_value", "desc": "on"}).content.decode()

    assert page.index("ONC-100") < page.index("AMX-500")


def test_the_policy_page_explains_the_policy_and_draws_its_curves(
    client, planner, policies
) -> None:  # type: ignore[no-untyped-def]
    cheap, _, site, _ = policies
    client.force_login(planner)

    response = client.get(f"/optimization/policy/{cheap.pk}/site/{site.pk}/")

    page = response.content.decode()
    assert "Lead time 12.0 ± 3.0 days from supplier terms." in page
    eoq = json.loads(response.context["eoq"])
    assert 1000.0 in eoq["breaks"]
    chosen = eoq["chosen"]
    # the chosen quantity costs no more than any point drawn on the curve
    assert chosen["total"] <= min(eoq["total"]) + 1e-6
    trade = json.loads(response.context["tradeoff"])
    values = trade["inventory_value"]
    assert values == sorted(values)  # more service never costs less stock


def test_a_planner_recomputes_the_policies(
    client, planner, policies, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/optimization/refresh/")

    assert response.status_code == 302
    assert PolicyRun.objects.filter(status="succeeded").count() == 2


def test_viewers_cannot_recompute_the_policies(client, make_user, policies) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    page = client.get("/optimization/").content.decode()

    assert 'data-testid="refresh-policies"' not in page
    assert client.post("/optimization/refresh/").status_code == 403
    assert PolicyRun.objects.count() == 1


def test_the_policy_list_says_so_when_there_are_no_policies(client, planner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    page = client.get("/optimization/").content.decode()

    assert "No policies match. Policies are computed after each published forecast." in page


@pytest.fixture
def tree_policies():  # type: ignore[no-untyped-def]
    plant = SiteFactory(code="PLT", echelon="plant", transit_days=0)
    dc = SiteFactory(code="DC", echelon="dc", replenished_from=plant, transit_days=3)
    wards = [
        SiteFactory(code=f"HOSP-{n}", echelon="hospital", replenished_from=dc, transit_days=2)
        for n in (1, 2, 3)
    ]
    sku = SkuFactory(code="VAC-1", unit_cost=50)
    run = None
    for ward in wards:
        run = published_series(sku, ward, [30.0] * 60, as_of=date(2026, 12, 1), run=run)
    policies_refresh()
    return sku, plant, dc, wards


def test_the_network_page_shows_the_guaranteed_service_plan_and_its_saving(
    client, planner, tree_policies
) -> None:  # type: ignore[no-untyped-def]
    sku, *_ = tree_policies
    client.force_login(planner)

    response = client.get("/optimization/network/", {"sku": sku.pk, "service": "0.95"})

    plan = response.context["plan"]
    assert [stage.site.code for stage in plan["stages"]] == [
        "PLT",
        "DC",
        "HOSP-1",
        "HOSP-2",
        "HOSP-3",
    ]
    assert plan["guaranteed_cost"] <= plan["single_cost"]
    assert plan["saving"] == pytest.approx(plan["single_cost"] - plan["guaranteed_cost"])
    assert plan["saving"] > 0  # three wards pool their demand upstream
    for stage in plan["stages"]:
        assert (
            stage.net_replenishment_time
            == stage.service_in + stage.processing_time - stage.service_out
        )
    assert 'data-testid="network-saving"' in response.content.decode()


def test_the_network_page_without_policies_says_what_it_needs(client, planner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    page = client.get("/optimization/network/").content.decode()

    assert "the network view needs a SKU with computed policies" in page


@pytest.fixture
def demo_policies(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from demo import generator as demo_data
    from forecasting.services import forecast_run_start

    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=6, days=300, sites=4, seed=5, today=timezone.localdate())
    )
    with django_capture_on_commit_callbacks(execute=True):
        forecast_run_start(actor=None, history_days=280, horizon=30)


@pytest.mark.slow
def test_a_planner_runs_the_backtest_and_sees_both_policies_measured(
    client, planner, demo_policies, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from optimization.models import PolicySimulation

    client.force_login(planner)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/optimization/backtest/start/")
    page = client.get("/optimization/backtest/").content.decode()

    simulation = PolicySimulation.objects.get()
    assert simulation.status == "succeeded"
    table = re.search(r'data-testid="simulation-table">(.*?)</table>', page, re.S).group(1)
    fill = simulation.results["optimized"]["overall"]["fill_rate"]
    assert f"{fill:.4f}" in table
    assert "Emergency orders" in table


def test_the_backtest_progress_stops_polling_once_finished(client, planner) -> None:  # type: ignore[no-untyped-def]
    from optimization.models import PolicySimulation

    done = PolicySimulation.objects.create(status="succeeded", results={})
    client.force_login(planner)

    response = client.get(f"/optimization/backtest/{done.pk}/progress/", HTTP_HX_REQUEST="true")

    assert response.status_code == 286


def test_a_finished_backtest_without_results_is_not_shown_as_the_latest(client, planner) -> None:  # type: ignore[no-untyped-def]
    from optimization.models import PolicySimulation

    PolicySimulation.objects.create(status="succeeded", results={})
    client.force_login(planner)

    response = client.get("/optimization/backtest/")

    assert response.status_code == 200
    assert response.context["simulation"] is None


def test_viewers_see_the_backtest_but_cannot_run_it(client, make_user) -> None:  # type: ignore[no-untyped-def]
    from optimization.models import PolicySimulation

    client.force_login(make_user(Role.VIEWER))

    page = client.get("/optimization/backtest/").content.decode()

    assert 'data-testid="start-simulation"' not in page
    assert "No backtest yet." in page
    assert client.post("/optimization/backtest/start/").status_code == 403
    assert not PolicySimulation.objects.exists()


def test_starting_a_backtest_without_policies_says_why(client, planner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    page = client.post("/optimization/backtest/start/", follow=True).content.decode()

    assert "No policies yet: they are computed after a forecast run." in page


def test_the_calculator_shows_results_for_its_defaults(client, planner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    response = client.get("/optimization/calculator/")

    assert response.context["ss"]["result"]["reorder_point"] > 0
    assert response.context["eoq"]["result"]["order_quantity"] > 0


def test_the_calculator_recomputes_one_result_for_htmx(client, planner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)
    data = {
        "form": "eoq",
        "annual_demand": 5000,
        "order_cost": 49,
        "unit_price": 5,
        "holding_rate": 20,
        "moq": 1200,
        "order_multiple": 1,
    }

    page = client.get("/optimization/calculator/", data, HTTP_HX_REQUEST="true").content.decode()

    assert page.lstrip().startswith('<div id="eoq-result"')
    assert 'data-testid="eoq-quantity">1,200<' in page


def test_the_calculator_explains_a_bad_figure_and_computes_nothing(client, planner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)
    data = {
        "form": "ss",
        "demand_mean": -4,
        "demand_error_std": 3,
        "lead_time_mean": 7,
        "service_kind": "fill_rate",
        "service_level": 95,
        "order_quantity": 100,
        "review_period": 7,
    }

    page = client.get("/optimization/calculator/", data, HTTP_HX_REQUEST="true").content.decode()

    assert "Demand (units/day)</strong>" in page and "greater than or equal to 0" in page
    assert 'data-testid="ss-value"' not in page


@pytest.fixture
def paths_policies():  # type: ignore[no-untyped-def]
    """HOSP-7 replenished by transfer from WH-7, which buys from Acme Pharma."""
    warehouse = SiteFactory(code="WH-7", echelon="warehouse")
    hospital = SiteFactory(
        code="HOSP-7", replenished_from=warehouse, transit_days=2, replenishment="parent"
    )
    sku = SkuFactory(code="PTH-1", unit_cost=3)
    SupplierItem.objects.create(
        supplier=SupplierFactory(code="ACME", name="Acme Pharma"),
        sku=sku,
        lead_time_mean_days=10,
        unit_price=3,
        is_primary=True,
    )
    published_series(sku, hospital, [12.0] * 60, as_of=date(2026, 12, 1))
    policies_refresh()
    return sku, warehouse, hospital


def test_the_policy_list_says_where_each_sku_site_is_replenished_from(
    client, planner, paths_policies
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    page = client.get("/optimization/").content.decode()

    sources = re.findall(r'data-testid="policy-source">([^<]*)<', page)
    assert sorted(sources) == ["Acme Pharma", "WH-7"]
    assert "Replenished from" in page


def test_the_policy_page_of_a_warehouse_explains_its_echelon_demand(
    client, planner, paths_policies
) -> None:  # type: ignore[no-untyped-def]
    sku, warehouse, hospital = paths_policies
    client.force_login(planner)

    warehouse_page = client.get(f"/optimization/policy/{sku.pk}/site/{warehouse.pk}/")
    hospital_page = client.get(f"/optimization/policy/{sku.pk}/site/{hospital.pk}/")

    assert "echelon demand: its own and that of HOSP-7" in warehouse_page.content.decode()
    hospital_text = hospital_page.content.decode()
    assert 'data-testid="policy-source">WH-7<' in hospital_text
    assert "days from transit from the parent site." in hospital_text


def test_the_network_page_plans_a_tree_whose_hospitals_are_replenished_by_transfer(
    client, planner
) -> None:  # type: ignore[no-untyped-def]
    dc = SiteFactory(code="DC", echelon="dc")
    wards = [
        SiteFactory(
            code=f"HOSP-{n}",
            replenished_from=dc,
            transit_days=2,
            replenishment="parent",
        )
        for n in (1, 2, 3)
    ]
    sku = SkuFactory(code="VAC-2", unit_cost=50)
    SupplierItem.objects.create(
        supplier=SupplierFactory(), sku=sku, lead_time_mean_days=9, unit_price=50, is_primary=True
    )
    run = None
    for ward in wards:
        run = published_series(sku, ward, [30.0] * 60, as_of=date(2026, 12, 1), run=run)
    policies_refresh()
    client.force_login(planner)

    response = client.get("/optimization/network/", {"sku": sku.pk, "service": "0.95"})

    plan = response.context["plan"]
    stages = {stage.site.code: stage for stage in plan["stages"]}
    assert plan["lead_time"] == 9  # the DC's supplier, not the wards' transfers
    assert stages["DC"].demand_std == 0.0  # no demand of its own: the wards' is pooled
    assert stages["HOSP-1"].demand_std == pytest.approx(2.0)
    assert plan["guaranteed_cost"] <= plan["single_cost"]
