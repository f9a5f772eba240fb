"""Every API view states who may call it.

The rule: an API view (anything under /api/ built on DRF's APIView) either declares
`required_capability` (and, per action, `action_capabilities`) itself, which the default
permission class accounts.permissions.HasCapability reads from the role matrix, or sets its own
`permission_classes`. Relying silently on the default (ANY_ROLE) is refused, and no view may let
anonymous callers in. The URL list is read from the URLconf (tests.url_walker), so a new
endpoint is checked without editing this file.
"""

import pytest
from rest_framework.permissions import AllowAny
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.views import APIView

from accounts.permissions import HasCapability
from accounts.roles import Capability
from tests.url_walker import all_endpoints


def api_views() -> list[tuple[str, type]]:
    found: dict[str, type] = {}
    for endpoint in all_endpoints():
        view_class = endpoint.view_class
        if endpoint.route.startswith("api/") and view_class and issubclass(view_class, APIView):
            found[endpoint.route] = view_class
    return sorted(found.items())


API_VIEWS = api_views()


def declared_below_drf(view_class: type, attribute: str) -> bool:
    """True when a class of ours (not DRF's or a library's) sets `attribute`."""
    return any(
        attribute in vars(klass)
        for klass in view_class.__mro__
        if not klass.__module__.startswith(("rest_framework", "drf_spectacular", "django"))
    )


def test_the_walk_finds_the_api() -> None:
    routes = [route for route, _ in API_VIEWS]
    assert len(routes) > 20
    assert any("reorder/recommendations/approve" in route for route in routes)


@pytest.mark.parametrize(("route", "view_class"), API_VIEWS, ids=[r for r, _ in API_VIEWS])
def test_every_api_view_declares_its_permission_explicitly(route: str, view_class: type) -> None:
    has_capability = declared_below_drf(view_class, "required_capability")
    has_classes = declared_below_drf(view_class, "permission_classes")

    assert has_capability or has_classes, (
        f"{view_class.__name__} ({route}) relies on the default permission: declare "
        "required_capability or permission_classes"
    )
    if has_capability:
        assert isinstance(view_class.required_capability, Capability)
        assert view_class.required_capability is not Capability.PUBLIC
        for capability in (getattr(view_class, "action_capabilities", None) or {}).values():
            assert isinstance(capability, Capability)
    classes = view_class.permission_classes
    assert classes, f"{view_class.__name__} has no permission classes"
    assert AllowAny not in classes
    if not has_classes:
        assert list(classes) == list(api_settings.DEFAULT_PERMISSION_CLASSES)
        assert HasCapability in classes


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "view_class"), API_VIEWS, ids=[r for r, _ in API_VIEWS])
def test_anonymous_callers_are_refused_everywhere(route: str, view_class: type) -> None:
    path = "/" + route.replace("(?P<pk>[^/.]+)", "1")
    for token, sample in (
        ("<int:pk>", "1"),
        ("<int:sku_id>", "1"),
        ("<int:line_id>", "1"),
        ("<str:number>", "PO-1"),
    ):
        path = path.replace(token, sample)
    path = path.replace("^", "").replace("$", "")

    client = APIClient()
    for response in (client.get(path), client.post(path, {}, format="json")):
        if response.status_code == 302:  # the Swagger page: a browser goes to the login page
            assert response["Location"].startswith("/accounts/login/"), path
        else:
            assert response.status_code in (401, 403), (path, response.status_code)
