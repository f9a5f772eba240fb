"""Append-only audit trail and signatures (accounts.append_only): triggers refuse UPDATE and
DELETE (and TRUNCATE on PostgreSQL), on PostgreSQL and on SQLite alike.

SQLite drops a table's triggers when Django rebuilds the table (an AlterField there copies the
table): a later migration that alters these tables must create the triggers again
(tests/integration/test_audit_chain.py fails if they are gone)."""

from django.db import migrations, models

TABLES = ("accounts_auditlogentry", "accounts_signature")

PG_FUNCTION = r"""
CREATE OR REPLACE FUNCTION pharmastock_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE')
       AND current_setting('pharmastock.allow_audit_purge', true) = 'on'
       AND current_database() LIKE 'test\_%' THEN
        IF TG_LEVEL = 'ROW' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'The audit trail and signatures are never changed or removed.';
END
$$
"""

PG_TRIGGERS = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION pharmastock_append_only();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION pharmastock_append_only();
ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_append_only;
ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_truncate
"""

SQLITE_TRIGGERS = (
    """CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
    BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
    WHEN NOT pharmastock_audit_purge_allowed()
    BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END""",
)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        for table in TABLES:
            for statement in PG_TRIGGERS.format(table=table).split(";"):
                schema_editor.execute(statement, params=None)
    elif vendor == "sqlite":
        for table in TABLES:
            for statement in SQLITE_TRIGGERS:
                schema_editor.execute(statement.format(table=table), params=None)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS pharmastock_append_only()")
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


class Migration(migrations.Migration):

    dependencies = [("accounts", "0004_audit_hash_chain")]

    operations = [
        migrations.AlterField(
            model_name="auditlogentry",
            name="sequence",
            field=models.PositiveBigIntegerField(
                editable=False,
                help_text="Place in the trail: 1, 2, 3 … without gaps.",
                unique=True,
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
