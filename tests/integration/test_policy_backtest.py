import pytest
from django.utils import timezone

from demo import generator as demo_data
from forecasting.services import forecast_run_start
from inventory.models import DailyDemand
from optimization.models import PolicySimulation
from optimization.services.backtests import SimulationRefused, simulation_compute, simulation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def policies(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=10, days=300, sites=4, seed=11, today=timezone.localdate())
    )
    with django_capture_on_commit_callbacks(execute=True):
        forecast_run_start(actor=None, history_days=280, horizon=30)


def test_the_backtest_measures_both_policies_on_the_same_sku_sites(policies) -> None:  # type: ignore[no-untyped-def]
    simulation = simulation_compute(simulation_id=simulation_create(actor=None, replan_every=60).pk)

    results = simulation.results
    sku_sites = DailyDemand.objects.values("sku_id", "site_id").distinct().count()
    assert simulation.status == "succeeded"
    assert results["sku_sites"] == sku_sites
    for name in ("textbook", "optimized"):
        overall = results[name]["overall"]
        assert 0 <= overall["fill_rate"] <= 1
        assert overall["average_inventory_value"] > 0
        assert overall["orders"] >= 0 and overall["emergency_orders"] >= 0
        by_class = results[name]["by_abc"]
        assert sum(group["sku_sites"] for group in by_class.values()) == sku_sites


@pytest.mark.slow
def test_the_backtest_is_repeatable_with_its_seed(policies) -> None:  # type: ignore[no-untyped-def]
    first = simulation_compute(simulation_id=simulation_create(actor=None, replan_every=60).pk)
    second = simulation_compute(simulation_id=simulation_create(actor=None, replan_every=60).pk)

    assert first.results["optimized"]["overall"] == second.results["optimized"]["overall"]


def test_a_hold_out_outside_the_bounds_is_refused(policies) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SimulationRefused) as refused:
        simulation_create(actor=None, hold_out=5)

    assert "hold_out" in refused.value.fields
    assert not PolicySimulation.objects.exists()


def test_no_backtest_without_policies() -> None:
    with pytest.raises(SimulationRefused, match="No policies yet"):
        simulation_create(actor=None)


def test_a_failing_backtest_is_recorded_as_failed(policies, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from optimization.services import backtests as module

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("out of memory")

    monkeypatch.setattr(module, "simulate", broken)
    created = simulation_create(actor=None, replan_every=180)

    with pytest.raises(RuntimeError):
        simulation_compute(simulation_id=created.pk)

    created.refresh_from_db()
    assert created.status == "failed" and "out of memory" in created.error


@pytest.mark.slow
def test_the_backtest_command_runs_once_with_if_none(policies) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("run_policy_backtest", "--if-none", stdout=out)
    call_command("run_policy_backtest", "--if-none", stdout=out)

    assert PolicySimulation.objects.count() == 1
    sku_sites = DailyDemand.objects.values("sku_id", "site_id").distinct().count()
    assert f"{sku_sites} SKU-sites; fill rate" in out.getvalue()
    assert "A backtest already exists; nothing to do." in out.getvalue()
