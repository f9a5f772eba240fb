"""The columns every background run keeps, declared once (abstract: common has no tables).

A run is a row a job writes as it works, so a page can poll it and the trail can say who
started it and why it failed. Each concrete run keeps its own status choices, check
constraint and help texts: those are part of its table."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ChunkedRunStatus(models.TextChoices):
    """The life of a chunked run (common.runs): created, running, then published or failed."""

    PENDING = "pending", "Waiting to start"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


def run_status_field(
    statuses: type[models.TextChoices], *, default: str
) -> "models.CharField[str, str]":
    """The status column of a run: the run kind's own choices and starting status."""
    return models.CharField(max_length=20, choices=statuses.choices, default=default)


class Run(models.Model):
    """Who started a run, when it ended, and why it failed (empty when it did not)."""

    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class ChunkedRun(Run):
    """A run computed chunk by chunk by Celery and published all at once (common.runs): it
    waits, runs from `started_at`, and ends published or failed at `finished_at`."""

    status = run_status_field(ChunkedRunStatus, default=ChunkedRunStatus.PENDING)
    parameters = models.JSONField(default=dict)
    chunks_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
