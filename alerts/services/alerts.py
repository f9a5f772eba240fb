"""Every write of the alerts app: keeping alerts in step with the rules' conditions, and what
people do with alerts (acknowledge, assign, comment, resolve).

Rules (alerts.rules) report the conditions that hold now, per kind. `alerts_sync` makes the
alerts match: a new condition opens an alert (critical ones are e-mailed once the
transaction commits), a lasting one updates its alert (never a second one: the database
allows one active alert per kind and key), and an alert whose condition is gone resolves
itself with the reason "Condition cleared" on the trail. `alert_raise` and `alert_clear` do
the same for one condition, for events that must alert at once (temperature readings)."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_context, audited_update
from accounts.models import User
from accounts.roles import Capability, user_can
from alerts.models import (
    ACTIVE_STATUSES,
    SEVERITY_RANK,
    Alert,
    AlertComment,
    AlertKind,
    AlertStatus,
    NotificationPreference,
    Severity,
)
from alerts.rules import Condition
from common.errors import DomainError, ReasonRequired

logger = logging.getLogger(__name__)
CLEARED = "Condition cleared"
COMMENT_MAX = 4000


class AlertRefused(DomainError):
    code = "alert_refused"


@dataclass
class SyncResult:
    opened: list[int] = field(default_factory=list)
    updated: int = 0
    resolved: list[int] = field(default_factory=list)


def _fields(condition: Condition) -> dict[str, Any]:
    return {
        "severity": condition.severity,
        "severity_rank": SEVERITY_RANK[Severity(condition.severity)],
        "title": condition.title[:250],
        "message": condition.message,
        "detail": condition.detail,
        "sku_id": condition.sku_id,
        "site_id": condition.site_id,
        "supplier_id": condition.supplier_id,
        "reference": condition.reference[:120],
    }


def _open(condition: Condition, now: datetime) -> Alert:
    alert = Alert.objects.create(
        kind=condition.kind,
        key=condition.key,
        first_seen_at=now,
        last_seen_at=now,
        **_fields(condition),
    )
    if alert.severity == Severity.CRITICAL:
        transaction.on_commit(lambda: _notify_later(alert.pk))
    return alert


def _update(alert: Alert, condition: Condition, now: datetime, *, save: bool = True) -> bool:
    """Bring `alert` in line with its lasting condition, seen at `now`. Returns whether any
    field besides the time last seen changed; when none did and `save` is false, the row is
    left for the caller to stamp in bulk (the trail skips the time last seen either way)."""
    changes = _fields(condition)
    changed = [name for name, value in changes.items() if getattr(alert, name) != value]
    for name in changed:
        setattr(alert, name, changes[name])
    alert.last_seen_at = now
    if changed or save:
        alert.save(update_fields=[*changed, "last_seen_at"])
    return bool(changed)


def _auto_resolve(alert: Alert, now: datetime) -> None:
    with audit_context(reason=CLEARED):
        alert.status = AlertStatus.RESOLVED
        alert.resolved_at = now
        alert.resolution = CLEARED
        alert.auto_resolved = True
        alert.save(update_fields=["status", "resolved_at", "resolution", "auto_resolved"])


def alerts_sync(
    kind: str, conditions: Iterable[Condition], *, now: datetime | None = None
) -> SyncResult:
    """Make the active alerts of `kind` match `conditions`, the whole set that holds now."""
    now = now or timezone.now()
    wanted = {condition.key: condition for condition in conditions if condition.kind == kind}
    result = SyncResult()
    with transaction.atomic(), audit_context(source=f"rules:{kind}"):
        active = {
            alert.key: alert
            for alert in Alert.objects.select_for_update().filter(
                kind=kind, status__in=ACTIVE_STATUSES
            )
        }
        unchanged = []
        for key, condition in wanted.items():
            if key in active:
                if not _update(active[key], condition, now, save=False):
                    unchanged.append(active[key].pk)
                result.updated += 1
            else:
                result.opened.append(_open(condition, now).pk)
        # Most lasting conditions are as they were: one statement stamps them all (the trail
        # leaves out the time last seen, so it gets no entry, as with one save each).
        audited_update(Alert.objects.filter(pk__in=unchanged), last_seen_at=now)
        for key, alert in active.items():
            if key not in wanted:
                _auto_resolve(alert, now)
                result.resolved.append(alert.pk)
    return result


def alert_raise(condition: Condition, *, now: datetime | None = None) -> Alert:
    """Open (or keep) the one active alert of a condition, at once."""
    now = now or timezone.now()
    with transaction.atomic(), audit_context(source=f"rules:{condition.kind}"):
        existing = (
            Alert.objects.select_for_update()
            .filter(kind=condition.kind, key=condition.key, status__in=ACTIVE_STATUSES)
            .first()
        )
        if existing is not None:
            _update(existing, condition, now)
            return existing
        try:
            with transaction.atomic():
                return _open(condition, now)
        except IntegrityError:  # opened by a concurrent reading: keep that one
            existing = Alert.objects.get(
                kind=condition.kind, key=condition.key, status__in=ACTIVE_STATUSES
            )
            _update(existing, condition, now)
            return existing


def alert_clear(kind: str, key: str, *, now: datetime | None = None) -> Alert | None:
    """Resolve the active alert of a condition that no longer holds, if there is one."""
    now = now or timezone.now()
    with transaction.atomic(), audit_context(source=f"rules:{kind}"):
        alert = (
            Alert.objects.select_for_update()
            .filter(kind=kind, key=key, status__in=ACTIVE_STATUSES)
            .first()
        )
        if alert is not None:
            _auto_resolve(alert, now)
        return alert


# ---- people ---------------------------------------------------------------------------------


def _locked(alert_id: int) -> Alert:
    try:
        return Alert.objects.select_for_update(of=("self",)).get(pk=alert_id)
    except Alert.DoesNotExist:
        raise AlertRefused("No such alert.") from None


def _still_active(alert: Alert) -> None:
    if alert.status == AlertStatus.RESOLVED:
        raise AlertRefused("This alert is already resolved.")


def alert_acknowledge(*, actor: User | None, alert_id: int) -> Alert:
    """Someone has seen it and is on it. Acknowledging twice changes nothing."""
    with transaction.atomic(), audit_context(actor=actor):
        alert = _locked(alert_id)
        _still_active(alert)
        if alert.status == AlertStatus.OPEN:
            alert.status = AlertStatus.ACKNOWLEDGED
            alert.acknowledged_at = timezone.now()
            alert.acknowledged_by = actor
            alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    return alert


def alert_assign(*, actor: User | None, alert_id: int, assignee: User | None) -> Alert:
    """Give the alert to someone who can see it (or to nobody)."""
    if assignee is not None and not user_can(assignee, Capability.VIEW_OPERATIONS):
        raise AlertRefused(
            f"{assignee.get_full_name()} cannot see alerts; choose someone from operations.",
            fields={"assignee": ["Not someone who can see alerts."]},
        )
    with transaction.atomic(), audit_context(actor=actor):
        alert = _locked(alert_id)
        _still_active(alert)
        alert.assignee = assignee
        alert.save(update_fields=["assignee"])
    return alert


def alert_comment(*, actor: User, alert_id: int, body: str) -> AlertComment:
    body = (body or "").strip()
    if not body:
        raise AlertRefused("Write a comment first.", fields={"body": ["Required."]})
    if len(body) > COMMENT_MAX:
        raise AlertRefused(f"At most {COMMENT_MAX:,} characters.", fields={"body": ["Too long."]})
    with transaction.atomic(), audit_context(actor=actor):
        alert = _locked(alert_id)
        return AlertComment.objects.create(alert=alert, author=actor, body=body)


def alert_resolve(*, actor: User | None, alert_id: int, reason: str) -> Alert:
    """Close the alert by hand, saying why. (If its condition still holds, the next evaluation
    opens a new alert for it.)"""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(
            "Give a reason for resolving the alert.", fields={"reason": ["Required."]}
        )
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        alert = _locked(alert_id)
        _still_active(alert)
        alert.status = AlertStatus.RESOLVED
        alert.resolved_at = timezone.now()
        alert.resolved_by = actor
        alert.resolution = reason
        alert.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    return alert


# ---- notifications --------------------------------------------------------------------------


def recipients(alert: Alert) -> list[User]:
    """Active users who can see the alert and want e-mail for its severity (critical by
    default; high only when they asked). Security alerts go to user administrators only."""
    needed = (
        Capability.MANAGE_USERS if alert.kind == AlertKind.SECURITY else Capability.VIEW_OPERATIONS
    )
    preferences = {pref.user_id: pref for pref in NotificationPreference.objects.all()}
    chosen = []
    for user in User.objects.filter(is_active=True).exclude(email=""):
        if not user_can(user, needed):
            continue
        pref = preferences.get(user.pk)
        wants_critical = pref.email_critical if pref else True
        wants_high = pref.email_high if pref else False
        if (alert.severity == Severity.CRITICAL and wants_critical) or (
            alert.severity == Severity.HIGH and wants_high
        ):
            chosen.append(user)
    return chosen


def _notify_later(alert_id: int) -> None:
    from alerts.tasks import notify_alert  # the task module imports this one

    try:
        notify_alert.delay(alert_id)
    except Exception:  # a broker down must not lose the alert; the e-mail is what is lost
        logger.exception("Queueing the e-mail of alert %s failed", alert_id)


def notify(alert_id: int) -> int:
    """E-mail the alert to the users who want it; once per alert. Returns the e-mails sent."""
    alert = Alert.objects.filter(pk=alert_id, notified_at__isnull=True).first()
    if alert is None:
        return 0
    users = recipients(alert)
    if users:
        try:
            send_mail(
                subject=f"[PharmaStock] {alert.get_severity_display()}: {alert.title}",
                message=f"{alert.message}\n\n{alert.get_kind_display()} · {alert.reference}",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[user.email for user in users],
            )
        except Exception:  # a mail server down must not undo the alert
            logger.exception("E-mailing alert %s failed", alert.pk)
            return 0
    alert.notified_at = timezone.now()
    alert.save(update_fields=["notified_at"])  # a save, so the trail records it
    return len(users)


def notification_preference_set(
    *, actor: User | None, email_critical: bool, email_high: bool
) -> NotificationPreference:
    """The acting user's own choice of alert e-mails."""
    preference, _ = NotificationPreference.objects.update_or_create(
        user=actor, defaults={"email_critical": email_critical, "email_high": email_high}
    )
    return preference
