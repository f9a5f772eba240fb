"""The audit trail and the signatures are append-only in the database itself.

Migration 0005 installs triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on
APPEND_ONLY_TABLES, whatever runs the statement: the application, the admin, a shell or psql.
On PostgreSQL the triggers are ENABLE ALWAYS, so `session_replication_role = replica` does not
switch them off. In production the application's database role should also neither own the
tables nor have UPDATE, DELETE or TRUNCATE on them (`manage.py grant_app_role` sets it up), so it
cannot drop the triggers; whoever can is caught by the hash chain (`manage.py verify_audit_trail`).

One exception, for the test suite only: Django empties every table between transactional tests
("flush": TRUNCATE on PostgreSQL, DELETE on SQLite). tests/conftest.py wraps that flush in
`purge_permitted`, which
- on PostgreSQL sets PURGE_SETTING for the flush's own transaction (SET LOCAL); the trigger lets
  DELETE/TRUNCATE (never UPDATE) through only with it set *and* in a database whose name starts
  with "test_" (the name Django gives test databases);
- on SQLite raises a flag read by the SQL function `pharmastock_audit_purge_allowed()`, which the
  DELETE trigger consults; the function is registered on every SQLite connection (apps.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

APPEND_ONLY_TABLES = ("accounts_auditlogentry", "accounts_signature")
PURGE_SETTING = "pharmastock.allow_audit_purge"
SQLITE_PURGE_FUNCTION = "pharmastock_audit_purge_allowed"

_purge_permitted: ContextVar[bool] = ContextVar("audit_purge_permitted", default=False)


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver: the function the SQLite DELETE triggers consult."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_PURGE_FUNCTION, 0, lambda: int(_purge_permitted.get())
        )


@contextmanager
def purge_permitted(connection: Any) -> Iterator[list[str]]:
    """Let the statements run inside this block empty the append-only tables (test flush only).

    Yields the SQL to run first, in the same transaction as the purge."""
    token = _purge_permitted.set(True)
    try:
        if connection.vendor == "postgresql":
            yield [f"SET LOCAL {PURGE_SETTING} = 'on'"]
        else:
            yield []
    finally:
        _purge_permitted.reset(token)
