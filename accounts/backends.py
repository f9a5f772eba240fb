from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend

from accounts.roles import Role, user_roles

# Records that nobody edits or deletes through the admin, whatever their role.
READ_ONLY_MODELS = {"accounts.auditlogentry", "accounts.signature", "accounts.securityevent"}


class RoleModelBackend(ModelBackend):
    """Django model permissions follow the role matrix: the admin role manages master data
    through the admin site; every other role has no admin permissions at all."""

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active:
            return False
        if Role.ADMIN in user_roles(user_obj):
            app_label, _, codename = perm.partition(".")
            action, _, model = codename.partition("_")
            return not (f"{app_label}.{model}" in READ_ONLY_MODELS and action != "view")
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        if user_obj.is_active and Role.ADMIN in user_roles(user_obj):
            return True
        return super().has_module_perms(user_obj, app_label)


class LockoutBackend(AxesStandaloneBackend):
    """First in AUTHENTICATION_BACKENDS: refuses a locked-out username and address before any
    password is checked (django-axes). Sign-ins without a request (the test client's
    `login()`, a shell) have no address to lock and are left to the next backend."""

    def authenticate(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
