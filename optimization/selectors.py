"""Read queries and derived figures of the optimization pages."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import Count, F, Q, QuerySet, Sum

from inventory.models import Site
from suppliers.models import SupplierItem

from .engine.lot_sizing import total_cost_curve
from .engine.policy import (
    PolicyConfig,
    PolicyInputs,
    ServiceMatrix,
    ServiceTarget,
    compute_policies,
)
from .engine.safety_stock import fill_rate
from .models import InventoryPolicy, PolicyRun

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
    rows = InventoryPolicy.objects.select_related("sku", "site", "supplier").annotate(
        ss_value=F("safety_stock") * F("unit_price")
    )
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


def _breaks(item: SupplierItem | None) -> tuple[np.ndarray | None, np.ndarray | None]:
    tiers = (item.price_breaks or []) if item else []
    if not tiers:
        return None, None
    quantities = np.array([float(tier["min_quantity"]) for tier in tiers])
    prices = np.array([float(Decimal(str(tier["unit_price"]))) for tier in tiers])
    return quantities, prices


def eoq_curve(policy: InventoryPolicy, points: int = 120) -> dict[str, Any]:
    """Annual cost parts against the order quantity, from a little above zero to well past the
    chosen quantity and every price break, for the EOQ chart."""
    item = (
        SupplierItem.objects.filter(supplier=policy.supplier, sku=policy.sku).first()
        if policy.supplier_id
        else None
    )
    quantities, prices = _breaks(item)
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
    chosen = float(
        total_cost_curve(
            np.array([policy.order_quantity]),
            annual,
            policy.order_cost,
            policy.unit_price,
            policy.holding_rate,
            break_quantities=quantities,
            break_prices=prices,
        )["total"][0]
    )
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
    quantity = np.maximum(result.order_quantity, 1e-9)
    expected = fill_rate(result.safety_factor, quantity, result.lead_time_demand_std)
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
