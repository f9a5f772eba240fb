"""`manage.py grant_app_role`: the application's PostgreSQL role reads and writes its tables but
has no UPDATE, DELETE or TRUNCATE on the audit trail and the signatures, and cannot switch their
triggers off, so the trail stays append-only even for a process holding the app's credentials.

The PostgreSQL tests work as the role inside the test's transaction (SET ROLE), so they see the
privileges the database itself enforces. Roles are cluster-wide: each test uses a new name and
drops it afterwards (its creation is also rolled back with the test's transaction).
"""

import io
import uuid
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from accounts.append_only import APPEND_ONLY_TABLES
from accounts.roles import Role
from accounts.services import signature_sign, user_update
from tests.factories import TEST_PASSWORD, SkuFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_role(require_postgres: None) -> Iterator[str]:
    role = f"pharmastock_test_{uuid.uuid4().hex[:12]}"
    yield role
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


def _grant(role: str, *args: str) -> str:
    out = io.StringIO()
    call_command("grant_app_role", role, *args, stdout=out)
    return out.getvalue()


def _refusal(statement: str, params: list | None = None) -> str:  # type: ignore[type-arg]
    """The database's refusal of `statement` ("" when it ran), rolled back either way."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
            raise _RanThrough
    except _RanThrough:
        return ""
    except DatabaseError as error:
        return str(error)


class _RanThrough(Exception):
    pass


def test_it_refuses_clearly_without_postgresql() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("the refusal is for databases without roles")

    with pytest.raises(CommandError, match="needs PostgreSQL"):
        _grant("pharmastock_app")


def test_the_app_role_writes_the_trail_but_cannot_change_or_remove_it(  # type: ignore[no-untyped-def]
    app_role, make_user, admin_user
) -> None:
    signer = make_user(Role.PLANNER, username="signer")
    sku = SkuFactory()
    first = _grant(app_role)
    second = _grant(app_role)  # idempotent: the same grants again, the role kept

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own pending FK checks
        cursor.execute(f'SET ROLE "{app_role}"')
    try:
        # What the application does: audited writes and a signature, as this role.
        user_update(actor=admin_user, user=signer, full_name="Signer Two", reason="typo")
        signature_sign(signer=signer, password=TEST_PASSWORD, meaning="reviewed", target=sku)
        assert not _refusal("UPDATE inventory_sku SET name = 'renamed' WHERE id = %s", [sku.pk])
        assert not _refusal("SELECT count(*) FROM accounts_auditlogentry")

        for table in APPEND_ONLY_TABLES:  # names from the code, not input (hence the noqa)
            for statement in (
                f"UPDATE {table} SET id = id",  # noqa: S608
                f"DELETE FROM {table}",  # noqa: S608
                f"TRUNCATE {table} CASCADE",
            ):
                assert f"permission denied for table {table}" in _refusal(statement), statement
            # Nor can it switch the triggers off to get past them.
            assert "must be owner" in _refusal(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        assert "permission denied" in _refusal("SET LOCAL session_replication_role = replica")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert f'CREATE ROLE "{app_role}" LOGIN' in first
    assert "exists" in second and "CREATE ROLE" not in second
    assert 'REVOKE UPDATE, DELETE, TRUNCATE ON "accounts_auditlogentry"' in second


def test_a_role_that_owns_the_audit_tables_is_refused(app_role) -> None:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{app_role}"')
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'ALTER TABLE accounts_signature OWNER TO "{app_role}"')

    with pytest.raises(CommandError, match="owns accounts_signature"):
        _grant(app_role)

    with connection.cursor() as cursor:  # back, before the role and what it owns are dropped
        cursor.execute("ALTER TABLE accounts_signature OWNER TO CURRENT_USER")


def test_a_role_inheriting_update_on_the_trail_rolls_everything_back(app_role) -> None:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{app_role}_writer"')
        cursor.execute(f'GRANT UPDATE ON accounts_auditlogentry TO "{app_role}_writer"')
        cursor.execute(f'CREATE ROLE "{app_role}" LOGIN IN ROLE "{app_role}_writer"')

    with pytest.raises(CommandError, match="still has UPDATE on accounts_auditlogentry"):
        _grant(app_role)

    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, 'inventory_sku', 'INSERT')", [app_role])
        assert cursor.fetchone()[0] is False  # the grants before the check were rolled back
        cursor.execute(f'DROP OWNED BY "{app_role}_writer"')
        cursor.execute(f'DROP ROLE "{app_role}_writer"')
