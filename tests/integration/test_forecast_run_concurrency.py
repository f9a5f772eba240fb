"""Forecast runs on the real database and broker: one run at a time across processes, and a
run fanned out over chunks by a real Celery worker (chord on Redis, ChordCounter in the
database) that publishes once every chunk is in."""

import threading
import time
from datetime import date

import pytest
from celery import current_app
from django.db import connection
from django_celery_results.models import ChordCounter

from demo import generator as demo_data
from forecasting import selectors
from forecasting.models import ForecastRun, RunStatus, SeriesForecast
from forecasting.services import ForecastRunRefused, current_run, forecast_run_create
from forecasting.tasks import forecast_run

AS_OF = date(2026, 3, 1)


def demand(skus: int = 6) -> None:
    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=skus, days=150, sites=3, seed=8, today=AS_OF)
    )


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_starts_create_one_run(require_postgres, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each start pauses after finding no run under way, so without the advisory lock both
    would create a run (the test fails if the lock is removed)."""
    demand()
    read_keys = selectors.series_keys

    def read_then_pause(**kwargs):  # type: ignore[no-untyped-def]
        keys = read_keys(**kwargs)
        time.sleep(0.5)
        return keys

    monkeypatch.setattr(selectors, "series_keys", read_then_pause)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def create() -> None:
        try:
            start.wait()
            forecast_run_create(actor=None, as_of=AS_OF, history_days=120)
            outcomes.append("created")
        except ForecastRunRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["created", "refused"]
    assert ForecastRun.objects.count() == 1


@pytest.mark.redis
def test_a_real_worker_runs_every_chunk_and_publishes_the_run(worker_queue, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    demand(skus=9)
    run = forecast_run_create(actor=None, as_of=AS_OF, history_days=120, horizon=14, chunk_size=4)
    assert run.chunks_total == 3
    # The worker sends the chunks and the publish step with the same routing as production;
    # point this process's routes at the worker's private queue too.
    monkeypatch.setitem(
        current_app.conf, "task_routes", {"forecasting.tasks.*": {"queue": worker_queue}}
    )

    forecast_run.apply_async(args=[run.pk], queue=worker_queue)

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
            break
        time.sleep(0.5)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert current_run() == run
    assert SeriesForecast.objects.filter(run=run).count() == run.series_total == 9
    assert not ChordCounter.objects.exists()  # the chord finished and cleaned up
