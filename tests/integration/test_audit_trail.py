"""A change made through a service, the admin, the API, a task or a management command leaves
exactly one trail entry with who, when, old and new value, the reason when given, and where
the change came from."""

from datetime import timedelta

import pytest
from celery import shared_task
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import AuditLogEntry, User
from accounts.roles import Role, user_roles
from accounts.services import user_set_roles, user_update
from common.errors import ReasonRequired

pytestmark = pytest.mark.django_db


def entries_for(user: User) -> list[AuditLogEntry]:
    """Trail entries about `user` written by the test itself (after the fixtures set up)."""
    return list(
        AuditLogEntry.objects.filter(object_pk=str(user.pk), pk__gt=user.trail_mark).order_by("pk")
    )


@pytest.fixture
def target(make_user, admin_user) -> User:  # type: ignore[no-untyped-def]
    user = make_user(Role.VIEWER, username="target", full_name="Jon Smiht")
    user.trail_mark = AuditLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    return user


def assert_one_name_change(target: User, actor: User, *, reason: str, source: str) -> None:
    [entry] = entries_for(target)
    assert entry.actor == actor
    assert entry.changes == {"full_name": ["Jon Smiht", "Jon Smith"]}
    assert entry.reason == reason
    assert entry.source == source
    assert abs(entry.timestamp - timezone.now()) < timedelta(minutes=1)
    assert entry.timestamp.utcoffset() == timedelta(0)


def test_service_change_leaves_one_entry(target: User, admin_user: User) -> None:
    user_update(actor=admin_user, user=target, full_name="Jon Smith", reason="typo in name")

    assert_one_name_change(target, admin_user, reason="typo in name", source="shell")


def test_admin_change_leaves_one_entry_with_the_reason(
    admin_client, target: User, admin_user
) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(
        f"/admin/accounts/user/{target.pk}/change/",
        {
            "username": target.username,
            "full_name": "Jon Smith",
            "email": target.email,
            "is_active": "on",
            "roles": ["viewer"],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "change_reason": "typo in name",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert_one_name_change(target, admin_user, reason="typo in name", source="admin")


def test_api_change_with_a_token_leaves_one_entry(target: User, admin_user: User) -> None:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin_user).key}")

    response = api.patch(
        f"/api/v1/users/{target.pk}/",
        {"full_name": "Jon Smith", "reason": "typo in name"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert_one_name_change(target, admin_user, reason="typo in name", source="api")


def test_change_without_reason_stores_an_empty_reason(target: User, admin_user: User) -> None:
    user_update(actor=admin_user, user=target, full_name="Jon Smith")

    assert_one_name_change(target, admin_user, reason="", source="shell")


@shared_task(name="tests.rename_user")
def rename_user(actor_id: int, user_id: int, full_name: str) -> None:
    user_update(
        actor=User.objects.get(pk=actor_id),
        user=User.objects.get(pk=user_id),
        full_name=full_name,
        reason="nightly clean-up",
    )


def test_task_change_leaves_one_entry_naming_the_task(target: User, admin_user: User) -> None:
    rename_user.delay(admin_user.pk, target.pk, "Jon Smith")

    assert_one_name_change(
        target, admin_user, reason="nightly clean-up", source="task:tests.rename_user"
    )


def test_command_change_leaves_one_entry_naming_the_command(target: User, admin_user: User) -> None:
    call_command("set_roles", "target", "planner", actor=admin_user.username, reason="new planner")

    [entry] = entries_for(target)
    assert entry.actor == admin_user
    assert entry.reason == "new planner"
    assert entry.source == "command:set_roles"
    assert user_roles(User.objects.get(pk=target.pk)) == {Role.PLANNER}


def test_role_change_without_reason_is_refused_and_changes_nothing(
    target: User, admin_user: User
) -> None:
    with pytest.raises(ReasonRequired):
        user_set_roles(actor=admin_user, user=target, roles={Role.ADMIN}, reason="  ")

    assert user_roles(User.objects.get(pk=target.pk)) == {Role.VIEWER}
    assert entries_for(target) == []


def test_command_refuses_an_unknown_actor(target: User) -> None:
    with pytest.raises(CommandError, match="No active user"):
        call_command("set_roles", "target", "planner", actor="nobody", reason="x")


def test_unchanged_save_leaves_no_entry(target: User, admin_user: User) -> None:
    user_update(actor=admin_user, user=target, full_name="Jon Smiht", reason="no-op")

    assert entries_for(target) == []


def test_password_hashes_never_reach_the_trail(target: User, admin_user: User) -> None:
    target.set_password("another-long-password")
    target.save()

    assert all("password" not in (entry.changes or {}) for entry in AuditLogEntry.objects.all())
