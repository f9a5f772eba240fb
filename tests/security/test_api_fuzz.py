"""Property-based fuzzing of the API against its own OpenAPI schema, once per role.

schemathesis generates requests for every operation of the drf-spectacular schema and sends
them to the WSGI app with a token of the role; each answer must be no 5xx and, when its status
is documented, match the documented body. Examples per operation are bounded so the suite stays
fast; each example runs in a transaction that is rolled back, so writes never leak between them.
"""

from collections.abc import Iterator
from datetime import date

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.roles import Role
from suppliers.models import SupplierUser
from tests.factories import (
    LotFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SiteFactory,
    SkuFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

schema = schemathesis.openapi.from_dict(
    SchemaGenerator().get_schema(request=None, public=True)  # the document /api/schema/ serves
)

# Generated examples only (the coverage phase's exhaustive boundary cases would take minutes).
schema.config.phases.coverage.enabled = False

CHECKS = [not_a_server_error, response_schema_conformance]


class _RolledBack(Exception):
    pass


@pytest.fixture
def api_data(db: None) -> dict:
    """A little of everything, so detail and action routes find rows as well as missing ones."""
    supplier = SupplierFactory()
    sku, site = SkuFactory(), SiteFactory()
    LotFactory(sku=sku, site=site, expiry_date=date(2030, 1, 1))
    order = PurchaseOrderFactory(supplier=supplier)
    PurchaseOrderLineFactory(purchase_order=order, sku=sku)
    return {"supplier": supplier}


@pytest.fixture(params=list(Role), ids=str)
def token(request: pytest.FixtureRequest, api_data: dict) -> str:
    role = request.param
    user = UserFactory(roles=[str(role)])
    if role == Role.SUPPLIER:
        SupplierUser.objects.create(user=user, supplier=api_data["supplier"])
    return Token.objects.create(user=user).key


@pytest.fixture
def app() -> Iterator[WSGIHandler]:
    """The project's WSGI application, with every middleware. Django closes the database
    connection when a request starts and finishes; inside a test's transaction that would
    close it under the test (PostgreSQL), so, as Django's own test client does, the handlers
    are disconnected while the test calls the application directly."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_error_and_answers_match_the_schema(case, app, token: str) -> None:  # type: ignore[no-untyped-def]
    try:
        with transaction.atomic():
            case.call_and_validate(
                app=app, headers={"Authorization": f"Token {token}"}, checks=CHECKS
            )
            raise _RolledBack
    except _RolledBack:
        pass
