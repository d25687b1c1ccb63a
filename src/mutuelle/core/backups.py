"""Backups and restores of the whole database, into a folder (a disk, a USB stick).

SQLite: the online backup API copies a consistent snapshot while the app keeps running (in WAL
mode readers do not block writers). PostgreSQL: `pg_dump -Fc`, restored with `pg_restore`.

Each backup `mutuelle-YYYYmmdd-HHMMSS.<sqlite3|pgdump>` (UTC) gets a JSON manifest beside it
(engine, time, latest migration per app, row counts of the key tables) so that whoever holds
the stick can tell what is on it without restoring it. The counts describe the file exactly:
they are read from the copy (SQLite) or from the snapshot pg_dump used (PostgreSQL).
"""

import hashlib
import itertools
import json
import os
import re
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .jobs import ChunkResult, JobKind, register

KEY_TABLES = ("core_organization", "core_user", "core_rolegrant", "core_place", "core_auditevent")
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}
# A second backup within the same second gets "-1", "-2"... (sorted by number, not by name).
NAME_RE = re.compile(r"^mutuelle-(\d{8}-\d{6})(?:-(\d+))?\.(sqlite3|pgdump)$")
# libpq settings a deployment may put in DATABASES OPTIONS, passed on to pg_dump/pg_restore.
_PG_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


class BackupError(Exception):
    pass


def backup(dest_dir: Path | None = None, *, rotate: bool = True) -> Path:
    """Back the live database up into `dest_dir` (default MUTUELLE_BACKUP_DIR); returns the file.

    The copy is written under a temporary name and renamed when complete, so a folder never
    holds a half-written backup under a real name. With `rotate`, only the newest
    MUTUELLE_BACKUP_KEEP backups of the folder are kept (0 keeps all)."""
    vendor = connection.vendor
    if vendor not in SUFFIXES:
        raise BackupError(f"cannot back up a {vendor} database")
    folder = Path(dest_dir or settings.MUTUELLE_BACKUP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    created_at = timezone.now()
    path = _free_name(folder, created_at, SUFFIXES[vendor])
    fd, tmp_name = tempfile.mkstemp(prefix=".mutuelle-", suffix=".tmp", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        stats = _sqlite_backup(tmp) if vendor == "sqlite" else _pg_backup(tmp)
        _fsync(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    info = {
        "file": path.name,
        "engine": vendor,
        "created_at": created_at.isoformat(),
        "size": path.stat().st_size,
        "sha256": _file_sha256(path),
        **stats,
    }
    _write_atomic(path.with_suffix(".json"), json.dumps(info, indent=2, sort_keys=True) + "\n")
    _fsync(folder)
    if rotate:
        prune(folder, settings.MUTUELLE_BACKUP_KEEP)
    return path


def restore(path: Path, target: str | Path | None = None) -> None:
    """Replace the live database (or `target`: another SQLite file or PostgreSQL database
    name) by the content of the backup `path`."""
    path = Path(path)
    vendor = connection.vendor
    if not path.is_file():
        raise BackupError(f"no such file: {path}")
    if path.suffix != SUFFIXES.get(vendor):
        raise BackupError(f"{path.name} is not a backup of a {vendor} database")
    if target is None:
        # Nothing of ours may hold the database open (or inside a transaction) meanwhile.
        connections.close_all()
    if vendor == "sqlite":
        _check_sqlite_file(path, restoring=True)
        with (
            closing(sqlite3.connect(path)) as src,
            closing(sqlite3.connect(target or connection.settings_dict["NAME"], timeout=20)) as dst,
        ):
            src.backup(dst)
    else:
        # The schema is dropped and rebuilt from the dump in ONE transaction: tables added by
        # migrations newer than the backup disappear too (a real rollback after `upgrade`),
        # and a restore that fails half-way leaves the database exactly as it was.
        sql = _pg_run("pg_restore", "--no-owner", "--no-privileges", "--file=-", str(path))
        script = "DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n" + sql
        _pg_run(
            "psql",
            "--single-transaction",
            "--quiet",
            "--set=ON_ERROR_STOP=1",
            f"--dbname={target or connection.settings_dict['NAME']}",
            stdin=script,
        )


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups (and their manifests) of `folder`. Files not
    named like our backups are never touched: the folder may be a shared USB stick."""
    if keep < 1:
        return []
    found = sorted(
        ((m.group(1), int(m.group(2) or 0)), p)
        for p in Path(folder).iterdir()
        if (m := NAME_RE.match(p.name))
    )
    removed = [p for _key, p in found[:-keep]]
    for p in removed:
        p.unlink(missing_ok=True)
        p.with_suffix(".json").unlink(missing_ok=True)
    return removed


def table_fingerprint(
    tables: tuple[str, ...] | list[str] = KEY_TABLES, using: str = DEFAULT_DB_ALIAS
) -> dict[str, tuple[int, str]]:
    """Row count and sha256 of each table's rows (by primary key), on database `using`.

    Rows are read through the ORM, so each backend's values come back as the same Python
    objects, then rendered canonically (aware datetimes in UTC, UUIDs and decimals as text, JSON
    with sorted keys): the same data gives the same checksum on SQLite and PostgreSQL."""
    models = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}
    result = {}
    for table in tables:
        model = models[table]
        fields = [f.attname for f in model._meta.concrete_fields]
        rows = model._base_manager.using(using).order_by("pk").values_list(*fields)
        digest, count = hashlib.sha256(), 0
        for row in rows.iterator(chunk_size=2000):
            line = json.dumps([_canonical(v) for v in row], sort_keys=True, default=str)
            digest.update(line.encode() + b"\n")
            count += 1
        result[table] = (count, digest.hexdigest())
    return result


@register
class BackupJob(JobKind):
    """The scheduled daily backup (see scheduler.PERIODIC)."""

    kind = "core.backup"
    label = _("Database backup")

    def total(self, job):
        return 1

    def run_chunk(self, job, cursor):
        return ChunkResult(cursor=str(backup()), done=1, finished=True)

    def finish(self, job):
        return {"path": job.cursor}


# --- SQLite ---------------------------------------------------------------------------------
def _sqlite_backup(tmp: Path) -> dict:
    live = Path(connection.settings_dict["NAME"])
    if not live.is_file():
        raise BackupError(f"no database file at {live}")
    # Our own connections, not Django's: the caller may be inside a transaction (a job chunk).
    with closing(sqlite3.connect(live, timeout=20)) as src, closing(sqlite3.connect(tmp)) as dst:
        src.backup(dst)
        # The copy inherits WAL mode; a backup must be one self-contained file.
        dst.execute("PRAGMA journal_mode=DELETE")
        stats = _stats(dst.cursor(), _existing_tables(dst.cursor(), "sqlite"))
    _check_sqlite_file(tmp)
    return stats


def _check_sqlite_file(path: Path, *, restoring: bool = False) -> None:
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
            tables = _existing_tables(db.cursor(), "sqlite")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path.name} is not a usable SQLite file: {exc}") from exc
    if verdict != "ok":
        raise BackupError(f"{path.name} is damaged: {verdict}")
    # An empty file is a valid (empty) SQLite database: restoring it would wipe everything.
    if restoring and "django_migrations" not in tables:
        raise BackupError(f"{path.name} is not a Mutuelle backup")


# --- PostgreSQL -----------------------------------------------------------------------------
def _pg_backup(tmp: Path) -> dict:
    # Export a snapshot, let pg_dump use it, and count in it: the manifest then describes
    # exactly what the dump holds, even while the app keeps writing.
    import psycopg  # only deployments on PostgreSQL need it

    raw = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        with raw.cursor() as cur:
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            row = cur.fetchone()
            assert row is not None
            snapshot = row[0]
            _pg_run(
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={tmp}",
                f"--dbname={connection.settings_dict['NAME']}",
            )
            stats = _stats(cur, _existing_tables(cur, "postgresql"))
            cur.execute("COMMIT")
    finally:
        raw.close()
    return stats


def _pg_run(*argv: str, stdin: str | None = None) -> str:
    # The password goes through the environment, never the command line (visible in `ps`).
    sd = connection.settings_dict
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if sd.get(key):
            env[var] = str(sd[key])
    for key, var in _PG_OPTION_ENV.items():
        if sd.get("OPTIONS", {}).get(key):
            env[var] = str(sd["OPTIONS"][key])
    done = subprocess.run(
        [argv[0], "--no-password", *argv[1:]],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"{argv[0]} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


# --- Shared helpers -------------------------------------------------------------------------
def _existing_tables(cur, vendor: str) -> set[str]:
    if vendor == "sqlite":
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return {name for (name,) in cur.fetchall()}


def _stats(cur, tables: set[str]) -> dict:
    """Latest migration per app and row counts of the key tables, from a DB-API cursor."""
    migrations = {}
    if "django_migrations" in tables:
        cur.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app ORDER BY app")
        migrations = dict(cur.fetchall())
    counts = {}
    for table in KEY_TABLES:
        if table in tables:
            cur.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - our own constants
            counts[table] = cur.fetchone()[0]
    return {"migrations": migrations, "row_counts": counts}


def _free_name(folder: Path, when: datetime, suffix: str) -> Path:
    stamp = when.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    for seq in itertools.count():
        path = folder / f"mutuelle-{stamp}{f'-{seq}' if seq else ''}{suffix}"
        if not path.exists() and not path.with_suffix(".json").exists():
            return path
    raise AssertionError("unreachable")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, path)


def _fsync(path: Path) -> None:
    # A USB stick pulled right after "backup written" must really hold the file.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory
    finally:
        os.close(fd)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _canonical(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value
