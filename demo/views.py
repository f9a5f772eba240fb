"""The business case's page: the latest finished case (demo.models.BusinessCase), its table
(demo.business_table) and its weekly series; the case is computed by `manage.py
business_case` or the demo.tasks.compute_business_case job, never by the page."""

from typing import Any

from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from demo.business_table import business_table, weekly_series
from demo.selectors import business_case_under_way, latest_business_case

COMMAND = (
    "DEBUG=1 .venv/bin/python manage.py business_case --skus 150 --sites 8 "
    "--days-history 730 --days 90 --seed 42"
)
CHARTED = ("fill_rate", "average_inventory_value", "expired_value", "stockout_rate")
CHARTS = (
    ("chart-fill-rate", "Fill rate per week"),
    ("chart-inventory", "Average inventory value per week"),
    ("chart-expired", "Expired value per week"),
    ("chart-stockouts", "Stock-out rate per week"),
)


def chart_data(textbook: dict[str, Any], optimized: dict[str, Any]) -> dict[str, Any]:
    """Weekly series of both arms for the charts: the weeks' first days and, per arm, the
    charted measures (rates as shares, money in the SKUs' currency)."""
    return {
        "weeks": [week["start"] for week in textbook.get("weekly", [])],
        "textbook": {key: weekly_series(textbook, key) for key in CHARTED},
        "optimized": {key: weekly_series(optimized, key) for key in CHARTED},
    }


class BusinessCaseView(CapabilityRequiredMixin, TemplateView):
    """Textbook against optimized on the same simulated world: the table with the achieved
    fill rates beside the stock figures, the run's seed, sizes, days and checksums, and the
    weekly charts; an empty state naming the command when no case has finished."""

    required_capability = Capability.VIEW_BUSINESS_CASE
    template_name = "demo/business_case.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = latest_business_case()
        context.update(
            case=case, under_way=business_case_under_way(), command=COMMAND, charts=CHARTS
        )
        if case is not None:
            textbook, optimized = case.textbook["measures"], case.optimized["measures"]
            context.update(
                table=business_table(textbook, optimized),
                chart=chart_data(textbook, optimized),
            )
        return context
