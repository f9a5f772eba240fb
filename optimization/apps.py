import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


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
        from forecasting.signals import forecast_published

        forecast_published.connect(
            _refresh_policies_after_forecast, dispatch_uid="optimization.refresh_policies"
        )


def _refresh_policies_after_forecast(sender: object, run: object, **kwargs: object) -> None:
    """Each published forecast gets fresh policies. A refresh that fails is recorded as a
    failed policy run; it must not undo or fail the forecast that was just published (jobs run
    in-process when there is no broker)."""
    from optimization.tasks import refresh_policies

    try:
        refresh_policies.delay()
    except Exception:
        logger.exception("Refreshing the policies after forecast run %s failed", run)
