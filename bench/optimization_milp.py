"""Mixed-integer supplier ordering and stock deployment at network size, with each solver.

    .venv/bin/python bench/optimization_milp.py --lines 10000 --suppliers 8 --time-limit 60

Generates seeded, realistic inputs (no database) and prints figures:

1. ordering (`optimization.engine.ordering.plan_orders`): 8 suppliers x 10,000 suggested
   lines for a one-week period. Daily demand, unit costs and order multiples as in the demo
   data; suggested quantities cover 2-8 weeks of demand; holding cost 25 % a year of the unit
   cost for the week; pallets from 40-2,000 units a pallet; stock-out risk of deferring a line
   = expected units short in the week (a skewed urgency share of the week's demand) x a
   penalty of 0.5-5 x the unit cost by criticality; 4 % of the lines mandatory. Suppliers: an
   order cost of 100-500, trucks of 33 pallets at 600-1,500 each, minimum order values from
   5 % to 110 % of the value of the supplier's lines (so some suppliers are dropped or topped
   up); a budget of 80 % of the value of all lines (it binds on some seeds, not on all).
   Solved within the time limit for the whole call (requirement: within 60 s, printing the
   gap reached) to a relative gap of 0.1 % (`--gap`) by HiGHS and by CBC: model build time,
   solve time, status, objective, bound and gap, and the plan's figures.
2. deployment (`optimization.engine.deployment.plan_transfers`): 2,000 SKUs x 12 sites;
   each SKU has surplus stock (part of it expiring before use) at some sites and shortfalls
   at others; transfer costs from distances between the sites and the SKU's temperature zone.
   Solved by both solvers: arcs, build and solve time, transfers, units, value saved.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from optimization.engine.deployment import StockNeeds, StockOffers, plan_transfers
from optimization.engine.ordering import (
    OrderLines,
    SupplierTerms,
    highs_available,
    plan_orders,
)

WEEK = 7.0


def order_instance(n: int, suppliers: int, seed: int) -> tuple[OrderLines, SupplierTerms, float]:
    """Seeded suggested lines, supplier terms and a budget (see the module docstring)."""
    rng = np.random.default_rng(seed)
    share = rng.dirichlet(np.full(suppliers, 2.0))
    supplier = rng.choice(suppliers, n, p=share)
    demand = rng.lognormal(1.5, 1.3, n)  # units per day, median ~4.5
    price = rng.lognormal(3.5, 1.6, n)  # money per unit, median ~33
    multiple = rng.choice([1.0, 5.0, 10.0, 12.0, 24.0, 50.0], n)
    cover = rng.uniform(14.0, 56.0, n)  # days of demand the suggestion covers
    quantity = np.maximum(np.ceil(demand * cover / multiple), 1.0) * multiple
    units_per_pallet = np.exp(rng.uniform(np.log(40.0), np.log(2000.0), n))
    urgency = rng.beta(0.6, 2.5, n)  # share of the week's demand short if deferred
    penalty = price * rng.choice([0.5, 1.0, 2.0, 5.0], n, p=[0.3, 0.35, 0.28, 0.07])
    lines = OrderLines(
        supplier=supplier,
        quantity=quantity,
        unit_cost=price,
        holding_cost=price * 0.25 * WEEK / 365.0,
        stockout_cost=urgency * demand * WEEK * penalty,
        order_multiple=multiple,
        pallets_per_unit=1.0 / units_per_pallet,
        mandatory=rng.random(n) < 0.04,
        max_extra_multiples=2.0,
    )
    value = np.bincount(supplier, price * quantity, minlength=suppliers)
    terms = SupplierTerms(
        order_cost=rng.uniform(100.0, 500.0, suppliers),
        minimum_order_value=value * rng.uniform(0.05, 1.1, suppliers),
        truck_capacity=33.0,
        truck_cost=rng.uniform(600.0, 1500.0, suppliers),
    )
    return lines, terms, 0.8 * float(value.sum())


def bench_ordering(n: int, suppliers: int, seed: int, time_limit: float, gap: float) -> None:
    lines, terms, budget = order_instance(n, suppliers, seed)
    mandatory = int(np.sum(lines.mandatory))
    print(
        f"ordering: {n:,} lines x {suppliers} suppliers, {mandatory:,} mandatory, "
        f"budget {budget:,.0f} (80 % of the lines' value), time limit {time_limit:g} s, "
        f"relative gap target {gap:g}"
    )
    solvers = ["highs", "cbc"] if highs_available() else ["cbc"]
    for solver in solvers:
        start = time.perf_counter()
        plan = plan_orders(
            lines, terms, budget=budget, time_limit=time_limit, relative_gap=gap, solver=solver
        )
        total = time.perf_counter() - start
        print(
            f"  {solver:5s}: build {plan.build_seconds:.2f} s, solve {plan.solve_seconds:.2f} s, "
            f"total {total:.2f} s; status {plan.status}; objective {plan.objective:,.2f}; "
            f"bound {plan.bound:,.2f}; gap {plan.gap:.3%}"
        )
        topped = int((plan.decision == "topped_up").sum())
        print(
            f"         ordered {plan.ordered.sum():,} lines ({topped:,}"
            f" topped up), deferred {(~plan.ordered).sum():,}; suppliers used "
            f"{plan.supplier_used.sum()}/{suppliers}; trucks {plan.supplier_trucks.sum():.0f}; "
            f"spend {plan.spend:,.0f} of {budget:,.0f}"
        )
        print(
            f"         costs: ordering {plan.ordering_cost:,.0f}, transport "
            f"{plan.transport_cost:,.0f}, holding {plan.holding_cost:,.0f}, stock-out risk "
            f"{plan.stockout_cost:,.0f}"
        )


def deployment_instance(
    skus: int, sites: int, seed: int
) -> tuple[StockOffers, StockNeeds, np.ndarray]:
    """Seeded surplus and shortfall records for `skus` SKUs over `sites` sites, and the
    transfer cost per unit of each SKU between each pair of sites (shape (skus, sites, sites))."""
    rng = np.random.default_rng(seed)
    position = rng.uniform(0.0, 500.0, (sites, 2))  # km
    distance = np.linalg.norm(position[:, None, :] - position[None, :, :], axis=2)
    zone_factor = rng.choice([1.0, 2.0, 4.0], skus, p=[0.6, 0.3, 0.1])  # room, 2-8 C, frozen
    price = rng.lognormal(3.5, 1.6, skus)
    demand = rng.lognormal(1.0, 1.2, (skus, sites))  # units per day
    min_life = rng.choice([30.0, 60.0, 90.0], skus)
    offer_rows, need_rows = [], []
    for k in range(skus):
        order = rng.permutation(sites)
        n_surplus = rng.integers(1, 4)
        n_short = rng.integers(1, 5)
        for j in order[:n_surplus]:
            life = rng.uniform(20.0, 400.0)
            quantity = np.ceil(demand[k, j] * rng.uniform(5.0, 60.0))
            expiring = life < 120.0 and rng.random() < 0.7
            offer_rows.append((k, j, quantity, life, expiring, price[k]))
        for j in order[n_surplus : n_surplus + n_short]:
            short = np.ceil(demand[k, j] * rng.uniform(3.0, 30.0))
            need_rows.append((k, j, short, demand[k, j], min_life[k], price[k]))
    o = np.array(offer_rows, dtype=object)
    g = np.array(need_rows, dtype=object)
    offers = StockOffers(
        sku=o[:, 0].astype(np.int64),
        site=o[:, 1].astype(np.int64),
        quantity=o[:, 2].astype(float),
        remaining_life_days=o[:, 3].astype(float),
        expiring=o[:, 4].astype(bool),
        unit_value=o[:, 5].astype(float),
    )
    needs = StockNeeds(
        sku=g[:, 0].astype(np.int64),
        site=g[:, 1].astype(np.int64),
        quantity=g[:, 2].astype(float),
        daily_demand=g[:, 3].astype(float),
        min_remaining_life_days=g[:, 4].astype(float),
        unit_cost=g[:, 5].astype(float),
    )
    # Money per unit moved: 0.5 + 0.004 per km, times the temperature zone's factor.
    table = (0.5 + 0.004 * distance)[None, :, :] * zone_factor[:, None, None]
    return offers, needs, table


def bench_deployment(skus: int, sites: int, seed: int) -> None:
    offers, needs, table = deployment_instance(skus, sites, seed)

    def cost(sku: np.ndarray, source: np.ndarray, destination: np.ndarray) -> np.ndarray:
        return table[sku, source, destination]

    print(
        f"deployment: {skus:,} SKUs x {sites} sites, {offers.sku.size:,} surplus records "
        f"({int(np.sum(offers.expiring)):,} expiring), {needs.sku.size:,} shortfalls"
    )
    solvers = ["highs", "cbc"] if highs_available() else ["cbc"]
    for solver in solvers:
        start = time.perf_counter()
        plan = plan_transfers(offers, needs, cost, solver=solver)
        total = time.perf_counter() - start
        units = sum(t.quantity for t in plan.transfers)
        print(
            f"  {solver:5s}: {plan.arcs:,} candidate transfers, build {plan.build_seconds:.2f} s, "
            f"solve {plan.solve_seconds:.2f} s, total {total:.2f} s; status {plan.status}; "
            f"{len(plan.transfers):,} transfers, {units:,.0f} units; value saved "
            f"{plan.value_saved:,.0f} (purchases avoided {plan.purchases_avoided:,.0f} + expiry "
            f"avoided {plan.expiry_avoided:,.0f} - transfer cost {plan.transfer_cost:,.0f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--suppliers", type=int, default=8)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--gap", type=float, default=1e-3)
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--sites", type=int, default=12)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-deployment", action="store_true")
    args = parser.parse_args()
    bench_ordering(args.lines, args.suppliers, args.seed, args.time_limit, args.gap)
    if not args.skip_deployment:
        bench_deployment(args.skus, args.sites, args.seed)


if __name__ == "__main__":
    main()
