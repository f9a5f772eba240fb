"""The night as one chain (optimization.nightly): its steps in order, a rerun that leaves the
same results current, and a failing step that stops the chain and keeps the previous results."""

from datetime import date

import pytest
from celery import Signature, current_app, signature
from django.core.management import CommandError, call_command
from django.utils import timezone

from alerts.models import DashboardSnapshot
from demo import generator as demo_data
from forecasting import services as forecasting
from forecasting.models import ForecastRun, RunStatus
from forecasting.services import current_run
from optimization import nightly
from optimization.models import InventoryPolicy, PlanRun, PolicyRun, PolicyRunStatus
from optimization.services.plans import current_plan

pytestmark = pytest.mark.django_db
MONDAY, TUESDAY = date(2026, 11, 30), date(2026, 12, 1)
NIGHT = [
    "inventory.write_off_expired_lots",
    "suppliers.refresh_stock_positions",
    "inventory.classify_abc_xyz",
    "forecasting.tasks.refresh_lead_time_estimates",
    "forecasting.tasks.nightly_forecast_run",
    "optimization.tasks.refresh_policies",
    "optimization.tasks.nightly_plan_run",
    "alerts.tasks.evaluate_alerts",
    "alerts.tasks.refresh_dashboard",
]


def step_tasks(chained: Signature) -> list[str]:
    """The task names of a chain in the order they run, the chunked runs' continuations too."""
    names = []
    for task in getattr(chained, "tasks", None) or [chained]:
        if getattr(task, "tasks", None):
            names += step_tasks(task)
            continue
        names.append(task["task"])
        then = task["kwargs"].get("then")
        if then:
            names += step_tasks(signature(then))
    return names


def test_the_night_runs_its_steps_in_order_and_classifies_on_mondays() -> None:
    assert step_tasks(nightly.night(today=MONDAY)) == NIGHT
    assert step_tasks(nightly.night(today=TUESDAY)) == [
        task for task in NIGHT if task != "inventory.classify_abc_xyz"
    ]
    assert step_tasks(nightly.night(today=TUESDAY, from_step="policies")) == NIGHT[5:]
    assert set(NIGHT) <= set(current_app.tasks)


def test_an_unknown_step_is_refused() -> None:
    with pytest.raises(ValueError, match="No nightly step 'forecasts'"):
        nightly.night(today=MONDAY, from_step="forecasts")


@pytest.fixture
def world() -> None:
    demo_data.generate_demo_data(
        demo_data.DemoConfig(
            skus=12, days=150, sites=5, suppliers=3, seed=4, today=timezone.localdate()
        )
    )


def current_results() -> tuple[int, int, int, int, int]:
    """What the night leaves current: series forecast, policies, plan keys and orders, and the
    overview snapshots."""
    forecast, plan = current_run(), current_plan()
    assert forecast is not None and plan is not None
    return (
        forecast.series_total,
        InventoryPolicy.objects.count(),
        plan.keys_total,
        plan.orders.count(),
        DashboardSnapshot.objects.filter(as_of=timezone.localdate()).count(),
    )


def test_the_night_publishes_every_result_and_a_rerun_leaves_the_same_current(world) -> None:  # type: ignore[no-untyped-def]
    call_command("run_nightly")

    first_forecast, first_plan = current_run(), current_plan()
    assert first_forecast is not None and first_forecast.status == RunStatus.SUCCEEDED
    assert first_plan is not None and first_plan.forecast_run == first_forecast
    assert PolicyRun.objects.get().status == PolicyRunStatus.SUCCEEDED
    results = current_results()
    assert results[0] > 0 and results[1] > 0 and results[4] == 1

    call_command("run_nightly")

    assert current_results() == results
    assert current_run() != first_forecast and current_plan() != first_plan


def test_a_failing_step_stops_the_night_and_leaves_the_previous_results_current(
    world, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    call_command("run_nightly")
    forecast, plan = current_run(), current_plan()
    policies = set(InventoryPolicy.objects.values_list("pk", flat=True))
    snapshot = DashboardSnapshot.objects.get()

    def chunk_lost(*, run_id: int, index: int) -> int:
        raise RuntimeError("worker lost its database connection")

    monkeypatch.setattr(forecasting, "forecast_chunk_compute", chunk_lost)
    with pytest.raises(CommandError, match="worker lost its database connection"):
        call_command("run_nightly", from_step="forecast")

    assert ForecastRun.objects.latest("pk").status == RunStatus.FAILED
    assert current_run() == forecast
    assert set(InventoryPolicy.objects.values_list("pk", flat=True)) == policies
    assert PolicyRun.objects.count() == 1
    assert (PlanRun.objects.count(), current_plan()) == (1, plan)
    assert DashboardSnapshot.objects.get().computed_at == snapshot.computed_at


def test_a_skipped_step_is_left_out_and_the_rest_keeps_its_order() -> None:
    assert step_tasks(nightly.night(today=TUESDAY, skip={"forecast"})) == [
        task
        for task in NIGHT
        if task not in {"inventory.classify_abc_xyz", "forecasting.tasks.nightly_forecast_run"}
    ]


def test_skipping_an_unknown_step_or_the_first_one_is_refused() -> None:
    with pytest.raises(ValueError, match="No nightly step 'forecasts'"):
        nightly.night(today=MONDAY, skip={"forecasts"})
    with pytest.raises(ValueError, match="cannot start from the skipped step 'policies'"):
        nightly.night(today=MONDAY, from_step="policies", skip={"policies"})


def policies_step_kwargs(chained: Signature) -> list[dict]:
    """The keyword arguments of every policies step in the chain."""
    found = []
    for task in getattr(chained, "tasks", None) or [chained]:
        if getattr(task, "tasks", None):
            found += policies_step_kwargs(task)
            continue
        if task["task"] == "optimization.tasks.refresh_policies":
            found.append(dict(task["kwargs"]))
        then = task["kwargs"].get("then")
        if then:
            found += policies_step_kwargs(signature(then))
    return found


def test_a_policy_method_given_to_the_night_reaches_its_policies_step_only() -> None:
    assert policies_step_kwargs(nightly.night(today=TUESDAY, policy_method="textbook")) == [
        {"method": "textbook"}
    ]
    assert policies_step_kwargs(nightly.night(today=TUESDAY)) == [{}]
