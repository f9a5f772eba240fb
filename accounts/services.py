"""Every write of the accounts app: one function per business action, atomic and audited."""

import hashlib
import json
import logging
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.audit import audit_context
from accounts.models import AuditLogEntry, SecurityEvent, Signature, User
from accounts.roles import Role
from accounts.signals import account_locked_out
from common.errors import ReasonRequired, SignatureRefused

security_log = logging.getLogger("pharmastock.security")

EDITABLE_USER_FIELDS = ("full_name", "email", "is_active")


def canonical_content_hash(record: models.Model) -> str:
    """SHA-256 of a record's signed content in a canonical JSON form (sorted keys, ISO dates).
    The signed content is what the record's `signed_content()` returns where it defines one
    (the terms a signature vouches for), else every field value."""
    signed_content = getattr(record, "signed_content", None)
    if callable(signed_content):
        values = signed_content()
    else:
        values = model_to_dict(record, fields=[f.name for f in record._meta.concrete_fields])
    payload = json.dumps(
        {"model": record._meta.label_lower, "pk": str(record.pk), "fields": values},
        cls=DjangoJSONEncoder,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def signature_verify(
    *,
    signer: User,
    password: str,
    meaning: Signature.Meaning | str,
    target_label: str,
    remote_addr: str | None = None,
    username: str | None = None,
) -> None:
    """The first step of signing: the signer re-entered the password (and, when `username` is
    given, the user id: required after a pause, see accounts.sessions). A wrong password or user
    id is recorded as a SecurityEvent (in its own transaction, so it survives the refusal),
    logged, and refused with SignatureRefused. Call it before opening the transaction that
    signs."""
    if meaning not in Signature.Meaning.values:
        raise SignatureRefused(f"'{meaning}' is not a signature meaning.")
    if username is not None and username.strip() != signer.get_username():
        _signature_failed(signer, meaning, target_label, remote_addr, what="user id")
        raise SignatureRefused("The user id or password is not correct. Nothing was signed.")
    if not signer.is_active or not password or not signer.check_password(password):
        _signature_failed(signer, meaning, target_label, remote_addr, what="password")
        raise SignatureRefused("The password is not correct. Nothing was signed.")
    if not signer.full_name.strip():
        raise SignatureRefused(
            "Your account has no full name; an administrator must add it before you can sign."
        )


def _signature_failed(
    signer: User, meaning: str, target_label: str, remote_addr: str | None, *, what: str
) -> None:
    SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.SIGNATURE_FAILED,
        user=signer,
        username=signer.get_username(),
        remote_addr=remote_addr,
        detail={"meaning": str(meaning), "target": target_label, "wrong": what},
    )
    security_log.warning(
        "signature refused: wrong %s for user %s signing %s",
        what,
        signer.get_username(),
        target_label,
    )


def signature_record(
    *, signer: User, meaning: Signature.Meaning | str, target: models.Model, reason: str = ""
) -> Signature:
    """The second step: link a signature to the record as it is now (printed name, UTC time,
    meaning, content hash). Only after signature_verify, inside the signing transaction."""
    with transaction.atomic(), audit_context(actor=signer, reason=reason):
        return Signature.objects.create(
            signer=signer,
            signer_full_name=signer.full_name,
            signer_username=signer.get_username(),
            meaning=meaning,
            reason=reason,
            content_type=ContentType.objects.get_for_model(target),
            object_pk=str(target.pk),
            content_hash=canonical_content_hash(target),
        )


def signature_sign(
    *,
    signer: User,
    password: str,
    meaning: Signature.Meaning | str,
    target: models.Model,
    reason: str = "",
    remote_addr: str | None = None,
) -> Signature:
    """Sign `target` after the signer re-entered the password.

    A wrong password signs nothing: it is recorded as a SecurityEvent, logged, and refused
    with SignatureRefused.
    """
    signature_verify(
        signer=signer,
        password=password,
        meaning=meaning,
        target_label=f"{target._meta.label_lower}:{target.pk}",
        remote_addr=remote_addr,
    )
    return signature_record(signer=signer, meaning=meaning, target=target, reason=reason)


def signature_matches(signature: Signature, record: models.Model) -> bool:
    """True while the record still has the content it had when it was signed."""
    return signature.content_hash == canonical_content_hash(record)


def user_update(*, actor: User, user: User, reason: str = "", **changes: Any) -> User:
    """Change a user's name, e-mail or active flag. Unknown fields are refused."""
    unknown = set(changes) - set(EDITABLE_USER_FIELDS)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        user = User.objects.select_for_update().get(pk=user.pk)
        changed = [name for name, value in changes.items() if getattr(user, name) != value]
        if not changed:
            return user
        for name in changed:
            setattr(user, name, changes[name])
        user.full_clean(exclude=["password"])
        user.save(update_fields=changed)
        if "is_active" in changed and not user.is_active:
            user_sessions_end(user=user, why="deactivated")
    return user


def user_sessions_end(*, user: User, why: str, keep_session_key: str | None = None) -> int:
    """End every session of `user` (except `keep_session_key`, the one that changed its own
    password) and revoke the API token: a deactivated user or one whose password changed is
    signed out everywhere at once. A new token is issued from the admin. Returns the number of
    sessions ended."""
    user_id = str(user.pk)
    with transaction.atomic():
        ended = [
            session.session_key
            for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
            if session.session_key != keep_session_key
            and session.get_decoded().get("_auth_user_id") == user_id
        ]
        Session.objects.filter(session_key__in=ended).delete()
        tokens, _ = Token.objects.filter(user=user).delete()
        SecurityEvent.objects.create(
            kind=SecurityEvent.Kind.SESSIONS_ENDED,
            user=user,
            username=user.get_username(),
            detail={"why": why, "sessions": len(ended), "api_token_revoked": bool(tokens)},
        )
    security_log.info("ended %d sessions of user %s (%s)", len(ended), user.get_username(), why)
    return len(ended)


def login_lockout_record(*, username: str, remote_addr: str | None) -> SecurityEvent:
    """Too many failed sign-ins for `username` (which may not exist) from `remote_addr`:
    recorded, logged, and announced (account_locked_out) for the alerts app. The event is
    committed first: a failing receiver cannot undo it."""
    event = SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.LOGIN_LOCKED_OUT,
        user=User.objects.filter(username=username).first(),
        username=username[:150],
        remote_addr=remote_addr,
    )
    security_log.warning("sign-in locked out: user %s from %s", username, remote_addr)
    for receiver, error in account_locked_out.send_robust(sender=SecurityEvent, event=event):
        if isinstance(error, Exception):
            security_log.error("lockout receiver %r failed: %s", receiver, error)
    return event


def user_set_roles(*, actor: User | None, user: User, roles: set[Role], reason: str) -> User:
    """Give a user exactly these roles. A role change must say why; it is recorded as one
    trail entry `roles: [old] -> [new]`."""
    if not reason.strip():
        raise ReasonRequired("Give a reason for changing roles.", fields={"reason": ["Required."]})
    wanted = {Role(role).value for role in roles}
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        user = User.objects.select_for_update().get(pk=user.pk)
        current = set(user.groups.filter(name__in=list(Role)).values_list("name", flat=True))
        if current == wanted:
            return user
        user.groups.remove(*Group.objects.filter(name__in=current - wanted))
        user.groups.add(*Group.objects.filter(name__in=wanted - current))
        _record_role_change(user, old=current, new=wanted)
    return user


def _record_role_change(user: User, *, old: set[str], new: set[str]) -> None:
    AuditLogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(user.pk),
        object_id=user.pk,
        object_repr=str(user),
        action=AuditLogEntry.Action.UPDATE,
        changes={"roles": [", ".join(sorted(old)), ", ".join(sorted(new))]},
    )


def user_create(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    email: str,
    password: str,
    roles: set[Role],
    reason: str = "",
) -> User:
    """Create a user with a validated password and the given roles."""
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        user = User(username=username, full_name=full_name, email=email)
        user.full_clean(exclude=["password"])
        validate_password(password, user)
        user.set_password(password)
        user.save()
        if roles:
            user_set_roles(actor=actor, user=user, roles=roles, reason=reason or "new user")
    return user
