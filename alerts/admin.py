from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin import AuditedModelAdmin, ReadOnlyAdmin
from alerts.models import Alert, AlertSettings

THRESHOLD_FIELDS = [
    "stockout_extra_days",
    "expiry_window_days",
    "expiry_min_value",
    "po_late_grace_days",
    "po_acknowledge_hours",
    "forecast_mase_ratio",
    "forecast_mase_floor",
]


@admin.register(AlertSettings)
class AlertSettingsAdmin(AuditedModelAdmin):
    """The one set of alert thresholds (the row named "default"), edited with a reason and on
    the audit trail; never added to or deleted. A change counts from the next evaluation."""

    list_display = ["name", *THRESHOLD_FIELDS, "updated_at"]
    fieldsets = [
        ("Stock", {"fields": ["stockout_extra_days"]}),
        ("Expiry", {"fields": ["expiry_window_days", "expiry_min_value"]}),
        ("Purchase orders", {"fields": ["po_late_grace_days", "po_acknowledge_hours"]}),
        ("Forecast accuracy", {"fields": ["forecast_mase_ratio", "forecast_mase_floor"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not AlertSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    """Alerts are opened and resolved by the rules and acted on in the inbox, never here."""

    list_display = ["first_seen_at", "severity", "kind", "title", "status", "assignee"]
    list_filter = ["status", "severity", "kind"]
    search_fields = ["title", "message", "reference", "key"]
    list_select_related = ["assignee"]
    date_hierarchy = "first_seen_at"
