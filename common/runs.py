"""The kit for chunked, published runs (forecast runs, plan runs and any later kind)."""

from typing import Any


def job_name(task: Any) -> str:
    """The job a task belongs to: a chunk or publish step reports as its run's job."""
    return str(getattr(task, "job_name", None) or task.name)
