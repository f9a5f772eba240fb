"""Read queries of the alerts app."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from accounts.models import AuditLogEntry, User
from accounts.roles import MATRIX, Capability, user_can
from alerts.models import ACTIVE_STATUSES, Alert, AlertKind, AlertStatus


def visible_alerts(user: Any) -> QuerySet:
    """The alerts `user` may see: all of them for operations users, except security alerts
    (lockouts and the like), which only user administrators see; none for anyone else."""
    if not user_can(user, Capability.VIEW_OPERATIONS):
        return Alert.objects.none()
    if not user_can(user, Capability.MANAGE_USERS):
        return Alert.objects.exclude(kind=AlertKind.SECURITY)
    return Alert.objects.all()


def active_counts_for(user: Any) -> dict[str, int]:
    """Active alerts by severity, for the navigation badge (empty for users who cannot see
    alerts)."""
    if not user_can(user, Capability.VIEW_OPERATIONS):
        return {}
    rows = (
        visible_alerts(user)
        .filter(status__in=ACTIVE_STATUSES)
        .values_list("severity")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


# ---- the inbox -------------------------------------------------------------------------------

INBOX_SORTS = {
    "severity": ["severity_rank", "-first_seen_at", "-pk"],
    "newest": ["-first_seen_at", "-pk"],
    "oldest": ["first_seen_at", "pk"],
    "last_seen": ["-last_seen_at", "-pk"],
}
ACTING_CAPABILITIES = (
    Capability.PLAN,
    Capability.QUALITY_DECISIONS,
    Capability.MANAGE_MASTER_DATA,
)


def user_can_act_on_alerts(user: Any) -> bool:
    """Who acknowledges, assigns, comments on and resolves alerts: planners, quality and
    admins. Viewers read the inbox only."""
    return any(user_can(user, capability) for capability in ACTING_CAPABILITIES)


@dataclass(frozen=True)
class InboxFilters:
    severity: str = ""
    kind: str = ""
    site_id: int | None = None
    assignee: str = ""  # "me", "unassigned" or "" (anyone)
    status: str = "active"  # "active", "resolved" or "all"
    q: str = ""
    sort: str = "severity"


def alerts_inbox(user: Any, filters: InboxFilters, *, with_severity: bool = True) -> QuerySet:
    """The alerts `user` may see (visible_alerts), filtered and sorted as the inbox asks."""
    rows = visible_alerts(user).select_related("sku", "site", "supplier", "assignee")
    if filters.status == "active":
        rows = rows.filter(status__in=ACTIVE_STATUSES)
    elif filters.status == "resolved":
        rows = rows.filter(status=AlertStatus.RESOLVED)
    if with_severity and filters.severity:
        rows = rows.filter(severity=filters.severity)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.site_id:
        rows = rows.filter(site_id=filters.site_id)
    if filters.assignee == "me":
        rows = rows.filter(assignee=user)
    elif filters.assignee == "unassigned":
        rows = rows.filter(assignee__isnull=True)
    if filters.q:
        rows = rows.filter(
            Q(title__icontains=filters.q)
            | Q(message__icontains=filters.q)
            | Q(reference__icontains=filters.q)
            | Q(sku__code__icontains=filters.q)
            | Q(supplier__name__icontains=filters.q)
        )
    return rows.order_by(*INBOX_SORTS.get(filters.sort, INBOX_SORTS["severity"]))


def inbox_severity_counts(user: Any, filters: InboxFilters) -> dict[str, int]:
    """Per severity, the alerts the other filters leave (so the counts say what a severity
    filter would show)."""
    rows = alerts_inbox(user, filters, with_severity=False)
    return dict(rows.order_by().values_list("severity").annotate(n=Count("pk")))


def alert_for(user: Any, pk: int) -> Alert | None:
    if not user_can(user, Capability.VIEW_OPERATIONS):
        return None
    return (
        visible_alerts(user)
        .select_related("sku", "site", "supplier", "assignee", "acknowledged_by", "resolved_by")
        .filter(pk=pk)
        .first()
    )


def operations_users() -> QuerySet:
    """Active users who can see alerts: the people an alert can be assigned to."""
    roles = [role.value for role in MATRIX[Capability.VIEW_OPERATIONS]]
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=roles) | Q(is_superuser=True))
        .distinct()
        .order_by("full_name", "username")
    )


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    what: str
    who: str = ""
    text: str = ""
    kind: str = "event"


def alert_timeline(alert: Alert) -> list[TimelineEvent]:
    """What happened to the alert, oldest first: opened and last seen by the rules, and from the
    audit trail every acknowledgement, assignment and resolution (an automatic one as
    "Condition cleared"), with the comments in between. Two queries."""
    events = [TimelineEvent(alert.first_seen_at, "Opened by the rules", kind="opened")]
    if alert.last_seen_at and alert.last_seen_at != alert.first_seen_at and alert.is_active:
        events.append(TimelineEvent(alert.last_seen_at, "Still holds (last seen)", kind="seen"))
    entries = list(
        AuditLogEntry.objects.get_for_object(alert)
        .select_related("actor")
        .filter(action=AuditLogEntry.Action.UPDATE)
        .order_by("timestamp", "pk")
    )
    user_ids = set()
    for entry in entries:
        for value in (entry.changes_dict or {}).get("assignee", [])[1:]:
            if value not in (None, "None", ""):
                user_ids.add(int(value))
    names = {user.pk: user.get_full_name() for user in User.objects.filter(pk__in=user_ids)}
    for entry in entries:
        changes = entry.changes_dict or {}
        who = entry.actor.get_full_name() if entry.actor else ""
        if "assignee" in changes:
            new = changes["assignee"][1]
            name = names.get(int(new)) if new not in (None, "None", "") else None
            what = f"Assigned to {name}" if name else "Unassigned"
            events.append(TimelineEvent(entry.timestamp, what, who, kind="assigned"))
        status = changes.get("status", [None, None])[1]
        if status == AlertStatus.ACKNOWLEDGED:
            events.append(TimelineEvent(entry.timestamp, "Acknowledged", who, kind="acknowledged"))
        elif status == AlertStatus.RESOLVED:
            if alert.auto_resolved:
                events.append(
                    TimelineEvent(entry.timestamp, "Resolved: condition cleared", kind="resolved")
                )
            else:
                events.append(
                    TimelineEvent(entry.timestamp, "Resolved", who, alert.resolution, "resolved")
                )
    for comment in alert.comments.select_related("author"):
        events.append(
            TimelineEvent(
                comment.created_at,
                "Comment",
                comment.author.get_full_name(),
                comment.body,
                kind="comment",
            )
        )
    resolved = alert.status == AlertStatus.RESOLVED
    if resolved and alert.resolved_at is not None and not any(e.kind == "resolved" for e in events):
        who = alert.resolved_by.get_full_name() if alert.resolved_by else ""
        what = "Resolved: condition cleared" if alert.auto_resolved else "Resolved"
        text = "" if alert.auto_resolved else alert.resolution
        events.append(TimelineEvent(alert.resolved_at, what, who, text, "resolved"))
    return sorted(events, key=lambda event: event.at)
