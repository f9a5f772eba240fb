from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from accounts.forms import AuditTrailFilterForm
from accounts.health import system_health
from accounts.permissions import CapabilityRequiredMixin, requires
from accounts.roles import Capability, Role, user_roles
from accounts.selectors import audit_entries, describe_changes
from accounts.services import user_sessions_end

AUDIT_TRAIL_PAGE_SIZE = 50


class HomeView(CapabilityRequiredMixin, TemplateView):
    required_capability = Capability.ANY_ROLE
    template_name = "accounts/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        roles = user_roles(self.request.user)
        context["is_supplier_only"] = roles == frozenset({Role.SUPPLIER})
        context["roles"] = sorted(roles)
        return context


class AuditTrailView(CapabilityRequiredMixin, TemplateView):
    """The audit trail, filterable by user, kind of record, action and date. HTMX requests get
    only the results table."""

    required_capability = Capability.VIEW_AUDIT_TRAIL
    template_name = "accounts/audit_trail.html"

    def get_template_names(self) -> list[str]:
        if self.request.htmx and not self.request.htmx.boosted:
            return [f"{self.template_name}#trail-results"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = AuditTrailFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        entries = audit_entries(**{k: v for k, v in filters.items() if v not in (None, "")})
        page = Paginator(entries, AUDIT_TRAIL_PAGE_SIZE).get_page(self.request.GET.get("page"))
        for entry in page.object_list:
            entry.change_rows = describe_changes(entry)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(form=form, page_obj=page, entries=page.object_list, query=query.urlencode())
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        response["Vary"] = "HX-Request"
        return response


# One answer for a wrong password, an unknown user, an inactive account and a locked-out one,
# so the login page never tells which usernames exist.
LOGIN_REFUSED = (
    "Please enter a correct username and password. After too many failed attempts an account "
    "is locked for a while: try again later or ask an administrator."
)


class LoginForm(AuthenticationForm):
    error_messages = {"invalid_login": LOGIN_REFUSED, "inactive": LOGIN_REFUSED}


class LoginView(auth_views.LoginView):
    required_capability = Capability.PUBLIC
    template_name = "registration/login.html"
    form_class = LoginForm


def login_refused(
    request: HttpRequest, original_response: HttpResponse | None = None, *args: Any
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a locked-out sign-in gets the page a wrong password gets (the
    backend refused it before any password check, so the form already says LOGIN_REFUSED)."""
    if original_response is not None:
        return original_response
    return HttpResponseForbidden(LOGIN_REFUSED)


class LogoutView(auth_views.LogoutView):
    required_capability = Capability.PUBLIC


class PasswordChangeView(CapabilityRequiredMixin, auth_views.PasswordChangeView):
    """A new password signs the user out everywhere else and revokes the API token."""

    required_capability = Capability.LOGIN

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # keeps this session (update_session_auth_hash)
        user_sessions_end(
            user=form.user,
            why="password changed",
            keep_session_key=self.request.session.session_key,
        )
        return response


class PasswordChangeDoneView(CapabilityRequiredMixin, auth_views.PasswordChangeDoneView):
    required_capability = Capability.LOGIN


@never_cache
@require_GET
@requires(Capability.PUBLIC)
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, cache and broker status for load balancers and monitoring."""
    report = system_health(connection)
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403 page: says whether the account has no role at all or lacks this one permission."""
    has_role = bool(user_roles(getattr(request, "user", None)))
    return render(request, "403.html", {"has_role": has_role}, status=403)
