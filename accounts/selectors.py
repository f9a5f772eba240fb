"""Read queries of the accounts app."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from accounts.models import AuditLogEntry, Signature, User


def audit_entries(
    *,
    actor: User | None = None,
    content_type: ContentType | None = None,
    object_pk: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    action: int | None = None,
) -> QuerySet[AuditLogEntry]:
    """Audit-trail entries, newest first, filtered by who, which kind of record and when
    (dates are whole UTC days, both ends included)."""
    entries = AuditLogEntry.objects.select_related("actor", "content_type").order_by(
        "-timestamp", "-pk"
    )
    if actor is not None:
        entries = entries.filter(actor=actor)
    if content_type is not None:
        entries = entries.filter(content_type=content_type)
    if object_pk:
        entries = entries.filter(object_pk=object_pk)
    if date_from is not None:
        entries = entries.filter(timestamp__gte=_utc_start(date_from))
    if date_to is not None:
        entries = entries.filter(timestamp__lt=_utc_start(date_to) + timedelta(days=1))
    if action is not None:
        entries = entries.filter(action=action)
    return entries


def audited_content_types() -> QuerySet[ContentType]:
    """The kinds of record that have at least one trail entry (for the trail's model filter)."""
    ids = AuditLogEntry.objects.values("content_type_id").distinct()
    return ContentType.objects.filter(pk__in=ids).order_by("app_label", "model")


def users_with_trail_entries() -> QuerySet[User]:
    ids = AuditLogEntry.objects.exclude(actor=None).values("actor_id").distinct()
    return User.objects.filter(pk__in=ids).order_by("username")


def _utc_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def user_list() -> QuerySet[User]:
    return User.objects.prefetch_related("groups").order_by("username")


def describe_changes(entry: AuditLogEntry) -> list[dict[str, Any]]:
    """An entry's changes as rows of field, old value, new value (m2m changes as added/removed)."""
    rows = []
    for field, change in (entry.changes or {}).items():
        if isinstance(change, dict) and change.get("type") == "m2m":
            verb = change.get("operation", "changed")
            rows.append(
                {
                    "field": field,
                    "old": "",
                    "new": f"{verb}: {', '.join(change.get('objects', []))}",
                }
            )
        elif isinstance(change, list | tuple) and len(change) == 2:
            old = "" if entry.action == AuditLogEntry.Action.CREATE else _shown(change[0])
            rows.append({"field": field, "old": old, "new": _shown(change[1])})
    return rows


def _shown(value: Any) -> str:
    return "(empty)" if value in (None, "None", "") else str(value)


def object_trail(*, content_type: ContentType, object_pk: str) -> QuerySet[AuditLogEntry]:
    """Every trail entry of one record, oldest first (the order they were written)."""
    return (
        AuditLogEntry.objects.filter(content_type=content_type, object_pk=object_pk)
        .select_related("actor", "content_type")
        .order_by("sequence")
    )


def object_signatures(*, content_type: ContentType, object_pk: str) -> QuerySet[Signature]:
    """The signatures on one record, oldest first."""
    return Signature.objects.filter(content_type=content_type, object_pk=object_pk).order_by(
        "signed_at", "pk"
    )


def signature_manifestations(model: type, pks: list[Any]) -> dict[str, str]:
    """Each record's signatures in words, oldest first, for exports: meaning, printed name,
    user id and UTC time ("Approved by Ann Author (ann) at 2026-11-24 07:42:32 UTC; …"), by
    the record's pk as text. One query."""
    if not pks:
        return {}
    rows = Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_pk__in=[str(pk) for pk in pks],
    ).order_by("signed_at", "pk")
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.object_pk, []).append(
            f"{row.get_meaning_display()} by {row.signer_full_name} ({row.signer_username}) "
            f"at {row.signed_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
        )
    return {pk: "; ".join(texts) for pk, texts in found.items()}
