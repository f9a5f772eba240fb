"""A simulation run from start to end: prepare the world once, simulate day after day, record
progress after each day (demo.services), end with the ledger checksum. The command
(`manage.py simulate_days`) and the task (`demo.tasks.simulate_world`) both come here."""

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta

from django.conf import settings

from demo import selectors
from demo.models import SimulationRun
from demo.services import (
    SimulationRefused,
    simulation_run_day_record,
    simulation_run_fail,
    simulation_run_finish,
    simulation_run_start,
)
from demo.simulation import world
from demo.simulation.actors import actors_ensure
from demo.simulation.day import DaySummary, WorldState, day_simulate
from demo.simulation.ledger import ledger_checksum
from demo.simulation.parameters import SimulationParameters, parameters_from_dict


def first_day(start: date | None) -> date:
    """The first simulated day: `start`, or the day after the last recorded demand."""
    if start is not None:
        return start
    last = selectors.last_demand_day()
    if last is None:
        raise SimulationRefused(
            "The world has no demand history to start from: generate or import one, or give "
            "the first day (--start)."
        )
    return last + timedelta(days=1)


def world_prepare(params: SimulationParameters, origin: date) -> WorldState:
    """Read the world once: the demanded SKU-sites and their levels before `origin`, the
    launches drawn for it, the master data; make the simulation's users."""
    skus, sites = selectors.skus_by_code(), selectors.sites_by_code()
    levels = selectors.demand_levels(before=origin, window_days=params.level_window_days)
    series = [
        world.Series(sku, site, skus[sku].category, sites[site].region, level)
        for (sku, site), level in sorted(levels.items())
        if sku in skus and site in sites
    ]
    demanded_at: dict[str, set[str]] = defaultdict(set)
    for one in series:
        demanded_at[one.sku].add(one.site)
    launches = world.launches(
        sorted(demanded_at), selectors.demand_sites(), demanded_at, origin, params
    )
    return WorldState(
        params=params,
        origin=origin,
        series=series,
        launches=launches,
        skus=skus,
        sites=sites,
        actors=actors_ensure(),
    )


def days_to_yesterday(first: date, today: date) -> int:
    """How many days to simulate from `first` so that the world ends yesterday (0 when it
    already does)."""
    return max((today - first).days, 0)


def require_demo() -> None:
    if not settings.DEBUG:
        raise SimulationRefused(
            "The world simulator makes users with a known password and moves stock: it runs "
            "on demo and benchmark worlds only (DEBUG=1)."
        )


def simulation_run_execute(
    *, run_id: int, on_day: Callable[[DaySummary], None] | None = None
) -> SimulationRun:
    """Simulate the run's days one after the other, recording each; on any error the run is
    marked failed with it (the days done stay done) and the error is raised again."""
    run = simulation_run_start(run_id=run_id)
    try:
        params = parameters_from_dict({**run.parameters, "seed": run.seed})
        params.validate()
        state = world_prepare(params, run.start_day)
        for offset in range(run.days_done, run.days_asked):
            last = offset == run.days_asked - 1
            summary = day_simulate(
                state,
                run.start_day + timedelta(days=offset),
                skip=frozenset({"planner"}) if last and params.leave_last_plan else frozenset(),
            )
            simulation_run_day_record(run_id=run_id, summary=summary.as_dict())
            if on_day is not None:
                on_day(summary)
        return simulation_run_finish(run_id=run_id, checksum=ledger_checksum())
    except BaseException as error:
        simulation_run_fail(run_id=run_id, error=f"{type(error).__name__}: {error}")
        raise
