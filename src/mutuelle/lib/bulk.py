"""Set-based updates of many rows, each with its own values, in one statement per batch.

Django's `bulk_update` writes `SET col = CASE WHEN id = 1 THEN ... WHEN id = 2 THEN ... END`
for every column: building that expression costs Python time per row *and* column, and the
database tests the WHEN branches one by one, so a batch costs O(rows²). A batch adjudication
writes 14 columns of thousands of lines per chunk: there, bulk_update took most of the time.

`update_rows` writes instead

    UPDATE t SET a = v.column2, b = v.column3 FROM (VALUES (%s, %s, %s), ...) AS v
    WHERE t.id = v.column1

(SQLite since 3.33): the values are bound as parameters, and the database joins on the
primary key. On PostgreSQL, from COPY_FROM rows, the rows are COPYed into a temporary table of
the same column types and joined from there: no statement text to build or parse, whatever
the number of rows.
"""

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from django.db import connections, models, router
from django.db.models import Model

# Bound parameters per statement: under SQLite's limit (32,766) and PostgreSQL's (65,535).
MAX_PARAMS = 30_000
# From this many rows, PostgreSQL gets them by COPY (a temporary table: four statements, but no
# statement text growing with the rows); below, one UPDATE ... FROM (VALUES ...).
COPY_FROM = 100
# Fields whose Python values psycopg's COPY writes as they are (foreign keys: their ids).
COPIED_AS_THEY_ARE = (
    models.AutoField,
    models.BigAutoField,
    models.IntegerField,
    models.DecimalField,
    models.CharField,
    models.TextField,
    models.DateField,  # DateTimeField too (a subclass)
    models.BooleanField,
    models.ForeignKey,
)


def update_rows(objs: Sequence[Model], fields: Sequence[str], *, batch_size: int = 2000) -> int:
    """Write `fields` of `objs` (instances of one model, already saved) as they are in
    memory. Returns the number of rows written. No signals, no `auto_now`: like bulk_update."""
    if not objs:
        return 0
    model = type(objs[0])
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    columns: list[Any] = [meta.pk, *(meta.get_field(name) for name in fields)]
    postgres = connection.vendor == "postgresql"
    if postgres and len(objs) > COPY_FROM:
        return _copy_and_join(connection, model, objs, columns)
    quote = connection.ops.quote_name

    def value(i: int) -> str:
        # PostgreSQL types a VALUES column from its parameters (all NULL: text): cast to the
        # column's type. SQLite must not (a date cast to NUMERIC becomes a number).
        name = f"v.column{i + 1}"
        return f"CAST({name} AS {columns[i].cast_db_type(connection)})" if postgres else name

    assignments = ", ".join(
        f"{quote(field.column)} = {value(i)}" for i, field in enumerate(columns) if i
    )
    table = quote(meta.db_table)
    where = f"{table}.{quote(columns[0].column)} = {value(0)}"
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per_statement = max(1, min(batch_size, MAX_PARAMS // len(columns)))
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            chunk = objs[start : start + per_statement]
            params = [
                field.get_db_prep_save(getattr(obj, field.attname), connection=connection)
                for obj in chunk
                for field in columns
            ]
            values = ", ".join([row] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v WHERE {where}",  # noqa: S608
                params,
            )
            written += cursor.rowcount
    return written


def _copy_and_join(connection, model, objs, columns) -> int:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in columns)
    assignments = ", ".join(f"{quote(f.column)} = u.{quote(f.column)}" for f in columns[1:])
    pk = quote(columns[0].column)
    with connection.cursor() as cursor:
        # The same column types as the table; dropped with the transaction or just below.
        cursor.execute(
            f"CREATE TEMPORARY TABLE _update_rows ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {names} FROM {table} WITH NO DATA"
        )
        values = attrgetter(*(f.attname for f in columns))
        # psycopg writes numbers, text, dates and None as they are; only the other fields
        # (JSON...) need Django's preparation. (Preparing every value took a third of the time.)
        prepared = [(i, f) for i, f in enumerate(columns) if not isinstance(f, COPIED_AS_THEY_ARE)]
        with cursor.cursor.copy(f"COPY _update_rows ({names}) FROM STDIN") as copy:
            for obj in objs:
                row = list(values(obj))
                for i, f in prepared:
                    row[i] = f.get_db_prep_save(row[i], connection=connection)
                copy.write_row(row)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM _update_rows u "  # noqa: S608
            f"WHERE {table}.{pk} = u.{pk}"
        )
        written = cursor.rowcount
        cursor.execute("DROP TABLE _update_rows")
    return written
