"""How long a signed-in session lasts, and when a signer must enter the user id again.

- Idle timeout: SESSION_IDLE_TIMEOUT_MINUTES without a request the person made (polls of badges
  and progress bars do not count) ends the session.
- Absolute lifetime: SESSION_ABSOLUTE_HOURS after sign-in the session ends whatever the activity.
- Signing after a pause (21 CFR 11.200(a)(1)): a session that went SIGNATURE_REIDENTIFY_MINUTES
  without activity is no longer a continuous period of use, so its next signature needs the user
  id as well as the password; signing with both makes the session continuous again.

SessionTimeoutMiddleware (accounts.middleware) applies the first two and notes the third.
"""

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest

STARTED_AT = "_session_started_at"
LAST_SEEN_AT = "_session_last_seen_at"
NEEDS_USER_ID = "_signing_needs_user_id"

IDLE_MESSAGE = "You were signed out after {minutes} minutes without activity. Sign in again."
LIFETIME_MESSAGE = "You were signed out: a session lasts at most {hours} hours. Sign in again."

# Requests a page makes on its own (polling): they keep nobody's session alive.
PASSIVE_URL_SUFFIXES = ("badge", "progress")


def session_started(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """user_logged_in receiver: the clocks start at sign-in, which also identifies the user."""
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[STARTED_AT] = now
    request.session[LAST_SEEN_AT] = now
    request.session.pop(NEEDS_USER_ID, None)


def session_expiry_message(session: Any, now: float) -> str:
    """Why this session has ended, or "" while it is still valid."""
    started = session.get(STARTED_AT)
    last_seen = session.get(LAST_SEEN_AT)
    if started is not None and now - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
        return LIFETIME_MESSAGE.format(hours=settings.SESSION_ABSOLUTE_HOURS)
    if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
        return IDLE_MESSAGE.format(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES)
    return ""


# The idle clock is written at most this often (seconds): not a session save on every request.
SEEN_RESOLUTION = 60


def session_seen(session: Any, now: float) -> None:
    """Activity: restart the idle clock, and note a pause long enough to ask for the user id."""
    last_seen = session.get(LAST_SEEN_AT)
    if last_seen is not None and now - last_seen < SEEN_RESOLUTION:
        return
    session.setdefault(STARTED_AT, now)
    if last_seen is not None and now - last_seen > settings.SIGNATURE_REIDENTIFY_MINUTES * 60:
        session[NEEDS_USER_ID] = True
    session[LAST_SEEN_AT] = now


def is_passive(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    name = match.url_name if match else ""
    return request.method == "GET" and bool(name) and name.endswith(PASSIVE_URL_SUFFIXES)


def signing_needs_user_id(request: Any) -> bool:
    """True when this session's next signature must include the user id."""
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(NEEDS_USER_ID))


def signing_user_id(request: Any, submitted: Any) -> str | None:
    """The user id to check with the signature's password: what the signer typed, "" (refused)
    when the session needs one and none was typed, None when no check is due."""
    submitted = str(submitted or "").strip()
    if submitted:
        return submitted
    return "" if signing_needs_user_id(request) else None


def signature_inputs(request: Any, password: str) -> dict[str, Any]:
    """What a signing service needs from a page's signature form besides the action itself:
    the password typed, the user id to check with it (signing_user_id) and the signer's
    address."""
    return {
        "password": password,
        "username": signing_user_id(request, request.POST.get("username")),
        "remote_addr": request.META.get("REMOTE_ADDR"),
    }


def signing_identified(request: Any) -> None:
    """After a signature with user id and password: the session is continuous again."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(NEEDS_USER_ID, None)
