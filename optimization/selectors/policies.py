"""Read queries and derived figures of the optimization pages."""

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count, F, Q, QuerySet, Sum

from inventory.models import Site
from optimization.engine.lot_sizing import total_cost_curve
from optimization.engine.policy import (
    PolicyConfig,
    PolicyInputs,
    ServiceMatrix,
    ServiceTarget,
    compute_policies,
)
from optimization.models import (
    InventoryPolicy,
    PolicyRun,
    PolicySimulation,
)
from suppliers.models import SupplierItem
from suppliers.price_breaks import PriceBreaks, engine_arrays

POLICY_SORTS = {
    "code": ("sku__code", "site__code"),
    "site": ("site__code", "sku__code"),
    "demand": ("demand_mean",),
    "ss_value": ("ss_value",),
    "rop": ("reorder_point",),
    "quantity": ("order_quantity",),
    "fill": ("expected_fill_rate",),
}


@dataclass(frozen=True)
class PolicyFilters:
    q: str = ""
    site: Site | None = None
    abc: str = ""
    xyz: str = ""
    service_kind: str = ""
    lot_reason: str = ""
    sort: str = "code"
    descending: bool = False


def policies(filters: PolicyFilters) -> QuerySet[InventoryPolicy]:
    rows = InventoryPolicy.objects.select_related(
        "sku", "site", "supplier", "source_site"
    ).annotate(ss_value=F("safety_stock") * F("unit_price"))
    if filters.q:
        rows = rows.filter(Q(sku__code__icontains=filters.q) | Q(sku__name__icontains=filters.q))
    if filters.site is not None:
        rows = rows.filter(site=filters.site)
    for field, value in (
        ("abc_class", filters.abc),
        ("xyz_class", filters.xyz),
        ("service_kind", filters.service_kind),
        ("lot_reason", filters.lot_reason),
    ):
        if value:
            rows = rows.filter(**{field: value})
    order = POLICY_SORTS.get(filters.sort, POLICY_SORTS["code"])
    if filters.descending:
        order = tuple(f"-{term}" for term in order)
    return rows.order_by(*order)


def policies_in_full() -> QuerySet[InventoryPolicy]:
    """Policies with their SKU, site, supplier, source site and run, for a policy's own page."""
    return InventoryPolicy.objects.select_related("sku", "site", "supplier", "source_site", "run")


def fed_site_codes(policy: InventoryPolicy) -> list[str]:
    """The sites this SKU-site replenishes by transfer (their policies name it as source)."""
    return list(
        InventoryPolicy.objects.filter(sku_id=policy.sku_id, source_site_id=policy.site_id)
        .order_by("site__code")
        .values_list("site__code", flat=True)
    )


def policy_totals(rows: QuerySet[InventoryPolicy]) -> dict[str, Any]:
    return rows.aggregate(
        n=Count("pk"),
        ss_value=Sum(F("safety_stock") * F("unit_price")),
        cycle_value=Sum(F("order_quantity") * F("unit_price_paid") / 2),
        conflicts=Count("pk", filter=Q(lot_reason="shelf_life_conflict")),
        capped=Count("pk", filter=Q(lot_reason="shelf_life")),
    )


def current_policy_run() -> PolicyRun | None:
    return PolicyRun.objects.filter(status="succeeded").first()


def latest_simulation() -> PolicySimulation | None:
    """The latest policy backtest, whatever its state."""
    return PolicySimulation.objects.select_related("created_by").first()


def latest_simulation_with_results() -> PolicySimulation | None:
    """The latest backtest that finished with both policies' results to compare."""
    return PolicySimulation.objects.filter(status="succeeded", results__has_key="optimized").first()


def eoq_curve(policy: InventoryPolicy, points: int = 120) -> dict[str, Any]:
    """Annual cost parts against the order quantity, from a little above zero to well past the
    chosen quantity and every price break, for the EOQ chart."""
    item = (
        SupplierItem.objects.filter(supplier=policy.supplier, sku=policy.sku).first()
        if policy.supplier_id
        else None
    )
    quantities, prices = engine_arrays([item.price_schedule if item else PriceBreaks()])
    if quantities is not None and prices is not None:
        quantities, prices = quantities[0], prices[0]
    top = max(policy.order_quantity, policy.eoq, *(quantities if quantities is not None else []))
    grid = np.unique(
        np.concatenate(
            [
                np.linspace(max(top * 2.5 / points, 1.0), top * 2.5, points),
                [policy.order_quantity],
                quantities if quantities is not None else [],
            ]
        )
    )
    annual = policy.demand_mean * 365
    curve = total_cost_curve(
        grid,
        annual,
        policy.order_cost,
        policy.unit_price,
        policy.holding_rate,
        break_quantities=quantities,
        break_prices=prices,
    )
    chosen = float(curve["total"][np.searchsorted(curve["quantity"], policy.order_quantity)])
    return {
        "quantity": [round(float(q), 2) for q in curve["quantity"]],
        "total": [round(float(v), 2) for v in curve["total"]],
        "ordering": [round(float(v), 2) for v in curve["ordering"]],
        "holding": [round(float(v), 2) for v in curve["holding"]],
        "chosen": {"quantity": policy.order_quantity, "total": round(chosen, 2)},
        "cap": policy.shelf_life_cap,
        "breaks": [] if quantities is None else [float(q) for q in quantities],
    }


TRADEOFF_LEVELS = (0.80, 0.85, 0.90, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995)


def tradeoff_curve(policy: InventoryPolicy) -> dict[str, Any]:
    """Safety stock, expected fill rate and inventory value (safety stock + half an order, at
    the unit price) of this SKU-site's policy for a range of fill-rate targets, computed by the
    same engine as the stored policy, so the planner sees what each point of service costs."""
    levels = np.array(TRADEOFF_LEVELS)
    labels = [f"t{index}" for index in range(len(levels))]
    matrix = ServiceMatrix(
        {
            ("", "", label): ServiceTarget("fill_rate", float(level))
            for label, level in zip(labels, levels, strict=True)
        }
    )
    n = len(levels)
    inputs = PolicyInputs(
        demand_mean=np.full(n, policy.demand_mean),
        demand_error_std=policy.demand_error_std,
        lead_time_mean=policy.lead_time_mean,
        lead_time_std=policy.lead_time_std,
        review_period=policy.review_period,
        unit_price=policy.unit_price,
        order_cost=policy.order_cost,
        abc="",
        xyz="",
        criticality=np.array(labels),
        holding_rate=policy.holding_rate,
        moq=policy.moq,
        order_multiple=policy.order_multiple,
        remaining_life_days=(
            np.inf if policy.remaining_life_days is None else policy.remaining_life_days
        ),
        min_usable_life_days=policy.min_usable_life_days,
    )
    result = compute_policies(inputs, PolicyConfig(matrix=matrix))
    expected = result.expected_fill_rate
    value = (result.safety_stock + result.order_quantity / 2) * policy.unit_price
    return {
        "levels": [round(float(level) * 100, 1) for level in levels],
        "safety_stock": [round(float(v), 1) for v in result.safety_stock],
        "expected_fill_rate": [round(float(v) * 100, 2) for v in expected],
        "inventory_value": [round(float(v), 2) for v in value],
        "current": {
            "level": round(policy.service_level * 100, 1),
            "value": round(
                (policy.safety_stock + policy.order_quantity / 2) * policy.unit_price, 2
            ),
        },
    }


@dataclass(frozen=True)
class EchelonStage:
    site: Site
    depth: int
    processing_time: int
    demand_std: float
    pooled_std: float
    service_in: float
    service_out: float
    net_replenishment_time: float
    safety_stock: float
    single_safety_stock: float
    single_net_replenishment_time: float


def echelon_candidates(limit: int = 50) -> list[Any]:
    """SKUs with policies at the most sites, for the network page's picker."""
    from inventory.models import Sku

    counts = list(
        InventoryPolicy.objects.values("sku_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "sku_id")[:limit]
    )
    skus = Sku.objects.in_bulk([row["sku_id"] for row in counts])
    return [skus[row["sku_id"]] for row in counts]


def echelon_plan(sku: Any, *, service_level: float) -> dict[str, Any] | None:
    """Guaranteed-service safety stocks of one SKU over the whole site tree (every active site
    a stage, replenished from its parent with its transit days as processing time; the roots
    buy from the supplier with the policy's lead time as external service time; end-customer
    demand where the SKU has a policy, with its forecast-error deviation), beside the
    single-echelon plan where every site covers its own replenishment time."""
    from scipy.stats import norm

    from optimization.engine.multi_echelon import compare, network

    sites = list(Site.objects.filter(active=True).order_by("code"))
    if not sites:
        return None
    index: dict[int | None, int] = {site.pk: i for i, site in enumerate(sites)}
    policies_by_site = {
        policy.site_id: policy
        for policy in InventoryPolicy.objects.filter(sku=sku).select_related("run")
    }
    if not policies_by_site:
        return None
    parent = [index.get(site.replenished_from_id, -1) for site in sites]
    # End-customer demand only: a site that replenishes others has their demand in its policy
    # (echelon demand), which the model adds up itself along the tree.
    own_std = _own_error_std(sku, policies_by_site.values())
    demand_std = [own_std.get(site.pk, 0.0) for site in sites]
    bought = [p.lead_time_mean for p in policies_by_site.values() if p.source_site_id is None]
    lead_time = round(np.mean(bought or [p.lead_time_mean for p in policies_by_site.values()]))
    holding = float(sku.unit_cost) * float(next(iter(policies_by_site.values())).holding_rate)
    net = network(
        parent,
        [site.transit_days for site in sites],
        max(holding, 1e-6),
        demand_std,
        external_service_time=lead_time,
    )
    z = float(norm.ppf(service_level))
    result = compare(net, z=z)
    depth = []
    for i in range(len(sites)):
        level, up = 0, parent[i]
        while up >= 0:
            level, up = level + 1, parent[up]
        depth.append(level)
    guaranteed, single = result.guaranteed, result.single
    stages = [
        EchelonStage(
            site=site,
            depth=depth[i],
            processing_time=int(net.processing_time[0, i]),
            demand_std=float(net.demand_std[0, i]),
            pooled_std=float(net.pooled_std[0, i]),
            service_in=float(guaranteed.service_in[0, i]),
            service_out=float(guaranteed.service_out[0, i]),
            net_replenishment_time=float(guaranteed.net_replenishment_time[0, i]),
            safety_stock=float(guaranteed.safety_stock[0, i]),
            single_safety_stock=float(single.safety_stock[0, i]),
            single_net_replenishment_time=float(single.net_replenishment_time[0, i]),
        )
        for i, site in enumerate(sites)
    ]
    ordered = [stages[i] for i in net.order]  # parents first: reads as a tree
    return {
        "stages": _tree_order(ordered, parent, sites),
        "lead_time": lead_time,
        "z": z,
        "holding": holding,
        "guaranteed_units": float(guaranteed.safety_stock.sum()),
        "single_units": float(single.safety_stock.sum()),
        "guaranteed_cost": float(guaranteed.total_cost[0]),
        "single_cost": float(single.total_cost[0]),
        "saving": float(result.saving[0]),
        "saving_share": float(result.saving_share[0]),
    }


def _own_error_std(sku: Any, policies: Any) -> dict[int, float]:
    """Per site, the error deviation of the SKU's own forecast there: the policy's where the
    policy is sized on the site's own demand, else the forecast series the policies read."""
    feeding = set(
        InventoryPolicy.objects.filter(sku=sku, source_site__isnull=False).values_list(
            "source_site_id", flat=True
        )
    )
    own = {p.site_id: p.demand_error_std for p in policies if p.site_id not in feeding}
    if feeding:
        from forecasting.models import SeriesForecast

        run_ids = {p.run.forecast_run_id for p in policies if p.site_id in feeding}
        own.update(
            SeriesForecast.objects.filter(
                run_id__in=run_ids, sku=sku, site_id__in=feeding
            ).values_list("site_id", "error_std")
        )
        for site_id in feeding - set(own):
            own[site_id] = 0.0
    return own


def _tree_order(stages: list[EchelonStage], parent: list[int], sites: list[Site]) -> list:
    """Stages depth first (each site under the one that replenishes it)."""
    position = {stage.site.pk: stage for stage in stages}
    children: dict[int, list[int]] = {}
    for i, up in enumerate(parent):
        children.setdefault(up, []).append(i)
    ordered: list[EchelonStage] = []

    def visit(i: int) -> None:
        ordered.append(position[sites[i].pk])
        for child in children.get(i, []):
            visit(child)

    for root in children.get(-1, []):
        visit(root)
    return ordered
