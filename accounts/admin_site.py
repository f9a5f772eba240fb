from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.roles import Capability, user_can


class PharmaAdminSite(admin.AdminSite):
    """Master data administration: open to the admin role (not to Django's is_staff flag), and
    signing in happens on the application's own login page."""

    site_header = "PharmaStock administration"
    site_title = "PharmaStock admin"
    index_title = "Master data, users and schedules"
    site_url = "/"

    def has_permission(self, request: HttpRequest) -> bool:
        return user_can(request.user, Capability.MANAGE_MASTER_DATA)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return redirect_to_login(request.GET.get("next", self.site_url or "/"))

    def admin_view(self, view, cacheable=False):  # type: ignore[no-untyped-def]
        """Signed-in users without the admin role get the 403 page, not a login loop."""
        inner = super().admin_view(view, cacheable)

        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied(Capability.MANAGE_MASTER_DATA.value)
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, inner)
