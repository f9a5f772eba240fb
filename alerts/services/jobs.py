"""Failed background jobs, visible to admins: a task that fails for good (business error,
bug, or a transient error after its last retry) opens a high "job failed" alert, one per job
(task name; a run's chunks and publish step count as the run), updated while it keeps failing
and resolved by a person. Connected to Celery's task_failure signal in alerts.apps."""

import logging
from typing import Any

from django.db import close_old_connections, connection

from alerts.models import AlertKind, Severity
from alerts.services.alerts import Condition, alert_raise
from common.runs import job_name

logger = logging.getLogger(__name__)


def job_failed_condition(*, job: str, task_id: str, error: BaseException) -> Condition:
    described = f"{type(error).__name__}: {error}"
    return Condition(
        kind=AlertKind.JOB_FAILED,
        key=job,
        severity=Severity.HIGH,
        title=f"Background job {job} failed",
        message=f"{described[:1500]} (task {task_id}). It was not retried further; the "
        "previous result stays current. Check the worker log, fix the cause, then rerun.",
        detail={"job": job, "task_id": task_id, "error": described[:4000]},
        reference=job,
    )


def on_task_failure(
    sender: Any = None, task_id: str = "", exception: BaseException | None = None, **_: Any
) -> None:
    """Never raises: the alert is a report about a failure, not a second one."""
    if sender is None or exception is None:
        return
    job = job_name(sender)
    try:
        if not connection.in_atomic_block:  # (in-process jobs run inside the caller's)
            close_old_connections()  # the failure may have broken the connection itself
        alert_raise(job_failed_condition(job=job, task_id=task_id, error=exception))
    except Exception:
        logger.exception("Raising the job-failed alert for %s (task %s) failed", job, task_id)
