"""The closed-loop business case: the same world, the same seed, the same days, simulated once
with the textbook policy and once with the optimized one, and measured the same way.

For each arm, textbook first:

1. build   every world table is emptied (demo.services.world_clear) and the world generated
           from the case's seed, sizes and `today` (demo.generator, as `generate_demo_data
           --replace`);
2. prepare the demo set-up's steps after the load, as `make demo` runs them (demo users,
           storage units, the demo supplier user, lead times, a forecast, a plan, supplier
           scorecards, alerts, the overview), on the clock of the evening before `today`. The
           policy backtest is left out: it writes no stock, order or demand, and costs minutes;
3. check   the ledger checksum (demo.simulation.ledger) after the set-up: the second arm must
           start from the first arm's (demo.services.business_case_arm_record refuses
           otherwise), so both policies face the same world and the same demand draws;
4. simulate `days` days from `today` (demo.simulation.runs) with the arm's policy method,
           handed to every night's policies step;
5. measure the simulated days with reporting.selectors.business (totals, per ABC class,
           weekly), read before the next arm replaces the world.

The simulation's seed is the case's seed too. The case's row (demo.models.BusinessCase)
records the progress after each simulated day and keeps both arms' results; the world left
at the end is the optimized arm's.

Per-class figures use each arm's own ABC classes at its end (the stock positions' current
class, which the Monday nights recompute from each arm's consumption): a SKU-site near a
class boundary may count in different classes in the two arms.
"""

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from io import StringIO
from typing import Any

from django.core.management import call_command

from demo.generator import DemoConfig, generate_demo_data
from demo.models import BusinessCase
from demo.services import (
    ARMS,
    business_case_arm_record,
    business_case_fail,
    business_case_finish,
    business_case_progress,
    business_case_require_allowed,
    business_case_start,
    simulation_run_create,
    world_clear,
)
from demo.simulation.day import DaySummary, clock, tasks_in_process
from demo.simulation.ledger import ledger_checksum
from demo.simulation.parameters import PolicyMethod, SimulationParameters, parameters_from_dict
from demo.simulation.runs import require_demo, simulation_run_execute
from reporting.selectors.business import business_measures

# The demo set-up's steps after the load, in the Makefile's order (`make demo`), without the
# policy backtest (see the module docstring).
PREPARE_COMMANDS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("create_demo_users", {}),
    ("create_storage_units", {}),
    ("link_demo_supplier_user", {}),
    ("refresh_lead_times", {}),
    ("run_forecast", {}),
    ("run_plan", {}),
    ("compute_scorecards", {}),
    ("evaluate_alerts", {}),
    ("refresh_dashboard", {}),
)
PREPARE_HOUR = 22  # the evening before the first simulated day, when the night would run


def world_build(config: DemoConfig) -> None:
    """Empty the world and generate it again from `config` (the same config, the same
    world)."""
    world_clear(actor=None)
    generate_demo_data(config, replace=True)


def world_prepare_as_demo(config: DemoConfig) -> None:
    """The demo set-up's steps after the load, on the clock of the day before `today`, with
    Celery in this process (each command returns when its run is published)."""
    evening = config.today - timedelta(days=1)
    with clock(evening, PREPARE_HOUR), tasks_in_process():
        for command, options in PREPARE_COMMANDS:
            call_command(command, verbosity=0, stdout=StringIO(), **options)


def _arm(
    case: BusinessCase,
    config: DemoConfig,
    params: SimulationParameters,
    days_before: int,
) -> dict[str, Any]:
    """One arm: build, prepare, check, simulate, measure; returns its result for the row."""
    method = str(params.policy_method)

    def phase(text: str, days_done: int | None = None) -> None:
        business_case_progress(case_id=case.pk, phase=f"{method}: {text}", days_done=days_done)

    timings: dict[str, float] = {}
    started = time.perf_counter()
    phase("building the world")
    world_build(config)
    timings["build_s"] = round(time.perf_counter() - started, 1)

    started = time.perf_counter()
    phase("preparing the world as the demo does")
    world_prepare_as_demo(config)
    start_checksum = ledger_checksum()
    timings["prepare_s"] = round(time.perf_counter() - started, 1)

    run = simulation_run_create(
        actor=None,
        days=case.days,
        seed=case.seed,
        start_day=case.today,
        parameters=params.as_dict(),
    )

    def on_day(summary: DaySummary) -> None:
        number = (date.fromisoformat(summary.day) - case.today).days + 1
        phase(f"simulated {summary.day} ({number}/{case.days})", days_done=days_before + number)

    started = time.perf_counter()
    phase(f"simulating {case.days} days", days_done=days_before)
    run = simulation_run_execute(run_id=run.pk, on_day=on_day)
    timings["simulate_s"] = round(time.perf_counter() - started, 1)

    started = time.perf_counter()
    phase("measuring the simulated days")
    end = case.today + timedelta(days=case.days - 1)
    measures = business_measures(start=case.today, end=end).as_dict()
    timings["measure_s"] = round(time.perf_counter() - started, 1)
    return {
        "policy_method": method,
        "simulation_run_id": run.pk,
        "start_checksum": start_checksum,
        "end_checksum": run.checksum,
        "timings": timings,
        "measures": measures,
    }


def business_case_run(
    *, case_id: int, on_arm: Callable[[str, dict[str, Any]], None] | None = None
) -> BusinessCase:
    """Compute the recorded case (demo.services.business_case_create): both arms in turn,
    each stored as it ends. On any error the case is marked failed with it (an arm already
    measured stays on record) and the error is raised again. Refused where demo data is not
    allowed or outside a demo (DEBUG) deployment, before anything is written."""
    business_case_require_allowed()
    require_demo()
    case = business_case_start(case_id=case_id)
    try:
        base = parameters_from_dict({**case.parameters, "seed": case.seed})
        base.validate()
        config = DemoConfig(
            skus=case.skus,
            days=case.history_days,
            sites=case.sites,
            suppliers=case.suppliers,
            seed=case.seed,
            today=case.today,
        )
        config.validate()
        for index, arm in enumerate(ARMS):
            params = replace(base, policy_method=PolicyMethod(arm))
            result = _arm(case, config, params, days_before=index * case.days)
            case = business_case_arm_record(case_id=case_id, arm=arm, result=result)
            if on_arm is not None:
                on_arm(arm, result)
        return business_case_finish(case_id=case_id)
    except BaseException as error:
        business_case_fail(case_id=case_id, error=f"{type(error).__name__}: {error}")
        raise
