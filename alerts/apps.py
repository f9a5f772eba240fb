from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts and notifications"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from accounts.audit import audited_fields

        from .models import Alert, AlertComment, AlertSettings

        # Alerts' state changes (opened, acknowledged, assigned, resolved and why) and the
        # thresholds; last_seen_at moves on every evaluation and is left out.
        auditlog.register(Alert, include_fields=audited_fields(Alert, exclude={"last_seen_at"}))
        for model in (AlertComment, AlertSettings):
            auditlog.register(model, include_fields=audited_fields(model))
