from django.apps import AppConfig


class OptimizationConfig(AppConfig):
    name = "optimization"
    verbose_name = "Inventory optimization and replenishment"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from accounts.audit import audited_fields
        from optimization.models import SuggestedOrder

        # Planners' edits and decisions; the plan's own figures are written by plan runs.
        auditlog.register(
            SuggestedOrder,
            include_fields=audited_fields(SuggestedOrder, exclude={"projection", "reason"}),
        )
