import pytest

from accounts.models import AuditLogEntry, User
from accounts.roles import Role, user_roles

pytestmark = pytest.mark.django_db


def change_form(user: User, **overrides: object) -> dict:
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "is_active": "on",
        "roles": sorted(role.value for role in user_roles(user)),
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "change_reason": "",
    }
    data.update(overrides)
    return data


def test_role_change_in_admin_without_reason_is_refused(admin_client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.VIEWER)

    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/", change_form(user, roles=["admin"])
    )

    assert response.status_code == 200
    assert "Give a reason for changing roles." in response.content.decode()
    assert user_roles(User.objects.get(pk=user.pk)) == {Role.VIEWER}


def test_role_change_in_admin_is_one_trail_entry_with_old_and_new_roles(
    admin_client, make_user, admin_user
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.VIEWER)
    mark = AuditLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()

    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        change_form(user, roles=["planner", "quality"], change_reason="moved to planning"),
    )

    assert response.status_code == 302
    [entry] = AuditLogEntry.objects.filter(pk__gt=mark)
    assert entry.changes == {"roles": ["viewer", "planner, quality"]}
    assert (entry.actor, entry.reason, entry.source) == (admin_user, "moved to planning", "admin")


def test_new_user_from_admin_gets_the_chosen_roles(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newplanner",
            "full_name": "New Planner",
            "email": "np@example.test",
            "password1": "a-long-enough-password-42",
            "password2": "a-long-enough-password-42",
            "roles": ["planner"],
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert user_roles(User.objects.get(username="newplanner")) == {Role.PLANNER}


def test_audit_history_of_a_user_is_visible_in_admin(admin_client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.VIEWER, full_name="Ann Old")
    admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        change_form(user, full_name="Ann New", change_reason="married"),
    )

    page = admin_client.get(f"/admin/accounts/user/{user.pk}/auditlog/").content.decode()

    assert "Ann New" in page
    assert "Ann Old" in page


def test_trail_entries_cannot_be_changed_or_deleted_in_admin(admin_client) -> None:  # type: ignore[no-untyped-def]
    entry = AuditLogEntry.objects.first()

    assert (
        admin_client.post(
            f"/admin/accounts/auditlogentry/{entry.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()
