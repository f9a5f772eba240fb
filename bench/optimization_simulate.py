"""Speed and calibration of the policy simulator (optimization.engine.simulate).

    .venv/bin/python bench/optimization_simulate.py --sku-sites 10000 --days 365 --repeat 3

Pure numpy, no database. Demand: a negative-binomial daily series per SKU-site with a weekday
pattern (means lognormal around 20 units a day, seed 42). Policies: (s, Q) with Q = 14 days of
demand and s = d L + 1.65 sqrt(L) sigma_d.

1. Speed (requirement: 10,000 SKU-sites x 365 days with lots and expiry in under 10 s on the
   2-core machine), best and median of `--repeat` runs:
   - lots and expiry: shelf life at receipt 20 .. 400 days, 12 lot slots, initial stock with
     half its life left, gamma lead times (mean 3 .. 20 days, cv 0.3), an emergency rule
     (net stock <= 0, 2 days, 7 days of demand), lost sales for a third of the SKU-sites;
   - the same without expiry (one lot slot);
   - plain: no expiry, fixed lead times, backorders, no emergency orders.
2. Calibration: 1,000 SKU-sites x 1,500 days of normal demand (d = 100, sigma_d = 30), lead
   time 5 days, Q = 500, fill-rate target 95 %, s sized three ways: the continuous-review
   formula (sigma_L, d L), the periodic one with R = 1 (sigma_{L+1}, d (L + 1)), and the exact
   (R, s, nQ) formula for daily review; and (R, S) with R = 7 sized by DOMAIN.md's formula.
   Prints the simulated fill rate and cycle service level of each.
"""

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from scipy import optimize, special, stats

from optimization.engine.simulate import (
    EmergencyRule,
    LeadTime,
    Policy,
    SimulationResult,
    simulate,
)

WEEKDAY = np.array([1.15, 1.1, 1.05, 1.1, 1.2, 0.8, 0.6])


def demand_paths(n: int, days: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Negative-binomial demand (n, days) with a weekday pattern, and the mean per SKU-site."""
    mean = rng.lognormal(np.log(20.0), 1.0, n)
    rate = mean[:, None] * WEEKDAY[np.arange(days) % 7] / WEEKDAY.mean()
    shape = 4.0  # variance = mean + mean^2 / shape
    return rng.poisson(rng.gamma(shape, rate / shape)).astype(np.float64), mean


def timed(repeat: int, run: Callable[[], SimulationResult]) -> tuple[list[float], SimulationResult]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return times, result


def speed(n: int, days: int, repeat: int, slots: int) -> None:
    rng = np.random.default_rng(42)
    y, mean = demand_paths(n, days, rng)
    lead = rng.integers(3, 21, n).astype(np.float64)
    sigma_d = np.sqrt(mean + mean**2 / 4.0)
    policy = Policy.s_q(
        mean * lead + 1.65 * np.sqrt(lead) * sigma_d, np.maximum(np.round(14 * mean), 1)
    )
    shelf = rng.integers(20, 401, n).astype(np.float64)
    common = {"unit_cost": rng.lognormal(3.0, 1.0, n), "holding_rate": 0.25, "seed": 7}
    cases = {
        "lots and expiry": lambda: simulate(
            y,
            policy,
            LeadTime(lead, 0.3 * lead),
            shelf_life=shelf,
            initial_life=np.ceil(shelf / 2),
            backorders=np.arange(n) % 3 != 0,
            emergency=EmergencyRule(level=0.0, lead_time=2, quantity=np.round(7 * mean)),
            lot_slots=slots,
            **common,
        ),
        "no expiry": lambda: simulate(
            y,
            policy,
            LeadTime(lead, 0.3 * lead),
            backorders=np.arange(n) % 3 != 0,
            emergency=EmergencyRule(level=0.0, lead_time=2, quantity=np.round(7 * mean)),
            **common,
        ),
        "plain": lambda: simulate(y, policy, LeadTime(lead), **common),
    }
    print(f"{n:,} SKU-sites x {days} days, best / median of {repeat} runs")
    for name, run in cases.items():
        times, result = timed(repeat, run)
        total = result.total
        print(
            f"  {name:16s} {min(times):6.2f} s / {statistics.median(times):6.2f} s   "
            f"fill rate {total.fill_rate:.3f}  CSL {total.cycle_service_level:.3f}  "
            f"stock-out rate {total.stockout_rate:.4f}  turnover {total.turnover:5.1f}  "
            f"expired {total.expired_value / max(total.cost_of_goods_issued_per_year, 1):.2%} "
            f"of COGS  orders {total.orders:,}  emergency {total.emergency_orders:,}  "
            f"lot merges {total.lot_merges}"
        )


def loss(k: float) -> float:
    return float(stats.norm.pdf(k) - k * special.ndtr(-k))


def second_loss(k: float) -> float:
    return float(0.5 * ((k * k + 1.0) * special.ndtr(-k) - k * stats.norm.pdf(k)))


def calibration() -> None:
    d, sd, lead, quantity, target, review = 100.0, 30.0, 5, 500.0, 0.95, 7
    rng = np.random.default_rng(2026)
    y = np.maximum(rng.normal(d, sd, (1000, 1500)), 0.0)

    def factor(sigma: float, per_cycle: float) -> float:
        return optimize.brentq(lambda k: sigma * loss(k) - (1 - target) * per_cycle, -6, 6)

    def integrated(days: int, s: float) -> float:
        mu, sigma = d * days, sd * np.sqrt(days)
        return sigma**2 * (second_loss((s - mu) / sigma) - second_loss((s + quantity - mu) / sigma))

    def exact_fill(s: float) -> float:
        return 1 - (integrated(lead + 1, s) - integrated(lead, s)) / quantity / d

    sigma_l, sigma_l1 = sd * np.sqrt(lead), sd * np.sqrt(lead + 1)
    rules = {
        "(s, Q): continuous formula, sigma_L, d L": d * lead + factor(sigma_l, quantity) * sigma_l,
        "(s, Q): periodic formula, R = 1": d * (lead + 1) + factor(sigma_l1, quantity) * sigma_l1,
        "(s, Q): exact (R, s, nQ), R = 1": optimize.brentq(
            lambda s: exact_fill(s) - target, 0, 3000
        ),
    }
    print(
        f"\nCalibration: 1,000 SKU-sites x 1,500 days (60 warm-up), normal demand d = {d:g}, "
        f"sigma_d = {sd:g}, L = {lead}, fill-rate target {target:.0%}"
    )
    common = {"unit_cost": 1.0, "holding_rate": 0.2, "seed": 0, "warm_up": 60}
    for name, s in rules.items():
        result = simulate(y, Policy.s_q(s, quantity), LeadTime(lead), **common)
        print(
            f"  {name:42s} s = {s:7.1f}   fill rate {result.total.fill_rate:.4f}   "
            f"CSL {result.total.cycle_service_level:.4f}   "
            f"average on hand {result.total.average_inventory_value / 1000:6.1f}"
        )
    sigma = sd * np.sqrt(lead + review)
    k = factor(sigma, d * review)
    order_up_to = d * (lead + review) + k * sigma
    result = simulate(y, Policy.r_s(review, order_up_to), LeadTime(lead), **common)
    print(
        f"  {'(R, S), R = 7: DOMAIN.md periodic formula':42s} S = {order_up_to:7.1f}   "
        f"fill rate {result.total.fill_rate:.4f}   CSL {result.total.cycle_service_level:.4f} "
        f"(Phi(k) = {stats.norm.cdf(k):.4f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sku-sites", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--slots", type=int, default=12)
    args = parser.parse_args()
    speed(args.sku_sites, args.days, args.repeat, args.slots)
    calibration()


if __name__ == "__main__":
    main()
