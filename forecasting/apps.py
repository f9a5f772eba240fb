from django.apps import AppConfig


class ForecastingConfig(AppConfig):
    name = "forecasting"
    verbose_name = "Demand forecasting"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from accounts.audit import audited_fields
        from forecasting.models import ForecastOverride

        # Runs and their results are computed and kept per run; a planner's override is a
        # decision, so every change to it is on the trail (statistical: a computed snapshot).
        auditlog.register(
            ForecastOverride, include_fields=audited_fields(ForecastOverride, {"statistical"})
        )
