import pytest
from rest_framework.test import APIClient

from accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(make_user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(make_user(Role.PLANNER))
    return client


def test_calculate_eoq_answers_the_textbook_price_break_case(api) -> None:  # type: ignore[no-untyped-def]
    """Heizer & Render's Wohl's Discount Store: order 1,000 at 4.80 for 24,725 a year."""
    body = api.post(
        "/api/v1/optimization/calculate-eoq",
        {
            "annual_demand": 5000,
            "order_cost": 49,
            "unit_price": 5,
            "holding_rate": 0.2,
            "price_breaks": [
                {"min_quantity": 1000, "unit_price": 4.8},
                {"min_quantity": 2000, "unit_price": 4.75},
            ],
        },
        format="json",
    ).json()

    assert (body["eoq"], body["order_quantity"], body["unit_price_paid"]) == (700, 1000, 4.8)
    assert body["reason"] == "price_break"
    assert body["annual_cost"]["total"] == 24725


def test_calculate_eoq_caps_the_order_at_the_shelf_life(api) -> None:  # type: ignore[no-untyped-def]
    body = api.post(
        "/api/v1/optimization/calculate-eoq",
        {
            "annual_demand": 3650,
            "order_cost": 500,
            "unit_price": 1,
            "remaining_shelf_life_days": 60,
            "min_usable_life_days": 30,
        },
        format="json",
    ).json()

    assert body["shelf_life_cap"] == 300  # 10 a day for the 30 usable days
    assert body["order_quantity"] == 300 and body["reason"] == "shelf_life"


@pytest.mark.parametrize(
    ("field", "value"),
    [("annual_demand", -1), ("unit_price", 0), ("order_cost", "lots"), ("holding_rate", None)],
)
def test_calculate_eoq_names_the_bad_field(api, field, value) -> None:  # type: ignore[no-untyped-def]
    data = {"annual_demand": 100, "order_cost": 10, "unit_price": 2, "holding_rate": 0.2}
    data[field] = value

    response = api.post("/api/v1/optimization/calculate-eoq", data, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_calculate_eoq_names_a_missing_field(api) -> None:  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/optimization/calculate-eoq", {"order_cost": 10}, format="json")

    assert response.status_code == 400
    assert {"annual_demand", "unit_price"} <= set(response.json()["error"]["fields"])


def test_safety_stock_meets_its_fill_rate_target(api) -> None:  # type: ignore[no-untyped-def]
    body = api.post(
        "/api/v1/optimization/safety-stock",
        {
            "demand_mean": 100,
            "demand_error_std": 30,
            "lead_time_mean": 5,
            "lead_time_std": 1,
            "service_level": 0.95,
            "order_quantity": 500,
        },
        format="json",
    ).json()

    assert body["expected_fill_rate"] == pytest.approx(0.95, abs=1e-3)
    assert body["reorder_point"] == pytest.approx(100 * 5 + body["safety_stock"])
    assert body["periodic"]["order_up_to"] > body["reorder_point"]


def test_safety_stock_grows_with_lead_time_variability(api) -> None:  # type: ignore[no-untyped-def]
    def safety(lead_time_std: float) -> float:
        return api.post(
            "/api/v1/optimization/safety-stock",
            {
                "demand_mean": 50,
                "demand_error_std": 10,
                "lead_time_mean": 10,
                "lead_time_std": lead_time_std,
                "service_kind": "cycle_service",
                "service_level": 0.98,
                "order_quantity": 300,
            },
            format="json",
        ).json()["safety_stock"]

    assert safety(0) < safety(2) < safety(5)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("demand_mean", -5),
        ("service_level", 1.0),
        ("service_level", 0),
        ("lead_time_mean", -1),
        ("order_quantity", 0),
        ("service_kind", "vibes"),
    ],
)
def test_safety_stock_names_the_bad_field(api, field, value) -> None:  # type: ignore[no-untyped-def]
    data = {
        "demand_mean": 10,
        "demand_error_std": 3,
        "lead_time_mean": 7,
        "service_level": 0.95,
        "order_quantity": 100,
    }
    data[field] = value

    response = api.post("/api/v1/optimization/safety-stock", data, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_suppliers_cannot_use_the_calculators(make_user) -> None:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(make_user(Role.SUPPLIER))

    response = client.post("/api/v1/optimization/calculate-eoq", {}, format="json")

    assert response.status_code == 403
