"""Every public engine entry point refuses NaN, infinity and negative inputs with an
EngineInputError that names the input, never a crash and never a NaN answer; the calculator API
answers such inputs with a 400 naming the field."""

import math
from collections.abc import Callable

import numpy as np
import pytest

from forecasting.engine import pipeline
from forecasting.engine.types import EngineInputError as ForecastInputError
from optimization.engine import multi_echelon, safety_stock
from optimization.engine.deployment import plan_transfers
from optimization.engine.lot_sizing import lot_size
from optimization.engine.ordering import SupplierTerms, plan_orders
from optimization.engine.policy import compute_policies
from optimization.engine.replenishment import suggest_orders
from optimization.engine.simulate import LeadTime, Policy, simulate
from optimization.engine.types import EngineInputError
from tests.unit.test_forecast_pipeline import CONFIG, METHODS
from tests.unit.test_forecast_pipeline import demand as history
from tests.unit.test_optimization_deployment import FLAT, _needs, _offers
from tests.unit.test_optimization_ordering import _lines
from tests.unit.test_optimization_policy import inputs as policy_inputs
from tests.unit.test_optimization_replenishment import one as projection

BAD = {"nan": math.nan, "inf": math.inf, "negative": -1.0}


def _lot_size(**bad: float) -> object:
    values = {"annual_demand": 1000.0, "order_cost": 10.0, "unit_price": 1.0, "holding_rate": 0.5}
    return lot_size(**{**values, **bad})


def _policies(**bad: float) -> object:
    return compute_policies(policy_inputs(**{k: np.array([v, v]) for k, v in bad.items()}))


def _safety_stock(**bad: float) -> object:
    values = {"factor": 1.0, "sigma": 10.0, **bad}
    return safety_stock.safety_stock(values["factor"], values["sigma"])


def _service_factor(level: float) -> object:
    return safety_stock.cycle_service_factor(level)


def _simulate(**bad: float) -> object:
    demand = np.full((1, 30), 5.0)
    if "demand" in bad:
        demand[0, 3] = bad["demand"]
    lead = bad.get("lead_time", 2.0)
    policy = Policy(
        reorder_point=np.array([bad.get("reorder_point", 20.0)]),
        order_quantity=np.array([bad.get("order_quantity", 40.0)]),
    )
    return simulate(demand, policy, LeadTime(lead), unit_cost=1.0, holding_rate=0.25, seed=0)


def _suggest(**bad: float) -> object:
    if "demand" in bad:
        demand = np.full((1, 30), 10.0)
        demand[0, 4] = bad.pop("demand")
        bad["demand"] = demand  # type: ignore[assignment]
    return suggest_orders(
        projection(
            **{k: np.asarray(v).reshape(1, -1)[0] if k != "demand" else v for k, v in bad.items()}
        )
    )


def _transfers(**bad: float) -> object:
    offer = {k: v for k, v in bad.items() if k == "offered"}
    need = {k: v for k, v in bad.items() if k != "offered"}
    return plan_transfers(
        _offers(**({"quantity": offer["offered"]} if offer else {})), _needs(**need), FLAT
    )


def _orders(**bad: float) -> object:
    values = {
        "supplier": np.array([0]),
        "quantity": 8.0,
        "order_multiple": 2.0,
        "unit_cost": 100.0,
        "holding_cost": 1.0,
        "stockout_cost": 500.0,
    }
    return plan_orders(_lines(**{**values, **bad}), SupplierTerms(order_cost=50.0))


def _network(**bad: float) -> object:
    values: dict[str, object] = {
        "parent": [-1, 0],
        "processing_time": [2.0, 1.0],
        "holding_cost": [1.0, 2.0],
        "demand_std": [0.0, 1.0],
        "max_service_time": [math.inf, 0.0],
    }
    for name, value in bad.items():
        values[name] = [1.0, value]
    return multi_echelon.compare(multi_echelon.network(**values), z=1.0)  # type: ignore[arg-type]


def _forecast(**bad: float) -> object:
    y = history()
    y[1, 50] = bad.get("demand", 3.0)
    return pipeline.run(y, CONFIG, METHODS)


ENTRY_POINTS: dict[str, tuple[Callable[..., object], list[str]]] = {
    "lot_size": (_lot_size, ["annual_demand", "order_cost", "unit_price", "holding_rate"]),
    "compute_policies": (
        _policies,
        ["demand_mean", "demand_error_std", "lead_time_mean", "unit_price", "order_cost"],
    ),
    "safety_stock": (_safety_stock, ["sigma"]),
    "simulate": (_simulate, ["demand", "lead_time", "order_quantity"]),
    "suggest_orders": (_suggest, ["demand", "order_quantity", "lead_time_days"]),
    "plan_transfers": (_transfers, ["offered", "quantity", "daily_demand", "unit_cost"]),
    "plan_orders": (_orders, ["quantity", "unit_cost", "holding_cost", "stockout_cost"]),
    "multi_echelon": (_network, ["processing_time", "holding_cost", "demand_std"]),
    "forecast_run": (_forecast, ["demand"]),
}
CASES = [
    pytest.param(name, field, bad, id=f"{name}-{field}-{label}")
    for name, (_, fields) in ENTRY_POINTS.items()
    for field in fields
    for label, bad in BAD.items()
]


@pytest.mark.parametrize(("entry", "field", "bad"), CASES)
def test_engines_refuse_nan_infinity_and_negative_inputs(
    entry: str, field: str, bad: float
) -> None:
    call = ENTRY_POINTS[entry][0]

    with pytest.raises((EngineInputError, ForecastInputError)):
        call(**{field: bad})


@pytest.mark.parametrize("level", [math.nan, math.inf, -0.5, 1.5])
def test_service_factor_refuses_levels_outside_zero_and_one(level: float) -> None:
    with pytest.raises(EngineInputError):
        _service_factor(level)


def test_the_valid_baselines_work() -> None:
    """The baselines above are valid: only the bad value makes each call fail."""
    for call, _ in ENTRY_POINTS.values():
        call()


# ---- the calculator API ----------------------------------------------------------------------

EOQ = {"annual_demand": 1000, "order_cost": 50, "unit_price": 2}
SAFETY = {
    "demand_mean": 10,
    "demand_error_std": 3,
    "lead_time_mean": 7,
    "service_level": 0.95,
    "order_quantity": 100,
}


@pytest.fixture
def calculator(make_user):  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    from accounts.roles import Role

    api = APIClient()
    api.force_authenticate(make_user(Role.PLANNER))
    return api


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "-1", "1e400"])
@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/optimization/calculate-eoq", EOQ, "annual_demand"),
        ("/api/v1/optimization/calculate-eoq", EOQ, "unit_price"),
        ("/api/v1/optimization/safety-stock", SAFETY, "demand_mean"),
        ("/api/v1/optimization/safety-stock", SAFETY, "lead_time_mean"),
        ("/api/v1/optimization/safety-stock", SAFETY, "service_level"),
    ],
)
def test_calculator_api_refuses_bad_numbers_naming_the_field(  # type: ignore[no-untyped-def]
    calculator, url: str, body: dict, field: str, bad: str
) -> None:
    response = calculator.post(url, {**body, field: bad}, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "body"),
    [
        (
            "/api/v1/optimization/calculate-eoq",
            {**EOQ, "annual_demand": 1e308, "order_cost": 1e308},
        ),
        ("/api/v1/optimization/safety-stock", {**SAFETY, "demand_mean": 1e200}),
    ],
)
def test_calculator_api_refuses_inputs_whose_result_overflows(
    calculator, url: str, body: dict
) -> None:  # type: ignore[no-untyped-def]
    response = calculator.post(url, body, format="json")

    assert response.status_code == 400
    assert "finite" in response.json()["error"]["message"]
