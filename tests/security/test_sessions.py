"""Session lifetime, and sessions ended when an account is deactivated or its password changes.

- an idle session (SESSION_IDLE_TIMEOUT_MINUTES) and an old one (SESSION_ABSOLUTE_HOURS) end:
  logged out, sent to the login page with the reason; htmx gets an HX-Redirect, not a login
  form inside a fragment; polling does not keep a session alive;
- deactivating a user or changing a password deletes every session of that user and revokes
  the API token;
- after a pause (SIGNATURE_REIDENTIFY_MINUTES) a signature needs the user id too.
"""

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts import sessions as session_rules
from accounts.models import SecurityEvent
from accounts.roles import Role
from accounts.services import signature_verify, user_update
from common.errors import SignatureRefused
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def age_session(client, **seconds_ago: float) -> None:  # type: ignore[no-untyped-def]
    """Move the session's clocks back: started=..., last_seen=..."""
    session = client.session
    now = time.time()
    if "started" in seconds_ago:
        session[session_rules.STARTED_AT] = now - seconds_ago["started"]
    if "last_seen" in seconds_ago:
        session[session_rules.LAST_SEEN_AT] = now - seconds_ago["last_seen"]
    session.save()


@pytest.fixture
def viewer_client(client, make_user):  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.VIEWER, username="vera"))
    return client


# ---- idle timeout and absolute lifetime ------------------------------------------------------


def test_an_idle_session_ends_with_a_message_on_the_login_page(viewer_client, settings) -> None:  # type: ignore[no-untyped-def]
    age_session(viewer_client, last_seen=(settings.SESSION_IDLE_TIMEOUT_MINUTES * 60) + 5)

    response = viewer_client.get("/", follow=True)

    assert response.redirect_chain[0][0].startswith("/accounts/login/?next=/")
    assert "_auth_user_id" not in viewer_client.session
    assert "without activity" in response.content.decode()


def test_activity_within_the_idle_timeout_keeps_the_session_and_restarts_the_clock(
    viewer_client, settings
) -> None:  # type: ignore[no-untyped-def]
    age_session(viewer_client, last_seen=(settings.SESSION_IDLE_TIMEOUT_MINUTES * 60) - 30)

    assert viewer_client.get("/").status_code == 200
    assert time.time() - viewer_client.session[session_rules.LAST_SEEN_AT] < 5


def test_a_session_ends_after_its_absolute_lifetime_however_active(viewer_client, settings) -> None:  # type: ignore[no-untyped-def]
    age_session(viewer_client, started=settings.SESSION_ABSOLUTE_HOURS * 3600 + 5, last_seen=1)

    response = viewer_client.get("/", follow=True)

    assert "_auth_user_id" not in viewer_client.session
    assert f"at most {settings.SESSION_ABSOLUTE_HOURS} hours" in response.content.decode()


def test_an_expired_htmx_request_gets_a_client_redirect_not_a_login_fragment(
    viewer_client, settings
) -> None:  # type: ignore[no-untyped-def]
    age_session(viewer_client, last_seen=settings.SESSION_IDLE_TIMEOUT_MINUTES * 60 + 5)

    response = viewer_client.get(
        "/alerts/", HTTP_HX_CURRENT_URL="http://testserver/alerts/", **HTMX
    )

    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert b"<form" not in response.content
    assert "_auth_user_id" not in viewer_client.session


def test_an_expired_session_cannot_call_the_api(viewer_client, settings) -> None:  # type: ignore[no-untyped-def]
    age_session(viewer_client, last_seen=settings.SESSION_IDLE_TIMEOUT_MINUTES * 60 + 5)

    assert viewer_client.get("/api/v1/me/").status_code == 401


def test_polling_does_not_keep_a_session_alive(viewer_client) -> None:  # type: ignore[no-untyped-def]
    age_session(viewer_client, last_seen=600)

    assert viewer_client.get("/alerts/badge/", **HTMX).status_code == 200
    assert time.time() - viewer_client.session[session_rules.LAST_SEEN_AT] > 590


# ---- deactivation and password changes end sessions -----------------------------------------


def sessions_of(user) -> int:  # type: ignore[no-untyped-def]
    return sum(
        1
        for session in Session.objects.all()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    )


def test_deactivating_a_user_ends_all_their_sessions_and_revokes_the_token(
    make_user, admin_user
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.PLANNER, username="leaver")
    laptop, phone = Client(), Client()
    laptop.force_login(user)
    phone.force_login(user)
    Token.objects.create(user=user)
    other = Client()
    other.force_login(admin_user)

    user_update(actor=admin_user, user=user, is_active=False, reason="left the company")

    assert sessions_of(user) == 0
    assert not Token.objects.filter(user=user).exists()
    assert sessions_of(admin_user) == 1
    assert SecurityEvent.objects.filter(user=user, kind="sessions_ended").exists()
    assert laptop.get("/").status_code == 302


def test_deactivating_a_user_in_the_admin_ends_their_sessions(admin_client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.VIEWER, username="temp")
    Client().force_login(user)
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "roles": ["viewer"],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "change_reason": "contract ended",
    }  # is_active left out: unticked

    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", data)

    assert response.status_code == 302
    assert sessions_of(user) == 0


def test_changing_ones_password_keeps_this_session_and_ends_the_others(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.PLANNER, username="mover")
    here, elsewhere = Client(), Client()
    here.force_login(user)
    elsewhere.force_login(user)
    Token.objects.create(user=user)
    new_password = "another-long-password-77"

    response = here.post(
        "/accounts/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )

    assert response.status_code == 302
    assert sessions_of(user) == 1
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert not Token.objects.filter(user=user).exists()


def test_a_password_set_by_an_administrator_ends_the_users_sessions(
    admin_client, make_user
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.PLANNER, username="reset-me")
    Client().force_login(user)
    Token.objects.create(user=user)
    new_password = "reset-long-password-99"

    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": new_password, "password2": new_password, "usable_password": "true"},
    )

    assert response.status_code == 302
    assert sessions_of(user) == 0
    assert not Token.objects.filter(user=user).exists()


# ---- the user id again after a pause ---------------------------------------------------------


def test_a_wrong_user_id_refuses_the_signature_and_is_recorded(planner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SignatureRefused):
        signature_verify(
            signer=planner,
            password=TEST_PASSWORD,
            username="someone-else",
            meaning="approved",
            target_label="x:1",
        )
    with pytest.raises(SignatureRefused):
        signature_verify(
            signer=planner,
            password=TEST_PASSWORD,
            username="",
            meaning="approved",
            target_label="x:1",
        )

    assert SecurityEvent.objects.filter(user=planner, kind="signature_failed").count() == 2
    signature_verify(
        signer=planner,
        password=TEST_PASSWORD,
        username=planner.username,
        meaning="approved",
        target_label="x:1",
    )
    signature_verify(signer=planner, password=TEST_PASSWORD, meaning="approved", target_label="x:1")


def test_after_a_pause_the_dialog_asks_for_the_user_id_and_refuses_without_it(
    client, planner, settings
) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import SuggestedOrderFactory, published_plan

    suggestion = SuggestedOrderFactory(plan=published_plan())
    before = suggestion.status
    client.force_login(planner)
    dialog = client.get("/optimization/plan/approve/", {"ids": suggestion.pk}, **HTMX)
    assert 'name="username"' not in dialog.content.decode()

    age_session(client, last_seen=settings.SIGNATURE_REIDENTIFY_MINUTES * 60 + 5)
    dialog = client.get("/optimization/plan/approve/", {"ids": suggestion.pk}, **HTMX)
    assert 'name="username"' in dialog.content.decode()

    post = {
        "ids": [suggestion.pk],
        "password": TEST_PASSWORD,
        "idempotency_key": "k1",
        f"version-{suggestion.pk}": suggestion.version,
    }
    refused = client.post("/optimization/plan/approve/", post, **HTMX)
    suggestion.refresh_from_db()
    assert "user id or password is not correct" in refused.content.decode()
    assert suggestion.status == before

    approved = client.post(
        "/optimization/plan/approve/",
        {**post, "idempotency_key": "k2", "username": planner.username},
        **HTMX,
    )
    suggestion.refresh_from_db()
    assert approved.status_code == 200 and suggestion.status == "approved"
    assert session_rules.NEEDS_USER_ID not in client.session
