from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .audit import audit_context


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
