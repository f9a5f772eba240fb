from typing import Any

from accounts.commands import AuditedCommand
from forecasting.services import lead_time_estimates_refresh


class Command(AuditedCommand):
    help = "Recompute the lead-time estimate of every supplier-SKU from its receipts."

    def handle(self, *args: Any, **options: Any) -> None:
        count = lead_time_estimates_refresh()
        self.stdout.write(f"{count} supplier-SKU lead-time estimates refreshed.")
