"""Speed of the vectorised optimization engine on demo-like SKU-sites.

    .venv/bin/python bench/optimization_engine.py --skus 10000 --repeat 5

Generates seeded, demo-like inputs (no database): daily demand and forecast error, supplier
lead times (5 % without a measured standard deviation), weekly review, prices, order costs,
MOQs and order multiples, 1-3 all-units price breaks for 60 % of the SKU-sites, shelf lives
with the remaining life at receipt and the minimum usable life at the destination, ABC-XYZ
classes and criticality. Then:

1. times `compute_policies` (EOQ with MOQ, multiples, price breaks and the shelf-life cap;
   safety stock for the matrix's cycle-service and fill-rate targets; reorder point and
   order-up-to level) on all SKU-sites, best of `--repeat` runs (requirement: under 5 s for
   10,000 SKU-sites), and prints what decided the lot sizes and how the safety stock compares
   with the seed's z * sqrt(L) * sigma_d;
2. times the guaranteed-service model for every SKU on a 12-stage network (plant -> 2 DCs
   -> 3 warehouses -> 6 hospitals), all SKUs in one batch, and prints the saving against
   every stage holding stock for its own lead time.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from optimization.engine.multi_echelon import compare, network
from optimization.engine.policy import CRITICALITIES, PolicyInputs, compute_policies
from optimization.engine.safety_stock import cycle_service_factor


def demo_inputs(n: int, seed: int) -> PolicyInputs:
    rng = np.random.default_rng(seed)
    demand = rng.lognormal(1.5, 1.3, n)  # units per day, median ~4.5
    error = demand * rng.uniform(0.3, 1.2, n)
    lead = rng.choice([3.0, 5.0, 7.0, 10.0, 14.0, 21.0, 30.0, 45.0, 60.0], n)
    lead_std = np.where(rng.random(n) < 0.05, np.nan, lead * rng.uniform(0.0, 0.4, n))
    price = rng.lognormal(3.5, 1.6, n)
    value = demand * price
    rank = np.argsort(np.argsort(-value))
    share = np.cumsum(np.sort(value)[::-1])[rank] / value.sum()
    abc = np.where(share <= 0.8, "A", np.where(share <= 0.95, "B", "C"))
    xyz = rng.choice(["X", "Y", "Z"], n, p=[0.3, 0.4, 0.3])
    multiple = rng.choice([1.0, 5.0, 10.0, 12.0, 24.0, 50.0], n)
    moq = multiple * rng.integers(1, 20, n)
    breaks = rng.integers(0, 4, n) * (rng.random(n) < 0.6)
    break_quantities = np.full((n, 3), np.nan)
    break_prices = np.full((n, 3), np.nan)
    for k in range(3):
        present = breaks > k
        break_quantities[present, k] = moq[present] * (2.0 + 3.0 * k) * rng.uniform(1, 3)
        break_prices[present, k] = price[present] * (0.97 - 0.03 * k)
    shelf = rng.choice([180.0, 360.0, 720.0, 1080.0, 1800.0], n)
    return PolicyInputs(
        demand_mean=demand,
        demand_error_std=error,
        lead_time_mean=lead,
        lead_time_std=lead_std,
        review_period=7.0,
        unit_price=price,
        order_cost=rng.uniform(25.0, 250.0, n),
        abc=abc,
        xyz=xyz,
        criticality=rng.choice(np.array(CRITICALITIES), n, p=[0.3, 0.35, 0.28, 0.07]),
        holding_rate=0.25,
        moq=moq,
        order_multiple=multiple,
        break_quantities=break_quantities,
        break_prices=break_prices,
        remaining_life_days=shelf * rng.uniform(0.55, 0.95, n),
        min_usable_life_days=rng.choice([30.0, 60.0, 90.0], n),
    )


def bench_policies(n: int, repeat: int, seed: int) -> None:
    data = demo_inputs(n, seed)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        policies = compute_policies(data)
        timings.append(time.perf_counter() - started)
    best = min(timings)
    verdict = "pass" if best < 5.0 else "FAIL"
    print(
        f"policies for {n:,} SKU-sites: best {best:.3f} s of {repeat} "
        f"(median {np.median(timings):.3f} s; {best / n * 1e6:.1f} us per SKU-site): "
        f"{verdict} (budget 5 s)"
    )
    reasons, counts = np.unique(policies.lot_reason, return_counts=True)
    print(
        "lot size decided by: "
        + ", ".join(
            f"{r} {c:,}" for r, c in sorted(zip(reasons, counts, strict=True), key=lambda x: -x[1])
        )
    )
    kinds, counts = np.unique(policies.service_kind, return_counts=True)
    print("targets: " + ", ".join(f"{k} {c:,}" for k, c in zip(kinds, counts, strict=True)))
    print(f"lead-time std imputed: {policies.lead_time_imputed.sum():,}")
    seed_ss = (
        cycle_service_factor(0.95)[0] * np.sqrt(policies.lead_time_mean) * data.demand_error_std
    )
    full_ss = cycle_service_factor(0.95)[0] * policies.lead_time_demand_std
    ratio = full_ss / np.where(seed_ss > 0, seed_ss, np.nan)
    print(
        "95 % cycle-service SS with lead-time variability / seed's z sqrt(L) sigma_d: "
        f"median {np.nanmedian(ratio):.2f}, 90th percentile {np.nanpercentile(ratio, 90):.2f}"
    )
    held = (policies.order_quantity / 2 + policies.safety_stock) * policies.unit_price_paid
    print(
        "inventory value at the policies (cycle stock Q/2 + safety stock, continuous review): "
        f"{held.sum():,.0f}"
    )


def bench_network(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed + 1)
    # plant; DC 1, DC 2; warehouses under DC 1 (two) and DC 2 (one); two hospitals each.
    parent = [-1, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5, 5]
    hospital = np.arange(12) >= 6
    lead = np.column_stack(
        [
            rng.integers(10, 40, n),  # plant: production and release
            rng.integers(2, 8, (n, 2)),  # DCs
            rng.integers(1, 4, (n, 3)),  # warehouses
            rng.integers(1, 3, (n, 6)),  # hospitals
        ]
    )
    unit_cost = rng.lognormal(3.5, 1.6, (n, 1))
    added = np.array([0.5, 0.7, 0.7, 0.8, 0.8, 0.8, 1, 1, 1, 1, 1, 1])  # value added downstream
    holding = 0.25 * unit_cost * added
    sigma = np.where(hospital, rng.lognormal(0.5, 1.0, (n, 12)), 0.0)
    net = network(parent, lead, holding, sigma, external_service_time=rng.integers(0, 15, (n, 1)))
    started = time.perf_counter()
    comparison = compare(net, z=1.645)
    elapsed = time.perf_counter() - started
    saving = comparison.saving.sum() / comparison.single.total_cost.sum()
    print(
        f"guaranteed-service model, {n:,} SKUs x 12 stages in one batch: {elapsed:.2f} s; "
        f"safety-stock holding cost {comparison.guaranteed.total_cost.sum():,.0f} vs "
        f"{comparison.single.total_cost.sum():,.0f} single-echelon (saving {saving:.1%}; "
        f"median per SKU {np.median(comparison.saving_share):.1%})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skus", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    bench_policies(args.skus, args.repeat, args.seed)
    bench_network(args.skus, args.seed)


if __name__ == "__main__":
    main()
