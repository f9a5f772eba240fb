"""Read queries of the alerts app."""

from typing import Any

from django.db.models import Count

from accounts.roles import Capability, user_can

from .models import ACTIVE_STATUSES, Alert


def active_counts_for(user: Any) -> dict[str, int]:
    """Active alerts by severity, for the navigation badge (empty for users who cannot see
    alerts)."""
    if not user_can(user, Capability.VIEW_OPERATIONS):
        return {}
    rows = (
        Alert.objects.filter(status__in=ACTIVE_STATUSES)
        .values_list("severity")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)
