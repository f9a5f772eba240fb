"""Oversized requests and requests with too many fields are refused with a 400 or 413 that
says which limit was hit, a body without a Content-Length (chunked) with a 411 before any of it
is read: as a page for pages, in the API's error shape under /api/. Never 500."""

import io
import json
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token

from accounts.roles import Role
from inventory.models import ImportBatch
from tests.factories import SkuFactory

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


# ---- bodies without a Content-Length ----------------------------------------------------------


class HugeBody:
    """A request body streamed without a declared length (as a chunked upload reaches WSGI),
    far larger than any limit, counting what the application reads of it."""

    def __init__(self, size: int = 64 * 1024 * 1024) -> None:
        self.left, self.read_bytes = size, 0

    def read(self, size: int | None = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        self.left -= size
        self.read_bytes += size
        return b"a" * size

    def readline(self, size: int | None = -1) -> bytes:
        return self.read(size if size is not None and 0 <= size < 65536 else 65536)


@pytest.fixture
def app() -> Iterator[WSGIHandler]:
    """The WSGI application with every middleware, as tests/security/test_api_fuzz.py calls it:
    the connection-closing signal handlers are off while a test's transaction is open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _call_without_length(
    app: WSGIHandler, method: str, path: str, content_type: str, body: HugeBody, **headers: str
) -> tuple[int, bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "CONTENT_TYPE": content_type,
        "HTTP_TRANSFER_ENCODING": "chunked",  # and no CONTENT_LENGTH
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **headers,
    }
    statuses = []
    response = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        content = b"".join(response)
    finally:
        response.close()
    return int(statuses[0].split()[0]), content


CSRF_TOKEN = "a" * 32


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/accounts/login/"),
        ("POST", "/api/v1/optimization/calculate-eoq"),
        ("PATCH", "/api/v1/inventory/sku/{sku}/"),
    ],
    ids=["login-form", "api-post", "api-patch"],
)
def test_a_body_without_a_content_length_is_refused_with_411_before_any_of_it_is_read(  # type: ignore[no-untyped-def]
    app, admin_user, method, path
) -> None:
    if path.startswith("/api/"):
        content_type = "application/json"
        headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=admin_user).key}"}
    else:  # a valid CSRF cookie and header: without the refusal the view itself is reached
        content_type = "application/x-www-form-urlencoded"
        headers = {"HTTP_COOKIE": f"csrftoken={CSRF_TOKEN}", "HTTP_X_CSRFTOKEN": CSRF_TOKEN}
    body = HugeBody()

    status, content = _call_without_length(
        app, method, path.format(sku=SkuFactory().pk), content_type, body, **headers
    )

    # Without the refusal nothing is read either (Django's LimitedStream stops at the missing
    # length), but the body counts as empty: the form re-renders (200), the POST names missing
    # fields (400), the PATCH answers 200 having changed nothing.
    assert body.read_bytes == 0
    assert status == 411
    if path.startswith("/api/"):
        assert json.loads(content)["error"]["code"] == "length_required"
    else:
        assert b"Content-Length" in content
