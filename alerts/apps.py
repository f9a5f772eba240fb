from django.apps import AppConfig


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
