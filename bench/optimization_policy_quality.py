"""Do the policies deliver their service targets? Forecast, size, simulate held-out demand.

    .venv/bin/python bench/optimization_policy_quality.py                  # re-planned weekly
    .venv/bin/python bench/optimization_policy_quality.py --replan-every 0  # computed once

Options: --fixed-lead-times, a what-if with every lead time fixed at its mean (sigma_L = 0 in
sizing and simulation); --forecasts FILE.npz, to save the re-plans' forecasts or reuse them in
a later run (delete the file after changing the forecasting engine); --skus.

Pure numpy engines, no database (Django is set up only to import the demo-data generator).
About 3 to 4 minutes on the 2-core machine re-planned weekly (most of it the 26 forecast runs,
5 to 7 s each), about 30 s computed once.

Data: the demo demand, demo.generator.demand_matrix(DemoConfig(skus=2000, days=730,
seed=42, today=date(2026, 11, 24))), one row per SKU-site. The last 180 days are held out.

Re-planning (what planners get: the product recomputes the policies after every nightly
forecast run). Every `--replan-every` days of the hold-out (default 7: on days 0, 7, ..., 175;
0 = once, on day 0, held for the 180 days) the policies are recomputed from all demand before
that day, and are in force from that day until the next re-plan. The simulator takes the
resulting (n, days) paths of reorder points and order quantities (optimization.engine.simulate,
module docstring). Each re-plan:

1. Forecast: forecasting.engine.pipeline.run(y[:, :t], EngineConfig(horizon=41), METHODS) on
   all demand before hold-out day t (vectorized over the series, a few seconds). Each series'
   demand d is its mean daily forecast over the protection period of daily review, L + 1
   days (at least 7, as the policy refresh does; 41 at most, hence the horizon), sigma_d its
   daily error_std.
   Forecast level error sigma_b (safety_stock's module docstring: forecast errors that persist
   over the protection period), from the champions' backtest errors e (EngineResult.scores[
   champion].errors, forecast - actual, 4 origins x H = 28 days per series): the mean error of
   an origin over its H days, m = sum(e) / H, has E[m^2] = sigma_d^2 / H + (H - 1) / H *
   sigma_b^2 when the daily errors are a shared level error b (variance sigma_b^2, bias
   included) plus independent rests; so sigma_b^2 is what the mean square of m has beyond what
   independent daily errors explain, (E[m^2] - sigma_d^2 / H) H / (H - 1). With 4 overlapping
   origins per series this is too noisy per series, so the correlation rho = sigma_b^2 /
   sigma_d^2 is pooled per demand pattern (sum over the pattern's series of H E[m^2] divided
   by the sum of sigma_d^2, minus 1, over H - 1; clipped to [0, 1]), sigma_b = sqrt(rho)
   sigma_d.
2. Textbook inputs: the mean and the standard deviation of raw daily demand over the 365 days
   before day t (the seed's rule sizes from the trailing history, not from a forecast).
3. Policies, with the same master data (below) at every re-plan: optimization.engine.policy.
   compute_policies, the (s, nQ) policy reviewed daily: (b) as the policy refresh runs it
   (sigma_b = 0), (b') with the level error. All re-plans in one call (k n rows).

Master data, seeded (numpy default_rng(SEED)), from the history before the hold-out: lead time
L whole days uniform on 5 .. 40, CV uniform on 0.1 .. 0.4 (sigma_L = CV L), gamma lead times
in the simulation; prices lognormal; order costs 25 .. 250; order multiples 1 .. 24 with MOQs
of 1 .. 4 multiples; an all-units price break (3 % off from 5 MOQs) for 30 %; shelf life at
receipt 108 .. 1040 days, minimum usable life 30 / 60 / 90 days; criticality 15 / 30 / 40 /
15 % critical / high / medium / low; ABC by the last year's consumption value (inventory.rules.
abc_classes), XYZ by the CV of the last 52 weeks (inventory.rules.xyz_class). Targets: the
default service matrix. Demand patterns (for the tables) are those of the first re-plan.

Simulation (optimization.engine.simulate): backorders, the policy's gamma lead times (one draw
per order, seeded, the same draws for every policy), shelf lives with FEFO and write-offs (24
lot slots). Warm-up: the simulation starts 90 days before the hold-out, on the history's last
days (simulated, not measured), with the first re-plan's policy in force, an initial lot of
s + u Q (u uniform on (0, 1), seeded, the same for every policy) and nothing on order: the
steady-state distribution of the inventory position of (s, nQ); after 90 days (more than the
longest lead times drawn) the pipeline has the steady state's structure too. Only the 180
held-out days are measured. Inventory is valued at the list price for the textbook policy and
at ours' price paid (its price break, if its lots reach it), averaged over the re-plans.

Printed: machine and timings. Per SKU-site with a fill-rate target, the achieved fill rate
against its target: the share with |achieved - target| <= 1.5 points, the share with achieved
>= target - 1.5 points, mean achieved and mean target, and the pooled fill rate (served /
demanded units), overall and by demand pattern, for (b), (b') and, for comparison, (b) computed
once on day 0 and held; cycle-service targets; total average inventory value, expired value and
orders. The fill rate per 30-day block beside the ratio of demand to the forecast d in force.

What limits the per-SKU-site measure: where the SKU-sites outside the band are (above or
below), the share of SKU-sites whose order quantity alone (no safety stock) makes the policy's
own formula expect a fill rate above target + 1.5 points, the measure by the number of orders a
SKU-site placed in the 180 days, and two controls: (i) sampling noise alone, (b)'s policies of
day 0 on 180 days drawn from their own model (independent gamma days with the d and sigma_d of
day 0; MODEL_SEEDS seeds, and the standard deviation of a SKU-site's 180-day fill rate over the
seeds), and on 1,800 such days; (ii) the re-planned policies on days drawn from the model in
force each day (the week-to-week revisions of d then act as a level error).

The sweep: one fill-rate target for every SKU-site (85, 90, 95, 98, 99 %), all re-planned,
achieved fill rate (pooled, and pooled - target in points; mean per SKU-site; share of SKU-sites
within 1.5 points and at or above target - 1.5 points), average inventory value and orders of
  (a) the seed's textbook policy: s = m L + z sqrt(L) sigma, z = Phi^-1(target), m and sigma
      the mean and standard deviation of raw daily demand over the trailing 365 days, plain EOQ
      of m (no MOQ, multiple, breaks or shelf-life cap; at least 1 unit);
  (a') the same rule with our forecast d in place of m (the textbook's safety stock alone);
  (b) ours (compute_policies), (b') ours with the level error;
  (c) ours' reorder point for (a')'s plain EOQ (the reorder-point method alone);
on the same demand paths and lead-time draws (no shelf lives), and the inventory each needs for
the same pooled fill rate (linear along its sweep); which pooled fill rates of the sweep each
reaches. Last, the same sweep where the demand model is exactly right: the policies of day 0,
held, on 900 independent gamma days with the d and sigma_d of day 0 (the textbook's m and sigma
are d and sigma_d), the method alone without forecast errors or re-planning.
"""

import argparse
import os
import platform
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

import numpy as np  # noqa: E402
from scipy import special  # noqa: E402

from demo.generator import DemoConfig, demand_matrix  # noqa: E402
from forecasting.engine.methods import METHODS  # noqa: E402
from forecasting.engine.pipeline import EngineConfig, EngineResult, run  # noqa: E402
from inventory.rules import abc_classes, coefficient_of_variation, xyz_class  # noqa: E402
from optimization.engine.policy import (  # noqa: E402
    ABC_CLASSES,
    CRITICALITIES,
    UNCLASSIFIED,
    XYZ_CLASSES,
    PolicyConfig,
    PolicyInputs,
    ServiceMatrix,
    ServiceTarget,
    compute_policies,
)
from optimization.engine.safety_stock import periodic_review_reorder_point  # noqa: E402
from optimization.engine.simulate import LeadTime, Policy, SimulationResult, simulate  # noqa: E402

HOLD_OUT = 180
WARM_UP = 90
BLOCK = 30
SEED = 20_261_124
HOLDING_RATE = 0.25
REVIEW_PERIOD = 7.0
TOLERANCE = 0.015
LOT_SLOTS = 24
TRAILING = 365
MIN_WINDOW = 7
MODEL_SEEDS = 5
SWEEP = (0.85, 0.90, 0.95, 0.98, 0.99)
PATTERNS = ("smooth", "erratic", "intermittent", "lumpy")
ORDER_BUCKETS = ((0, 2), (3, 5), (6, 11), (12, 10**9))
Data = dict[str, np.ndarray]
Curves = dict[str, tuple[list[float], list[float]]]


# --- inputs ----------------------------------------------------------------------------------


def master_data(history: np.ndarray, rng: np.random.Generator) -> Data:
    """Seeded supplier terms, shelf lives and classes per SKU-site (see the docstring)."""
    n = history.shape[0]
    lead = rng.integers(5, 41, n).astype(np.float64)
    price = np.round(rng.lognormal(3.0, 1.2, n), 2) + 0.5
    multiple = rng.choice([1.0, 1.0, 5.0, 10.0, 12.0, 24.0], n)
    moq = multiple * rng.integers(1, 5, n)
    has_break = rng.random(n) < 0.3
    year = history[:, -365:]
    weeks = history[:, -364:].reshape(n, 52, 7).sum(axis=2)
    shelf = rng.choice([180.0, 365.0, 730.0, 1095.0], n) * rng.uniform(0.6, 0.95, n)
    return {
        "lead": lead,
        "lead_std": rng.uniform(0.1, 0.4, n) * lead,
        "price": price,
        "order_cost": rng.uniform(25.0, 250.0, n),
        "moq": moq,
        "multiple": multiple,
        "break_quantities": np.where(has_break, 5.0 * moq, np.nan)[:, None],
        "break_prices": np.where(has_break, np.round(price * 0.97, 2), np.nan)[:, None],
        "shelf": np.round(shelf),
        "min_usable": rng.choice([30.0, 60.0, 90.0], n),
        "abc": np.array(abc_classes((year.sum(axis=1) * price).tolist())),
        "xyz": np.array([xyz_class(coefficient_of_variation(row.tolist())) for row in weeks]),
        "criticality": rng.choice(np.array(CRITICALITIES), n, p=[0.15, 0.3, 0.4, 0.15]),
        "phase": rng.random(n),
    }


def level_error(forecast: EngineResult) -> tuple[np.ndarray, dict[str, float]]:
    """sigma_b per series from the champions' backtest errors, the correlation pooled per
    demand pattern (see the docstring, step 1)."""
    errors = np.empty_like(next(iter(forecast.scores.values())).errors)
    for name, score in forecast.scores.items():
        rows = forecast.method == name
        errors[rows] = score.errors[rows]
    horizon = errors.shape[2]
    mean_square = np.nanmean(np.nanmean(errors, axis=2) ** 2, axis=1)  # E[m^2] per series
    daily = forecast.error_std**2
    correlation = np.zeros(daily.size)
    pooled_rho = {}
    for pattern in np.unique(forecast.pattern):
        rows = forecast.pattern == pattern
        spread = daily[rows].sum()
        rho = (horizon * mean_square[rows].sum() / spread - 1.0) / (horizon - 1)
        pooled_rho[str(pattern)] = float(np.clip(rho, 0.0, 1.0)) if spread > 0 else 0.0
        correlation[rows] = pooled_rho[str(pattern)]
    return np.sqrt(correlation) * forecast.error_std, pooled_rho


@dataclass(frozen=True)
class Plan:
    """What each re-plan knew: re-plan r is made on hold-out day starts[r]; arrays (k, n)."""

    starts: np.ndarray  # (k,) hold-out days
    demand: np.ndarray  # d, units per day
    error: np.ndarray  # sigma_d
    level: np.ndarray  # sigma_b
    raw_mean: np.ndarray  # the textbook's m
    raw_std: np.ndarray  # the textbook's sigma
    pattern: np.ndarray  # (k, n) str
    rho: np.ndarray  # (k, len(PATTERNS)) pooled level-error correlation

    def daily(self, values: np.ndarray, days: int = WARM_UP + HOLD_OUT) -> np.ndarray:
        """Per re-plan values (k, n) -> the value in force on each of `days` simulated days
        (n, days), the first WARM_UP days before the hold-out; they have the first re-plan's."""
        day = np.arange(days) - WARM_UP
        which = np.clip(np.searchsorted(self.starts, day, side="right") - 1, 0, None)
        return np.ascontiguousarray(values[which].T)


def make_plan(y: np.ndarray, starts: np.ndarray, window: np.ndarray) -> tuple[Plan, list[float]]:
    """Forecast on all demand before each re-plan day (see the docstring); the seconds each
    forecast run took."""
    history = y.shape[1] - HOLD_OUT
    columns: dict[str, list[np.ndarray]] = {}
    seconds = []
    rows = np.arange(y.shape[0])
    for start in starts:
        known = y[:, : history + start]
        started = time.perf_counter()
        forecast = run(known, EngineConfig(horizon=int(window.max())), METHODS)
        seconds.append(time.perf_counter() - started)
        level, rho = level_error(forecast)
        trailing = known[:, -TRAILING:]
        values = {
            "demand": np.cumsum(forecast.forecast, axis=1)[rows, window - 1] / window,
            "error": forecast.error_std,
            "level": level,
            "raw_mean": trailing.mean(axis=1),
            "raw_std": trailing.std(axis=1),
            "pattern": forecast.pattern,
            "rho": np.array([rho.get(name, np.nan) for name in PATTERNS]),
        }
        for name, value in values.items():
            columns.setdefault(name, []).append(value)
    stacked = {name: np.stack(value) for name, value in columns.items()}
    return Plan(starts=starts, **stacked), seconds


def load_or_make_plan(
    y: np.ndarray, starts: np.ndarray, window: np.ndarray, cache: Path | None
) -> tuple[Plan, list[float]]:
    """`make_plan`, or the plan saved in `cache` by an earlier run on the same re-plan days."""
    if cache is not None and cache.exists():
        saved = np.load(cache)
        if not (np.array_equal(saved["starts"], starts) and saved["demand"].shape[1] == y.shape[0]):
            raise SystemExit(f"{cache} holds other re-plans or series: delete it or name another.")
        return Plan(**{name: saved[name] for name in saved.files}), []
    plan, seconds = make_plan(y, starts, window)
    if cache is not None:
        np.savez(cache, **plan.__dict__)
    return plan, seconds


def uniform_matrix(level: float) -> ServiceMatrix:
    target = ServiceTarget("fill_rate", level)
    keys = [(a, x, c) for a in ABC_CLASSES for x in XYZ_CLASSES for c in CRITICALITIES]
    keys += [(UNCLASSIFIED, UNCLASSIFIED, c) for c in CRITICALITIES]
    return ServiceMatrix(dict.fromkeys(keys, target))


def gamma_paths(demand: np.ndarray, error: np.ndarray, seed: int) -> np.ndarray:
    """Independent gamma days with mean `demand` and standard deviation `error` (both (n, days)
    or (n, 1)): the demand the policies' model describes exactly (without a level error)."""
    mean, spread = np.maximum(demand, 1e-9), np.maximum(error, 1e-9)
    return np.random.default_rng(seed).gamma((mean / spread) ** 2, spread**2 / mean)


# --- policies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sized:
    """One policy at every re-plan: reorder point s and order quantity Q (k, n), the unit cost
    its inventory is valued at (n,), the service target and its kind (n,), and the fill rate
    the policy's own formula expects (k, n; NaN where not computed)."""

    point: np.ndarray
    quantity: np.ndarray
    cost: np.ndarray
    target: np.ndarray
    kind: np.ndarray
    expected: np.ndarray


def ours(plan: Plan, data: Data, config: PolicyConfig | None = None, *, with_level: bool) -> Sized:
    """compute_policies for all re-plans at once (k n rows, the master data repeated)."""
    k, n = plan.demand.shape

    def tile(value: np.ndarray) -> np.ndarray:
        return np.tile(value, (k,) + (1,) * (value.ndim - 1))

    inputs = PolicyInputs(
        demand_mean=plan.demand.ravel(),
        demand_error_std=plan.error.ravel(),
        demand_level_error_std=plan.level.ravel() if with_level else 0.0,
        lead_time_mean=tile(data["lead"]),
        lead_time_std=tile(data["lead_std"]),
        review_period=REVIEW_PERIOD,
        unit_price=tile(data["price"]),
        order_cost=tile(data["order_cost"]),
        abc=tile(data["abc"]),
        xyz=tile(data["xyz"]),
        criticality=tile(data["criticality"]),
        holding_rate=HOLDING_RATE,
        moq=tile(data["moq"]),
        order_multiple=tile(data["multiple"]),
        break_quantities=tile(data["break_quantities"]),
        break_prices=tile(data["break_prices"]),
        remaining_life_days=tile(data["shelf"]),
        min_usable_life_days=tile(data["min_usable"]),
    )
    policies = compute_policies(inputs, config)
    return Sized(
        point=policies.reorder_point.reshape(k, n),
        quantity=policies.order_quantity.reshape(k, n),
        cost=policies.unit_price_paid.reshape(k, n).mean(axis=0),
        target=policies.service_level[:n],
        kind=policies.service_kind[:n],
        expected=policies.expected_fill_rate.reshape(k, n),
    )


def plain_eoq(mean: np.ndarray, data: Data) -> np.ndarray:
    """sqrt(2 D S / H) of daily demand `mean` (k, n), at least 1 unit."""
    annual = mean * 365.0
    return np.maximum(
        np.sqrt(2.0 * annual * data["order_cost"] / (HOLDING_RATE * data["price"])), 1
    )


def textbook(level: float, mean: np.ndarray, sigma: np.ndarray, data: Data) -> Sized:
    """The seed's rule: s = m L + z sqrt(L) sigma and plain EOQ of m; arrays (k, n)."""
    lead = data["lead"]
    point = mean * lead + special.ndtri(level) * np.sqrt(lead) * sigma
    nan = np.full(mean.shape, np.nan)
    n = lead.size
    return Sized(
        point, plain_eoq(mean, data), data["price"], np.full(n, level), np.full(n, "fill_rate"), nan
    )


def plain_reorder_point(level: float, quantity: np.ndarray, plan: Plan, data: Data) -> Sized:
    """Ours' reorder point (sigma_b = 0) for the given order quantities (k, n)."""
    point = np.stack(
        [
            periodic_review_reorder_point(
                level,
                quantity[r],
                demand_mean=plan.demand[r],
                demand_error_std=plan.error[r],
                lead_time_mean=data["lead"],
                lead_time_std=data["lead_std"],
            )
            for r in range(quantity.shape[0])
        ]
    )
    n = point.shape[1]
    return Sized(
        point,
        quantity,
        data["price"],
        np.full(n, level),
        np.full(n, "fill_rate"),
        np.full(point.shape, np.nan),
    )


# --- simulation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """Demand paths (n, WARM_UP + measured days), the re-plans and the master data."""

    paths: np.ndarray
    plan: Plan
    data: Data

    @property
    def pattern(self) -> np.ndarray:
        return self.plan.pattern[0]

    def simulate(self, sized: Sized, *, shelf: bool = False) -> SimulationResult:
        """(s, nQ) reviewed daily with the (n, days) paths of s and Q of the re-plans, the
        policy's lead times, the warm-up of the docstring."""
        days = self.paths.shape[1]
        point = self.plan.daily(sized.point, days)
        quantity = self.plan.daily(sized.quantity, days)
        return simulate(
            self.paths,
            Policy.s_q(point, quantity),
            LeadTime(self.data["lead"], self.data["lead_std"], "gamma"),
            unit_cost=sized.cost,
            holding_rate=HOLDING_RATE,
            seed=SEED,
            shelf_life=self.data["shelf"] if shelf else np.inf,
            initial_on_hand=np.maximum(point[:, 0], 0.0) + self.data["phase"] * quantity[:, 0],
            warm_up=WARM_UP,
            backorders=True,
            lot_slots=LOT_SLOTS,
            trace=True,
        )


def held(plan: Plan) -> Plan:
    """The plan of day 0 alone: the policies computed once and held."""
    first = {name: value[:1] for name, value in plan.__dict__.items() if name != "starts"}
    return Plan(starts=plan.starts[:1], **first)


def model_case(case: Case, seed: int, days: int = HOLD_OUT, *, once: bool = False) -> Case:
    """`case` on `days` measured days of demand drawn from the policies' model: independent
    gamma days with the d and sigma_d in force each day (re-planned), or with `once` those of
    day 0 on every day, with the plan of day 0 alone."""
    plan = held(case.plan) if once else case.plan
    mean = plan.daily(plan.demand, WARM_UP + days)
    spread = plan.daily(plan.error, WARM_UP + days)
    return Case(gamma_paths(mean, spread, seed), plan, case.data)


# --- measures --------------------------------------------------------------------------------


def pooled(result: SimulationResult, rows: np.ndarray | slice = slice(None)) -> float:
    return float(result.served_units[rows].sum() / result.demand_units[rows].sum())


def fill_rows(result: SimulationResult, sized: Sized) -> np.ndarray:
    """SKU-sites with a fill-rate target and demand in the measured days."""
    return (sized.kind == "fill_rate") & (result.demand_units > 0)


def shares(result: SimulationResult, sized: Sized, rows: np.ndarray) -> tuple[float, float]:
    """Share within +/- 1.5 points of target, share at or above target - 1.5 points."""
    gap = result.fill_rate[rows] - sized.target[rows]
    return float(np.mean(np.abs(gap) <= TOLERANCE)), float(np.mean(gap >= -TOLERANCE))


def block_fill(result: SimulationResult, paths: np.ndarray, rows: np.ndarray) -> list[float]:
    """Pooled fill rate per BLOCK-day block of the measured days."""
    if result.trace is None:
        raise ValueError("The simulation needs its trace.")
    short = result.trace.short[rows, WARM_UP:]
    asked = paths[rows, WARM_UP:]
    days = asked.shape[1]
    return [
        1.0 - short[:, i : i + BLOCK].sum() / asked[:, i : i + BLOCK].sum()
        for i in range(0, days, BLOCK)
    ]


def quality_table(title: str, result: SimulationResult, sized: Sized, case: Case) -> None:
    """Achieved against target per SKU-site with a fill-rate target and demand, by pattern."""
    rows = fill_rows(result, sized)
    print(title)
    print(
        f"  {'pattern':12s} {'SKU-sites':>9s} {'|gap|<=1.5pp':>12s} {'>=target-1.5pp':>14s} "
        f"{'mean achieved':>13s} {'mean target':>11s} {'pooled':>7s}"
    )
    for name in ("all", *PATTERNS):
        pick = rows if name == "all" else rows & (case.pattern == name)
        if not pick.any():
            continue
        within, above = shares(result, sized, pick)
        print(
            f"  {name:12s} {pick.sum():9,d} {within:12.1%} {above:14.1%} "
            f"{result.fill_rate[pick].mean():13.4f} {sized.target[pick].mean():11.4f} "
            f"{pooled(result, pick):7.4f}"
        )
    cycle = (sized.kind == "cycle_service") & (result.cycles > 0)
    if cycle.any():
        share = result.cycles_without_stockout[cycle].sum() / result.cycles[cycle].sum()
        print(
            f"  cycle-service targets ({cycle.sum()} SKU-sites with closed cycles): cycles "
            f"without a stock-out {share:.4f} vs target {sized.target[cycle].mean():.4f}"
        )
    total = result.total
    print(
        f"  total: average inventory value {total.average_inventory_value:,.0f}, expired value "
        f"{total.expired_value:,.0f}, orders {total.orders:,}, lot merges {total.lot_merges}"
    )


def block_table(case: Case, runs: dict[str, tuple[SimulationResult, Sized]]) -> None:
    """Fill rate per 30-day block of the hold-out, with the ratio of demand to the forecast d
    in force."""
    starts = range(0, HOLD_OUT, BLOCK)
    print(f"\nBy {BLOCK}-day block of the hold-out:")
    print(f"  {'days':24s}" + " ".join(f"{b:>3d}-{b + BLOCK - 1:<3d}" for b in starts))
    measured = case.paths[:, WARM_UP:]
    forecast = case.plan.daily(case.plan.demand)[:, WARM_UP:]
    ratio = [measured[:, b : b + BLOCK].sum() / forecast[:, b : b + BLOCK].sum() for b in starts]
    print(f"  {'demand / d in force':24s}" + " ".join(f"{r:7.3f}" for r in ratio))
    for name, (result, sized) in runs.items():
        rows = fill_rows(result, sized)
        for pattern in ("all", *PATTERNS):
            pick = rows if pattern == "all" else rows & (case.pattern == pattern)
            fills = block_fill(result, case.paths, pick)
            print(f"  {name + ' fill, ' + pattern:24s}" + " ".join(f"{f:7.4f}" for f in fills))
        print(f"  {name + ' mean target':24s}{sized.target[rows].mean():7.4f}")


def by_orders(result: SimulationResult, sized: Sized) -> str:
    """The within-1.5-points share by the number of orders placed in the measured days."""
    rows = fill_rows(result, sized)
    cells = []
    for low, high in ORDER_BUCKETS:
        pick = rows & (result.orders >= low) & (result.orders <= high)
        label = f"{low}+" if high > 10**6 else f"{low}-{high}"
        within = shares(result, sized, pick)[0] if pick.any() else float("nan")
        cells.append(f"{label} orders: {pick.sum():,} at {within:.1%}")
    return ", ".join(cells)


def outside(result: SimulationResult, sized: Sized) -> str:
    """Where the SKU-sites outside +/- 1.5 points are: above or below the band."""
    rows = fill_rows(result, sized)
    gap = result.fill_rate[rows] - sized.target[rows]
    return f"above the band {np.mean(gap > TOLERANCE):.1%}, below {np.mean(gap < -TOLERANCE):.1%}"


def model_runs(case: Case, sized: Sized, *, once: bool) -> list[SimulationResult]:
    return [
        model_case(case, SEED + 1 + seed, once=once).simulate(sized) for seed in range(MODEL_SEEDS)
    ]


def seed_summary(results: list[SimulationResult], sized: Sized) -> str:
    """Shares and mean achieved over the seeds (mean, and the range over the seeds)."""
    columns = []
    for result in results:
        rows = fill_rows(result, sized)
        columns.append((*shares(result, sized, rows), result.fill_rate[rows].mean()))
    within, above, mean = (np.array(column) for column in zip(*columns, strict=True))
    target = sized.target[fill_rows(results[0], sized)].mean()
    return (
        f"|gap| <= 1.5 pp {within.mean():.1%} ({within.min():.1%} .. {within.max():.1%}), "
        f">= target - 1.5 pp {above.mean():.1%} ({above.min():.1%} .. {above.max():.1%}), mean "
        f"achieved {mean.mean():.4f} vs target {target:.4f}"
    )


def ceiling(case: Case, sized: Sized, actual: SimulationResult) -> None:
    """What limits the per-SKU-site measure: lots that alone overshoot the band, and the
    sampling noise of a 180-day fill rate where the demand model is exactly right."""
    rows = fill_rows(actual, sized)
    expected = sized.expected.mean(axis=0)
    lots_alone = (sized.kind == "fill_rate") & (expected > sized.target + TOLERANCE)
    print(
        "\nWhat limits the per-SKU-site measure ((b)'s policies):\n"
        f"  held-out demand, re-planned: {outside(actual, sized)}\n"
        f"  {lots_alone.sum():,} SKU-sites ({lots_alone.sum() / rows.sum():.1%}) have order "
        "quantities (MOQ, multiples, EOQ) large enough for the policy's own formula to expect "
        "more than target + 1.5 pp with no safety stock (s = d L, the lowest reorder point the "
        "engine sets; mean over the re-plans)\n"
        f"  orders placed per SKU-site in the 180 days: median {np.median(actual.orders[rows]):.0f}"
        f", quartiles {np.percentile(actual.orders[rows], 25):.0f} / "
        f"{np.percentile(actual.orders[rows], 75):.0f}; within +/- 1.5 pp by orders placed: "
        f"{by_orders(actual, sized)}"
    )
    once = Sized(
        sized.point[:1], sized.quantity[:1], sized.cost, sized.target, sized.kind, sized.expected
    )
    drawn = model_runs(case, once, once=True)
    fills = np.stack([result.fill_rate for result in drawn])
    known = rows & ~np.isnan(fills).any(axis=0)
    spread = fills[:, known].std(axis=0, ddof=1)
    print(
        f"  (i) Sampling noise alone: the policies of day 0 on {HOLD_OUT} days drawn from their "
        f"own model (independent gamma days, d and sigma_d of day 0), {MODEL_SEEDS} seeds:\n"
        f"    {seed_summary(drawn, once)}; {outside(drawn[0], once)} (first seed)\n"
        f"    standard deviation of a SKU-site's {HOLD_OUT}-day fill rate over the seeds: median "
        f"{np.median(spread):.1%}, quartiles {np.percentile(spread, 25):.1%} / "
        f"{np.percentile(spread, 75):.1%}\n"
        f"    within +/- 1.5 pp by orders placed (first seed): {by_orders(drawn[0], once)}"
    )
    long = model_case(case, SEED, 10 * HOLD_OUT, once=True).simulate(once)
    pick = fill_rows(long, once)
    within, above = shares(long, once, pick)
    print(
        f"    {10 * HOLD_OUT} days (one seed): |gap| <= 1.5 pp {within:.1%}, >= target - 1.5 pp "
        f"{above:.1%}, mean achieved {long.fill_rate[pick].mean():.4f}, pooled "
        f"{pooled(long, pick):.4f}; {outside(long, once)}"
    )
    if case.plan.starts.size > 1:
        drawn = model_runs(case, sized, once=False)
        print(
            "  (ii) The re-planned policies on days drawn from the model in force each day (the d "
            "and sigma_d of the latest re-plan; the week-to-week revisions of d act as a level "
            f"error the policies do not allow for), {MODEL_SEEDS} seeds:\n"
            f"    {seed_summary(drawn, sized)}; {outside(drawn[0], sized)} (first seed)"
        )


# --- the sweep -------------------------------------------------------------------------------


def sweep_policies(target: float, case: Case, *, model: bool) -> dict[str, Sized]:
    """Every policy of the sweep at one target everywhere, all re-planned."""
    plan, data = case.plan, case.data
    config = PolicyConfig(matrix=uniform_matrix(target))
    if model:  # the model is exactly right: the textbook gets the model's mean and sigma
        methods = {"(a) textbook": textbook(target, plan.demand, plan.error, data)}
    else:
        methods = {
            "(a) textbook": textbook(target, plan.raw_mean, plan.raw_std, data),
            "(a') textbook, our d": textbook(target, plan.demand, plan.raw_std, data),
        }
    methods["(b) ours"] = ours(plan, data, config, with_level=False)
    if not model and plan.level.any():
        methods["(b') + level error"] = ours(plan, data, config, with_level=True)
    methods["(c) ours, plain EOQ"] = plain_reorder_point(
        target, plain_eoq(plan.demand, data), plan, data
    )
    return methods


def inventory_at(fill: list[float], value: list[float], wanted: float) -> float:
    """Inventory value at an achieved fill rate, linear along a sweep (NaN outside it)."""
    order = np.argsort(fill)
    xs, ys = np.asarray(fill)[order], np.asarray(value)[order]
    return float(np.interp(wanted, xs, ys)) if xs[0] <= wanted <= xs[-1] else float("nan")


def frontier(curves: Curves) -> None:
    """Inventory each policy needs for the same pooled fill rate, at the sweep's targets and
    the ends of the common range."""
    names = list(curves)
    low = max(min(fill) for fill, _ in curves.values())
    high = min(max(fill) for fill, _ in curves.values())
    levels = sorted({*(t for t in SWEEP if low <= t <= high), low, high}) if low <= high else []
    print(
        "  Inventory value for the same achieved pooled fill rate, in the range every policy's "
        f"sweep covers (against (a)){':' if levels else ': none, the ranges do not overlap'}"
    )
    for wanted in levels:
        values = [inventory_at(*curves[name], wanted) for name in names]
        cells = [f"(a) {values[0]:11,.0f}"] + [
            f"{name.split()[0]} {value:11,.0f} ({value / values[0] - 1:+6.1%})"
            for name, value in zip(names[1:], values[1:], strict=True)
        ]
        print(f"    {wanted:.4f}: " + "   ".join(cells))
    for target in SWEEP:
        reach = [name.split()[0] for name in names if max(curves[name][0]) >= target]
        print(f"    pooled fill {target:.2f} reached within the sweep by: {' '.join(reach) or '-'}")


def sweep(title: str, case: Case, *, model: bool = False) -> None:
    asked = case.paths[:, WARM_UP:].sum(axis=1) > 0
    print(title)
    print(
        f"  {'policy':22s} {'target':>6s} {'pooled':>7s} {'-target':>7s} {'mean':>7s} "
        f"{'within':>7s} {'>=t-1.5':>7s} {'inventory':>12s} {'orders':>7s}"
    )
    curves: Curves = {}
    lines: dict[str, list[str]] = {}
    for target in SWEEP:
        for name, sized in sweep_policies(target, case, model=model).items():
            result = case.simulate(sized)
            value = result.total.average_inventory_value
            curves.setdefault(name, ([], []))
            curves[name][0].append(pooled(result))
            curves[name][1].append(value)
            within, above = shares(result, sized, asked)
            lines.setdefault(name, []).append(
                f"  {name:22s} {target:6.2f} {pooled(result):7.4f} "
                f"{100 * (pooled(result) - target):+7.2f} "
                f"{np.nanmean(result.fill_rate[asked]):7.4f} {within:7.1%} {above:7.1%} "
                f"{value:12,.0f} {result.total.orders:7,d}"
            )
    for rows in lines.values():
        print("\n".join(rows))
    frontier(curves)


# --- main ------------------------------------------------------------------------------------


def machine() -> str:
    model = platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        model = names[0].split(":", 1)[1].strip() if names else model
    return (
        f"Machine: {os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"numpy {np.__version__}"
    )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument(
        "--replan-every",
        type=int,
        default=7,
        help="days between re-plans in the hold-out (0: compute the policies once, on day 0)",
    )
    parser.add_argument(
        "--fixed-lead-times",
        action="store_true",
        help="a what-if: every lead time fixed at its mean (sigma_L = 0 in sizing and simulation)",
    )
    parser.add_argument(
        "--forecasts",
        type=Path,
        default=None,
        help="an .npz file to save the re-plans' forecasts to, or to load them from if it "
        "exists (delete it after changing the forecasting engine or the demo data)",
    )
    return parser.parse_args()


def planned(y: np.ndarray, data: Data, every: int, cache: Path | None) -> Plan:
    """The re-plans of the hold-out (every `every` days; 0: day 0 only), with their timings."""
    window = np.maximum(data["lead"] + 1, MIN_WINDOW).astype(int)
    starts = np.arange(0, HOLD_OUT, every) if every > 0 else np.array([0])
    started = time.perf_counter()
    plan, seconds = load_or_make_plan(y, starts, window, cache)
    timing = (
        f"{len(seconds)} forecast runs, {np.mean(seconds):.1f} s each"
        if seconds
        else f"{starts.size} re-plans loaded from {cache}"
    )
    days = f"days {starts[0]}, {starts[1]} .. {starts[-1]}" if starts.size > 1 else "day 0"
    print(
        f"re-plans on hold-out {days} ({starts.size}): {timing}; "
        f"{time.perf_counter() - started:.1f} s"
    )
    rho = plan.rho
    print(
        "  forecast level-error correlation rho = sigma_b^2 / sigma_d^2 by pattern (first re-plan"
        "; range over the re-plans): "
        + ", ".join(
            f"{name} {rho[0, i]:.3f} ({np.nanmin(rho[:, i]):.3f} .. {np.nanmax(rho[:, i]):.3f})"
            for i, name in enumerate(PATTERNS)
        )
    )
    return plan


def main() -> None:
    args = arguments()
    print(machine())
    clock = time.perf_counter()

    started = time.perf_counter()
    demo = DemoConfig(skus=args.skus, days=730, seed=42, today=date(2026, 11, 24))
    y = demand_matrix(demo).astype(np.float64)
    history = y[:, :-HOLD_OUT]
    print(
        f"demand: {y.shape[0]:,} series x {y.shape[1]} days, {time.perf_counter() - started:.1f} s"
    )
    data = master_data(history, np.random.default_rng(SEED))
    if args.fixed_lead_times:
        data["lead_std"] = np.zeros_like(data["lead_std"])
        print("What-if: lead times fixed at their means (sigma_L = 0).")
    every = args.replan_every
    plan = planned(y, data, every, args.forecasts)
    case = Case(y[:, -(HOLD_OUT + WARM_UP) :], plan, data)

    started = time.perf_counter()
    plain = ours(plan, data, with_level=False)
    leveled = ours(plan, data, with_level=True)
    once = ours(held(plan), data, with_level=False)
    print(f"compute_policies, (b) and (b') at every re-plan: {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    runs = {
        "(b)": (case.simulate(plain, shelf=True), plain),
        "(b')": (case.simulate(leveled, shelf=True), leveled),
    }
    computed_once = Case(case.paths, held(plan), data).simulate(once, shelf=True)
    print(f"simulations, (b), (b') and (b) once: {time.perf_counter() - started:.2f} s")

    rows = plain.kind == "fill_rate"
    when = f"re-planned every {every} days" if every > 0 else "computed once, on day 0, and held"
    print(
        f"\nDefault service matrix: {rows.sum():,} SKU-sites with a fill-rate target, "
        f"{(~rows).sum()} with a cycle-service target. Policies {when}."
    )
    quality_table("(b) Ours, as the policy refresh runs it (sigma_b = 0):", *runs["(b)"], case)
    quality_table("(b') Ours with the forecast level error:", *runs["(b')"], case)
    if every > 0:
        quality_table(
            "(b) computed once on day 0 and held for the 180 days (for comparison):",
            computed_once,
            once,
            case,
        )
    block_table(case, runs)
    ceiling(case, plain, runs["(b)"][0])

    started = time.perf_counter()
    sweep(
        "\nSweep on the held-out demand, all re-planned, one fill-rate target for every SKU-site "
        "(no shelf lives): fill rate pooled and pooled - target (points), mean per SKU-site, "
        "share of SKU-sites within +/- 1.5 pp and at or above target - 1.5 pp",
        case,
    )
    sweep(
        f"\nThe same sweep where the demand model is exactly right: the policies of day 0, held, "
        f"on {5 * HOLD_OUT} days of independent gamma days with the d and sigma_d of day 0 (the "
        "textbook's m and sigma are d and sigma_d)",
        model_case(case, SEED, 5 * HOLD_OUT, once=True),
        model=True,
    )
    elapsed = time.perf_counter() - clock
    print(f"sweeps: {time.perf_counter() - started:.1f} s; whole run {elapsed:.1f} s")


if __name__ == "__main__":
    main()
