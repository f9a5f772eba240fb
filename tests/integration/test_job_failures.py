"""Background jobs that fail: a dropped connection is retried a bounded number of times with
growing, jittered waits; a business error is not retried at all; a job that fails for good
opens one "job failed" alert for the admins (one per job, however often it fails), and a
failed forecast run keeps the previous run current."""

from datetime import date

import pytest
from celery import current_app
from celery.app import autoretry
from django.db import OperationalError

from alerts.models import Alert, AlertKind, Severity
from common.errors import DomainError
from config.celery import TRANSIENT_ERRORS
from demo import generator as demo_data
from forecasting import services
from forecasting.models import ForecastRun, RunStatus
from forecasting.services import current_run, forecast_run_start
from forecasting.tasks import FORECAST_JOB, refresh_lead_time_estimates

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 1)
JOB = "forecasting.tasks.refresh_lead_time_estimates"


@pytest.fixture(autouse=True)
def eager_like_a_worker(monkeypatch):  # type: ignore[no-untyped-def]
    """In-process tasks retry (celery re-applies them) only when errors are not propagated
    to the caller; a worker never propagates them."""
    monkeypatch.setitem(current_app.conf, "task_eager_propagates", False)


@pytest.fixture
def attempts(monkeypatch):  # type: ignore[no-untyped-def]
    """Make the nightly lead-time job fail as told; the attempts it made."""
    made: list[int] = []

    def fail_with(*errors: BaseException, then: int = 0) -> list[int]:
        def refresh() -> int:
            made.append(1)
            if len(made) <= len(errors):
                raise errors[len(made) - 1]
            return then

        monkeypatch.setattr(services, "lead_time_estimates_refresh", refresh)
        return made

    return fail_with


@pytest.fixture
def waits(monkeypatch):  # type: ignore[no-untyped-def]
    """The countdowns the retries asked for, with the ceiling each was drawn under."""
    asked: list[tuple[int, int]] = []
    interval = autoretry.get_exponential_backoff_interval

    def record(factor, retries, maximum, full_jitter=False):  # type: ignore[no-untyped-def]
        countdown = interval(factor, retries, maximum, full_jitter)
        asked.append((countdown, min(maximum, factor * 2**retries)))
        return countdown

    monkeypatch.setattr(autoretry, "get_exponential_backoff_interval", record)
    return asked


def job_alerts(job: str) -> list[Alert]:
    return list(Alert.objects.filter(kind=AlertKind.JOB_FAILED, key=job))


def test_a_dropped_connection_is_retried_five_times_with_backoff_then_fails(
    attempts, waits
) -> None:  # type: ignore[no-untyped-def]
    made = attempts(*[OperationalError("server closed the connection")] * 10)

    result = refresh_lead_time_estimates.apply()

    assert result.failed() and isinstance(result.result, OperationalError)
    assert len(made) == 1 + 5  # the first attempt and at most five retries
    # the five retries waited up to 5, 10, 20, 40, 80 s (celery also works out a sixth wait
    # before it finds the retries used up, so none is scheduled)
    assert [ceiling for _, ceiling in waits][:5] == [5, 10, 20, 40, 80]
    assert all(0 <= countdown <= ceiling for countdown, ceiling in waits)
    (alert,) = job_alerts(JOB)
    assert alert.severity == Severity.HIGH
    assert "OperationalError" in alert.message and JOB in alert.title


def test_a_connection_that_comes_back_succeeds_on_a_retry_without_an_alert(attempts) -> None:  # type: ignore[no-untyped-def]
    made = attempts(OperationalError("gone"), OperationalError("gone"), then=7)

    result = refresh_lead_time_estimates.apply()

    assert result.successful() and result.result == 7
    assert len(made) == 3
    assert job_alerts(JOB) == []


@pytest.mark.parametrize(
    "error", [DomainError("No supplier terms to estimate from."), ValueError("bad data")]
)
def test_a_business_error_or_a_bug_is_not_retried_and_alerts(attempts, error) -> None:  # type: ignore[no-untyped-def]
    made = attempts(error)

    result = refresh_lead_time_estimates.apply()

    assert result.failed() and len(made) == 1
    (alert,) = job_alerts(JOB)
    assert type(error).__name__ in alert.message


def test_a_job_that_keeps_failing_keeps_one_alert(attempts) -> None:  # type: ignore[no-untyped-def]
    attempts(ValueError("first"), ValueError("second"))

    refresh_lead_time_estimates.apply()
    refresh_lead_time_estimates.apply()

    (alert,) = job_alerts(JOB)
    assert "second" in alert.message


def test_every_task_retries_only_connection_errors_a_bounded_number_of_times() -> None:
    current_app.loader.import_default_modules()
    ours = [
        task
        for name, task in current_app.tasks.items()
        if not name.startswith("celery.") and hasattr(task, "_orig_run")
    ]
    assert len(ours) >= 15  # every task of the project got the retry behaviour
    for task in ours:
        assert set(task.autoretry_for) <= set(TRANSIENT_ERRORS), task.name
        assert 1 <= task.max_retries <= 5, task.name
        assert task.retry_backoff and task.retry_jitter, task.name
        assert task.retry_backoff_max <= 5 * 60, task.name
    assert not any(issubclass(DomainError, kind) for kind in TRANSIENT_ERRORS)


@pytest.fixture
def demand() -> None:
    demo_data.generate_demo_data(
        demo_data.DemoConfig(skus=6, days=150, sites=3, seed=4, today=AS_OF)
    )


def start_run(django_capture_on_commit_callbacks) -> ForecastRun:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        run = forecast_run_start(
            actor=None, as_of=AS_OF, history_days=120, horizon=14, chunk_size=4
        )
    return ForecastRun.objects.get(pk=run.pk)


def test_a_chunk_whose_connection_drops_briefly_is_retried_and_the_run_publishes(
    demand, django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    compute, dropped = services.forecast_chunk_compute, []

    def drop_once(*, run_id: int, index: int) -> int:
        if index == 1 and not dropped:
            dropped.append(index)
            raise OperationalError("connection reset")
        return compute(run_id=run_id, index=index)

    monkeypatch.setattr(services, "forecast_chunk_compute", drop_once)

    run = start_run(django_capture_on_commit_callbacks)

    assert dropped == [1]
    assert run.status == RunStatus.SUCCEEDED and current_run() == run
    assert job_alerts(FORECAST_JOB) == []


def test_a_chunk_failing_for_good_fails_the_run_and_alerts_once_as_the_run(
    demand, django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    first = start_run(django_capture_on_commit_callbacks)
    compute = services.forecast_chunk_compute

    def break_chunk_one(*, run_id: int, index: int) -> int:
        if index == 1:
            raise OperationalError("the database is gone")
        return compute(run_id=run_id, index=index)

    monkeypatch.setattr(services, "forecast_chunk_compute", break_chunk_one)

    start_run(django_capture_on_commit_callbacks)

    failed = ForecastRun.objects.exclude(pk=first.pk).get()
    assert failed.status == RunStatus.FAILED and failed.error.startswith("chunk 1:")
    assert current_run() == first
    (alert,) = job_alerts(FORECAST_JOB)
    assert alert.severity == Severity.HIGH and "the database is gone" in alert.message
