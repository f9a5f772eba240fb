"""Writing many rows' changed columns at once.

Django's `bulk_update` builds one `CASE WHEN pk = … THEN …` expression per field over every
row, which costs seconds of Python for a thousand rows of ten fields. `update_rows` sends one
parameterised `UPDATE … WHERE pk = %s` per row through `executemany` instead: the database
driver batches it (psycopg pipelines it; SQLite runs it in C), and the values are prepared by
each field exactly as `save()` prepares them. Like `bulk_update`, it sends no signals.

`insert_values` and `update_values` are the same writes for callers that already hold the
rows as plain tuples of column values (a batch of thousands of ledger or trail rows): no
model instance is built and, on PostgreSQL, no value goes through its field one by one.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, router, transaction
from django.db.models import BooleanField, Model, Q
from django.db.models.expressions import RawSQL


def update_rows(model: type[Model], objects: Sequence[Any], fields: Sequence[str]) -> int:
    """Write `fields` of each object to its row (by primary key). Returns the rows sent."""
    if not objects:
        return 0
    using = router.db_for_write(model)
    connection = connections[using]
    quote = connection.ops.quote_name
    concrete = [model._meta.get_field(name) for name in fields]
    pk = model._meta.pk
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in concrete)
    statement = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} "  # noqa: S608 - names quoted
        f"WHERE {quote(pk.column)} = %s"
    )
    params = [
        [
            *(
                field.get_db_prep_save(getattr(obj, field.attname), connection)
                for field in concrete
            ),
            pk.get_db_prep_save(obj.pk, connection),
        ]
        for obj in objects
    ]
    return _update_params(model, connection, concrete, statement, params)


def _update_params(
    model: type[Model], connection: Any, concrete: list[Any], statement: str, params: list[Any]
) -> int:
    if connection.vendor == "postgresql" and len(params) >= SET_BASED_FROM:
        return _update_from_copy(model, connection, concrete, params)
    with connection.cursor() as cursor:
        cursor.executemany(statement, params)
    return len(params)


def update_values(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """`update_rows` for rows held as tuples: each row is (primary key, value of each of
    `columns`), `columns` named by attname (`lot_id`, `quantity`). On PostgreSQL the values go
    as they are (Python values psycopg adapts: int, str, Decimal, date, aware datetime, None);
    elsewhere each is prepared by its field. Returns the rows sent."""
    if not rows:
        return 0
    using = router.db_for_write(model)
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = _fields_by_attname(model)
    concrete = [fields[name] for name in columns]
    pk = model._meta.pk
    statement = (
        f"UPDATE {quote(model._meta.db_table)} SET "  # noqa: S608 - names quoted
        + ", ".join(f"{quote(field.column)} = %s" for field in concrete)
        + f" WHERE {quote(pk.column)} = %s"
    )
    if connection.vendor == "postgresql":
        if len(rows) >= SET_BASED_FROM:
            return _update_from_arrays(model, connection, concrete, rows)
        params = [[*row[1:], row[0]] for row in rows]
    else:
        params = [
            [
                *(
                    field.get_db_prep_save(value, connection)
                    for field, value in zip(concrete, row[1:], strict=True)
                ),
                pk.get_db_prep_save(row[0], connection),
            ]
            for row in rows
        ]
    return _update_params(model, connection, concrete, statement, params)


def _update_from_arrays(
    model: type[Model], connection: Any, concrete: list[Any], rows: Sequence[Sequence[Any]]
) -> int:
    """PostgreSQL, many rows: one UPDATE … FROM unnest(…) with each column's values sent as one
    array in its text form (no temporary table, no value dumped one by one)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = model._meta.pk
    columns = [pk, *concrete]
    names = [f"c{index}" for index in range(len(columns))]
    arrays = [
        "%s::" + column.db_type(connection).replace("serial", "int") + "[]" for column in columns
    ]
    assignments = ", ".join(
        f"{quote(field.column)} = staged.{name}"
        for field, name in zip(concrete, names[1:], strict=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} "  # noqa: S608 - names quoted
            f"FROM unnest({', '.join(arrays)}) AS staged ({', '.join(names)}) "
            f"WHERE {table}.{quote(pk.column)} = staged.c0",
            [_text_array(row[index] for row in rows) for index in range(len(columns))],
        )
    return len(rows)


def _text_array(values: Iterable[Any]) -> str:
    """The text form of a PostgreSQL array of `values` (each quoted, None as NULL), cast by
    the statement to the column's type."""
    return (
        "{"
        + ",".join(
            "NULL"
            if value is None
            else '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for value in values
        )
        + "}"
    )


def _fields_by_attname(model: type[Model]) -> dict[str, Any]:
    return {field.attname: field for field in model._meta.concrete_fields}


def insert_values(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    with_ids: bool = False,
) -> list[int]:
    """Insert rows held as tuples of the values of `columns` (named by attname, without the
    primary key) and return their new primary keys when `with_ids` (else []).

    Nothing is defaulted: every column the table needs is named. On PostgreSQL the ids are
    taken from the table's sequence in one query and the rows sent with one COPY, the values
    as they are (Python values psycopg adapts) except JSON columns, which their field prepares;
    elsewhere (SQLite) each value is prepared by its field and the rows inserted with one
    statement each (the database gives each its id). Sends no signals."""
    if not rows:
        return []
    using = router.db_for_write(model)
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = _fields_by_attname(model)
    concrete = [fields[name] for name in columns]
    opts = model._meta
    table = quote(opts.db_table)
    names = ", ".join(quote(field.column) for field in concrete)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            statement = (
                f"INSERT INTO {table} ({names}) "  # noqa: S608 - names quoted
                f"VALUES ({', '.join(['%s'] * len(concrete))})"
            )
            prepared = [
                [
                    field.get_db_prep_save(value, connection)
                    for field, value in zip(concrete, row, strict=True)
                ]
                for row in rows
            ]
            if not with_ids:
                cursor.executemany(statement, prepared)
                return []
            ids = []
            for values in prepared:
                cursor.execute(statement, values)
                ids.append(cursor.lastrowid)
            return ids
        ids = []
        if with_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [opts.db_table, opts.pk.column, len(rows)],
            )
            ids = [new_id for (new_id,) in cursor.fetchall()]
            names = f"{quote(opts.pk.column)}, {names}"
        json_columns = [
            (index, field)
            for index, field in enumerate(concrete)
            if field.get_internal_type() == "JSONField"
        ]
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for number, row in enumerate(rows):
                values = list(row) if json_columns else row
                for index, field in json_columns:
                    if values[index] is not None:
                        values[index] = field.get_db_prep_save(values[index], connection)
                copy.write_row((ids[number], *values) if with_ids else values)
    return ids


SET_BASED_FROM = 50  # rows: below this, executemany's round trips cost less than a temp table


def _update_from_copy(
    model: type[Model], connection: Any, concrete: list[Any], params: list[Any]
) -> int:
    """PostgreSQL, many rows: COPY the new values into a temporary table of the same column
    types and write them with one UPDATE … FROM (the per-row statements cost a parse, bind and
    quoting of each value in Python)."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    columns = [quote(field.column) for field in concrete]
    staging = quote(f"_update_{model._meta.db_table}")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "  # noqa: S608 - names quoted
            f"SELECT {', '.join(columns)}, {pk} FROM {table} WITH NO DATA"
        )
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {staging} ({', '.join(columns)}, {pk}) FROM STDIN") as copy,
        ):
            for row in params:
                copy.write_row(row)
        assignments = ", ".join(f"{column} = staged.{column}" for column in columns)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {staging} AS staged "  # noqa: S608
            f"WHERE {table}.{pk} = staged.{pk}"
        )
        cursor.execute(f"DROP TABLE {staging}")
    return len(params)


def int_array(values: Iterable[int]) -> str:
    """PostgreSQL's text form of an integer array (`%s::bigint[]`): one string parameter for
    thousands of keys, where a list parameter is dumped element by element."""
    return "{" + ",".join(str(int(value)) for value in values) + "}"


def keys_filter(model: type[Model], columns: Sequence[str], keys: Sequence[Sequence[Any]]) -> Q:
    """PostgreSQL: a filter for the rows of `model` whose `columns` (attnames) hold one of
    `keys`, as one semi-join with the keys sent as one array per column (integers as
    `int_array` text, other values as text). The planner joins the keys to the table's index
    instead of crossing one IN list per column."""
    quote = connections[router.db_for_read(model)].ops.quote_name
    fields = _fields_by_attname(model)
    table = quote(model._meta.db_table)
    names = ", ".join(f"{table}.{quote(fields[name].column)}" for name in columns)
    arrays: list[Any] = []
    casts = []
    for index, _ in enumerate(columns):
        values = [key[index] for key in keys]
        if all(isinstance(value, int) for value in values):
            arrays.append(int_array(values))
            casts.append("%s::bigint[]")
        else:
            arrays.append([str(value) for value in values])
            casts.append("%s::text[]")
    return Q(
        RawSQL(  # noqa: S611 - names quoted, values as parameters
            f"({names}) IN (SELECT * FROM unnest({', '.join(casts)}))",  # noqa: S608
            arrays,
            output_field=BooleanField(),
        )
    )


def insert_rows(
    model: type[Model],
    objects: Sequence[Any],
    *,
    with_ids: bool = True,
    ignore_conflicts: bool = False,
    batch_size: int = 1000,
) -> list[Any]:
    """Insert `objects` (new rows of `model`) as `bulk_create` would, and faster on PostgreSQL.

    There the ids, when wanted, are taken from the table's sequence in one query and the rows
    sent with one COPY: no SQL text of ten thousand parameters to build and quote, no
    RETURNING. Each value is prepared by its field exactly as `save()` prepares it (defaults
    and `auto_now_add` included), so the rows are the ones `bulk_create` would have written;
    CHECK, UNIQUE and foreign-key constraints are enforced by the database as usual. Elsewhere
    (SQLite) this is `bulk_create`. Sends no signals either way. Returns `objects`, each with
    its primary key when `with_ids` (always on SQLite).

    `ignore_conflicts`: rows that would break a UNIQUE constraint are left out, as with
    `bulk_create(ignore_conflicts=True)` (on PostgreSQL: COPY into a temporary table, then one
    INSERT … ON CONFLICT DO NOTHING); no ids are given back then."""
    if not objects:
        return list(objects)
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        return model._default_manager.using(using).bulk_create(
            objects, batch_size=batch_size, ignore_conflicts=ignore_conflicts
        )
    with_ids = with_ids and not ignore_conflicts
    opts = model._meta
    pk = opts.pk
    fields = [
        field
        for field in opts.concrete_fields
        if field.column and (with_ids or field is not pk) and not field.generated
    ]
    quote = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if with_ids:
            missing = [obj for obj in objects if obj.pk is None]
            if missing:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [opts.db_table, pk.column, len(missing)],
                )
                for obj, (new_id,) in zip(missing, cursor.fetchall(), strict=True):
                    obj.pk = new_id
        columns = ", ".join(quote(field.column) for field in fields)
        table = target = quote(opts.db_table)
        if ignore_conflicts:
            target = quote(f"_insert_{opts.db_table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {target} ON COMMIT DROP AS "  # noqa: S608 - names quoted
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
        # The COPY goes to psycopg's own cursor: its errors are raised as Django's, as any query's.
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy,
        ):
            for obj in objects:
                copy.write_row(
                    [
                        field.get_db_prep_save(field.pre_save(obj, add=True), connection)
                        for field in fields
                    ]
                )
        if ignore_conflicts:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {target} "  # noqa: S608
                "ON CONFLICT DO NOTHING"
            )
            cursor.execute(f"DROP TABLE {target}")
    for obj in objects:
        obj._state.adding = False
        obj._state.db = using
    return list(objects)
