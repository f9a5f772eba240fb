"""Who, why and from where, for every audit-trail entry, whatever path made the change.

django-auditlog writes an AuditLogEntry for each create/update/delete of a registered model.
This module fills the entry's actor, reason and source from the current *audit context*:

- web, API and admin requests: AuditContextMiddleware opens a context whose actor is the
  request's user, read when the entry is saved (so DRF token authentication, which happens
  after middleware, is seen too);
- services: `with audit_context(actor=..., reason=...)` around their writes;
- Celery tasks: a context with source "task:<name>" for the task's duration;
- management commands: AuditedCommand opens one with source "command:<name>".

Contexts nest: an inner one keeps the outer values it does not override.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

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
