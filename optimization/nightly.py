"""The night, as one chain: each step starts the next once it has succeeded.

    1. expired_lots     inventory.write_off_expired_lots         expired lots written off
    2. stock_positions  suppliers.refresh_stock_positions        positions with on-order
    3. abc_xyz          inventory.classify_abc_xyz               ABC-XYZ classes (Mondays)
    4. lead_times       forecasting.tasks.refresh_lead_time_estimates
    5. forecast         forecasting.tasks.nightly_forecast_run   chunked run, then publish
    6. policies         optimization.tasks.refresh_policies      from the published forecast
    7. plan             optimization.tasks.nightly_plan_run      chunked run, then publish
    8. alerts           alerts.tasks.evaluate_alerts             every rule, on the new plan
    9. overview         alerts.tasks.refresh_dashboard           the day's KPI snapshot

One beat entry (config/schedules.py) starts it at 00:15 UTC, when the first step used to
run. The classes are recomputed on Mondays only, as their weekly schedule did; the forecast
then reads them for the rich models.

A chunked run (steps 5 and 7) starts its chunks and returns; the rest of the chain is handed
to it as its continuation (`then`, common.runs), which starts after the run is published. If
another run of that kind is under way the night's run is skipped and the chain goes on with
the current one.

Every step is idempotent: it rebuilds its rows (positions, classes, estimates, policies, the
day's snapshot) or publishes a new run by switching a pointer, so running the night twice
leaves the same results current. A step that fails raises: the chain stops there, the job
shows as failed (one "job failed" alert), and whatever the failed and later steps would
have replaced stays as yesterday left it. After fixing the cause, restart from the failed
step (`manage.py run_nightly --from-step policies`).

The steps are reached by Celery task name: alerts and reporting sit above optimization and
may not be imported from here; naming the others the same way keeps the chain one table.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from celery import Signature, chain

from common.runs import task_by_name

MONDAY = 0
POLICIES = "policies"


@dataclass(frozen=True)
class Step:
    name: str
    task: str
    chunked: bool = False  # starts a chunked run: the rest of the chain is its continuation
    weekday: int | None = None  # runs on this day of the week only (Monday = 0)

    def runs_on(self, day: date) -> bool:
        return self.weekday is None or day.weekday() == self.weekday


STEPS = [
    Step("expired_lots", "inventory.write_off_expired_lots"),
    Step("stock_positions", "suppliers.refresh_stock_positions"),
    Step("abc_xyz", "inventory.classify_abc_xyz", weekday=MONDAY),
    Step("lead_times", "forecasting.tasks.refresh_lead_time_estimates"),
    Step("forecast", "forecasting.tasks.nightly_forecast_run", chunked=True),
    Step(POLICIES, "optimization.tasks.refresh_policies"),
    Step("plan", "optimization.tasks.nightly_plan_run", chunked=True),
    Step("alerts", "alerts.tasks.evaluate_alerts"),
    Step("overview", "alerts.tasks.refresh_dashboard"),
]
STEP_NAMES = [step.name for step in STEPS]


def night(
    *,
    today: date,
    from_step: str = STEP_NAMES[0],
    skip: Collection[str] = (),
    policy_method: str | None = None,
) -> Signature:
    """The night's chain from `from_step` on, as it runs on `today` (built back to front: each
    chunked run carries everything after it as its continuation). Steps named in `skip` are
    left out, the later ones then read what the skipped step last published (the world
    simulator refits the forecast weekly this way). `policy_method` is handed to the policies
    step ("optimized" or "textbook"; None: settings.OPTIMIZATION_POLICY_METHOD), so one chain
    can size policies another way than the deployment's setting (the world simulator's
    textbook runs)."""
    for name in [from_step, *skip]:
        if name not in STEP_NAMES:
            raise ValueError(f"No nightly step {name!r}; the steps: {', '.join(STEP_NAMES)}.")
    if from_step in skip:
        raise ValueError(f"The night cannot start from the skipped step {from_step!r}.")
    *earlier, last = [
        step
        for step in STEPS[STEP_NAMES.index(from_step) :]
        if step.runs_on(today) and step.name not in skip
    ]
    step_kwargs = {POLICIES: {"method": policy_method}} if policy_method is not None else {}
    rest: Signature = task_by_name(last.task, **step_kwargs.get(last.name, {}))
    for step in reversed(earlier):
        if step.chunked:
            rest = task_by_name(step.task, then=rest)
        else:
            rest = chain(task_by_name(step.task, **step_kwargs.get(step.name, {})), rest)
    return rest
