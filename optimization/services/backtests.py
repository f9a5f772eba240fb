"""Policy backtest: the product's policies against the textbook rule on demand that really
happened, both sized only from what was known at the time.

The last `hold_out` days of every SKU-site with a policy are replayed. Every `replan_every`
days of them (default 7), as the nightly refresh would, both policies are set again from the
demand known up to that day:
- ours: the forecasting engine forecasts from that history (champion per series, daily error
  deviation), and optimization.engine.policy sizes (s, Q) from that forecast with today's
  supplier terms, lead times and service targets;
- textbook (the seed's rule, optimization.engine.textbook): SS = z sqrt(L) sigma, with sigma
  the standard deviation of the trailing year's raw daily demand and z for the same service
  level, s = d L + SS with d that year's mean, and the plain EOQ sqrt(2 D S / (i p)); the
  simulator makes each order obey the same MOQ and multiple.
Both are simulated day by day over the held-out actual demand (optimization.engine.simulate,
with the parameters in force on each day) with the same lead-time draws (gamma, the policy's
mean and deviation; one seed): lots expire after the usable shelf life and are consumed FEFO;
unmet demand is backordered; emergency orders (DOMAIN.md) when net stock falls below the
policy's own safety stock and no receipt is due within a third of the lead time, arriving
after that third; each policy starts in its first steady state (on hand s + Q/2, fresh).

Measures come from the simulator: fill rate, cycle service level, stock-out rate, average
inventory value, turnover, carrying cost, expired value, orders and emergency orders, overall
and by ABC class, and the share of SKU-sites with a fill-rate target whose fill rate lands
within 1.5 points of it.
"""

import time
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from common.errors import DomainError
from forecasting.engine.methods import METHODS
from forecasting.engine.pipeline import EngineConfig, run
from forecasting.selectors import demand_matrix
from optimization.engine.policy import PolicyConfig, PolicyInputs, compute_policies
from optimization.engine.simulate import EmergencyRule, LeadTime, Policy, SimulationResult, simulate
from optimization.engine.textbook import textbook_policies
from optimization.models import InventoryPolicy, PolicyRunStatus, PolicySimulation
from optimization.selectors.policies import current_policy_run
from optimization.services.policies import policy_data_from

PLAN_HORIZON = 90

# What a simulation reports (the keys of measured()'s "overall"); scenarios compare the same
# measures between their baseline and their changed policies.
MEASURES = (
    "fill_rate",
    "cycle_service_level",
    "stockout_days",
    "stockout_rate",
    "average_inventory_value",
    "turnover",
    "carrying_cost_per_year",
    "expired_value",
    "orders",
    "emergency_orders",
)


class SimulationRefused(DomainError):
    code = "simulation_refused"


def simulation_create(
    *, actor: User | None, hold_out: int = 180, replan_every: int = 7, seed: int = 7
) -> PolicySimulation:
    errors = {}
    if not 1 <= replan_every <= hold_out:
        errors["replan_every"] = ["Between 1 day and the hold-out."]
    if not 28 <= hold_out <= 365:
        errors["hold_out"] = ["Between 28 and 365 days."]
    if errors:
        raise SimulationRefused("The simulation parameters are not valid.", fields=errors)
    run = current_policy_run()
    if run is None:
        raise SimulationRefused("No policies yet: they are computed after a forecast run.")
    return PolicySimulation.objects.create(
        policy_run=run,
        parameters={
            "hold_out": hold_out,
            "replan_every": replan_every,
            "seed": seed,
            "history_days": 730,
        },
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def usable_shelf_life(inputs: PolicyInputs) -> np.ndarray:
    """Days a received lot can serve demand: its shelf life at arrival down to the minimum
    usable remaining life (at least a day); infinite for stock that does not expire."""
    remaining = np.asarray(inputs.remaining_life_days)
    return np.where(
        np.isfinite(remaining),
        np.maximum(remaining - np.asarray(inputs.min_usable_life_days), 1.0),
        np.inf,
    )


def simulate_policy(
    demand: np.ndarray,
    inputs: PolicyInputs,
    *,
    reorder_point: np.ndarray,
    order_quantity: np.ndarray,
    safety_stock: np.ndarray,
    lead_time: LeadTime,
    holding_rate: np.ndarray,
    seed: int,
) -> SimulationResult:
    """Simulate (s, nQ) reviewed daily over `demand` (n, days), as the backtest and the
    scenarios do: s, Q and the safety stock of shape (n,) or (n, days) (the values in force on
    each day); MOQ, multiple, price and shelf life from the validated `inputs`; FEFO lots with
    expiry; emergency orders when net stock falls below the safety stock and nothing is due
    within a third of the mean lead time, arriving after that third, of one first-day order
    quantity; starting in the first steady state (on hand s + Q/2, fresh). Two calls with the
    same demand, lead time and seed see the same lead-time draws."""
    first_point = reorder_point[:, 0] if reorder_point.ndim == 2 else reorder_point
    first_quantity = order_quantity[:, 0] if order_quantity.ndim == 2 else order_quantity
    lead = np.asarray(lead_time.mean, dtype=float)
    return simulate(
        demand,
        Policy.s_q(
            reorder_point,
            order_quantity,
            min_order=np.asarray(inputs.moq),
            order_multiple=np.asarray(inputs.order_multiple),
        ),
        lead_time,
        unit_cost=np.asarray(inputs.unit_price),
        holding_rate=holding_rate,
        seed=seed,
        shelf_life=usable_shelf_life(inputs),
        initial_on_hand=first_point + first_quantity / 2,
        emergency=EmergencyRule(
            level=safety_stock,
            lead_time=np.maximum(np.round(lead / 3), 1),
            quantity=first_quantity,
        ),
    )


def _number(value: float) -> float | int | None:
    """A measure for a JSON field: counts stay whole, NaN (no demand, no cycle) becomes None."""
    if isinstance(value, int | np.integer):
        return int(value)
    return float(value) if np.isfinite(value) else None


def measured(result: SimulationResult, abc: np.ndarray) -> dict[str, Any]:
    """The simulator's measures of all SKU-sites together and by ABC class."""
    return {
        "overall": {measure: _number(getattr(result.total, measure)) for measure in MEASURES},
        "by_abc": _grouped(result, abc),
    }


def _grouped(result: Any, labels: np.ndarray) -> dict[str, dict[str, float | None]]:
    groups = {}
    for label in sorted(set(labels.tolist())):
        rows = labels == label
        demand = float(result.demand_units[rows].sum())
        cycles = int(result.cycles[rows].sum())
        groups[label or "unclassified"] = {
            "sku_sites": int(rows.sum()),
            "fill_rate": float(result.served_units[rows].sum() / demand) if demand else None,
            "cycle_service_level": float(result.cycles_without_stockout[rows].sum() / cycles)
            if cycles
            else None,
            "stockout_days": int(result.stockout_days[rows].sum()),
            "stockout_rate": float(result.stockout_rate[rows].mean()),
            "average_inventory_value": float(result.average_inventory_value[rows].sum()),
            "carrying_cost_per_year": float(result.carrying_cost_per_year[rows].sum()),
            "expired_value": float(result.expired_value[rows].sum()),
            "orders": int(result.orders[rows].sum()),
            "emergency_orders": int(result.emergency_orders[rows].sum()),
        }
    return groups


def simulation_compute(*, simulation_id: int) -> PolicySimulation:
    """Run a recorded simulation and store its results (or its failure)."""
    simulation = PolicySimulation.objects.get(pk=simulation_id)
    try:
        results = _compute(simulation)
    except Exception as error:
        PolicySimulation.objects.filter(pk=simulation.pk).update(
            status=PolicyRunStatus.FAILED,
            error=f"{type(error).__name__}: {error}"[:4000],
            finished_at=timezone.now(),
        )
        raise
    simulation.results = results
    simulation.status = PolicyRunStatus.SUCCEEDED
    simulation.finished_at = timezone.now()
    simulation.save(update_fields=["results", "status", "finished_at"])
    return simulation


def _compute(simulation: PolicySimulation) -> dict[str, Any]:
    started = time.perf_counter()
    params = simulation.parameters
    hold_out = params["hold_out"]
    every = params.get("replan_every") or hold_out
    keys = list(
        InventoryPolicy.objects.filter(run=simulation.policy_run)
        .serving_patients()
        .order_by("sku_id", "site_id")
        .values_list("sku_id", "site_id")
    )
    if not keys:
        raise SimulationRefused("The policy run has no policies to simulate.")
    history = demand_matrix(
        keys, as_of=simulation.started_at.date(), history_days=params["history_days"]
    )
    known = history.shape[1] - hold_out
    paths: dict[str, list[np.ndarray]] = {"textbook": [], "optimized": []}
    first = _plan(history[:, :known], keys)
    ours, rows = first["optimized_policies"], first["rows"]
    for day in range(0, hold_out, every):
        plan = first if day == 0 else _plan(history[:, : known + day], keys)
        span = min(every, hold_out - day)
        for name, parts in paths.items():
            parts.append(np.repeat(plan[name][:, :, None], span, axis=2))
    actual = history[rows, known:]
    inputs = ours.inputs
    lead, lead_std = ours.lead_time_mean, ours.lead_time_std
    # (3, n, days): reorder point, order quantity and safety stock in force on each day
    candidates = {name: tuple(np.concatenate(parts, axis=2)) for name, parts in paths.items()}
    abc = np.asarray(inputs.abc)
    fill = ours.service_kind == "fill_rate"
    outcomes: dict[str, Any] = {}
    for name, (reorder_point, quantity, safety) in candidates.items():
        result = simulate_policy(
            actual,
            inputs,
            reorder_point=reorder_point,
            order_quantity=quantity,
            safety_stock=safety,
            lead_time=LeadTime(lead, lead_std),
            holding_rate=np.asarray(inputs.holding_rate),
            seed=params["seed"],
        )
        outcomes[name] = {
            **measured(result, abc),
            # fill-rate targets only: a cycle-service target is not a fill rate
            "within_target": float(
                np.mean(
                    (
                        np.abs(np.nan_to_num(result.fill_rate, nan=1.0) - ours.service_level)
                        <= 0.015
                    )[fill]
                )
            )
            if fill.any()
            else None,
        }
    return {
        **outcomes,
        "sku_sites": len(rows),
        "replans": len(range(0, hold_out, every)),
        "target_fill_rate": float(np.mean(ours.service_level[fill])) if fill.any() else None,
        "seconds": round(time.perf_counter() - started, 2),
    }


def _plan(known: np.ndarray, keys: list[tuple[int, int]]) -> dict[str, Any]:
    """Both policies as they would be set from the demand `known` so far: ours from a fresh
    forecast (as the nightly refresh does), the textbook one from the trailing year's mean and
    standard deviation. Returns (3, n) arrays of reorder point, order quantity, safety stock."""
    forecast = run(known, EngineConfig(horizon=PLAN_HORIZON), METHODS)
    data = policy_data_from(
        {key: forecast.forecast[row].tolist() for row, key in enumerate(keys)},
        {key: float(forecast.error_std[row]) for row, key in enumerate(keys)},
    )
    position = {key: row for row, key in enumerate(keys)}
    rows = np.array([position[key] for key in data.keys], dtype=int)
    ours = compute_policies(
        data.inputs,
        PolicyConfig(default_lead_time_days=settings.OPTIMIZATION_DEFAULT_LEAD_TIME_DAYS),
    )
    inputs = ours.inputs
    textbook = textbook_policies(
        known[rows],
        service_level=ours.service_level,
        lead_time=ours.lead_time_mean,
        order_cost=inputs.order_cost,
        unit_price=inputs.unit_price,
        holding_rate=inputs.holding_rate,
    )
    return {
        "rows": rows,
        "optimized_policies": ours,
        "optimized": np.stack([ours.reorder_point, ours.order_quantity, ours.safety_stock]),
        "textbook": np.stack(
            [textbook.reorder_point, textbook.order_quantity, textbook.safety_stock]
        ),
    }
