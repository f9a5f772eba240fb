"""A multi-site forecast run whose chunks cut SKUs' sites apart, run by real workers on Redis
with its first chunk finishing last: every series is published (each chunk replaces exactly
its own series, so no chunk deletes a neighbour's)."""

import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery import current_app

from forecasting import services as forecasting
from forecasting.models import RunStatus, SeriesForecast
from forecasting.tasks import forecast_run
from inventory.models import DailyDemand
from tests.factories import SiteFactory, SkuFactory
from tests.integration.conftest import Workers
from tests.integration.test_forecast_runs import AS_OF
from tests.integration.test_killed_worker import finished, gate, started

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_multi_site_run_on_two_workers_publishes_every_series_whatever_the_order(
    workers: Workers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    skus = [SkuFactory() for _ in range(6)]
    sites = [SiteFactory() for _ in range(5)]
    DailyDemand.objects.bulk_create(
        DailyDemand(sku=sku, site=site, date=AS_OF - timedelta(days=back), quantity=back % 5)
        for sku in skus
        for site in sites
        for back in range(1, 121)
    )
    run = forecasting.forecast_run_create(
        actor=None, as_of=AS_OF, history_days=120, horizon=14, chunk_size=7
    )
    assert (run.series_total, run.chunks_total) == (30, 5)
    monkeypatch.setitem(
        current_app.conf, "task_routes", {"forecasting.tasks.*": {"queue": workers.queue}}
    )
    hold = gate(tmp_path, chunk=0)
    workers.start(env=hold)
    workers.start(env=hold)

    forecast_run.apply_async(args=[run.pk], queue=workers.queue)
    started(tmp_path, count=1)  # chunk 0 is held by one worker; the other runs the rest
    deadline = time.monotonic() + 60
    while SeriesForecast.objects.filter(run=run).count() < 23 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert SeriesForecast.objects.filter(run=run).count() == 23  # chunks 1-4: 30 - 7
    (tmp_path / "hold").unlink()

    def status() -> str:
        run.refresh_from_db()
        return run.status

    assert finished(status) == RunStatus.SUCCEEDED, run.error
    assert SeriesForecast.objects.filter(run=run).count() == 30
    assert forecasting.current_run() == run
