import os
from collections.abc import Iterator
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations

from accounts.append_only import purge_permitted
from accounts.roles import Role
from tests.factories import UserFactory

IN_CI = bool(os.environ.get("CI"))


def _unavailable(reason: str) -> None:
    """Outside CI a missing service skips the test; in CI it fails it (it must run there)."""
    if IN_CI:
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


_execute_sql_flush = BaseDatabaseOperations.execute_sql_flush


def _flush_with_audit_purge(ops: BaseDatabaseOperations, sql_list: list[str]) -> None:
    with purge_permitted(ops.connection) as first:
        _execute_sql_flush(ops, [*first, *sql_list])


@pytest.fixture(scope="session", autouse=True)
def flush_may_empty_the_audit_trail() -> Iterator[None]:
    """Transactional tests end with Django's flush, which empties every table; the append-only
    triggers on the audit trail and signatures let it through only inside `purge_permitted`
    (accounts/append_only.py). Nothing else in the suite may remove an audit entry."""
    with mock.patch.object(BaseDatabaseOperations, "execute_sql_flush", _flush_with_audit_purge):
        yield


@pytest.fixture
def require_postgres(db: None) -> None:
    if connection.vendor != "postgresql":
        _unavailable("needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.fixture
def redis_url() -> str:
    if not settings.REDIS_URL:
        _unavailable("needs Redis (set REDIS_URL=redis://...)")
    return settings.REDIS_URL


@pytest.fixture
def make_user(db: None):  # type: ignore[no-untyped-def]
    def make(*roles: Role | str, **fields: object):  # type: ignore[no-untyped-def]
        return UserFactory(roles=[str(role) for role in roles], **fields)

    return make


@pytest.fixture
def admin_user(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.ADMIN, username="admin-user")


@pytest.fixture
def planner(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.PLANNER, username="planner-user")


@pytest.fixture
def admin_client(client, admin_user):  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    return client
