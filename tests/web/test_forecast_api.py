from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from demo import generator as demo_data
from forecasting.models import SeriesForecast
from forecasting.services import forecast_chunk_compute, forecast_run_create, forecast_run_publish
from inventory.models import Sku

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 1)


@pytest.fixture
def api(make_user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(make_user(Role.PLANNER))
    return client


@pytest.fixture
def published() -> SeriesForecast:
    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=4, days=150, sites=5, seed=6, today=AS_OF)
    )
    run = forecast_run_create(actor=None, as_of=AS_OF, history_days=120, horizon=30)
    forecast_chunk_compute(run_id=run.pk, index=0)
    forecast_run_publish(run_id=run.pk)
    return SeriesForecast.objects.filter(run=run).first()


def test_returns_the_current_forecast_with_dates_and_intervals(api, published) -> None:  # type: ignore[no-untyped-def]
    body = api.get(f"/api/v1/forecast/demand/{published.sku_id}").json()

    [series] = body["series"]
    assert body["run"]["as_of"] == "2026-03-01"
    assert series["dates"][0] == "2026-03-01" and len(series["dates"]) == 30
    assert series["forecast"] == published.values
    assert series["upper_95"] == published.upper_95


def test_horizon_and_intervals_can_be_narrowed(api, published) -> None:  # type: ignore[no-untyped-def]
    body = api.get(
        f"/api/v1/forecast/demand/{published.sku_id}", {"horizon": 7, "intervals": "false"}
    ).json()

    [series] = body["series"]
    assert len(series["forecast"]) == len(series["dates"]) == 7
    assert "lower_80" not in series


def test_site_filter(api, published) -> None:  # type: ignore[no-untyped-def]
    body = api.get(
        f"/api/v1/forecast/demand/{published.sku_id}", {"site": published.site_id + 999}
    ).json()

    assert body["series"] == []


def test_invalid_horizon_names_the_field(api, published) -> None:  # type: ignore[no-untyped-def]
    response = api.get(f"/api/v1/forecast/demand/{published.sku_id}", {"horizon": -3})

    assert response.status_code == 400
    assert "horizon" in response.json()["error"]["fields"]


def test_unknown_sku_and_no_published_run_are_404_with_a_reason(api) -> None:  # type: ignore[no-untyped-def]
    assert api.get("/api/v1/forecast/demand/999999").json()["error"]["message"] == "No such SKU."
    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=2, days=60, sites=5, seed=1, today=AS_OF)
    )
    sku = Sku.objects.first()

    response = api.get(f"/api/v1/forecast/demand/{sku.pk}")

    assert response.status_code == 404
    assert "No forecast has been published yet" in response.json()["error"]["message"]


def test_suppliers_cannot_read_forecasts(make_user, published) -> None:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(make_user(Role.SUPPLIER))

    assert client.get(f"/api/v1/forecast/demand/{published.sku_id}").status_code == 403


def test_the_forecast_includes_planner_overrides_and_the_statistical_values(
    api, published, planner
) -> None:  # type: ignore[no-untyped-def]
    from decimal import Decimal

    from forecasting.services import forecast_override_create

    forecast_override_create(
        actor=planner,
        sku=published.sku,
        site=published.site,
        start_date=AS_OF,
        end_date=AS_OF,
        kind="units",
        value=Decimal("42"),
        reason="Clinic opening day",
        today=AS_OF,
    )

    body = api.get(f"/api/v1/forecast/demand/{published.sku_id}?site={published.site_id}").json()

    [series] = body["series"]
    assert series["forecast"][0] == 42
    assert series["forecast"][1:] == published.values[1:]
    assert series["statistical"] == published.values
