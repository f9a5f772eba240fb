"""Alert jobs: the scheduled evaluation of every rule (django-celery-beat, every 15 minutes)
and the evaluations the events that matter ask for (alerts.apps)."""

from celery import shared_task

from alerts.services.alerts import notify
from alerts.services.evaluation import alerts_evaluate


@shared_task(name="alerts.tasks.evaluate_alerts")
def evaluate_alerts(kinds: list[str] | None = None) -> dict[str, dict[str, int]]:
    """Evaluate the rules of `kinds` (all when empty); idempotent, so a retry is harmless."""
    results = alerts_evaluate(kinds or None)
    return {
        kind: {"opened": len(r.opened), "updated": r.updated, "resolved": len(r.resolved)}
        for kind, r in results.items()
    }


@shared_task(name="alerts.tasks.notify_alert")
def notify_alert(alert_id: int) -> int:
    """E-mail a new alert to the users who want it (once), away from the request that raised
    it, so a slow mail server never holds up a sensor gateway or a page."""
    return notify(alert_id)
