"""The overview's job: recompute the day's snapshot (nightly, after the alerts, and on demand).

The task keeps the name it was scheduled under before reporting became its own app, so the
stored schedule still finds it."""

from datetime import date

from celery import shared_task

from reporting.services import dashboard_snapshot_refresh


@shared_task(name="alerts.tasks.refresh_dashboard")
def refresh_dashboard(as_of: str | None = None) -> int:
    """Recompute the overview dashboard's snapshot (as of `as_of`, ISO date, or today); the
    day's snapshot is replaced, so a retry is harmless. Returns the snapshot's id."""
    return dashboard_snapshot_refresh(as_of=date.fromisoformat(as_of) if as_of else None).pk
