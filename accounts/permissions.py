"""Access checks for views and the API, both reading the role matrix in accounts.roles."""

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.permissions import BasePermission

from accounts.roles import Capability, user_can


class CapabilityRequiredMixin(AccessMixin):
    """A page that needs `required_capability`. Anonymous users go to the login page; signed-in
    users without the capability get a 403 page that says why."""

    required_capability: Capability = Capability.ANY_ROLE

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        capability = self.required_capability
        if capability is not Capability.PUBLIC and not request.user.is_authenticated:
            return login_redirect(request)
        if not user_can(request.user, capability):
            raise PermissionDenied(capability.value)
        return super().dispatch(request, *args, **kwargs)


def login_redirect(request: Any) -> HttpResponse:
    """To the login page and back. An htmx request (say, a filter after the session expired)
    sends the whole page there instead of swapping the login form into a fragment."""
    if getattr(request, "htmx", False):
        current = request.htmx.current_url_abs_path or request.get_full_path()
        return HttpResponseClientRedirect(
            f"{resolve_url(settings.LOGIN_URL)}?next={quote(current)}"
        )
    return redirect_to_login(request.get_full_path())


def requires(capability: Capability) -> Callable:
    """Decorator for function views; the same rules as CapabilityRequiredMixin."""

    def decorator(view: Callable) -> Callable:
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if capability is not Capability.PUBLIC and not request.user.is_authenticated:
                return login_redirect(request)
            if not user_can(request.user, capability):
                raise PermissionDenied(capability.value)
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability  # type: ignore[attr-defined]
        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorator


class HasCapability(BasePermission):
    """API default: authenticated and holding the view's `required_capability` (ANY_ROLE when
    the view names none). A view may name one per action in `action_capabilities`."""

    message = "Your role does not allow this action."

    def has_permission(self, request: Any, view: Any) -> bool:
        return user_can(request.user, required_capability_of(view))


def required_capability_of(view: Any) -> Capability:
    action = getattr(view, "action", None)
    per_action = getattr(view, "action_capabilities", {}) or {}
    if action in per_action:
        return per_action[action]
    return getattr(view, "required_capability", Capability.ANY_ROLE)
