import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_for(make_user):  # type: ignore[no-untyped-def]
    def make(role: Role) -> APIClient:
        api = APIClient()
        api.credentials(
            HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=make_user(role)).key}"
        )
        return api

    return make


def test_token_holder_sees_who_they_are_and_their_roles(api_for) -> None:  # type: ignore[no-untyped-def]
    body = api_for(Role.PLANNER).get("/api/v1/me/").json()

    assert body["roles"] == ["planner"]


def test_anonymous_call_gets_401_in_the_common_error_shape() -> None:
    response = APIClient().get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_forbidden_call_gets_403_in_the_common_error_shape(api_for) -> None:  # type: ignore[no-untyped-def]
    response = api_for(Role.VIEWER).get("/api/v1/users/")

    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Your role does not allow this action."


def test_user_list_is_paginated_and_searchable(api_for, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.VIEWER, username="needle", full_name="Needle Person")

    body = api_for(Role.ADMIN).get("/api/v1/users/", {"search": "needle"}).json()

    assert body["count"] == 1
    assert body["results"][0]["username"] == "needle"


def test_protected_fields_are_refused_and_nothing_changes(api_for, make_user) -> None:  # type: ignore[no-untyped-def]
    target = make_user(Role.VIEWER, username="target", full_name="Same Name")

    response = api_for(Role.ADMIN).patch(
        f"/api/v1/users/{target.pk}/",
        {"full_name": "New Name", "is_superuser": True},
        format="json",
    )

    assert response.status_code == 400
    assert "is_superuser" in response.json()["error"]["fields"]
    refreshed = User.objects.get(pk=target.pk)
    assert (refreshed.full_name, refreshed.is_superuser) == ("Same Name", False)


def test_role_change_without_reason_is_refused_and_nothing_changes(api_for, make_user) -> None:  # type: ignore[no-untyped-def]
    target = make_user(Role.VIEWER, username="target", full_name="Same Name")

    response = api_for(Role.ADMIN).patch(
        f"/api/v1/users/{target.pk}/", {"full_name": "New Name", "roles": ["admin"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "reason_required"
    assert User.objects.get(pk=target.pk).full_name == "Same Name"


def test_invalid_email_names_the_field(api_for, make_user) -> None:  # type: ignore[no-untyped-def]
    target = make_user(Role.VIEWER)

    response = api_for(Role.ADMIN).patch(
        f"/api/v1/users/{target.pk}/", {"email": "not-an-email"}, format="json"
    )

    assert response.status_code == 400
    assert "email" in response.json()["error"]["fields"]


def test_openapi_schema_describes_the_api(api_for) -> None:  # type: ignore[no-untyped-def]
    response = api_for(Role.VIEWER).get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )

    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/users/" in schema["paths"]
    assert "/api/v1/me/" in schema["paths"]


def test_swagger_ui_is_served_from_local_static_files(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.PLANNER))

    page = client.get("/api/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
