"""A worker killed in the middle of a run's chunk (SIGKILL: no shutdown, no acknowledgement)
loses nothing and publishes nothing half-done: the previous run stays current and the new
run is not published; the chunk's message, never acknowledged (acks_late), is delivered
again, and the run then publishes once, with no duplicate rows and no "job failed" alert.

Two ways a worker dies, one test each:
- the whole worker process is killed (machine lost, OOM killer, `kill -9`): the message stays
  in Redis's unacknowledged set and comes back after the visibility timeout (longer than any
  task, so a live task is never delivered twice); the test brings that moment forward by
  restoring the message as Redis would, then starts a fresh worker;
- the pool process running the chunk is killed: the worker sees the loss and, with
  reject_on_worker_lost, puts the message straight back on the queue.

The chunk is held at its start by the test-only gate in tests.integration.worker_app; the
test kills the worker while it waits there, after the run's earlier chunk has committed."""

import json
import os
import signal
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from celery import current_app
from django.db.models import Count
from django_celery_results.models import ChordCounter

from alerts.models import Alert, AlertKind
from demo import generator as demo_data
from forecasting import services as forecasting
from forecasting.models import ForecastPublication, ForecastRun, RunStatus, SeriesForecast
from forecasting.tasks import forecast_run
from optimization.models import PlanPublication, PlanRun, PlanRunStatus, SuggestedOrder
from optimization.services import plans
from optimization.tasks import plan_run
from tests.integration.conftest import Workers
from tests.integration.test_plan_runs import build_network

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

FINISHED = {"succeeded", "failed"}


def gate(folder: Path, *, chunk: int) -> dict[str, str]:
    (folder / "hold").touch()
    return {"PHARMASTOCK_TEST_CHUNK_GATE": str(folder), "PHARMASTOCK_TEST_HOLD_CHUNK": str(chunk)}


def started(folder: Path, *, count: int, timeout: float = 60) -> list[int]:
    """The processes that started the held chunk, once `count` of them have."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [int(path.name.split("-")[1]) for path in folder.glob("started-*")]
        if len(pids) >= count:
            return pids
        time.sleep(0.1)
    raise AssertionError(f"the held chunk did not start {count} time(s)")


def finished(refresh: Callable[[], str], timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (status := refresh()) in FINISHED:
            return status
        time.sleep(0.5)
    return refresh()


def redeliver_unacknowledged(queue: str) -> int:
    """What Redis does once the visibility timeout has passed, now: the messages of `queue`
    that a dead worker took but never acknowledged go back on the queue."""
    restored = 0
    with current_app.connection_for_write() as broker:
        channel = broker.default_channel
        for tag, raw in channel.client.hgetall(channel.unacked_key).items():
            _, exchange, routing_key = json.loads(raw)
            if queue in (exchange, routing_key):
                channel.qos.restore_by_tag(tag.decode())
                restored += 1
    return restored


def publish_now_plan() -> PlanRun:
    """A plan published in this process (the one that must stay current)."""
    run = plans.plan_run_create(actor=None, as_of=date(2026, 12, 1), chunk_skus=1)
    plans.plan_run_mark_running(run_id=run.pk)
    for index in range(run.chunks_total):
        plans.plan_chunk_compute(run_id=run.pk, index=index)
    return plans.plan_run_publish(run_id=run.pk)


def test_a_plan_run_survives_its_whole_worker_killed_mid_chunk(
    workers: Workers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_network()
    previous = publish_now_plan()
    assert previous.status == PlanRunStatus.SUCCEEDED
    orders_per_plan = SuggestedOrder.objects.filter(plan=previous).count()
    run = plans.plan_run_create(actor=None, as_of=date(2026, 12, 1), chunk_skus=1)
    assert run.chunks_total == 2
    monkeypatch.setitem(
        current_app.conf, "task_routes", {"optimization.tasks.*": {"queue": workers.queue}}
    )
    workers.start(env=gate(tmp_path, chunk=1))

    plan_run.apply_async(args=[run.pk], queue=workers.queue)
    (first,) = started(tmp_path, count=1)
    workers.kill()

    run.refresh_from_db()
    assert run.status == PlanRunStatus.RUNNING  # not published, not failed: interrupted
    assert run.chunks.count() == 1  # chunk 0 committed; chunk 1 was under way
    assert plans.current_plan() == previous
    assert PlanPublication.objects.count() == 1

    assert redeliver_unacknowledged(workers.queue) == 1
    workers.start(env=gate(tmp_path, chunk=1))
    (tmp_path / "hold").unlink()  # record the chunk's start, hold it no more

    def status() -> str:
        run.refresh_from_db()
        return run.status

    assert finished(status) == PlanRunStatus.SUCCEEDED, run.error
    assert len(set(started(tmp_path, count=2)) - {first}) == 1  # chunk 1 ran again, anew
    assert plans.current_plan() == run
    assert PlanPublication.objects.count() == 1
    assert run.chunks.count() == 2
    orders = SuggestedOrder.objects.filter(plan=run)
    assert orders.count() == orders_per_plan
    assert not orders.values("sku", "site").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert SuggestedOrder.objects.filter(plan=previous).count() == orders_per_plan
    assert not Alert.objects.filter(kind=AlertKind.JOB_FAILED).exists()


AS_OF = date(2026, 3, 1)


def publish_now_forecast() -> ForecastRun:
    run = forecasting.forecast_run_create(
        actor=None, as_of=AS_OF, history_days=120, horizon=14, chunk_size=4
    )
    forecasting.forecast_run_mark_running(run_id=run.pk)
    for index in range(run.chunks_total):
        forecasting.forecast_chunk_compute(run_id=run.pk, index=index)
    return forecasting.forecast_run_publish(run_id=run.pk)


def test_a_forecast_run_survives_the_process_running_its_chunk_killed(
    workers: Workers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=9, days=150, sites=3, seed=8, today=AS_OF)
    )
    previous = publish_now_forecast()
    assert previous.status == RunStatus.SUCCEEDED
    run = forecasting.forecast_run_create(
        actor=None, as_of=AS_OF, history_days=120, horizon=14, chunk_size=4
    )
    assert run.chunks_total == 3
    monkeypatch.setitem(
        current_app.conf, "task_routes", {"forecasting.tasks.*": {"queue": workers.queue}}
    )
    workers.start(pool="prefork", env=gate(tmp_path, chunk=1))

    forecast_run.apply_async(args=[run.pk], queue=workers.queue)
    (child,) = started(tmp_path, count=1)
    os.kill(child, signal.SIGKILL)

    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    assert forecasting.current_run() == previous
    assert ForecastPublication.objects.count() == 1

    assert len(set(started(tmp_path, count=2)) - {child}) == 1  # delivered again, anew
    (tmp_path / "hold").unlink()

    def status() -> str:
        run.refresh_from_db()
        return run.status

    assert finished(status) == RunStatus.SUCCEEDED, run.error
    assert forecasting.current_run() == run
    assert ForecastPublication.objects.count() == 1
    series = SeriesForecast.objects.filter(run=run)
    assert series.count() == run.series_total == 9
    assert not series.values("sku", "site").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert SeriesForecast.objects.filter(run=previous).count() == 9
    assert not ChordCounter.objects.exists()
    assert not Alert.objects.filter(kind=AlertKind.JOB_FAILED).exists()
