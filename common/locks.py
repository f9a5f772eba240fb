"""Database advisory locks: "only one of these at a time" across every process and server
that shares the database, held until the surrounding transaction ends.

PostgreSQL only. SQLite (the demo) lets one writer at a time into the whole database, so
there is nothing more to take there."""

import hashlib

from django.db import connection, transaction


def advisory_lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name (the same in every process)."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def advisory_xact_lock(name: str) -> None:
    """Wait for, then hold, the lock called `name` until the current transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("An advisory transaction lock needs a transaction (atomic block).")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [advisory_lock_key(name)])
