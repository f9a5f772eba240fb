from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from demo import generator as demo_data
from forecasting.models import ForecastOverride, ForecastRun, RunStatus
from inventory.models import DailyDemand

pytestmark = pytest.mark.django_db


@pytest.fixture
def demand() -> None:
    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=8, days=150, sites=5, seed=2, today=timezone.localdate())
    )


def test_planner_starts_a_run_and_sees_it_current(
    client, planner, demand, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/forecasting/runs/start/")

    run = ForecastRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    page = client.get("/forecasting/runs/").content.decode()
    series = DailyDemand.objects.values("sku_id", "site_id").distinct().count()
    assert f"Forecast run {run.pk} started for {series} series." in page
    assert f'{run.pk} <span class="badge text-bg-success">current</span>' in page


def test_viewers_see_runs_but_cannot_start_one(client, make_user, demand) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))

    assert 'data-testid="start-run"' not in client.get("/forecasting/runs/").content.decode()
    assert client.post("/forecasting/runs/start/").status_code == 403
    assert not ForecastRun.objects.exists()


def test_a_second_run_while_one_is_under_way_is_refused_with_a_message(client, planner) -> None:  # type: ignore[no-untyped-def]
    running = ForecastRun.objects.create(
        as_of=date(2026, 1, 1), engine_version="x", status=RunStatus.RUNNING
    )
    client.force_login(planner)

    page = client.post("/forecasting/runs/start/", follow=True).content.decode()

    assert f"Forecast run {running.pk} is still under way." in page


def test_progress_fragment_polls_until_the_run_ends(client, planner) -> None:  # type: ignore[no-untyped-def]
    run = ForecastRun.objects.create(
        as_of=date(2026, 1, 1), engine_version="x", status=RunStatus.RUNNING, series_total=10
    )
    client.force_login(planner)
    url = f"/forecasting/runs/{run.pk}/progress/"

    running = client.get(url, headers={"HX-Request": "true"})
    run.status = RunStatus.SUCCEEDED
    run.save()
    finished = client.get(url, headers={"HX-Request": "true"})

    assert running.status_code == 200 and 'hx-trigger="every 2s"' in running.content.decode()
    assert finished.status_code == 286


def test_the_run_list_shows_the_newest_run_first(client, planner) -> None:  # type: ignore[no-untyped-def]
    older, newer = (
        ForecastRun.objects.create(as_of=date(2026, 1, day), engine_version="x") for day in (1, 2)
    )
    client.force_login(planner)

    page = client.get("/forecasting/runs/").content.decode()

    assert page.index(f"/forecasting/runs/{newer.pk}/") < page.index(
        f"/forecasting/runs/{older.pk}/"
    )


@pytest.fixture
def published(demand):  # type: ignore[no-untyped-def]
    from forecasting.models import SeriesForecast
    from forecasting.services import (
        forecast_chunk_compute,
        forecast_run_create,
        forecast_run_publish,
    )

    run = forecast_run_create(actor=None, history_days=120, horizon=30)
    forecast_chunk_compute(run_id=run.pk, index=0)
    forecast_run_publish(run_id=run.pk)
    return SeriesForecast.objects.filter(run=run).select_related("sku", "site").first()


def test_series_page_shows_chart_method_and_every_candidate_score(
    client, planner, published
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    page = client.get(
        f"/forecasting/sku/{published.sku_id}/site/{published.site_id}/"
    ).content.decode()

    assert 'id="forecast-chart"' in page and 'id="forecast-data"' in page
    assert f"chosen method <strong>{published.method}</strong>" in page
    assert set(published.candidates) <= {
        "seasonal_naive",
        "moving_average",
        "ses",
        "holt",
        "damped_holt",
        "seasonal_es",
        "holt_winters",
        "damped_holt_winters",
        "croston",
        "sba",
        "tsb",
    }
    assert len(published.candidates) >= 4
    assert all(f"<td>{name}</td>" in page for name in published.candidates)


def test_series_page_without_a_forecast_says_so(client, planner, demand) -> None:  # type: ignore[no-untyped-def]
    from inventory.models import Site, Sku

    client.force_login(planner)
    sku, site = Sku.objects.first(), Site.objects.first()

    page = client.get(f"/forecasting/sku/{sku.pk}/site/{site.pk}/").content.decode()

    assert "No published forecast for this SKU at this site yet" in page


def test_sku_detail_links_to_the_forecast_of_each_site(client, planner, published) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    page = client.get(f"/inventory/sku/{published.sku_id}/").content.decode()

    assert f"/forecasting/sku/{published.sku_id}/site/{published.site_id}/" in page


def test_accuracy_page_summarises_the_current_run(client, make_user, published) -> None:  # type: ignore[no-untyped-def]
    from forecasting.models import SeriesForecast

    client.force_login(make_user(Role.VIEWER))
    worst = (
        SeriesForecast.objects.filter(run=published.run)
        .exclude(mase=None)
        .order_by("-mase")
        .first()
    )

    page = client.get("/forecasting/accuracy/").content.decode()

    assert 'id="mase-histogram"' in page and 'data-testid="by-pattern"' in page
    assert f"/forecasting/sku/{worst.sku_id}/site/{worst.site_id}/" in page


def test_accuracy_histogram_counts_every_series_once(published) -> None:  # type: ignore[no-untyped-def]
    from forecasting.models import SeriesForecast
    from forecasting.selectors import accuracy_overview

    overview = accuracy_overview(published.run)

    with_mase = SeriesForecast.objects.filter(run=published.run).exclude(mase=None).count()
    assert sum(overview["histogram"]["counts"]) == with_mase
    assert sum(row["n"] for row in overview["by_pattern"]) == overview["totals"]["n"]


def test_accuracy_page_without_a_run_says_so(client, planner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    assert (
        "No forecast has been published yet"
        in client.get("/forecasting/accuracy/").content.decode()
    )


@pytest.fixture
def overridable(db):  # type: ignore[no-untyped-def]
    from tests.factories import SiteFactory, SkuFactory, published_series

    sku, site = SkuFactory(), SiteFactory()
    published_series(sku, site, [10.0] * 30, as_of=timezone.localdate())
    return sku, site


def override_post(sku, site, **changes):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    data = {
        "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=6)).isoformat(),
        "kind": "percent",
        "value": "20",
        "reason": "Flu season starts early this year",
    } | changes
    return f"/forecasting/sku/{sku.pk}/site/{site.pk}/overrides/", data


def test_planner_saves_an_override_and_the_page_refreshes(client, planner, overridable) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)
    url, data = override_post(*overridable)

    response = client.post(url, data, HTTP_HX_REQUEST="true")

    assert response.headers["HX-Refresh"] == "true"
    saved = ForecastOverride.objects.get()
    assert (saved.kind, saved.value, saved.created_by) == ("percent", 20, planner)
    page = client.get(f"/forecasting/sku/{overridable[0].pk}/site/{overridable[1].pk}/").content
    assert b"Override saved: +20 %" in page
    assert b"Flu season starts early this year" in page
    assert b'data-testid="next-28-adjusted">294 units' in page  # 7 days at 12, 21 at 10


def test_an_override_without_a_reason_comes_back_with_the_message_and_saves_nothing(
    client, planner, overridable
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)
    url, data = override_post(*overridable, reason="")

    response = client.post(url, data, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert 'id="override-card"' in response.content.decode()
    assert "This field is required." in response.content.decode()
    assert not ForecastOverride.objects.exists()


def test_a_refused_override_without_htmx_shows_the_page_with_the_field_message(
    client, planner, overridable
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)
    yesterday = timezone.localdate() - timedelta(days=1)
    url, data = override_post(*overridable, start_date=yesterday.isoformat())

    response = client.post(url, data)

    assert response.status_code == 400
    assert "Past days cannot be changed" in response.content.decode()
    assert not ForecastOverride.objects.exists()


def test_viewers_see_overrides_but_cannot_make_one(client, make_user, overridable) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER))
    sku, site = overridable
    url, data = override_post(sku, site)

    page = client.get(f"/forecasting/sku/{sku.pk}/site/{site.pk}/").content.decode()

    assert 'data-testid="override-form"' not in page
    assert "No overrides for this SKU at this site." in page
    assert client.post(url, data).status_code == 403
    assert not ForecastOverride.objects.exists()


def test_planner_withdraws_an_override_with_a_reason(client, planner, overridable) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)
    url, data = override_post(*overridable)
    client.post(url, data)
    saved = ForecastOverride.objects.get()

    page = client.post(
        f"/forecasting/overrides/{saved.pk}/withdraw/", {"reason": "Tender cancelled"}, follow=True
    ).content.decode()

    saved.refresh_from_db()
    assert not saved.active and saved.withdraw_reason == "Tender cancelled"
    assert "Override withdrawn" in page


def test_the_forecast_page_lists_the_lead_time_of_each_supplier(
    client, planner, overridable
) -> None:  # type: ignore[no-untyped-def]
    from forecasting.models import LeadTimeEstimate
    from tests.factories import SupplierFactory

    sku, site = overridable
    LeadTimeEstimate.objects.create(
        supplier=SupplierFactory(code="SUP-LT"),
        sku=sku,
        observations=9,
        mean_days=21.5,
        std_days=3.2,
        trend_days_per_year=4.0,
        projected_mean_days=23.0,
        source="history",
        terms_mean_days=14,
        terms_std_days=2,
        computed_on=timezone.localdate(),
    )
    client.force_login(planner)

    page = client.get(f"/forecasting/sku/{sku.pk}/site/{site.pk}/").content.decode()

    assert 'data-testid="lead-times"' in page
    assert "SUP-LT" in page and "21.5" in page and "14.0 ± 2.0" in page


def test_planner_starts_a_run_with_per_series_models_for_a_and_b_items(
    client, planner, demand
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    client.post(
        "/forecasting/runs/start/", {"rich_methods": ["prophet"], "rich_classes": ["A", "B"]}
    )

    run = ForecastRun.objects.get()
    assert run.parameters["rich"]["methods"] == ["prophet"]
    assert run.parameters["rich"]["abc_classes"] == ["A", "B"]


def test_per_series_models_without_a_class_are_refused_with_a_message(
    client, planner, demand
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(planner)

    page = client.post(
        "/forecasting/runs/start/", {"rich_methods": ["sarimax"]}, follow=True
    ).content.decode()

    assert "Choose the ABC classes to try them on." in page
    assert not ForecastRun.objects.exists()
