"""The Celery application. All settings are the CELERY_* names in config/settings; every beat
schedule is in config/schedules.py.

Every task's base class is `Task` below: DjangoTask's `delay_on_commit()` (work is enqueued
only once the transaction that asked for it has committed) plus bounded retries of the
errors that pass on their own (a database or broker connection dropped, a deadlock). A
business error (DomainError, IntegrityError, a bug) is never retried: it fails the task at
once, and alerts.services.jobs raises a "job failed" alert for the admins.
"""

import os

import redis.exceptions
from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from config.schedules import BEAT_SCHEDULE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
# Each worker process is one unit of parallelism; BLAS threads inside it only contend with
# the other processes (per-series statsmodels fits ran 4-5x slower with them on 2 cores).
# Set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

# Errors worth another attempt: the connection, not the work, failed.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,  # connection lost, server restarting, deadlock, serialization failure
    InterfaceError,  # connection already closed
    BrokerOperationalError,  # Redis unreachable while sending a chord part or a follow-up
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


class Task(DjangoTask):  # type: ignore[misc]
    """At most 5 retries, after about 5, 10, 20, 40 and 80 seconds (full jitter, so workers
    that failed together do not retry together), then the task fails for good."""

    autoretry_for = TRANSIENT_ERRORS
    max_retries = 5
    retry_backoff = 5
    retry_backoff_max = 5 * 60
    retry_jitter = True

    def will_retry(self, error: BaseException) -> bool:
        """Whether `error`, raised now, will be retried (so the job has not failed yet)."""
        retries: int = self.request.retries or 0
        return isinstance(error, self.autoretry_for) and retries < (self.max_retries or 0)


app = Celery("pharmastock", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = BEAT_SCHEDULE
app.autodiscover_tasks()
