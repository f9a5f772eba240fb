"""Alert jobs: the evaluation of every rule (every 15 minutes, and as a step of the night in
optimization.nightly) and the evaluations the events that matter ask for."""

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


# The rules worth re-running at once after each event (the rest wait for the schedule).
RULES_AFTER = {
    "forecast_published": ["forecast_accuracy", "stockout_risk", "expiry_risk"],
    "plan_published": ["stockout_risk", "below_safety_stock"],
    "goods_received": ["po_late", "po_unacknowledged", "stockout_risk", "below_safety_stock"],
    "stock_counted": ["stockout_risk", "below_safety_stock", "expiry_risk"],
    "stock_dispensed": ["stockout_risk", "below_safety_stock"],
    "stock_transferred": ["stockout_risk", "below_safety_stock", "expiry_risk"],
    "lot_status_changed": ["stockout_risk", "below_safety_stock", "expiry_risk"],
}


@shared_task(name="alerts.tasks.evaluate_alerts_after")
def evaluate_alerts_after(event: str) -> dict[str, dict[str, int]]:
    """Evaluate the rules an event (a key of RULES_AFTER) may have changed. The apps where the
    events happen sit below alerts, so they ask for this task by its name, after commit."""
    return evaluate_alerts(RULES_AFTER[event])


@shared_task(name="alerts.tasks.notify_alert")
def notify_alert(alert_id: int) -> int:
    """E-mail a new alert to the users who want it (once), away from the request that raised
    it, so a slow mail server never holds up a sensor gateway or a page."""
    return notify(alert_id)
