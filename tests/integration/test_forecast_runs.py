import math
from datetime import date, timedelta

import pytest

from demo import generator as demo_data
from forecasting import services
from forecasting.models import ForecastPublication, ForecastRun, RunStatus, SeriesForecast
from forecasting.services import ForecastRunRefused, current_run, forecast_run_start
from inventory.models import DailyDemand
from tests.factories import SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 1)


@pytest.fixture
def demand() -> int:
    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=12, days=150, sites=5, seed=4, today=AS_OF)
    )
    return DailyDemand.objects.values("sku_id", "site_id").distinct().count()  # series


def start(django_capture_on_commit_callbacks, **parameters):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        run = forecast_run_start(
            actor=None, as_of=AS_OF, history_days=120, horizon=30, **parameters
        )
    return ForecastRun.objects.get(pk=run.pk)


def test_a_run_forecasts_every_series_and_becomes_current(
    demand, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    run = start(django_capture_on_commit_callbacks, chunk_size=5)

    assert (run.status, run.chunks_total, run.series_total) == (
        RunStatus.SUCCEEDED,
        math.ceil(demand / 5),
        demand,
    )
    assert run.series_done == demand
    assert current_run() == run
    series = SeriesForecast.objects.filter(run=run).first()
    assert len(series.values) == len(series.upper_95) == 30
    assert all(
        low <= value <= high
        for low, value, high in zip(series.lower_80, series.values, series.upper_80, strict=True)
    )
    assert run.summary["mean_mase"] is not None and sum(run.summary["champions"].values()) == demand


def test_a_failing_chunk_fails_the_run_and_keeps_the_previous_one_current(
    demand, django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    first = start(django_capture_on_commit_callbacks, chunk_size=5)
    compute = services.forecast_chunk_compute

    def break_chunk_one(*, run_id: int, index: int) -> int:
        if index == 1:
            raise RuntimeError("worker lost its database connection")
        return compute(run_id=run_id, index=index)

    monkeypatch.setattr(services, "forecast_chunk_compute", break_chunk_one)

    with pytest.raises(RuntimeError):
        start(django_capture_on_commit_callbacks, chunk_size=5)

    failed = ForecastRun.objects.exclude(pk=first.pk).get()
    assert failed.status == RunStatus.FAILED
    assert "chunk 1" in failed.error
    assert current_run() == first


def test_a_chunk_computed_twice_leaves_no_duplicates(demand) -> None:  # type: ignore[no-untyped-def]
    run = services.forecast_run_create(
        actor=None, as_of=AS_OF, history_days=120, horizon=30, chunk_size=5
    )

    services.forecast_chunk_compute(run_id=run.pk, index=0)
    services.forecast_chunk_compute(run_id=run.pk, index=0)

    assert SeriesForecast.objects.filter(run=run).count() == 5


def test_publishing_an_incomplete_run_fails_it(demand) -> None:  # type: ignore[no-untyped-def]
    run = services.forecast_run_create(
        actor=None, as_of=AS_OF, history_days=120, horizon=30, chunk_size=5
    )
    services.forecast_chunk_compute(run_id=run.pk, index=0)

    published = services.forecast_run_publish(run_id=run.pk)

    assert published.status == RunStatus.FAILED
    assert f"Only 5 of {demand} series" in published.error
    assert not ForecastPublication.objects.exists()


def test_only_one_run_at_a_time(demand) -> None:  # type: ignore[no-untyped-def]
    services.forecast_run_create(actor=None, as_of=AS_OF, history_days=120)

    with pytest.raises(ForecastRunRefused, match="still under way"):
        services.forecast_run_create(actor=None, as_of=AS_OF, history_days=120)


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"horizon": 0}, "horizon"),
        ({"horizon": 400}, "horizon"),
        ({"history_days": 10}, "history_days"),
        ({"chunk_size": 0}, "chunk_size"),
    ],
)
def test_impossible_parameters_are_refused_naming_the_field(demand, parameters, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ForecastRunRefused) as refused:
        services.forecast_run_create(actor=None, as_of=AS_OF, **parameters)

    assert field in refused.value.fields
    assert not ForecastRun.objects.exists()


def test_demand_matrix_places_each_day_in_its_column(demand) -> None:  # type: ignore[no-untyped-def]
    from forecasting.selectors import demand_matrix, series_keys
    from inventory.models import DailyDemand

    keys = series_keys(as_of=AS_OF, history_days=30)
    matrix = demand_matrix(keys[:1], as_of=AS_OF, history_days=30)

    sku_id, site_id = keys[0]
    expected = list(
        DailyDemand.objects.filter(sku_id=sku_id, site_id=site_id, date__gte=date(2026, 1, 30))
        .order_by("date")
        .values_list("quantity", flat=True)
    )
    assert matrix[0].tolist() == expected


def test_nightly_run_is_skipped_while_another_is_under_way(demand) -> None:  # type: ignore[no-untyped-def]
    from forecasting.tasks import nightly_forecast_run

    services.forecast_run_create(actor=None, as_of=AS_OF, history_days=120)

    assert nightly_forecast_run.delay().get() is None
    assert ForecastRun.objects.count() == 1


def test_the_run_forecast_command_publishes_a_run_once_with_if_none_published() -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=5, days=150, sites=3, seed=4, today=timezone.localdate())
    )
    out = StringIO()

    call_command("run_forecast", "--if-none-published", "--horizon", "14", stdout=out)
    call_command("run_forecast", "--if-none-published", stdout=out)

    run = ForecastRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED and current_run() == run
    assert "A forecast is already published; nothing to do." in out.getvalue()


def test_rich_models_compete_only_for_the_chosen_abc_classes(
    demand, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from inventory.models import StockPosition

    positions = StockPosition.objects.order_by("sku_id", "site_id")
    chosen = set(positions.values_list("sku_id", "site_id")[:4])
    positions.update(abc_class="C")
    for sku_id, site_id in chosen:
        StockPosition.objects.filter(sku_id=sku_id, site_id=site_id).update(abc_class="A")

    run = start(
        django_capture_on_commit_callbacks, rich_methods=["statsmodels_ets"], rich_classes=["A"]
    )

    assert run.status == RunStatus.SUCCEEDED
    assert run.parameters["chunk_size"] == services.RICH_CHUNK_SIZE
    tried_on = set()
    for series in SeriesForecast.objects.filter(run=run):
        continuous = series.pattern in ("smooth", "erratic")
        if "statsmodels_ets" in series.candidates:
            assert series.candidates["statsmodels_ets"] is not None
            tried_on.add((series.sku_id, series.site_id))
        else:
            assert (series.sku_id, series.site_id) not in chosen or not continuous
    assert tried_on and tried_on <= chosen


def test_an_unknown_rich_model_is_refused_naming_the_field(demand) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ForecastRunRefused) as refused:
        services.forecast_run_create(actor=None, as_of=AS_OF, rich_methods=["neural_magic"])

    assert "rich_methods" in refused.value.fields
    assert not ForecastRun.objects.exists()


@pytest.fixture
def multi_site_demand() -> int:
    """6 SKUs each demanded at the same 5 sites: 30 series, whose chunks of 7 cut SKUs apart."""
    skus = [SkuFactory() for _ in range(6)]
    sites = [SiteFactory() for _ in range(5)]
    days = [AS_OF - timedelta(days=back) for back in range(1, 121)]
    DailyDemand.objects.bulk_create(
        DailyDemand(sku=sku, site=site, date=day, quantity=(sku.pk + site.pk + day.day) % 7)
        for sku in skus
        for site in sites
        for day in days
    )
    return len(skus) * len(sites)


def test_chunks_that_cut_a_skus_sites_apart_publish_every_series_in_any_order(
    multi_site_demand,
) -> None:  # type: ignore[no-untyped-def]
    run = services.forecast_run_create(
        actor=None, as_of=AS_OF, history_days=120, horizon=30, chunk_size=7
    )
    assert run.series_total == multi_site_demand == 30

    for index in reversed(range(run.chunks_total)):
        services.forecast_chunk_compute(run_id=run.pk, index=index)
    published = services.forecast_run_publish(run_id=run.pk)

    assert published.status == RunStatus.SUCCEEDED, published.error
    assert SeriesForecast.objects.filter(run=run).count() == 30


def test_a_chunk_computed_again_replaces_only_its_own_series(multi_site_demand) -> None:  # type: ignore[no-untyped-def]
    run = services.forecast_run_create(
        actor=None, as_of=AS_OF, history_days=120, horizon=30, chunk_size=7
    )
    for index in range(run.chunks_total):
        services.forecast_chunk_compute(run_id=run.pk, index=index)

    services.forecast_chunk_compute(run_id=run.pk, index=1)

    assert SeriesForecast.objects.filter(run=run).count() == 30
