import math

import numpy as np
import pytest
from django.utils import timezone

from demo import generator as demo_data
from forecasting.selectors import demand_matrix
from forecasting.services import current_run, forecast_run_start
from optimization.engine.policy import PolicyInputs
from optimization.engine.simulate import LeadTime, bootstrap_demand
from optimization.models import InventoryPolicy, PlanRun, PolicyRun, Scenario, SuggestedOrder
from optimization.services.backtests import measured, simulate_policy
from optimization.services.scenarios import (
    HISTORY_DAYS,
    SEED,
    SIMULATION_DAYS,
    ScenarioRefused,
    scenario_compute,
    scenario_create,
    scenario_start,
    scenarios_for_comparison,
)
from tests.factories import SkuFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def policies(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=10, days=300, sites=4, seed=11, today=timezone.localdate())
    )
    with django_capture_on_commit_callbacks(execute=True):
        forecast_run_start(actor=None, history_days=280, horizon=30)


def computed(**changes):  # type: ignore[no-untyped-def]
    selection = changes.pop("selection", {})
    scenario = scenario_create(actor=None, name="What if", selection=selection, changes=changes)
    return scenario_compute(scenario_id=scenario.pk)


def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(policies) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScenarioRefused) as refused:
        scenario_create(
            actor=None,
            name="  ",
            selection={"abc": ["A", "D"], "sites": ["NO-SUCH-SITE"], "skus": "NO-SUCH-SKU"},
            changes={
                "service_levels": {"A": 1.2},
                "holding_rate": 5,
                "lead_time_mean_factor": 0,
                "lead_time_std_factor": "fast",
                "demand_uplift": -2,
            },
        )

    fields = refused.value.fields
    assert fields["name"] == ["Give the scenario a name."]
    assert fields["abc"] == ["ABC classes are A, B, C; not D."]
    assert fields["sites"] == ["Unknown site codes: NO-SUCH-SITE."]
    assert fields["skus"] == ["Unknown SKU codes: NO-SUCH-SKU."]
    assert fields["service_level_A"] == ["A service level between 50% and 99.9%."]
    assert fields["holding_rate"] == ["A holding rate between 1 % and 100 % a year."]
    assert fields["lead_time_mean_factor"] == ["A factor between 0.25 and 4."]
    assert fields["lead_time_std_factor"] == ["A number."]
    assert fields["demand_uplift"] == ["A demand change between -90 % and +300 %."]
    assert not Scenario.objects.exists()


def test_a_scenario_that_changes_nothing_is_refused(policies) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScenarioRefused) as refused:
        scenario_create(actor=None, name="Same", changes={"lead_time_mean_factor": 1})

    assert "Change at least one assumption" in refused.value.fields["changes"][0]
    assert not Scenario.objects.exists()


def test_one_level_for_all_and_levels_per_class_are_not_both_taken(policies) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScenarioRefused) as refused:
        scenario_create(
            actor=None, name="Both", changes={"service_levels": {"all": 0.97, "A": 0.99}}
        )

    assert refused.value.fields["service_level_all"] == [
        "Give one service level for all, or levels per ABC class, not both."
    ]
    assert not Scenario.objects.exists()


def test_a_selection_without_current_policies_is_refused(policies) -> None:  # type: ignore[no-untyped-def]
    unplanned = SkuFactory(code="NEW-1")

    with pytest.raises(ScenarioRefused) as refused:
        scenario_create(
            actor=None,
            name="New SKU",
            selection={"skus": [unplanned.code]},
            changes={"demand_uplift": 0.1},
        )

    assert "No SKU-site with a current policy matches" in refused.value.fields["selection"][0]
    assert not Scenario.objects.exists()


def test_no_scenario_without_current_policies() -> None:
    with pytest.raises(ScenarioRefused, match="No current policies yet"):
        scenario_create(actor=None, name="Early", changes={"demand_uplift": 0.1})

    assert not Scenario.objects.exists()


def test_a_higher_service_target_raises_fill_rate_and_inventory_value(policies) -> None:  # type: ignore[no-untyped-def]
    scenario = computed(service_levels={"all": 0.995})

    baseline = scenario.results["baseline"]["overall"]
    changed = scenario.results["scenario"]["overall"]
    assert scenario.status == "succeeded"
    assert changed["fill_rate"] > baseline["fill_rate"]
    assert changed["average_inventory_value"] > baseline["average_inventory_value"]
    delta = scenario.results["deltas"]["overall"]["average_inventory_value"]
    assert delta["absolute"] == pytest.approx(
        changed["average_inventory_value"] - baseline["average_inventory_value"]
    )


def test_a_demand_uplift_sized_for_raises_inventory(policies) -> None:  # type: ignore[no-untyped-def]
    scenario = computed(demand_uplift=0.3)

    baseline = scenario.results["baseline"]
    changed = scenario.results["scenario"]
    assert (
        changed["overall"]["average_inventory_value"]
        > baseline["overall"]["average_inventory_value"]
    )
    assert changed["policy"]["safety_stock_value"] > baseline["policy"]["safety_stock_value"]


def test_the_baseline_is_a_simulation_of_the_stored_current_policies(policies) -> None:  # type: ignore[no-untyped-def]
    scenario = computed(service_levels={"A": 0.99})

    rows = list(InventoryPolicy.objects.serving_patients().order_by("sku_id", "site_id"))
    column = lambda name: np.array([getattr(row, name) for row in rows], dtype=float)  # noqa: E731
    inputs = PolicyInputs(
        demand_mean=column("demand_mean"),
        demand_error_std=column("demand_error_std"),
        lead_time_mean=column("lead_time_mean"),
        lead_time_std=column("lead_time_std"),
        review_period=column("review_period"),
        unit_price=column("unit_price"),
        order_cost=column("order_cost"),
        abc=np.array([row.abc_class for row in rows]),
        xyz=np.array([row.xyz_class for row in rows]),
        criticality=np.array([row.criticality for row in rows]),
        moq=column("moq"),
        order_multiple=column("order_multiple"),
        remaining_life_days=np.array(
            [
                math.inf if row.remaining_life_days is None else row.remaining_life_days
                for row in rows
            ]
        ),
        min_usable_life_days=column("min_usable_life_days"),
    )
    keys = [(row.sku_id, row.site_id) for row in rows]
    history = demand_matrix(keys, as_of=current_run().as_of, history_days=HISTORY_DAYS)
    result = simulate_policy(
        bootstrap_demand(history, SIMULATION_DAYS, seed=SEED),
        inputs,
        reorder_point=column("reorder_point"),
        order_quantity=column("order_quantity"),
        safety_stock=column("safety_stock"),
        lead_time=LeadTime(column("lead_time_mean"), column("lead_time_std")),
        holding_rate=column("holding_rate"),
        seed=SEED,
    )
    stored = measured(result, inputs.abc)

    assert scenario.results["sku_sites"] == len(rows)
    assert scenario.results["baseline"]["overall"] == pytest.approx(stored["overall"])
    assert scenario.results["baseline"]["by_abc"] == stored["by_abc"]


def test_the_selection_restricts_the_simulated_sku_sites(policies) -> None:  # type: ignore[no-untyped-def]
    classes = set(InventoryPolicy.objects.values_list("abc_class", flat=True))
    chosen = sorted(classes - {""})[0]

    scenario = computed(selection={"abc": [chosen]}, holding_rate=0.4)

    assert scenario.results["sku_sites"] == InventoryPolicy.objects.filter(abc_class=chosen).count()
    assert set(scenario.results["baseline"]["by_abc"]) == {chosen}


def test_computing_a_scenario_never_touches_policies_or_plans(policies) -> None:  # type: ignore[no-untyped-def]
    before = list(InventoryPolicy.objects.order_by("pk").values())
    runs = PolicyRun.objects.count()

    computed(service_levels={"all": 0.99}, lead_time_mean_factor=1.5, demand_uplift=0.2)

    assert list(InventoryPolicy.objects.order_by("pk").values()) == before
    assert PolicyRun.objects.count() == runs
    assert not PlanRun.objects.exists() and not SuggestedOrder.objects.exists()


def test_a_failing_scenario_is_marked_failed_with_the_error(policies, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from optimization.services import backtests as module

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("out of memory")

    monkeypatch.setattr(module, "simulate", broken)
    scenario = scenario_create(actor=None, name="Broken", changes={"demand_uplift": 0.1})

    with pytest.raises(RuntimeError):
        scenario_compute(scenario_id=scenario.pk)

    scenario.refresh_from_db()
    assert scenario.status == "failed"
    assert "out of memory" in scenario.error
    assert scenario.finished_at is not None


def test_starting_a_scenario_runs_its_job_after_commit(
    policies, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        started = scenario_start(actor=None, name="Job", changes={"holding_rate": 0.35})

    started.refresh_from_db()
    assert started.status == "succeeded"
    assert started.results["parameters"]["holding_rate"] == pytest.approx(0.35)


def test_only_two_to_four_finished_scenarios_are_compared(policies) -> None:  # type: ignore[no-untyped-def]
    done = computed(demand_uplift=0.1)
    waiting = scenario_create(actor=None, name="Waiting", changes={"demand_uplift": 0.2})

    with pytest.raises(ScenarioRefused, match="Pick 2 to 4 scenarios"):
        scenarios_for_comparison([done.pk])
    with pytest.raises(ScenarioRefused, match="not yet: Waiting"):
        scenarios_for_comparison([done.pk, waiting.pk])
