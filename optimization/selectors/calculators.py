"""One-off calculations for the calculator page and the API, on the same engine as the stored
policies: what-if figures for one SKU-site that write nothing."""

import math
from typing import Any

import numpy as np

from common.errors import DomainError
from optimization.engine.lot_sizing import lot_size, shelf_life_cap, total_cost_curve
from optimization.engine.policy import (
    PolicyConfig,
    PolicyInputs,
    ServiceMatrix,
    ServiceTarget,
    compute_policies,
)
from optimization.engine.types import EngineInputError
from suppliers.price_breaks import PriceBreaks, engine_arrays

DAYS_PER_YEAR = 365


class CalculationRefused(DomainError):
    code = "calculation_refused"


def _refused(error: EngineInputError) -> CalculationRefused:
    return CalculationRefused(str(error))


def _finite(result: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`result` when every number in it is finite; inputs so large that a figure overflows are
    refused rather than answered with infinity or NaN."""
    for key, value in result.items():
        if isinstance(value, dict):
            _finite(value, f"{prefix}{key}.")
        elif isinstance(value, float) and not math.isfinite(value):
            raise CalculationRefused(
                f"The inputs are too large: {prefix}{key} would not be a finite number."
            )
    return result


def eoq_calculation(
    *,
    annual_demand: float,
    order_cost: float,
    unit_price: float,
    holding_rate: float = 0.25,
    moq: float = 1,
    order_multiple: float = 1,
    price_breaks: list[dict[str, float]] | None = None,
    remaining_shelf_life_days: float | None = None,
    min_usable_life_days: float = 0,
) -> dict[str, Any]:
    """The order quantity and its annual cost: EOQ, then MOQ, multiple, all-units price breaks
    and the shelf-life cap (daily demand = annual demand / 365)."""
    quantities, prices = engine_arrays([PriceBreaks.from_stored(price_breaks)])
    try:
        cap = shelf_life_cap(
            annual_demand / DAYS_PER_YEAR,
            math.inf if remaining_shelf_life_days is None else remaining_shelf_life_days,
            min_usable_life_days,
        )
        sizes = lot_size(
            np.array([annual_demand]),
            order_cost,
            unit_price,
            holding_rate,
            moq=moq,
            order_multiple=order_multiple,
            break_quantities=quantities,
            break_prices=prices,
            cap=cap,
        )
        quantity = float(sizes.quantity[0])
        parts = total_cost_curve(
            np.array([max(quantity, 1e-9)]),
            annual_demand,
            order_cost,
            unit_price,
            holding_rate,
            break_quantities=None if quantities is None else quantities[0],
            break_prices=None if prices is None else prices[0],
        )
    except EngineInputError as error:
        raise _refused(error) from error
    return _finite(
        {
            "eoq": round(float(sizes.eoq[0]), 3),
            "order_quantity": quantity,
            "unit_price_paid": float(sizes.unit_price[0]),
            "reason": str(sizes.reason[0]),
            "shelf_life_cap": None if not np.isfinite(sizes.cap[0]) else float(sizes.cap[0]),
            "annual_cost": {
                key: round(float(parts[key][0]), 2)
                for key in ("purchase", "ordering", "holding", "total")
            },
            "orders_per_year": round(annual_demand / quantity, 2) if quantity else 0.0,
        }
    )


def safety_stock_calculation(
    *,
    demand_mean: float,
    demand_error_std: float,
    lead_time_mean: float,
    lead_time_std: float | None = None,
    service_kind: str = "fill_rate",
    service_level: float,
    order_quantity: float,
    review_period: float = 7,
) -> dict[str, Any]:
    """Safety stock, reorder point and expected fill rate of a daily-reviewed (s, Q) policy with
    order quantity Q, and the order-up-to level of a periodic (R, S) policy, for one service
    target; a missing lead-time deviation is imputed as the stored policies do."""
    try:
        target = ServiceTarget(service_kind, service_level)  # type: ignore[arg-type]
        # A fixed order quantity: MOQ = multiple = Q with no order cost makes lot sizing return Q.
        inputs = PolicyInputs(
            demand_mean=np.array([demand_mean], dtype=float),
            demand_error_std=demand_error_std,
            lead_time_mean=lead_time_mean,
            lead_time_std=math.nan if lead_time_std is None else lead_time_std,
            review_period=review_period,
            unit_price=1.0,
            order_cost=0.0,
            abc="",
            xyz="",
            criticality="target",
            moq=order_quantity,
            order_multiple=order_quantity,
        )
        policies = compute_policies(
            inputs, PolicyConfig(matrix=ServiceMatrix({("", "", "target"): target}))
        )
    except EngineInputError as error:
        raise _refused(error) from error
    return _finite(
        {
            "safety_stock": round(float(policies.safety_stock[0]), 3),
            "reorder_point": round(float(policies.reorder_point[0]), 3),
            "expected_fill_rate": round(float(policies.expected_fill_rate[0]), 5),
            "order_quantity": float(policies.order_quantity[0]),
            "lead_time_std_used": round(float(policies.lead_time_std[0]), 3),
            "lead_time_std_imputed": bool(policies.lead_time_imputed[0]),
            "periodic": {
                "review_period": review_period,
                "safety_stock": round(float(policies.safety_stock_periodic[0]), 3),
                "order_up_to": round(float(policies.order_up_to[0]), 3),
            },
        }
    )
