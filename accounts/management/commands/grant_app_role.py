"""The application's PostgreSQL login role: it reads and writes every table, but may not
UPDATE, DELETE or TRUNCATE the append-only audit tables (accounts.append_only), and owns none
of them, so it cannot drop their triggers either.

Run it as the role that owns the tables (the one `migrate` runs as), after every `migrate`:
tables added by a migration get their grants from the next run. It is idempotent. Everything
happens in one transaction and is checked with has_table_privilege() at the end (which sees
PUBLIC grants, inherited roles and superusers too); a role that could still change the trail
rolls the whole run back.
"""

import os
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from accounts.append_only import APPEND_ONLY_TABLES

ROLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
FORBIDDEN = ("UPDATE", "DELETE", "TRUNCATE")


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class Command(BaseCommand):
    help = (
        "Create the application's PostgreSQL login role if missing and grant it what the "
        "application needs, without UPDATE, DELETE or TRUNCATE on the audit trail and the "
        "signatures. Run as the tables' owner, after every migrate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="Name of the application's login role.")
        parser.add_argument(
            "--password-from-env",
            metavar="VARIABLE",
            help="Set the role's password from this environment variable.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                f"grant_app_role needs PostgreSQL; this database is {connection.vendor}, which "
                "has no roles (its triggers alone keep the audit trail append-only)."
            )
        role = options["role"]
        if not ROLE_NAME.fullmatch(role):
            raise CommandError(f"'{role}' is not a plain role name (letters, digits, _).")
        password = None
        if options["password_from_env"]:
            password = os.environ.get(options["password_from_env"])
            if not password:
                raise CommandError(f"The variable {options['password_from_env']} is not set.")
        with transaction.atomic(), connection.cursor() as cursor:
            self._refuse_a_role_above_the_tables(cursor, role)
            name = _quoted(role)
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone():
                self.stdout.write(f"-- role {name} exists")
            else:
                self._run(cursor, f"CREATE ROLE {name} LOGIN")
            if password:
                self._run(cursor, f"ALTER ROLE {name} PASSWORD %s", [password])
            cursor.execute("SELECT current_database(), current_schema()")
            database, schema = (_quoted(value) for value in cursor.fetchone())
            self._run(cursor, f"GRANT CONNECT ON DATABASE {database} TO {name}")
            self._run(cursor, f"GRANT USAGE ON SCHEMA {schema} TO {name}")
            self._run(
                cursor,
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {name}",
            )
            self._run(cursor, f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {name}")
            tables = ", ".join(_quoted(table) for table in APPEND_ONLY_TABLES)
            self._run(cursor, f"REVOKE {', '.join(FORBIDDEN)} ON {tables} FROM {name}")
            self._check(cursor, role)

    def _run(self, cursor: Any, statement: str, params: list[str] | None = None) -> None:
        cursor.execute(connection.ops.compose_sql(statement, params) if params else statement)
        self.stdout.write(statement.replace("%s", "'…'"))  # a password is never shown

    def _refuse_a_role_above_the_tables(self, cursor: Any, role: str) -> None:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        found = cursor.fetchone()
        if found and found[0]:
            raise CommandError(f"{role} is a superuser: it can do anything to any table.")
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE tablename = ANY(%s) AND tableowner = %s",
            [list(APPEND_ONLY_TABLES), role],
        )
        owned = [row[0] for row in cursor.fetchall()]
        if owned:
            raise CommandError(
                f"{role} owns {', '.join(owned)}, so it could drop the triggers. Run migrate as "
                "another role (the owner) and the application as this one."
            )

    def _check(self, cursor: Any, role: str) -> None:
        for table in APPEND_ONLY_TABLES:
            for privilege in ("SELECT", "INSERT", *FORBIDDEN):
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege])
                allowed = cursor.fetchone()[0]
                if allowed != (privilege in ("SELECT", "INSERT")):
                    raise CommandError(
                        f"{role} {'still has' if allowed else 'lacks'} {privilege} on {table} "
                        "(granted to PUBLIC or to a role it inherits from?); nothing was changed."
                    )
        self.stdout.write(
            self.style.SUCCESS(
                f"{role} may read and write the application's tables; on "
                f"{', '.join(APPEND_ONLY_TABLES)} only SELECT and INSERT."
            )
        )
