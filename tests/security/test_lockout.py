"""Sign-in lockout (django-axes): repeated failures for one username from one address lock that
pair for a while; the login page answers a wrong password, an unknown user, an inactive account
and a locked one with the same words; a lockout is a SecurityEvent and a "security" alert for
admins, who can unlock early in the admin."""

import pytest
from axes.models import AccessAttempt

from accounts.models import SecurityEvent
from accounts.roles import Role
from accounts.views.account import LOGIN_REFUSED
from alerts.models import Alert
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LIMIT = 3


@pytest.fixture(autouse=True)
def small_limit(settings):  # type: ignore[no-untyped-def]
    settings.AXES_FAILURE_LIMIT = LIMIT


def sign_in(client, username: str, password: str, address: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return "_auth_user_id" in client.session


def refusal(response) -> tuple[int, bool]:  # type: ignore[no-untyped-def]
    return response.status_code, LOGIN_REFUSED in response.content.decode()


def test_wrong_password_unknown_user_inactive_and_locked_get_the_same_answer(
    client, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.PLANNER, username="known")
    make_user(Role.PLANNER, username="retired", is_active=False)
    locked = make_user(Role.PLANNER, username="locked")
    for _ in range(LIMIT):
        sign_in(client, "locked", "wrong-password")

    answers = {
        "wrong password": refusal(sign_in(client, "known", "wrong-password")),
        "unknown user": refusal(sign_in(client, "nobody-by-this-name", "wrong-password")),
        "inactive": refusal(sign_in(client, "retired", TEST_PASSWORD)),
        "locked, right password": refusal(sign_in(client, locked.username, TEST_PASSWORD)),
    }

    assert set(answers.values()) == {(200, True)}, answers
    assert not signed_in(client)


def test_the_limit_locks_even_the_right_password_and_records_one_event_and_alert(
    client, make_user
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.QUALITY, username="qa")
    for _ in range(LIMIT - 1):
        sign_in(client, "qa", "wrong-password")
    assert not SecurityEvent.objects.filter(kind="login_locked_out").exists()

    sign_in(client, "qa", "wrong-password")  # the LIMIT-th failure locks
    sign_in(client, "qa", TEST_PASSWORD)

    assert not signed_in(client)
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_LOCKED_OUT)
    assert events.count() == 2  # the lockout, then the refused attempt during it
    assert {(e.user, e.username, e.remote_addr) for e in events} == {(user, "qa", "10.0.0.1")}
    [alert] = Alert.objects.filter(kind="security")
    assert alert.severity == "high" and alert.status == "open"
    assert "qa" in alert.title and "10.0.0.1" in alert.title


def test_unknown_usernames_are_locked_too(client) -> None:  # type: ignore[no-untyped-def]
    for _ in range(LIMIT):
        sign_in(client, "ghost", "wrong-password")

    [event] = SecurityEvent.objects.filter(kind="login_locked_out")
    assert event.user is None and event.username == "ghost"


def test_the_lock_holds_one_username_from_one_address_only(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.PLANNER, username="target")
    make_user(Role.PLANNER, username="colleague")
    for _ in range(LIMIT):
        sign_in(client, "target", "wrong-password")

    sign_in(client, "colleague", TEST_PASSWORD)
    assert signed_in(client)
    client.logout()
    sign_in(client, "target", TEST_PASSWORD, address="10.0.0.2")
    assert signed_in(client)


def test_a_success_before_the_limit_starts_the_count_again(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.PLANNER, username="typo")
    for _ in range(LIMIT - 1):
        sign_in(client, "typo", "wrong-password")
    sign_in(client, "typo", TEST_PASSWORD)
    client.logout()
    for _ in range(LIMIT - 1):
        sign_in(client, "typo", "wrong-password")

    sign_in(client, "typo", TEST_PASSWORD)
    assert signed_in(client)


def test_an_admin_unlocks_in_the_admin(client, make_user, admin_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.PLANNER, username="forgetful")
    for _ in range(LIMIT):
        sign_in(client, "forgetful", "wrong-password")
    attempt = AccessAttempt.objects.get(username="forgetful")

    admin = client.__class__()
    admin.force_login(admin_user)
    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    sign_in(client, "forgetful", TEST_PASSWORD)
    assert signed_in(client)


def test_the_lockout_settings_come_from_the_environment_names(settings) -> None:  # type: ignore[no-untyped-def]
    from config.settings import base

    assert base.AXES_FAILURE_LIMIT == 5
    assert base.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert base.AUTHENTICATION_BACKENDS[0] == "accounts.backends.LockoutBackend"
    assert base.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
