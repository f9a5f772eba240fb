"""Who, why and from where, for every audit-trail entry, whatever path made the change.

django-auditlog writes an AuditLogEntry for each create/update/delete of a registered model.
This module fills the entry's actor, reason and source from the current *audit context*:

- web, API and admin requests: AuditContextMiddleware opens a context whose actor is the
  request's user, read when the entry is saved (so DRF token authentication, which happens
  after middleware, is seen too);
- services: `with audit_context(actor=..., reason=...)` around their writes;
- Celery tasks: a context with source "task:<name>" for the task's duration;
- management commands: AuditedCommand opens one with source "command:<name>".

Bulk writes on audited models (QuerySet.update, bulk_create, bulk_update) go through
`audited_update`, `audited_bulk_create` and `audited_bulk_update` below, which write the
entries django-auditlog cannot see.

Contexts nest: an inner one keeps the outer values it does not override.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet

from common.bulk import insert_rows, insert_values, update_rows

ActorSource = Any  # a user, None, or a callable returning either


@dataclass(frozen=True)
class AuditContext:
    actor: ActorSource = None
    reason: str = ""
    source: str = ""
    remote_addr: str | None = None

    def resolve_actor(self) -> Any:
        actor = self.actor() if callable(self.actor) else self.actor
        if actor is None or not getattr(actor, "is_authenticated", False):
            return None
        return actor


_current: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def current_audit_context() -> AuditContext:
    return _current.get() or AuditContext()


@contextmanager
def audit_context(
    *,
    actor: ActorSource = None,
    reason: str = "",
    source: str = "",
    remote_addr: str | None = None,
) -> Iterator[AuditContext]:
    parent = current_audit_context()
    changes: dict[str, Any] = {}
    if actor is not None:
        changes["actor"] = actor
    if reason:
        changes["reason"] = reason
    if source:
        changes["source"] = source
    if remote_addr:
        changes["remote_addr"] = remote_addr
    context = replace(parent, **changes)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def enter_audit_context(**values: Any) -> Callable[[], None]:
    """Open a context without a `with` block (for signal pairs such as Celery's
    task_prerun/task_postrun); returns the function that closes it."""
    manager = audit_context(**values)
    manager.__enter__()
    return lambda: manager.__exit__(None, None, None)


def fill_log_entry_from_context(sender: type, instance: Any, **kwargs: Any) -> None:
    """pre_save receiver for AuditLogEntry: stamp the entry with the current context."""
    if instance.pk is not None:
        return
    context = current_audit_context()
    actor = context.resolve_actor()
    if instance.actor_id is None and actor is not None:
        instance.actor = actor
        instance.actor_email = getattr(actor, "email", None) or None
    if not instance.reason and context.reason:
        instance.reason = context.reason
    if not instance.source:
        instance.source = context.source or "shell"
    if instance.remote_addr is None and context.remote_addr:
        instance.remote_addr = context.remote_addr


def audited_fields(model: type, exclude: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The fields a model's trail entries record: its own columns, never reverse relations."""
    return [field.name for field in model._meta.concrete_fields if field.name not in exclude]


# Bulk writes --------------------------------------------------------------------------------
# QuerySet.update() and bulk_create() send no model signals, so django-auditlog sees nothing.
# On audited models they go through these two functions instead, which write one trail entry
# per row (old -> new of the written fields) in the same transaction, chained like any other.
# QuerySet.delete() needs nothing: with auditlog's receivers connected Django deletes row by
# row and sends post_delete for each. tests/integration/test_audit_chain.py scans the code for
# update()/bulk_create()/bulk_update() on audited models outside the reviewed call sites.


def audited_update(queryset: QuerySet[Any], **values: Any) -> int:
    """`queryset.update(**values)` plus one UPDATE trail entry per row whose audited fields
    changed. Rows are locked and read before the update, and read again after it (so F()
    expressions are recorded with the values they produced)."""
    from auditlog.diff import model_instance_diff
    from auditlog.models import LogEntry

    model = queryset.model
    with transaction.atomic():
        before = {obj.pk: obj for obj in queryset.select_for_update()}
        if not before:
            return 0
        count = model._default_manager.filter(pk__in=before).update(**values)
        after = model._default_manager.in_bulk(list(before))
        fields = [model._meta.get_field(name).name for name in values]
        entries = []
        for pk, old in before.items():
            changes = model_instance_diff(
                old, after[pk], fields_to_check=fields, use_json_for_changes=True
            )
            if changes:
                entries.append(_new_entry(after[pk], LogEntry.Action.UPDATE, changes))
        _write_entries(entries)
    return count


def audited_bulk_create(model: type[Model], objects: list[Any], **kwargs: Any) -> list[Any]:
    """`Model.objects.bulk_create(objects, **kwargs)` plus one CREATE trail entry per row.
    With no option but `batch_size` the rows go through common.bulk.insert_rows (one COPY on
    PostgreSQL)."""
    from auditlog.diff import model_instance_diff
    from auditlog.models import LogEntry

    with transaction.atomic():
        if set(kwargs) <= {"batch_size"}:
            created = insert_rows(model, objects, **kwargs)
        else:
            created = model._default_manager.bulk_create(objects, **kwargs)
        created_changes = _created_changes_of(model)
        entries = [
            _new_entry(
                obj,
                LogEntry.Action.CREATE,
                created_changes(obj)
                if created_changes
                else model_instance_diff(None, obj, use_json_for_changes=True) or {},
            )
            for obj in created
        ]
        _write_entries(entries)
    return created


def _created_changes_of(model: type[Model]) -> Callable[[Any], dict[str, Any]] | None:
    """For a model with no masked fields: the changes of a CREATE entry, {field: [None, value]}
    for each logged field with a value, as auditlog's `model_instance_diff(None, obj)` gives
    them, reading each value once (that function reads every field twice and walks every
    relation of the model, for each row)."""
    from auditlog.diff import get_field_value, is_primitive, track_field
    from auditlog.registry import auditlog
    from django.utils.encoding import smart_str

    options = auditlog.get_model_fields(model)
    if options["mask_fields"]:
        return None
    include, exclude = options["include_fields"], options["exclude_fields"]
    fields = [
        field
        for field in model._meta.get_fields()
        if track_field(field)
        and (not include or field.name in include)
        and field.name not in exclude
    ]

    def changes(obj: Any) -> dict[str, Any]:
        diff: dict[str, Any] = {}
        for field in fields:
            value = get_field_value(obj, field, use_json_for_changes=True)
            if value is not None:
                diff[field.name] = (None, value if is_primitive(value) else smart_str(value))
        return diff

    return changes


def audited_bulk_update(model: type[Model], objects: list[Any], fields: list[str]) -> int:
    """`Model.objects.bulk_update(objects, fields)` (written with common.bulk.update_rows)
    plus one UPDATE trail entry per row whose fields changed (old values read, and locked,
    just before the update)."""
    from auditlog.diff import model_instance_diff
    from auditlog.models import LogEntry

    if not objects:
        return 0
    with transaction.atomic():
        manager = model._default_manager
        before = manager.select_for_update().in_bulk([obj.pk for obj in objects])
        count = update_rows(model, objects, fields)
        entries = []
        for obj in objects:
            changes = model_instance_diff(
                before[obj.pk], obj, fields_to_check=fields, use_json_for_changes=True
            )
            if changes:
                entries.append(_new_entry(obj, LogEntry.Action.UPDATE, changes))
        _write_entries(entries)
    return count


def _new_entry(instance: Any, action: int, changes: dict[str, Any]) -> Any:
    from auditlog.cid import get_cid
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import AuditLogEntry

    if instance.pk is None:
        raise ValueError("A bulk-written row needs its primary key for the audit trail.")
    entry = AuditLogEntry(
        content_type=ContentType.objects.get_for_model(instance),
        object_pk=str(instance.pk),
        object_id=instance.pk if isinstance(instance.pk, int) else None,
        object_repr=str(instance),
        serialized_data=AuditLogEntry.objects._get_serialized_data_or_none(instance),
        action=action,
        changes=changes,
        cid=get_cid(),
    )
    fill_log_entry_from_context(sender=AuditLogEntry, instance=entry)
    return entry


def _write_entries(entries: list[Any]) -> None:
    from accounts.audit_chain import link_entries
    from accounts.models import AuditLogEntry

    link_entries(entries)
    insert_rows(AuditLogEntry, entries, with_ids=False)


# Rows written as tuples ---------------------------------------------------------------------
# A caller that writes thousands of rows as plain tuples (common.bulk.insert_values /
# update_values: the daily stock feed) builds their trail entries from the same values, with
# no model instance: `created_changes` gives a CREATE entry's changes as auditlog would
# compute them from the saved instance, and `audit_rows_write` writes the entries, stamped
# from the audit context and chained, with the same fields and content as `_new_entry`.

ENTRY_COLUMNS = (
    "content_type_id",
    "object_pk",
    "object_id",
    "object_repr",
    "serialized_data",
    "action",
    "changes_text",
    "changes",
    "actor_id",
    "cid",
    "remote_addr",
    "remote_port",
    "timestamp",
    "additional_data",
    "actor_email",
    "reason",
    "source",
    "sequence",
    "previous_hash",
    "entry_hash",
)


def created_changes(
    model: type[Model], columns: Sequence[str]
) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """For rows of `model` held as tuples of the values of `columns` (attnames, the primary
    key included): the function giving a row's CREATE changes, {field: [None, value]} for each
    logged field with a value, as `model_instance_diff(None, obj)` gives them for the saved
    row (foreign keys as their id, date-times as naive UTC text, other non-JSON values as
    text). Every logged field must be among `columns`."""
    from auditlog.diff import is_primitive, track_field
    from auditlog.registry import auditlog
    from django.conf import settings
    from django.db.models import DateTimeField

    options = auditlog.get_model_fields(model)
    if options["mask_fields"] or settings.AUDITLOG_USE_FK_STRING_REPRESENTATION:
        raise ValueError(f"{model.__name__}: masked or string foreign keys need the instances.")
    include, exclude = options["include_fields"], options["exclude_fields"]
    logged = [
        field
        for field in model._meta.concrete_fields
        if track_field(field)
        and (not include or field.name in include)
        and field.name not in exclude
    ]
    position = {name: index for index, name in enumerate(columns)}
    if missing := [field.attname for field in logged if field.attname not in position]:
        raise ValueError(f"{model.__name__}: the changes need {', '.join(missing)}.")
    plain = [
        (position[field.attname], field.name)
        for field in logged
        if not isinstance(field, DateTimeField)
    ]
    moments = [
        (position[field.attname], field.name)
        for field in logged
        if isinstance(field, DateTimeField)
    ]
    naive_utc = settings.USE_TZ
    texts: dict[datetime, str] = {}  # a batch's rows share a few moments

    def moment_text(moment: datetime) -> str:
        text = texts.get(moment)
        if text is None:
            naive = moment
            if naive_utc and moment.tzinfo is not None:
                naive = moment.astimezone(UTC).replace(tzinfo=None)
            text = texts[moment] = str(naive)
        return text

    def changes(row: Sequence[Any]) -> dict[str, Any]:
        diff: dict[str, Any] = {}
        for index, name in plain:
            value = row[index]
            if value is not None:
                diff[name] = [None, value if is_primitive(value) else str(value)]
        for index, name in moments:
            if row[index] is not None:
                diff[name] = [None, moment_text(row[index])]
        return diff

    return changes


def audit_rows_write(
    model: type[Model], action: int, rows: Iterable[tuple[Any, str, dict[str, Any]]]
) -> int:
    """One trail entry per (primary key, repr, changes) of rows of `model` the caller has
    written in bulk, inside the caller's transaction: the entries `_new_entry` would build for
    the instances (context, correlation id, one time for all), hashed onto the chain in order
    and sent in one COPY on PostgreSQL. Returns the number of entries."""
    from auditlog.cid import get_cid
    from auditlog.registry import auditlog
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from accounts.audit_chain import link_contents, utc_iso
    from accounts.models import AuditLogEntry

    rows = list(rows)
    if not rows:
        return 0
    action = int(action)
    if auditlog.get_serialize_options(model)["serialize_data"]:
        raise ValueError(f"{model.__name__}: serialized data needs the instances.")
    content_type = ContentType.objects.get_for_model(model)
    context = current_audit_context()
    actor = context.resolve_actor()
    actor_id = actor.pk if actor is not None else None
    actor_email = (getattr(actor, "email", None) or None) if actor is not None else None
    remote_addr = AuditLogEntry._meta.get_field("remote_addr").to_python(
        context.remote_addr or None
    )
    cid = get_cid()
    source = context.source or "shell"
    timestamp = timezone.now()
    shared = {
        "content_type": f"{content_type.app_label}.{content_type.model}",
        "serialized_data": None,
        "action": action,
        "changes_text": "",
        "actor_id": actor_id,
        "actor_email": actor_email,
        "cid": cid,
        "remote_addr": remote_addr,
        "remote_port": None,
        "timestamp": utc_iso(timestamp),
        "additional_data": None,
        "reason": context.reason,
        "source": source,
    }
    contents = []
    for pk, text, changes in rows:
        if pk is None:
            raise ValueError("A bulk-written row needs its primary key for the audit trail.")
        contents.append(
            {
                "object_pk": str(pk),
                "object_id": pk if isinstance(pk, int) else None,
                "object_repr": text,
                "changes": changes,
            }
        )
    with transaction.atomic():
        links = link_contents(shared, contents)
        insert_values(
            AuditLogEntry,
            ENTRY_COLUMNS,
            [
                (
                    content_type.pk,
                    content["object_pk"],
                    content["object_id"],
                    content["object_repr"],
                    None,
                    action,
                    "",
                    content["changes"],
                    actor_id,
                    cid,
                    remote_addr,
                    None,
                    timestamp,
                    None,
                    actor_email,
                    context.reason,
                    source,
                    *link,
                )
                for content, link in zip(contents, links, strict=True)
            ],
        )
    return len(rows)
