"""Do the policies deliver their service targets? Forecast, size, simulate held-out demand.

    .venv/bin/python bench/optimization_policy_quality.py

Pure numpy engines, no database (Django is set up only to import the demo-data generator).
About 30 s on the 2-core machine (most of it the two sweeps).

Data: the demo demand, inventory.demo_data.demand_matrix(DemoConfig(skus=2000, days=730,
seed=42, today=date(2026, 11, 24))), one row per SKU-site. The last 180 days are held out.

1. Forecast: forecasting.engine.pipeline.run(y[:, :-180], EngineConfig(horizon=180), METHODS)
   on the history. Each series' demand d is its mean daily forecast over the protection period
   of daily review, L + 1 days (at least 7, as the policy refresh does), sigma_d its daily
   error_std. The forecast level error sigma_b (safety_stock's module docstring) comes from
   the champions' backtest errors: the mean square of their 28-day sums is 28 sigma_d^2 +
   28 * 27 sigma_b^2; with 4 overlapping origins per series that is too noisy per series, so
   the correlation rho = sigma_b^2 / sigma_d^2 is pooled per demand pattern, sigma_b =
   sqrt(rho) sigma_d.
2. Master data, seeded (numpy default_rng(SEED)): lead time L whole days uniform on 5 .. 40,
   CV uniform on 0.1 .. 0.4 (sigma_L = CV L), gamma lead times in the simulation; prices
   lognormal; order costs 25 .. 250; order multiples 1 .. 24 with MOQs of 1 .. 4 multiples; an
   all-units price break (3 % off from 5 MOQs) for 30 %; shelf life at receipt 108 .. 1040
   days, minimum usable life 30 / 60 / 90 days; criticality 15 / 30 / 40 / 15 % critical /
   high / medium / low; ABC by the last year's consumption value (inventory.rules.abc_classes),
   XYZ by the CV of the last 52 weeks (inventory.rules.xyz_class). Targets: the default
   service matrix.
3. Policies: optimization.engine.policy.compute_policies, the (s, nQ) policy reviewed daily:
   (b) as the policy refresh runs it (sigma_b = 0), (b') with the level error.
4. Simulation (optimization.engine.simulate): backorders, the policy's gamma lead times (one
   draw per order, seeded, the same draws for every policy), shelf lives with FEFO and
   write-offs (24 lot slots). Warm-up: the simulation starts 90 days before the hold-out, on
   the history's last days (simulated, not measured), with an initial lot of s + u Q (u
   uniform on (0, 1), seeded, the same for every policy) and nothing on order: the steady-state
   distribution of the inventory position of (s, nQ); after 90 days (more than the longest
   lead times drawn) the pipeline has the steady state's structure too. Only the 180 held-out
   days are measured. The policies are computed once, on the first held-out day, and held.

Printed: machine and timings. Per SKU-site with a fill-rate target, the achieved fill rate
against its target: the share with |achieved - target| <= 1.5 points, the share with achieved
>= target - 1.5 points, mean achieved and mean target, and the pooled fill rate (served /
demanded units), overall and by demand pattern; cycle-service targets; total average inventory
value, expired value and orders. The fill rate per 30-day block of the hold-out beside the
demand / forecast ratio. The same per-SKU-site measure where the demand model is exactly right
(independent gamma days with the policy's own d and sigma_d, 180 and 1,800 days): the sampling
noise of a per-SKU-site fill rate. Then the sweep: one fill-rate target for every SKU-site (85,
90, 95, 98, 99 %), achieved fill rate (pooled; mean per SKU-site; pooled over the first 60
days) and average inventory value of
  (a) the seed's textbook policy: s = d L + z sqrt(L) sigma, z = Phi^-1(target), sigma the
      standard deviation of raw daily demand over the history's last 365 days, plain EOQ
      (no MOQ, multiple, breaks or shelf-life cap; at least 1 unit); d the same forecast;
  (b) ours (compute_policies), (b') ours with the level error;
  (c) ours' reorder point for (a)'s plain EOQ (the reorder-point method alone);
on the same demand paths and lead-time draws (no shelf lives), and the inventory each needs for
the same achieved fill rate (linear along its sweep). Last, the same sweep where the demand
model is exactly right (900 days of independent gamma days; the textbook's sigma is sigma_d).
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

from forecasting.engine.methods import METHODS  # noqa: E402
from forecasting.engine.pipeline import EngineConfig, EngineResult, run  # noqa: E402
from inventory.demo_data import DemoConfig, demand_matrix  # noqa: E402
from inventory.rules import abc_classes, coefficient_of_variation, xyz_class  # noqa: E402
from optimization.engine.lot_sizing import economic_order_quantity  # noqa: E402
from optimization.engine.policy import (  # noqa: E402
    ABC_CLASSES,
    CRITICALITIES,
    UNCLASSIFIED,
    XYZ_CLASSES,
    Policies,
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
SWEEP = (0.85, 0.90, 0.95, 0.98, 0.99)
PATTERNS = ("smooth", "erratic", "intermittent", "lumpy")
Data = dict[str, np.ndarray]
Curves = dict[str, tuple[list[float], list[float]]]


@dataclass(frozen=True)
class Case:
    """What the policies are sized from and simulated on; arrays of shape (n,) or (n, days)."""

    paths: np.ndarray  # WARM_UP + measured days of demand
    demand: np.ndarray  # d, units per day
    error: np.ndarray  # sigma_d
    level: np.ndarray  # sigma_b (0: none)
    raw_std: np.ndarray  # the textbook's sigma
    pattern: np.ndarray  # demand pattern per series
    data: Data

    def inputs(self, *, with_level: bool = True) -> PolicyInputs:
        data = self.data
        return PolicyInputs(
            demand_mean=self.demand,
            demand_error_std=self.error,
            demand_level_error_std=self.level if with_level else 0.0,
            lead_time_mean=data["lead"],
            lead_time_std=data["lead_std"],
            review_period=REVIEW_PERIOD,
            unit_price=data["price"],
            order_cost=data["order_cost"],
            abc=data["abc"],
            xyz=data["xyz"],
            criticality=data["criticality"],
            holding_rate=HOLDING_RATE,
            moq=data["moq"],
            order_multiple=data["multiple"],
            break_quantities=data["break_quantities"],
            break_prices=data["break_prices"],
            remaining_life_days=data["shelf"],
            min_usable_life_days=data["min_usable"],
        )

    def simulate(
        self, point: np.ndarray, quantity: np.ndarray, cost: np.ndarray, *, shelf: bool = False
    ) -> SimulationResult:
        """(s, nQ) reviewed daily, the policy's lead times, the warm-up of the docstring."""
        return simulate(
            self.paths,
            Policy.s_q(point, quantity),
            LeadTime(self.data["lead"], self.data["lead_std"], "gamma"),
            unit_cost=cost,
            holding_rate=HOLDING_RATE,
            seed=SEED,
            shelf_life=self.data["shelf"] if shelf else np.inf,
            initial_on_hand=np.maximum(point, 0.0) + self.data["phase"] * quantity,
            warm_up=WARM_UP,
            backorders=True,
            lot_slots=LOT_SLOTS,
            trace=True,
        )


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
        "raw_std": year.std(axis=1),
        "phase": rng.random(n),
    }


def level_error(forecast: EngineResult) -> tuple[np.ndarray, dict[str, float]]:
    """sigma_b per series from the champions' backtest errors, the correlation pooled per
    demand pattern (see the docstring)."""
    errors = np.empty_like(next(iter(forecast.scores.values())).errors)
    for name, score in forecast.scores.items():
        rows = forecast.method == name
        errors[rows] = score.errors[rows]
    horizon = errors.shape[2]
    sum_square = np.nanmean(np.nansum(errors, axis=2) ** 2, axis=1)  # E[(H-day sum)^2]
    daily = forecast.error_std**2
    correlation = np.zeros(daily.size)
    pooled_rho = {}
    for pattern in np.unique(forecast.pattern):
        rows = forecast.pattern == pattern
        spread = daily[rows].sum()
        rho = (sum_square[rows].sum() / horizon - spread) / ((horizon - 1) * spread)
        pooled_rho[str(pattern)] = float(np.clip(rho, 0.0, 1.0)) if spread > 0 else 0.0
        correlation[rows] = pooled_rho[str(pattern)]
    return np.sqrt(correlation) * forecast.error_std, pooled_rho


def uniform_matrix(level: float) -> ServiceMatrix:
    target = ServiceTarget("fill_rate", level)
    keys = [(a, x, c) for a in ABC_CLASSES for x in XYZ_CLASSES for c in CRITICALITIES]
    keys += [(UNCLASSIFIED, UNCLASSIFIED, c) for c in CRITICALITIES]
    return ServiceMatrix(dict.fromkeys(keys, target))


def gamma_paths(demand: np.ndarray, error: np.ndarray, days: int, seed: int) -> np.ndarray:
    """Independent gamma days with mean d and standard deviation sigma_d: the demand the
    policies' model describes exactly (without a level error)."""
    mean, spread = np.maximum(demand, 1e-9), np.maximum(error, 1e-9)
    shape, scale = (mean / spread) ** 2, spread**2 / mean
    rng = np.random.default_rng(seed)
    return rng.gamma(shape[:, None], scale[:, None], (demand.size, days))


# --- measures --------------------------------------------------------------------------------


def pooled(result: SimulationResult, rows: np.ndarray | slice = slice(None)) -> float:
    return float(result.served_units[rows].sum() / result.demand_units[rows].sum())


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


def quality_table(title: str, result: SimulationResult, policies: Policies, case: Case) -> None:
    """Achieved against target per SKU-site with a fill-rate target and demand, by pattern."""
    target = policies.service_level
    rows = (policies.service_kind == "fill_rate") & (result.demand_units > 0)
    print(title)
    print(
        f"  {'pattern':12s} {'SKU-sites':>9s} {'|gap|<=1.5pp':>12s} {'>=target-1.5pp':>14s} "
        f"{'mean achieved':>13s} {'mean target':>11s} {'pooled':>7s}"
    )
    for name in ("all", *PATTERNS):
        pick = rows if name == "all" else rows & (case.pattern == name)
        if not pick.any():
            continue
        gap = result.fill_rate[pick] - target[pick]
        print(
            f"  {name:12s} {pick.sum():9,d} {np.mean(np.abs(gap) <= TOLERANCE):12.1%} "
            f"{np.mean(gap >= -TOLERANCE):14.1%} {result.fill_rate[pick].mean():13.4f} "
            f"{target[pick].mean():11.4f} {pooled(result, pick):7.4f}"
        )
    cycle = (policies.service_kind == "cycle_service") & (result.cycles > 0)
    if cycle.any():
        share = result.cycles_without_stockout[cycle].sum() / result.cycles[cycle].sum()
        print(
            f"  cycle-service targets ({cycle.sum()} SKU-sites with closed cycles): cycles "
            f"without a stock-out {share:.4f} vs target {target[cycle].mean():.4f}"
        )
    total = result.total
    print(
        f"  total: average inventory value {total.average_inventory_value:,.0f}, expired value "
        f"{total.expired_value:,.0f}, orders {total.orders:,}, lot merges {total.lot_merges}"
    )


def block_table(case: Case, runs: dict[str, tuple[SimulationResult, Policies]]) -> None:
    """Fill rate per 30-day block of the hold-out, with the demand / forecast ratio."""
    starts = range(0, HOLD_OUT, BLOCK)
    print(f"\nBy {BLOCK}-day block of the hold-out (the policies are computed once, on day 0):")
    print(f"  {'days':24s}" + " ".join(f"{b:>3d}-{b + BLOCK - 1:<3d}" for b in starts))
    measured = case.paths[:, WARM_UP:]
    ratio = [measured[:, b : b + BLOCK].sum() / (case.demand.sum() * BLOCK) for b in starts]
    print(f"  {'demand / forecast':24s}" + " ".join(f"{r:7.3f}" for r in ratio))
    for name, (result, policies) in runs.items():
        rows = (policies.service_kind == "fill_rate") & (result.demand_units > 0)
        for pattern in ("all", *PATTERNS):
            pick = rows if pattern == "all" else rows & (case.pattern == pattern)
            fills = block_fill(result, case.paths, pick)
            print(f"  {name + ' fill, ' + pattern:24s}" + " ".join(f"{f:7.4f}" for f in fills))
        print(f"  {name + ' mean target':24s}{policies.service_level[rows].mean():7.4f}")


def ceiling(policies: Policies, case: Case) -> None:
    """The per-SKU-site measure where the demand model is exactly right."""
    print(
        "\nThe per-SKU-site measure where the demand model is exactly right (independent gamma "
        "days with mean d and sd sigma_d; (b)'s policies):"
    )
    for days in (HOLD_OUT, 10 * HOLD_OUT):
        model = Case(
            gamma_paths(case.demand, case.error, WARM_UP + days, SEED + days),
            case.demand,
            case.error,
            np.zeros_like(case.level),
            case.error,
            case.pattern,
            case.data,
        )
        result = model.simulate(policies.reorder_point, policies.order_quantity, 1.0)
        rows = (policies.service_kind == "fill_rate") & (result.demand_units > 0)
        gap = result.fill_rate[rows] - policies.service_level[rows]
        print(
            f"  {days:5d} days: |gap| <= 1.5 pp {np.mean(np.abs(gap) <= TOLERANCE):6.1%}, "
            f">= target - 1.5 pp {np.mean(gap >= -TOLERANCE):6.1%}, mean achieved "
            f"{result.fill_rate[rows].mean():.4f} vs target "
            f"{policies.service_level[rows].mean():.4f}, pooled {pooled(result, rows):.4f}"
        )


# --- the sweep -------------------------------------------------------------------------------


def textbook(level: float, case: Case) -> tuple[np.ndarray, np.ndarray]:
    """The seed's policy: s = d L + z sqrt(L) sigma_raw and plain EOQ (at least 1 unit)."""
    lead, data = case.data["lead"], case.data
    point = case.demand * lead + special.ndtri(level) * np.sqrt(lead) * case.raw_std
    annual = case.demand * 365.0
    quantity = economic_order_quantity(annual, data["order_cost"], HOLDING_RATE * data["price"])
    return point, np.maximum(quantity, 1.0)


def sweep_policies(target: float, case: Case) -> dict[str, tuple[np.ndarray, ...]]:
    """(reorder point, order quantity, unit cost) per policy, one target everywhere."""
    point, quantity = textbook(target, case)
    config = PolicyConfig(matrix=uniform_matrix(target))
    ours = compute_policies(case.inputs(with_level=False), config)
    methods = {
        "(a) textbook": (point, quantity, case.data["price"]),
        "(b) ours": (ours.reorder_point, ours.order_quantity, ours.unit_price_paid),
    }
    if case.level.any():
        leveled = compute_policies(case.inputs(), config)
        methods["(b') + level error"] = (
            leveled.reorder_point,
            leveled.order_quantity,
            leveled.unit_price_paid,
        )
    plain = periodic_review_reorder_point(
        target,
        quantity,
        demand_mean=case.demand,
        demand_error_std=case.error,
        lead_time_mean=case.data["lead"],
        lead_time_std=case.data["lead_std"],
    )
    methods["(c) ours, plain EOQ"] = (plain, quantity, case.data["price"])
    return methods


def inventory_at(fill: list[float], value: list[float], wanted: float) -> float:
    """Inventory value at an achieved fill rate, linear along a sweep (NaN outside it)."""
    order = np.argsort(fill)
    xs, ys = np.asarray(fill)[order], np.asarray(value)[order]
    return float(np.interp(wanted, xs, ys)) if xs[0] <= wanted <= xs[-1] else float("nan")


def frontier(curves: Curves, measure: str) -> None:
    """Inventory each policy needs for the same achieved fill rate, at four common levels."""
    low = max(min(fill) for fill, _ in curves.values())
    high = min(max(fill) for fill, _ in curves.values())
    if low >= high:
        print(f"  (no common range of {measure} fill rates)")
        return
    print(f"  Inventory value for the same achieved {measure} fill rate (against (a)):")
    names = list(curves)
    for wanted in np.linspace(low, high, 4):
        values = [inventory_at(*curves[name], wanted) for name in names]
        cells = [f"(a) {values[0]:11,.0f}"] + [
            f"{name.split()[0]} {value:11,.0f} ({value / values[0] - 1:+5.1%})"
            for name, value in zip(names[1:], values[1:], strict=True)
        ]
        print(f"    {wanted:.4f}: " + "   ".join(cells))


def sweep(title: str, case: Case) -> None:
    asked = case.paths[:, WARM_UP:].sum(axis=1) > 0
    print(title)
    print(
        f"  {'policy':22s} {'target':>6s} {'pooled':>7s} {'mean':>7s} {'first 60 d':>10s} "
        f"{'inventory':>12s} {'orders':>7s}"
    )
    curves: Curves = {}
    early: Curves = {}
    lines: dict[str, list[str]] = {}
    for target in SWEEP:
        for name, (point, quantity, cost) in sweep_policies(target, case).items():
            result = case.simulate(point, quantity, cost)
            blocks = block_fill(result, case.paths, asked)
            first = (blocks[0] + blocks[1]) / 2.0
            value = result.total.average_inventory_value
            for store, fill in ((curves, pooled(result)), (early, first)):
                store.setdefault(name, ([], []))
                store[name][0].append(fill)
                store[name][1].append(value)
            lines.setdefault(name, []).append(
                f"  {name:22s} {target:6.2f} {pooled(result):7.4f} "
                f"{np.nanmean(result.fill_rate[asked]):7.4f} {first:10.4f} {value:12,.0f} "
                f"{result.total.orders:7,d}"
            )
    for rows in lines.values():
        print("\n".join(rows))
    frontier(curves, "pooled")
    frontier(early, "first-60-day")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skus", type=int, default=2000)
    args = parser.parse_args()
    print(machine())
    clock = time.perf_counter()

    started = time.perf_counter()
    demo = DemoConfig(skus=args.skus, days=730, seed=42, today=date(2026, 11, 24))
    y = demand_matrix(demo).astype(np.float64)
    history = y[:, :-HOLD_OUT]
    print(
        f"demand: {y.shape[0]:,} series x {y.shape[1]} days, {time.perf_counter() - started:.1f} s"
    )

    started = time.perf_counter()
    forecast = run(history, EngineConfig(horizon=HOLD_OUT), METHODS)
    level, rho = level_error(forecast)
    print(f"forecast on {history.shape[1]} days: {time.perf_counter() - started:.1f} s")
    print(
        "  forecast level-error correlation rho = sigma_b^2 / sigma_d^2 by pattern: "
        + ", ".join(f"{name} {value:.3f}" for name, value in rho.items())
    )
    data = master_data(history, np.random.default_rng(SEED))
    window = np.maximum(data["lead"] + 1, 7).astype(int)
    demand = np.cumsum(forecast.forecast, axis=1)[np.arange(y.shape[0]), window - 1] / window
    case = Case(
        y[:, -(HOLD_OUT + WARM_UP) :],
        demand,
        forecast.error_std,
        level,
        data["raw_std"],
        forecast.pattern,
        data,
    )

    started = time.perf_counter()
    ours = compute_policies(case.inputs(with_level=False))
    leveled = compute_policies(case.inputs())
    print(f"compute_policies, (b) and (b'): {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    runs = {
        "(b)": (
            case.simulate(
                ours.reorder_point, ours.order_quantity, ours.unit_price_paid, shelf=True
            ),
            ours,
        ),
        "(b')": (
            case.simulate(
                leveled.reorder_point, leveled.order_quantity, leveled.unit_price_paid, shelf=True
            ),
            leveled,
        ),
    }
    print(f"simulations, (b) and (b'): {time.perf_counter() - started:.2f} s")

    fill_rows = ours.service_kind == "fill_rate"
    lots_alone = fill_rows & (ours.expected_fill_rate > ours.service_level + TOLERANCE)
    print(
        f"\nDefault service matrix: {fill_rows.sum():,} SKU-sites with a fill-rate target, "
        f"{(~fill_rows).sum()} with a cycle-service target; for {lots_alone.sum()} the order "
        f"quantity alone (no safety stock) is expected to exceed the target by over 1.5 points"
    )
    quality_table("(b) Ours, as the policy refresh runs it (sigma_b = 0):", *runs["(b)"], case)
    quality_table("(b') Ours with the forecast level error:", *runs["(b')"], case)
    block_table(case, runs)
    ceiling(ours, case)

    started = time.perf_counter()
    sweep(
        "\nSweep on the held-out demand, one fill-rate target for every SKU-site (no shelf "
        "lives); fill rate pooled, mean per SKU-site, pooled over the first 60 days",
        case,
    )
    model = Case(
        gamma_paths(demand, case.error, WARM_UP + 5 * HOLD_OUT, SEED),
        demand,
        case.error,
        np.zeros_like(level),
        case.error,
        case.pattern,
        data,
    )
    sweep(
        f"\nThe same sweep where the demand model is exactly right ({5 * HOLD_OUT} days of "
        "independent gamma days with mean d and sd sigma_d; the textbook's sigma is sigma_d)",
        model,
    )
    elapsed = time.perf_counter() - clock
    print(f"sweeps: {time.perf_counter() - started:.1f} s; whole run {elapsed:.1f} s")


if __name__ == "__main__":
    main()
