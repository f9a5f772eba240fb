"""What-if scenarios: changed assumptions for a selection of SKU-sites, simulated against the
current policies on the same demand, without touching the live policies or plans.

A scenario keeps
- a selection: ABC classes, XYZ classes, site codes and SKU codes (each empty = all);
- its changes: service levels (one for every SKU-site, or one per ABC class; each SKU-site
  keeps its kind of target, fill rate or cycle service level, and takes the new level), the
  annual holding rate, factors on the lead-time mean and standard deviation, and a demand
  uplift (a share: 0.1 = 10 % more demand).

Computing one (`scenario_compute`, a Celery job) reads the current forecast's policy inputs
(services.policy_data), keeps the selected SKU-sites and sizes two policies with
optimization.engine.policy:
- baseline: the current settings, the policies a refresh would store today;
- scenario: the same inputs under the changed assumptions: the demand forecast and its error
  times (1 + uplift), the lead-time mean and deviation times their factors, the holding rate,
  the service levels.
Both are simulated (simulation.simulate_policy: daily (s, nQ), FEFO lots with expiry,
emergency orders) over the same `SIMULATION_DAYS` days in the world the scenario assumes:
demand paths resampled by whole weeks from the last `HISTORY_DAYS` days of recorded demand
(engine.simulate.bootstrap_demand) times (1 + uplift), lead times drawn around the changed mean
and deviation, carrying cost at the scenario's holding rate, one seed for both (common random
numbers). So the differences are those of the policies alone: what re-sizing for the
assumptions gains or costs against keeping today's policies. With the same selection every
scenario sees the same demand and lead-time draws, so scenarios compare side by side.

Nothing here writes InventoryPolicy, PlanRun or SuggestedOrder rows: only the Scenario row.
"""

import math
import time
from dataclasses import fields, replace
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from common.errors import DomainError
from forecasting.selectors import demand_matrix
from forecasting.services import current_run
from inventory.models import Site, Sku
from optimization.engine.policy import (
    ABC_CLASSES,
    XYZ_CLASSES,
    Policies,
    PolicyConfig,
    PolicyInputs,
    ServiceMatrix,
    ServiceTarget,
    compute_policies,
)
from optimization.engine.simulate import LeadTime, bootstrap_demand
from optimization.models import InventoryPolicy, PolicyRunStatus, Scenario
from optimization.selectors.policies import current_policy_run
from optimization.services.backtests import MEASURES, measured, simulate_policy
from optimization.services.policies import policy_data

SIMULATION_DAYS = 365
HISTORY_DAYS = 182  # the last 26 whole weeks of demand are resampled
SEED = 2024  # one seed for every scenario: the same selection sees the same demand

NAME_MAX = 120
DESCRIPTION_MAX = 2000
SERVICE_LEVEL_RANGE = (0.5, 0.999)
HOLDING_RATE_RANGE = (0.01, 1.0)
LEAD_TIME_MEAN_FACTOR_RANGE = (0.25, 4.0)
LEAD_TIME_STD_FACTOR_RANGE = (0.0, 4.0)
DEMAND_UPLIFT_RANGE = (-0.9, 3.0)
SERVICE_LEVEL_KEYS = ("all", *ABC_CLASSES)
SELECTION_KEYS = ("abc", "xyz", "sites", "skus")
CHANGE_KEYS = (
    "service_levels",
    "holding_rate",
    "lead_time_mean_factor",
    "lead_time_std_factor",
    "demand_uplift",
)
COMPARE_MIN, COMPARE_MAX = 2, 4


class ScenarioRefused(DomainError):
    code = "scenario_refused"


# ---- create ----------------------------------------------------------------------------------


def scenario_create(
    *,
    actor: User | None,
    name: str,
    description: str = "",
    selection: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> Scenario:
    """Validate and save a scenario (status running, no results yet); refused with a message
    per field, and nothing saved, on bad input or without current policies."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    description = (description or "").strip()
    if not name:
        errors["name"] = ["Give the scenario a name."]
    elif len(name) > NAME_MAX:
        errors["name"] = [f"At most {NAME_MAX} characters."]
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [f"At most {DESCRIPTION_MAX} characters."]
    clean_selection = _clean_selection(selection or {}, errors)
    clean_changes = _clean_changes(changes or {}, errors)
    if errors:
        raise ScenarioRefused("The scenario is not valid; see the marked fields.", fields=errors)
    run = current_policy_run()
    if run is None or current_run() is None:
        raise ScenarioRefused(
            "No current policies yet: scenarios compare against them, and they are computed "
            "after a forecast run."
        )
    if not _policies_selected(run, clean_selection).exists():
        raise ScenarioRefused(
            "No SKU-site with a current policy matches this selection.",
            fields={"selection": ["No SKU-site with a current policy matches this selection."]},
        )
    with transaction.atomic():
        return Scenario.objects.create(
            name=name,
            description=description,
            policy_run=run,
            selection=clean_selection,
            changes=clean_changes,
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def scenario_start(*, actor: User | None, **scenario: Any) -> Scenario:
    """Create a scenario (`scenario`: the keyword arguments of scenario_create) and start its
    computation once the transaction commits."""
    from optimization.tasks import run_scenario  # the task module imports this one

    created = scenario_create(actor=actor, **scenario)
    transaction.on_commit(lambda: run_scenario.delay(created.pk))
    return created


def _labels(value: Any, allowed: tuple[str, ...], key: str, what: str, errors: dict) -> list[str]:
    values = [str(item).strip().upper() for item in _as_list(value) if str(item).strip()]
    wrong = sorted(set(values) - set(allowed))
    if wrong:
        errors[key] = [f"{what} are {', '.join(allowed)}; not {', '.join(wrong)}."]
    return sorted(set(values))


def _codes(value: Any, model: Any, key: str, what: str, errors: dict) -> list[str]:
    codes = sorted({str(item).strip() for item in _as_list(value) if str(item).strip()})
    if codes:
        known = set(model.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            errors[key] = [f"Unknown {what}: {', '.join(unknown)}."]
    return codes


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return value.replace(",", " ").split()
    return list(value)


def _clean_selection(selection: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    unknown = sorted(set(selection) - set(SELECTION_KEYS))
    if unknown:
        errors["selection"] = [f"Unknown selection keys: {', '.join(unknown)}."]
    return {
        "abc": _labels(selection.get("abc"), ABC_CLASSES, "abc", "ABC classes", errors),
        "xyz": _labels(selection.get("xyz"), XYZ_CLASSES, "xyz", "XYZ classes", errors),
        "sites": _codes(selection.get("sites"), Site, "sites", "site codes", errors),
        "skus": _codes(selection.get("skus"), Sku, "skus", "SKU codes", errors),
    }


def _number(
    value: Any, key: str, bounds: tuple[float, float], message: str, errors: dict
) -> float | None:
    """A finite number within `bounds` (inclusive), None when not given."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        errors[key] = ["A number."]
        return None
    if not math.isfinite(number) or not bounds[0] <= number <= bounds[1]:
        errors[key] = [message]
        return None
    return number


def _clean_changes(changes: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(CHANGE_KEYS))
    if unknown:
        errors["changes"] = [f"Unknown changes: {', '.join(unknown)}."]
    levels_in = changes.get("service_levels") or {}
    if not isinstance(levels_in, dict):
        errors["service_levels"] = ["Service levels by 'all' or by ABC class."]
        levels_in = {}
    levels: dict[str, float] = {}
    for key in sorted(set(levels_in) - set(SERVICE_LEVEL_KEYS)):
        errors[f"service_level_{key}"] = [f"No ABC class {key}: give 'all', A, B or C."]
    low, high = SERVICE_LEVEL_RANGE
    for key in SERVICE_LEVEL_KEYS:
        level = _number(
            levels_in.get(key),
            f"service_level_{key}",
            SERVICE_LEVEL_RANGE,
            f"A service level between {low:.0%} and {high:.1%}.",
            errors,
        )
        if level is not None:
            levels[key] = level
    if "all" in levels and len(levels) > 1:
        errors["service_level_all"] = [
            "Give one service level for all, or levels per ABC class, not both."
        ]
    cleaned = {
        "service_levels": levels,
        "holding_rate": _number(
            changes.get("holding_rate"),
            "holding_rate",
            HOLDING_RATE_RANGE,
            "A holding rate between 1 % and 100 % a year.",
            errors,
        ),
        "lead_time_mean_factor": _factor(
            changes, "lead_time_mean_factor", LEAD_TIME_MEAN_FACTOR_RANGE, 1.0, errors
        ),
        "lead_time_std_factor": _factor(
            changes, "lead_time_std_factor", LEAD_TIME_STD_FACTOR_RANGE, 1.0, errors
        ),
        "demand_uplift": _number(
            changes.get("demand_uplift"),
            "demand_uplift",
            DEMAND_UPLIFT_RANGE,
            "A demand change between -90 % and +300 %.",
            errors,
        )
        or 0.0,
    }
    unchanged = (
        not levels
        and (
            cleaned["holding_rate"] is None
            or cleaned["holding_rate"] == settings.OPTIMIZATION_HOLDING_RATE
        )
        and cleaned["lead_time_mean_factor"] == 1.0
        and cleaned["lead_time_std_factor"] == 1.0
        and cleaned["demand_uplift"] == 0.0
    )
    if unchanged and not errors:
        errors["changes"] = [
            "Change at least one assumption: a service level, the holding rate, a lead-time "
            "factor or the demand."
        ]
    return cleaned


def _factor(
    changes: dict[str, Any], key: str, bounds: tuple[float, float], default: float, errors: dict
) -> float:
    value = _number(
        changes.get(key), key, bounds, f"A factor between {bounds[0]:g} and {bounds[1]:g}.", errors
    )
    return default if value is None else value


def _policies_selected(run: Any, selection: dict[str, Any]) -> QuerySet[InventoryPolicy]:
    rows = InventoryPolicy.objects.filter(run=run).serving_patients()
    if selection["abc"]:
        rows = rows.filter(abc_class__in=selection["abc"])
    if selection["xyz"]:
        rows = rows.filter(xyz_class__in=selection["xyz"])
    if selection["sites"]:
        rows = rows.filter(site__code__in=selection["sites"])
    if selection["skus"]:
        rows = rows.filter(sku__code__in=selection["skus"])
    return rows


# ---- compute ---------------------------------------------------------------------------------


def scenario_compute(*, scenario_id: int) -> Scenario:
    """Simulate a saved scenario and store its results, or mark it failed with the error.

    Idempotent: a scenario that already succeeded is returned as it is. A refusal (say, the
    selection no longer matches any forecast SKU-site) is recorded and returned; any other
    error is recorded and raised again, so the job shows it too."""
    scenario = Scenario.objects.get(pk=scenario_id)
    if scenario.status == PolicyRunStatus.SUCCEEDED:
        return scenario
    try:
        results = _compute(scenario)
    except Exception as error:
        Scenario.objects.filter(pk=scenario.pk).update(
            status=PolicyRunStatus.FAILED,
            error=(
                error.message
                if isinstance(error, DomainError)
                else f"{type(error).__name__}: {error}"
            )[:4000],
            finished_at=timezone.now(),
        )
        if isinstance(error, DomainError):
            scenario.refresh_from_db()
            return scenario
        raise
    scenario.results = results
    scenario.status = PolicyRunStatus.SUCCEEDED
    scenario.error = ""
    scenario.finished_at = timezone.now()
    scenario.save(update_fields=["results", "status", "error", "finished_at"])
    return scenario


def _compute(scenario: Scenario) -> dict[str, Any]:
    started = time.perf_counter()
    forecast = current_run()
    if forecast is None:
        raise ScenarioRefused("No forecast is published: scenarios need the current forecast.")
    # The forecast SKU-sites only: a site that only replenishes others has no demand history
    # of its own to simulate.
    data = policy_data(forecast, upstream_sites=False)
    rows = _selected_rows(data.keys, data.inputs, scenario.selection)
    if not rows.size:
        raise ScenarioRefused("No forecast SKU-site matches the scenario's selection.")
    keys = [data.keys[row] for row in rows]
    config = PolicyConfig(default_lead_time_days=settings.OPTIMIZATION_DEFAULT_LEAD_TIME_DAYS)
    baseline = compute_policies(_subset(data.inputs, rows), config)
    changes = scenario.changes
    planned = compute_policies(
        _changed_inputs(baseline, changes),
        replace(config, matrix=_changed_matrix(config.matrix, changes.get("service_levels", {}))),
    )
    uplift = 1.0 + float(changes.get("demand_uplift") or 0.0)
    history = demand_matrix(keys, as_of=forecast.as_of, history_days=HISTORY_DAYS)
    demand = bootstrap_demand(history, SIMULATION_DAYS, seed=SEED) * uplift
    # the world the scenario assumes, the same for both policies
    lead_time = LeadTime(planned.lead_time_mean, planned.lead_time_std)
    holding = np.asarray(planned.inputs.holding_rate)
    abc = np.asarray(baseline.inputs.abc)
    outcome: dict[str, Any] = {}
    merges = 0
    for name, policies in (("baseline", baseline), ("scenario", planned)):
        result = simulate_policy(
            demand,
            baseline.inputs,
            reorder_point=policies.reorder_point,
            order_quantity=policies.order_quantity,
            safety_stock=policies.safety_stock,
            lead_time=lead_time,
            holding_rate=holding,
            seed=SEED,
        )
        merges += result.total.lot_merges
        outcome[name] = {**measured(result, abc), "policy": _policy_summary(policies)}
    return {
        **outcome,
        "deltas": _deltas(outcome["baseline"], outcome["scenario"]),
        "sku_sites": len(keys),
        "parameters": {
            "days": SIMULATION_DAYS,
            "history_days": HISTORY_DAYS,
            "seed": SEED,
            "forecast_run": forecast.pk,
            "as_of": forecast.as_of.isoformat(),
            "holding_rate": float(np.mean(holding)),
        },
        "lot_merges": int(merges),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _selected_rows(
    keys: list[tuple[int, int]], inputs: PolicyInputs, selection: dict[str, Any]
) -> np.ndarray:
    """Positions of the SKU-sites the selection keeps, in key order."""
    n = len(keys)
    keep = np.ones(n, dtype=bool)
    if not n:
        return np.flatnonzero(keep)
    if selection.get("abc"):
        keep &= np.isin(np.asarray(inputs.abc, dtype=str), selection["abc"])
    if selection.get("xyz"):
        keep &= np.isin(np.asarray(inputs.xyz, dtype=str), selection["xyz"])
    if selection.get("sites"):
        sites = set(Site.objects.filter(code__in=selection["sites"]).values_list("pk", flat=True))
        keep &= np.array([site in sites for _, site in keys])
    if selection.get("skus"):
        skus = set(Sku.objects.filter(code__in=selection["skus"]).values_list("pk", flat=True))
        keep &= np.array([sku in skus for sku, _ in keys])
    return np.flatnonzero(keep)


def _subset(inputs: PolicyInputs, rows: np.ndarray) -> PolicyInputs:
    """The inputs of the SKU-sites at `rows`; scalars (one value for all) stay as they are."""
    n = np.asarray(inputs.demand_mean).shape[0]

    def pick(value: Any) -> Any:
        if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == n:
            return value[rows]
        return value

    return replace(
        inputs, **{item.name: pick(getattr(inputs, item.name)) for item in fields(inputs)}
    )


def _changed_inputs(baseline: Policies, changes: dict[str, Any]) -> PolicyInputs:
    """The baseline's validated inputs under the scenario's assumptions. Lead times start from
    the ones the baseline used (missing ones already filled in), so the factors apply to every
    SKU-site."""
    inputs = baseline.inputs
    uplift = 1.0 + float(changes.get("demand_uplift") or 0.0)
    holding = changes.get("holding_rate")
    return replace(
        inputs,
        demand_mean=np.asarray(inputs.demand_mean) * uplift,
        demand_error_std=np.asarray(inputs.demand_error_std) * uplift,
        demand_level_error_std=np.asarray(inputs.demand_level_error_std) * uplift,
        lead_time_mean=baseline.lead_time_mean * float(changes.get("lead_time_mean_factor", 1.0)),
        lead_time_std=baseline.lead_time_std * float(changes.get("lead_time_std_factor", 1.0)),
        holding_rate=inputs.holding_rate if holding is None else float(holding),
    )


def _changed_matrix(matrix: ServiceMatrix, levels: dict[str, float]) -> ServiceMatrix:
    """The service matrix with the scenario's levels: every target's level ('all', which also
    covers unclassified SKU-sites) or the levels of the ABC classes given; kinds unchanged."""
    if not levels:
        return matrix
    targets = {}
    for key, target in matrix.targets.items():
        level = levels.get("all", levels.get(key[0]))
        targets[key] = target if level is None else ServiceTarget(target.kind, float(level))
    return ServiceMatrix(targets)


def _policy_summary(policies: Policies) -> dict[str, float]:
    price = np.asarray(policies.inputs.unit_price)
    return {
        "safety_stock_value": float(np.sum(policies.safety_stock * price)),
        "cycle_stock_value": float(np.sum(policies.order_quantity / 2 * policies.unit_price_paid)),
        "mean_service_level": float(np.mean(policies.service_level)),
    }


def _difference(before: Any, after: Any) -> dict[str, float | None]:
    if before is None or after is None:
        return {"absolute": None, "relative": None}
    change = float(after) - float(before)
    return {"absolute": change, "relative": change / float(before) if before else None}


def _deltas(baseline: dict[str, Any], scenario: dict[str, Any]) -> dict[str, Any]:
    """Scenario minus baseline, overall (absolute and relative) and by ABC class (absolute)."""
    classes = sorted(set(baseline["by_abc"]) | set(scenario["by_abc"]))
    return {
        "overall": {
            measure: _difference(baseline["overall"].get(measure), scenario["overall"].get(measure))
            for measure in MEASURES
        },
        "by_abc": {
            label: {
                measure: _difference(
                    baseline["by_abc"].get(label, {}).get(measure),
                    scenario["by_abc"].get(label, {}).get(measure),
                )["absolute"]
                for measure in MEASURES
                if measure in baseline["by_abc"].get(label, {})
            }
            for label in classes
        },
        "policy": {
            measure: _difference(baseline["policy"][measure], scenario["policy"][measure])
            for measure in baseline["policy"]
        },
    }


# ---- reads -----------------------------------------------------------------------------------


def scenarios_recent() -> QuerySet[Scenario]:
    """Saved scenarios, newest first, with who made them and their results (the list shows
    each one's change in fill rate and stock value), in one query."""
    return Scenario.objects.select_related("created_by")


def scenarios_for_comparison(ids: list[Any]) -> list[Scenario]:
    """2 to 4 finished scenarios, in the order asked; refused with a message otherwise."""
    wanted: list[int] = []
    for value in ids:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            raise ScenarioRefused(
                "Scenarios are picked by their numbers.", fields={"ids": ["Not a number."]}
            ) from None
        if pk not in wanted:
            wanted.append(pk)
    if not COMPARE_MIN <= len(wanted) <= COMPARE_MAX:
        raise ScenarioRefused(
            f"Pick {COMPARE_MIN} to {COMPARE_MAX} scenarios to compare.",
            fields={"ids": [f"Pick {COMPARE_MIN} to {COMPARE_MAX} scenarios."]},
        )
    found = {
        scenario.pk: scenario
        for scenario in Scenario.objects.select_related("created_by").filter(pk__in=wanted)
    }
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        raise ScenarioRefused(f"No scenario {', '.join(missing)}.")
    unfinished = [found[pk].name for pk in wanted if found[pk].status != PolicyRunStatus.SUCCEEDED]
    if unfinished:
        raise ScenarioRefused(
            f"Only finished scenarios can be compared; not yet: {', '.join(unfinished)}."
        )
    return [found[pk] for pk in wanted]
