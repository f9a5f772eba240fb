from typing import Any

from django.http import HttpRequest

from accounts.navigation import navigation_for
from accounts.roles import user_roles
from accounts.sessions import signing_needs_user_id


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    roles = sorted(user_roles(user))
    return {
        "nav_items": navigation_for(user, request.path),
        "user_roles": [role.label for role in roles],
        "signing_needs_user_id": signing_needs_user_id(request),
    }
