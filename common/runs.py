"""The kit for chunked, published runs: forecast runs, plan runs and any later kind.

A run kind is a model (common.models.ChunkedRun), a service that creates a run (calling
`refuse_while_under_way` in its transaction: one run of a kind at a time), a service that
computes one chunk and one that publishes, and the three Celery tasks `chunked_run_tasks`
registers for it:

- start: mark the run running, then fan out one chunk task per chunk as a chord whose body
  publishes the run and then starts the continuation it was given (`then`: the next step of
  the night, or the follow-ups of a run a planner started);
- chunk: compute one chunk; computing it again (a retry) replaces its own rows;
- publish: make the run current in one transaction if every chunk succeeded, else mark it
  failed. A failed run raises `RunFailed`, so the job shows as failed (and alerts), the
  continuation does not start and the previous run stays current.

A dropped connection is retried (config.celery.Task) before the run is given up; an error
that will not be retried marks the run failed with its first cause. Every step reports as
the run's job (`job_name`), so one failure raises one alert.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any, TypeVar

from celery import Signature, chord, current_app, shared_task, signature
from django.db import connection, transaction
from django.utils import timezone

from common.errors import DomainError
from common.locks import advisory_xact_lock
from common.models import ChunkedRun, ChunkedRunStatus

logger = logging.getLogger(__name__)

UNDER_WAY = [ChunkedRunStatus.PENDING, ChunkedRunStatus.RUNNING]
FINISHED = [ChunkedRunStatus.SUCCEEDED, ChunkedRunStatus.FAILED]

Run = TypeVar("Run", bound=ChunkedRun)


class RunFailed(Exception):
    """The run ended failed: raised so the job shows as failed (and alerts) and whatever was
    to follow the run does not start."""


def job_name(task: Any) -> str:
    """The job a task belongs to: a chunk or publish step reports as its run's job."""
    return str(getattr(task, "job_name", None) or task.name)


def _label(model: type[ChunkedRun]) -> str:
    return str(model._meta.verbose_name).capitalize()


def refuse_while_under_way(
    model: type[ChunkedRun], *, lock: str, refused: type[DomainError]
) -> None:
    """In the transaction that creates a run: refuse while another run of `model` is under
    way. Two starts at the same moment would both find none; the advisory lock makes the
    second wait until the first has committed its run, then see it."""
    advisory_xact_lock(lock)
    busy = model.objects.select_for_update().filter(status__in=UNDER_WAY)
    under_way = busy.first()
    if under_way is not None:
        raise refused(f"{_label(model)} {under_way.pk} is still under way.")


def run_mark_running(model: type[Run], *, run_id: int) -> Run:
    """The run has started (a retried start finds it running already and changes nothing)."""
    model.objects.filter(pk=run_id, status=ChunkedRunStatus.PENDING).update(
        status=ChunkedRunStatus.RUNNING, started_at=timezone.now()
    )
    return model.objects.get(pk=run_id)


def run_fail(model: type[Run], *, run_id: int, error: str) -> Run:
    """Mark a run failed; the current publication does not change. The first cause is kept."""
    model.objects.filter(pk=run_id).exclude(status__in=FINISHED).update(
        status=ChunkedRunStatus.FAILED, error=error[:4000], finished_at=timezone.now()
    )
    return model.objects.get(pk=run_id)


@cache
def _register_every_task() -> None:
    # Celery imports the apps' task modules lazily, in workers only; a name must resolve in
    # the process that runs a task in-process too (the demo, the tests).
    current_app.loader.import_default_modules()


def task_by_name(name: str, *args: Any, **kwargs: Any) -> Signature:
    """The task called `name` with these arguments (results of earlier tasks are not passed
    on): how an app reaches work that an app above it does, which it may not import."""
    _register_every_task()
    return signature(name, args=args, kwargs=kwargs, immutable=True)


def then_start(then: dict[str, Any] | None) -> None:
    """Start the continuation a run or a nightly step was given, if any."""
    if then:
        signature(then).delay()


FollowUp = tuple[str, tuple[Any, ...]]

# The follow-ups collected by the innermost `follow_ups_collected` block, if one is running.
_collected: ContextVar[dict[FollowUp, None] | None] = ContextVar("follow_ups", default=None)


def follow_up_after_commit(task_name: str, *args: Any) -> None:
    """Queue the task called `task_name` once the current transaction commits (at once when
    there is none). Reached by name, so a lower app can ask for work an app above it does.
    Asked again with the same arguments in the same transaction (a recall quarantining lots at
    every site, a receipt of many rows), it is queued once; inside `follow_ups_collected`,
    once for the whole block. A failure to queue (or, without a broker, to run) is logged, not
    raised: the event that asked for it has happened, and the task's own schedule catches up."""
    key = (task_name, args)
    if any(getattr(entry[1], "follow_up_key", None) == key for entry in connection.run_on_commit):
        return

    # On commit: collected for the block under way, if any, else queued.
    transaction.on_commit(
        _keyed(key, lambda: _collect(key) or _queue_logging_failure(task_name, args))
    )


def _collect(key: FollowUp) -> bool:
    """Hand a committed follow-up to the `follow_ups_collected` block under way; False when
    there is none."""
    collected = _collected.get()
    if collected is None:
        return False
    collected[key] = None
    return True


@contextmanager
def follow_ups_collected() -> Iterator[None]:
    """Run many service calls as one batch of work: the follow-ups their commits ask for are
    collected, not queued, and each distinct one (task and arguments) is queued once when the
    block ends, in the order first asked. A day's receipts then have the stock alerts
    evaluated once after the last one rather than after each, with the same result, since an
    evaluation reads the state as it is when it runs. Only committed work asks: a call that
    rolled back leaves nothing to follow up. The follow-ups still run when the block ends on
    an error (the work committed before it has happened). Nested blocks collect into the
    outermost."""
    if _collected.get() is not None:
        yield
        return
    collected: dict[FollowUp, None] = {}
    token = _collected.set(collected)
    try:
        yield
    finally:
        _collected.reset(token)
        for task_name, args in collected:
            follow_up_after_commit(task_name, *args)


def _keyed(key: FollowUp, callback: Callable[[], None]) -> Callable[[], None]:
    callback.follow_up_key = key  # type: ignore[attr-defined]
    return callback


def _queue_logging_failure(task_name: str, args: tuple[Any, ...]) -> None:
    try:
        task_by_name(task_name, *args).apply_async()
    except Exception:
        logger.exception("Queueing %s%r failed", task_name, args)


def chunked_run_tasks(
    *,
    model: type[ChunkedRun],
    start_name: str,
    chunk_name: str,
    publish_name: str,
    nightly_name: str,
    create: Callable[[], ChunkedRun],
    refused: type[DomainError],
    compute_chunk: Callable[[int, int], int],
    publish: Callable[[int], ChunkedRun],
    chunk_soft_time_limit: int,
    chunk_time_limit: int,
) -> tuple[Any, Any, Any, Any]:
    """Register the start, chunk, publish and nightly tasks of a run kind under the names
    workers and stored schedules know (`start_name` is also the job every step reports as).

    `create()` records a run with the default parameters, or raises `refused` while another
    run is under way; `compute_chunk(run_id, index)` stores one chunk's results and returns
    how many; `publish(run_id)` publishes the run or marks it failed, in one transaction."""

    def fail(run_id: int, error: BaseException, where: str) -> None:
        run_fail(model, run_id=run_id, error=f"{where}: {type(error).__name__}: {error}")

    @shared_task(name=publish_name, job_name=start_name)
    def publish_task(run_id: int) -> str:
        run = publish(run_id)
        if run.status == ChunkedRunStatus.FAILED:
            raise RunFailed(f"{_label(model)} {run.pk} failed: {run.error}")
        return str(run.status)

    @shared_task(
        bind=True,
        name=chunk_name,
        job_name=start_name,
        soft_time_limit=chunk_soft_time_limit,
        time_limit=chunk_time_limit,
    )
    def chunk_task(self: Any, run_id: int, index: int) -> int:
        try:
            return compute_chunk(run_id, index)
        except Exception as error:
            if not self.will_retry(error):
                fail(run_id, error, f"chunk {index}")
            raise

    @shared_task(bind=True, name=start_name)
    def start_task(self: Any, run_id: int, then: dict[str, Any] | None = None) -> None:
        try:
            run = run_mark_running(model, run_id=run_id)
            if run.chunks_total == 0:
                publish_task(run_id)
                then_start(then)
                return
            body: Signature = publish_task.si(run_id)
            if then:
                body |= signature(then)
            chord(chunk_task.si(run_id, index) for index in range(run.chunks_total))(body)
        except Exception as error:
            if not self.will_retry(error):
                fail(run_id, error, "start")
            raise

    @shared_task(name=nightly_name)
    def nightly_task(then: dict[str, Any] | None = None) -> int | None:
        """The night's run (optimization.nightly); `then` starts once it is published. While
        another run is under way the night's is skipped (None) and `then` starts at once,
        with the current run."""
        try:
            run = create()
        except refused:
            then_start(then)
            return None
        start_task.delay(run.pk, then)
        return run.pk

    return start_task, chunk_task, publish_task, nightly_task
