import logging
from typing import Any

from django.apps import AppConfig

logger = logging.getLogger(__name__)

# The rules worth re-running at once after each event (the rest wait for the schedule).
AFTER_FORECAST = ["forecast_accuracy", "stockout_risk", "expiry_risk"]
AFTER_PLAN = ["stockout_risk", "below_safety_stock"]
AFTER_RECEIPT = ["po_late", "po_unacknowledged", "stockout_risk", "below_safety_stock"]


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts and notifications"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from accounts.audit import audited_fields
        from alerts.models import Alert, AlertComment, AlertSettings

        # Alerts' state changes (opened, acknowledged, assigned, resolved and why) and the
        # thresholds; last_seen_at moves on every evaluation and is left out.
        auditlog.register(Alert, include_fields=audited_fields(Alert, exclude={"last_seen_at"}))
        for model in (AlertComment, AlertSettings):
            auditlog.register(model, include_fields=audited_fields(model))

        from forecasting.signals import forecast_published
        from optimization.signals import plan_published
        from suppliers.signals import goods_received

        forecast_published.connect(_after_forecast, dispatch_uid="alerts.after_forecast")
        plan_published.connect(_after_plan, dispatch_uid="alerts.after_plan")
        goods_received.connect(_after_receipt, dispatch_uid="alerts.after_receipt")

        # Temperature excursions alert at once, in the transaction that stored the reading.
        from alerts.services.cold_chain import on_excursion_ended, on_excursion_started
        from inventory import signals as inventory_signals

        for event, receiver in (
            ("started", on_excursion_started),
            ("updated", on_excursion_started),
            ("ended", on_excursion_ended),
        ):
            signal = getattr(inventory_signals, f"temperature_excursion_{event}")
            signal.connect(receiver, dispatch_uid=f"alerts.excursion_{event}")

        # A background job that failed for good opens a "job failed" alert for the admins.
        from celery.signals import task_failure

        from alerts.services.jobs import on_task_failure

        task_failure.connect(on_task_failure, dispatch_uid="alerts.job_failed")

        # Sign-in lockouts open a "security" alert for the admins.
        from accounts.signals import account_locked_out
        from alerts.services.security import on_account_locked_out

        account_locked_out.connect(on_account_locked_out, dispatch_uid="alerts.locked_out")


def _evaluate_later(kinds: list[str]) -> None:
    """Queue an evaluation of `kinds` once the current transaction commits (at once when there
    is none): never inside the request's transaction."""
    from django.db import transaction

    transaction.on_commit(lambda: _enqueue(kinds))


def _enqueue(kinds: list[str]) -> None:
    """A failure to queue (or, without a broker, to evaluate) must not undo or fail the event
    that asked for it: the 15-minute schedule catches up."""
    from alerts.tasks import evaluate_alerts

    try:
        evaluate_alerts.delay(kinds)
    except Exception:
        logger.exception("Queueing the alert evaluation of %s failed", ", ".join(kinds))


def _after_forecast(sender: object, **kwargs: Any) -> None:
    _evaluate_later(AFTER_FORECAST)


def _after_plan(sender: object, **kwargs: Any) -> None:
    _evaluate_later(AFTER_PLAN)


def _after_receipt(sender: object, **kwargs: Any) -> None:
    _evaluate_later(AFTER_RECEIPT)
