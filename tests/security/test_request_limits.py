"""Oversized requests and requests with too many fields are refused with a 400 or 413 that
says which limit was hit: as a page for pages, in the API's error shape under /api/. Never 500."""

import json
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from accounts.roles import Role
from inventory.models import ImportBatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_header(make_user) -> dict:  # type: ignore[no-untyped-def]
    token = Token.objects.create(user=make_user(Role.PLANNER))
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def test_the_limits_are_set_explicitly(settings) -> None:  # type: ignore[no-untyped-def]
    from config.settings import base

    for name in (
        "DATA_UPLOAD_MAX_MEMORY_SIZE",
        "DATA_UPLOAD_MAX_NUMBER_FIELDS",
        "DATA_UPLOAD_MAX_NUMBER_FILES",
        "FILE_UPLOAD_MAX_MEMORY_SIZE",
        "IMPORT_MAX_BYTES",
    ):
        assert isinstance(getattr(base, name), int), name
    assert "config.limits.RequestSizeLimitMiddleware" in settings.MIDDLEWARE


def test_a_page_post_with_too_many_fields_is_a_400_naming_the_limit(admin_client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    fields = {f"field{n}": "x" for n in range(51)}

    response = admin_client.post("/inventory/imports/", fields)

    assert response.status_code == 400
    assert "more than 50 fields" in response.content.decode()


def test_an_api_post_with_too_many_fields_is_a_400_in_the_error_shape(  # type: ignore[no-untyped-def]
    client, token_header, settings
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    fields = {f"field{n}": "x" for n in range(51)}

    response = client.post("/api/v1/optimization/calculate-eoq", fields, **token_header)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_fields"


def test_an_oversized_json_body_is_a_413_in_the_error_shape(client, token_header, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"annual_demand": 1, "order_cost": 1, "unit_price": 1, "pad": "x" * 20_000})

    response = client.post(
        "/api/v1/optimization/calculate-eoq", body, content_type="application/json", **token_header
    )

    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "request_too_large" and "the limit is" in error["message"]


def test_an_oversized_form_body_on_a_page_is_a_413(admin_client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    body = urlencode({"kind": "skus", "pad": "x" * 20_000})

    response = admin_client.post(
        "/inventory/imports/", body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 413
    assert "the limit is" in response.content.decode()


def test_oversized_fields_in_an_upload_form_are_a_400_naming_the_limit(
    admin_client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = admin_client.post("/inventory/imports/", {"kind": "skus", "pad": "x" * 20_000})

    assert response.status_code == 400
    assert "larger than 10 kB, the most this server accepts" in response.content.decode()


def test_an_upload_far_over_the_import_limit_is_a_413_before_it_is_read(
    admin_client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_MAX_BYTES = 100_000
    upload = SimpleUploadedFile("big.csv", b"code,name\n" + b"A,b\n" * 100_000)

    response = admin_client.post("/inventory/imports/", {"kind": "skus", "file": upload})

    assert response.status_code == 413
    assert "The upload is" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_upload_just_over_the_import_limit_is_refused_by_the_form(
    admin_client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_MAX_BYTES = 100_000
    upload = SimpleUploadedFile("big.csv", b"code,name\n" + b"A,b\n" * 25_500)  # ~102 kB

    response = admin_client.post("/inventory/imports/", {"kind": "skus", "file": upload})

    assert response.status_code == 400
    assert (
        "the limit is 0 MB" in response.content.decode() or "limit is" in response.content.decode()
    )
    assert not ImportBatch.objects.exists()


def test_a_bad_content_length_is_a_400(client) -> None:  # type: ignore[no-untyped-def]
    response = client.generic("POST", "/api/v1/me/", b"", CONTENT_LENGTH="abc")

    assert response.status_code == 400
