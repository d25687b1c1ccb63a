"""Write many rows fast, set-based: COPY on PostgreSQL, bulk_create elsewhere.

On PostgreSQL the ids are taken from the table's sequence before the rows are written, so that
rows referring to each other (a household and its head) can be linked before either exists;
foreign keys are checked at commit (Django creates them deferrable). COPY bypasses model
history and signals, like bulk_create: the bulk paths write their own event rows."""

import os
import uuid
from collections.abc import Iterator, Sequence
from datetime import date, datetime

from django.db import connection, models
from django.db.models.fields.files import FileField

BATCH = 5000


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def assign_ids(objs: Sequence[models.Model]) -> bool:
    """Give ids to new rows before writing them (PostgreSQL: one query). False elsewhere."""
    if not is_postgres():
        return False
    new = [o for o in objs if o.pk is None]
    if not new:
        return True
    opts = new[0]._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, len(new)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(new, ids, strict=True):
        obj.pk = pk
    return True


def insert(objs: Sequence[models.Model], batch: int = BATCH) -> None:
    """Insert new model instances (their defaults already set by the constructor)."""
    if not objs:
        return
    model = type(objs[0])
    if not is_postgres():
        model._base_manager.bulk_create(objs, batch_size=batch)
        return
    assign_ids(objs)
    fields = list(model._meta.concrete_fields)
    getters = []
    for f in fields:
        if isinstance(f, models.JSONField):
            getters.append(_json_getter(f))
        elif isinstance(f, FileField):
            getters.append(_file_getter(f))
        elif f.is_relation:
            getters.append(_fk_getter(f))
        else:
            getters.append(_plain_getter(f))
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            copy.write_row([get(obj) for get in getters])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _plain_getter(field):
    attname = field.attname
    return lambda obj: getattr(obj, attname)


def _fk_getter(field):
    attname, name = field.attname, field.name

    def get(obj):
        value = getattr(obj, attname)
        if value is None and field.is_cached(obj):
            related = getattr(obj, name)
            value = related.pk if related is not None else None
            setattr(obj, attname, value)
        return value

    return get


def _json_getter(field):
    from psycopg.types.json import Jsonb

    attname = field.attname
    return lambda obj: Jsonb(getattr(obj, attname))


def _file_getter(field):
    attname = field.attname
    return lambda obj: str(getattr(obj, attname) or "")


# --- Plain rows: no model instances at all (the register's bulk paths) ------------------------


def ascending_uuids(count: int) -> Iterator[str]:
    """Random UUIDs (version 4, RFC 4122 variant) as 32 hex digits, the text form both
    databases store (SQLite) or parse (PostgreSQL): uuid.uuid4() per row costs more than the
    rest of a bulk row. Handed out in ascending order, so that a table's unique index on uuid
    is filled in one sweep per batch rather than at a random page per row."""
    digits = os.urandom(16 * count).hex()
    return iter(
        sorted(
            f"{h[:12]}4{h[13:16]}{'89ab'[int(h[16], 16) & 3]}{h[17:]}"
            for h in (digits[start : start + 32] for start in range(0, 32 * count, 32))
        )
    )


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids for `count` rows about to be written, so that rows can refer to each other before
    they exist. PostgreSQL: from the table's sequence. SQLite: after the largest id ever given;
    the caller's transaction holds SQLite's single write lock (IMMEDIATE), so no other writer
    can take the same ids."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608
        top = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        first = max(top, row[0] if row else 0) + 1
    return list(range(first, first + count))


def copy_rows(model: type[models.Model], columns: Sequence[str], rows, batch: int = BATCH) -> int:
    """Write plain tuples (values in `columns` order) into the model's table: COPY on
    PostgreSQL, executemany elsewhere. Returns the number of rows written."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    written = 0
    with connection.cursor() as cursor:
        if is_postgres():
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
        chunk: list = []
        for row in rows:
            chunk.append([_sqlite_value(v) for v in row])
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                written += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            written += len(chunk)
    return written


def copy_plain(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple]) -> int:
    """copy_rows for rows of plain values only: ints, and strings that hold no tab, newline,
    carriage return or backslash (keys, codes). On PostgreSQL they are sent as COPY text
    built here in one piece, several times faster than encoding row by row; the caller vouches
    for the values (anything else would be read wrongly, not rejected)."""
    if not is_postgres():
        return copy_rows(model, columns, rows)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for start in range(0, len(rows), BATCH * 4):
            part = rows[start : start + BATCH * 4]
            copy.write("".join("\t".join(map(str, row)) + "\n" for row in part))
    return len(rows)


def _sqlite_value(value):
    """Values as Django stores them in SQLite (UUIDs as hex, dates and times as text)."""
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def select_in(
    model: type[models.Model],
    columns: Sequence[str],
    where_in: dict[str, Sequence],
    extra: str = "",
    batch: int = BATCH,
) -> list[tuple]:
    """Rows of `columns` whose columns take one of the given values (`where_in`: column ->
    values; the longest list is the one cut into batches). PostgreSQL gets each list as one
    array parameter (`= ANY(%s)`): building and parsing thousands of placeholders costs more
    than the query. `extra`: a constant SQL condition."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    longest = max(where_in, key=lambda c: len(where_in[c]))
    values = list(where_in[longest])
    found: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), batch):
            part = {**where_in, longest: values[start : start + batch]}
            conditions, params = [], []
            for column, wanted in part.items():
                quoted = connection.ops.quote_name(column)
                if is_postgres():
                    conditions.append(f"{quoted} = ANY(%s)")
                    params.append(list(wanted))
                else:
                    conditions.append(f"{quoted} IN ({', '.join(['%s'] * len(wanted))})")
                    params.extend(wanted)
            if extra:
                conditions.append(extra)
            where = " AND ".join(conditions)
            cursor.execute(f"SELECT {names} FROM {table} WHERE {where}", params)  # noqa: S608
            found.extend(cursor.fetchall())
    return found
