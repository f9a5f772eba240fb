from datetime import date

import pytest
from django.utils import timezone

from accounts.roles import Role
from forecasting.models import ForecastRun, RunStatus
from inventory import demo_data

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
    assert f"Forecast run {run.pk} started for 8 series." in page
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
        "holt_winters",
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
