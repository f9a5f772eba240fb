import time
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from accounts.audit import audit_context
from accounts.permissions import login_redirect
from accounts.sessions import is_passive, session_expiry_message, session_seen


def request_source(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "web"


def client_address(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it,
    # and the proxy setup (docs/deployment) sets REMOTE_ADDR through gunicorn's forwarded_allow_ips.
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Every change made while serving a request is attributed to the request's user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit_context(
            actor=lambda: getattr(request, "user", None),
            source=request_source(request.path),
            remote_addr=client_address(request),
        ):
            return self.get_response(request)


class SessionTimeoutMiddleware:
    """Ends a session that was idle too long or has lived too long (accounts.sessions): the user
    is signed out and sent to the login page with the reason; an htmx request gets an
    HX-Redirect to it, never the login form inside a fragment; an API call goes on unsigned-in
    (and is refused unless it carries a token)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: object, kwargs: object
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        now = time.time()
        expired = session_expiry_message(request.session, now)
        if expired:
            logout(request)
            if request.path.startswith("/api/"):
                return None
            messages.info(request, expired)
            return login_redirect(request)
        if not is_passive(request):
            session_seen(request.session, now)
        return None
