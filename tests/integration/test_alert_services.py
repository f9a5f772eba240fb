"""The alert services: keeping alerts in step with conditions, what people do with an alert,
and e-mail for critical alerts by preference."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from accounts.models import AuditLogEntry
from alerts.models import Alert, AlertStatus, NotificationPreference
from alerts.services.alerts import (
    CLEARED,
    AlertRefused,
    Condition,
    alert_acknowledge,
    alert_assign,
    alert_clear,
    alert_comment,
    alert_raise,
    alert_resolve,
    alerts_sync,
    notification_preference_set,
    notify,
)
from common.errors import ReasonRequired

pytestmark = pytest.mark.django_db


def condition(key: str = "po:1", severity: str = "high", **fields: object) -> Condition:
    return Condition(
        kind="po_late",
        key=key,
        severity=severity,
        title=fields.pop("title", f"Late {key}"),  # type: ignore[arg-type]
        message="2 lines late",
        **fields,  # type: ignore[arg-type]
    )


def test_sync_opens_updates_and_resolves_only_its_own_kind() -> None:
    other = alert_raise(
        Condition(kind="po_unacknowledged", key="po:1", severity="medium", title="t", message="m")
    )
    first = alerts_sync("po_late", [condition("po:1"), condition("po:2")])
    assert len(first.opened) == 2

    second = alerts_sync("po_late", [condition("po:1", severity="critical", title="Worse")])
    assert second.updated == 1 and len(second.resolved) == 1
    kept = Alert.objects.get(kind="po_late", key="po:1")
    assert (kept.severity, kept.severity_rank, kept.title) == ("critical", 0, "Worse")
    gone = Alert.objects.get(kind="po_late", key="po:2")
    assert gone.status == AlertStatus.RESOLVED and gone.auto_resolved
    other.refresh_from_db()
    assert other.status == AlertStatus.OPEN


def test_a_lasting_condition_is_stamped_seen_and_only_a_changed_one_is_on_the_trail() -> None:
    opened_at = datetime(2026, 3, 2, 22, tzinfo=UTC)
    seen_at = opened_at + timedelta(days=1)
    alerts_sync("po_late", [condition("po:1"), condition("po:2")], now=opened_at)
    trail = AuditLogEntry.objects.count()

    again = alerts_sync(
        "po_late", [condition("po:1"), condition("po:2", title="Later still")], now=seen_at
    )

    assert again.updated == 2 and not again.opened and not again.resolved
    same, changed = Alert.objects.filter(kind="po_late").order_by("key")
    assert (same.title, same.first_seen_at, same.last_seen_at) == ("Late po:1", opened_at, seen_at)
    assert (changed.title, changed.last_seen_at) == ("Later still", seen_at)
    assert AuditLogEntry.objects.count() == trail + 1
    assert AuditLogEntry.objects.get_for_object(changed).count() == 2
    assert AuditLogEntry.objects.get_for_object(same).count() == 1


def test_a_condition_back_after_resolution_opens_a_new_alert() -> None:
    alerts_sync("po_late", [condition()])
    alerts_sync("po_late", [])
    alerts_sync("po_late", [condition()])
    assert list(Alert.objects.values_list("status", flat=True).order_by("pk")) == [
        "resolved",
        "open",
    ]


def test_raise_is_idempotent_and_clear_resolves_with_the_reason() -> None:
    first = alert_raise(condition())
    again = alert_raise(condition(title="Still late"))
    assert first.pk == again.pk
    assert Alert.objects.count() == 1
    assert Alert.objects.get().title == "Still late"

    cleared = alert_clear("po_late", "po:1")
    assert cleared is not None and cleared.resolution == CLEARED
    assert alert_clear("po_late", "po:1") is None
    assert AuditLogEntry.objects.get_for_object(cleared).filter(reason=CLEARED).exists()


def test_people_acknowledge_assign_comment_and_resolve(make_user) -> None:  # type: ignore[no-untyped-def]
    planner = make_user("planner", full_name="Paula Planner")
    quality = make_user("quality", full_name="Quinn Quality")
    alert = alert_raise(condition())

    alert_acknowledge(actor=planner, alert_id=alert.pk)
    alert_acknowledge(actor=quality, alert_id=alert.pk)  # twice: nothing changes
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == planner

    alert_assign(actor=planner, alert_id=alert.pk, assignee=quality)
    assert Alert.objects.get(pk=alert.pk).assignee == quality
    supplier_user = make_user("supplier")
    with pytest.raises(AlertRefused) as refused:
        alert_assign(actor=planner, alert_id=alert.pk, assignee=supplier_user)
    assert "assignee" in refused.value.fields

    with pytest.raises(AlertRefused):
        alert_comment(actor=planner, alert_id=alert.pk, body="   ")
    comment = alert_comment(actor=quality, alert_id=alert.pk, body="Calling the supplier")
    assert comment.author == quality

    with pytest.raises(ReasonRequired) as missing:
        alert_resolve(actor=planner, alert_id=alert.pk, reason=" ")
    assert missing.value.fields == {"reason": ["Required."]}
    alert_resolve(actor=planner, alert_id=alert.pk, reason="Delivered this morning")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and not alert.auto_resolved
    assert (alert.resolved_by, alert.resolution) == (planner, "Delivered this morning")
    entry = (
        AuditLogEntry.objects.get_for_object(alert).filter(reason="Delivered this morning").get()
    )
    assert entry.actor == planner

    for act in (
        lambda: alert_acknowledge(actor=planner, alert_id=alert.pk),
        lambda: alert_assign(actor=planner, alert_id=alert.pk, assignee=None),
        lambda: alert_resolve(actor=planner, alert_id=alert.pk, reason="again"),
    ):
        with pytest.raises(AlertRefused, match="already resolved"):
            act()


def test_critical_alerts_are_emailed_once_by_preference(
    make_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    wants = make_user("planner", email="paula@example.test")
    opted_out = make_user("quality", email="quinn@example.test")
    notification_preference_set(actor=opted_out, email_critical=False, email_high=False)
    make_user("supplier", email="sam@example.test")  # cannot see alerts
    make_user(email="nora@example.test")  # no role

    with django_capture_on_commit_callbacks(execute=True):
        alert = alert_raise(condition(severity="critical"))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [wants.email]
    assert "Critical" in mail.outbox[0].subject

    with django_capture_on_commit_callbacks(execute=True):
        alert_raise(condition(severity="critical", title="Again"))
    assert notify(alert.pk) == 0
    assert len(mail.outbox) == 1


def test_high_alerts_only_for_those_who_asked(
    make_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    make_user("planner", email="paula@example.test")
    asked = make_user("viewer", email="vic@example.test")
    preference = notification_preference_set(actor=asked, email_critical=True, email_high=True)
    assert NotificationPreference.objects.get(user=asked) == preference

    alert = alert_raise(condition(severity="high"))
    assert notify(alert.pk) == 1
    assert mail.outbox[0].to == [asked.email]
    with django_capture_on_commit_callbacks(execute=True):
        alert_raise(condition(key="po:9", severity="high"))
    assert len(mail.outbox) == 1  # only critical alerts are e-mailed as they open
