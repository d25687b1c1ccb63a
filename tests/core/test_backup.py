"""Backups: what is backed up restores into an empty database with every key row intact.

The same tests run on SQLite and on PostgreSQL (branching on `connection.vendor`). The backup
reads the database from another connection (or process), so the data must be committed:
these tests are transactional."""

import hashlib
import io
import json
import sys
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend

from mutuelle.core import jobs
from mutuelle.core.backups import (
    KEY_TABLES,
    SUFFIXES,
    BackupError,
    backup,
    prune,
    restore,
    table_fingerprint,
)
from mutuelle.core.models import AuditEvent, Job, Organization, Place

committed = pytest.mark.django_db(transaction=True)
RESTORED = "restored"  # the alias of the empty database a backup is restored into


@pytest.fixture
def backup_dir(settings, tmp_path):
    settings.MUTUELLE_BACKUP_DIR = tmp_path / "backups"
    return settings.MUTUELLE_BACKUP_DIR


def add_varied_rows(world):
    """Rows with the values backends store differently: UUIDs, aware datetimes, JSON, accents."""
    senegal = Place.unscoped.create(country="SN", code="SN", name="Sénégal", path="SN")
    Place.unscoped.create(
        country="SN", code="SN-TH", name="Thiès", parent=senegal, depth=1, path="SN/SN-TH"
    )
    AuditEvent.unscoped.create(
        action="test.varied",
        actor=world.admin,
        organization=world.mutual_a,
        data={"z": [1, 2.5, None], "a": {"é": True}},
    )


def _admin_sql(sql):
    import psycopg

    params = {**connection.get_connection_params(), "dbname": "postgres"}
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(sql)


@contextmanager
def empty_database(tmp_path):
    """A brand-new empty database, reachable through the alias RESTORED; yields what
    `restore(target=...)` takes: a file for SQLite, a database name for PostgreSQL."""
    base = connection.settings_dict
    if connection.vendor == "sqlite":
        target = name = str(tmp_path / "restored.sqlite3")
    else:
        target = name = f"{base['NAME']}_restored"
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
        _admin_sql(f'CREATE DATABASE "{name}"')
    # A connection object outside settings.DATABASES: Django's test case lets it through.
    wrapper = load_backend(base["ENGINE"]).DatabaseWrapper({**base, "NAME": name}, RESTORED)
    connections[RESTORED] = wrapper
    try:
        yield target
    finally:
        wrapper.close()
        del connections[RESTORED]
        if connection.vendor == "postgresql":
            _admin_sql(f'DROP DATABASE IF EXISTS "{name}"')


@committed
def test_it_restores_a_backup_into_an_empty_database(world, backup_dir, tmp_path):
    add_varied_rows(world)
    before = table_fingerprint(KEY_TABLES)
    assert all(count > 0 for count, _sum in before.values())

    path = backup()

    assert path.parent == backup_dir
    assert path.suffix == SUFFIXES[connection.vendor]
    with empty_database(tmp_path) as target:
        restore(path, target=target)
        assert table_fingerprint(KEY_TABLES, using=RESTORED) == before


@committed
def test_the_fingerprint_sees_a_changed_value(world):
    before = table_fingerprint(["core_organization"])
    Organization.unscoped.filter(pk=world.mutual_a.pk).update(name="Autre nom")
    after = table_fingerprint(["core_organization"])
    assert after["core_organization"][0] == before["core_organization"][0]
    assert after["core_organization"][1] != before["core_organization"][1]


@committed
def test_the_manifest_describes_the_backup(world, backup_dir):
    path = backup()

    manifest = json.loads(path.with_suffix(".json").read_text())
    assert manifest["file"] == path.name
    assert manifest["engine"] == connection.vendor
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert manifest["size"] == path.stat().st_size
    assert manifest["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    applied = MigrationRecorder(connection).applied_migrations()
    assert manifest["migrations"]["core"] == max(name for app, name in applied if app == "core")
    counts = {table: count for table, (count, _sum) in table_fingerprint(KEY_TABLES).items()}
    assert manifest["row_counts"] == counts
    # Nothing half-written is left behind.
    assert sorted(p.name for p in backup_dir.iterdir()) == sorted(
        [path.name, path.with_suffix(".json").name]
    )


@committed
def test_it_keeps_only_the_newest_backups(settings, backup_dir):
    settings.MUTUELLE_BACKUP_KEEP = 2
    backup_dir.mkdir(parents=True)
    (backup_dir / "notes.txt").write_text("not ours")
    # Three backups in the same second: named -1, -2 and kept by that order, not by name.
    with time_machine.travel(datetime(2025, 3, 1, 2, 0, tzinfo=UTC), tick=False):
        paths = [backup() for _ in range(3)]

    assert [p.stem for p in paths] == [
        "mutuelle-20250301-020000",
        "mutuelle-20250301-020000-1",
        "mutuelle-20250301-020000-2",
    ]
    kept = sorted(p.name for p in backup_dir.iterdir())
    expected = [p.name for p in paths[1:]] + [p.with_suffix(".json").name for p in paths[1:]]
    assert kept == sorted([*expected, "notes.txt"])


def test_prune_orders_by_time_then_number(tmp_path):
    names = [
        "mutuelle-20250102-000000.pgdump",
        "mutuelle-20250101-000000-2.sqlite3",
        "mutuelle-20250101-000000-10.sqlite3",
        "mutuelle-20250101-000000.sqlite3",
        "mutuelle-old.sqlite3",
    ]
    for name in names:
        (tmp_path / name).write_text("")
    (tmp_path / "mutuelle-20250101-000000.json").write_text("{}")

    removed = prune(tmp_path, 2)

    assert sorted(p.name for p in removed) == [
        "mutuelle-20250101-000000-2.sqlite3",
        "mutuelle-20250101-000000.sqlite3",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "mutuelle-20250101-000000-10.sqlite3",
        "mutuelle-20250102-000000.pgdump",
        "mutuelle-old.sqlite3",
    ]
    assert prune(tmp_path, 0) == []


@committed
def test_the_backup_command_writes_to_the_folder_given(world, tmp_path):
    out = io.StringIO()
    call_command("backup", "--to", str(tmp_path / "stick"), stdout=out)

    written = out.getvalue().strip()
    assert written.startswith(str(tmp_path / "stick"))
    assert (tmp_path / "stick" / written.rsplit("/", 1)[-1]).is_file()


@committed
def test_the_backup_job_runs_to_success(world, backup_dir):
    job = jobs.start("core.backup")
    jobs.run(job.pk)

    job = Job.unscoped.get(pk=job.pk)
    assert job.state == Job.State.SUCCEEDED, job.error
    assert job.done == job.total == 1
    assert job.result["path"] == job.cursor
    written = [p for p in backup_dir.iterdir() if p.suffix == SUFFIXES[connection.vendor]]
    assert [str(p) for p in written] == [job.result["path"]]


@committed
def test_the_restore_command_brings_the_database_back(world, backup_dir, tmp_path):
    path = backup(tmp_path / "stick")
    before = table_fingerprint(KEY_TABLES)
    Organization.unscoped.filter(pk=world.mutual_b.pk).update(name="Renamed by mistake")

    out = io.StringIO()
    call_command("restore", str(path), "--yes", stdout=out)

    assert table_fingerprint(KEY_TABLES) == before
    safety = [p for p in backup_dir.iterdir() if p.suffix == path.suffix]
    assert len(safety) == 1 and str(safety[0]) in out.getvalue()


@committed
def test_a_restore_rolls_back_tables_added_after_the_backup(world, backup_dir, tmp_path):
    """Restoring the backup taken before an upgrade removes what the upgrade created."""
    path = backup(tmp_path / "stick")
    before = table_fingerprint(KEY_TABLES)
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE core_added_by_upgrade (id integer PRIMARY KEY)")
    restore(path)
    connections.close_all()
    tables = connection.introspection.table_names()
    assert "core_added_by_upgrade" not in tables and "core_organization" in tables
    assert table_fingerprint(KEY_TABLES) == before


@committed
def test_it_refuses_to_restore_a_file_that_is_not_a_backup(world, tmp_path):
    before = table_fingerprint(KEY_TABLES)
    # An empty file is a valid empty SQLite database; restoring it would wipe everything.
    empty = tmp_path / f"mutuelle-20250101-000000{SUFFIXES[connection.vendor]}"
    empty.write_bytes(b"")
    with pytest.raises(BackupError):
        restore(empty)
    manifest = tmp_path / "mutuelle-20250101-000000.json"
    manifest.write_text("{}")
    with pytest.raises(BackupError, match="not a backup of a"):
        restore(manifest)

    assert table_fingerprint(KEY_TABLES) == before


def test_the_restore_command_asks_first(monkeypatch, tmp_path):
    path = tmp_path / f"mutuelle-20250101-000000{SUFFIXES[connection.vendor]}"
    path.write_text("")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path))

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(path))


@committed
def test_upgrade_backs_up_then_migrates_and_collects_static(settings, world, backup_dir, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    out = io.StringIO()
    call_command("upgrade", stdout=out)

    assert [p.suffix for p in backup_dir.iterdir() if p.suffix != ".json"] == [
        SUFFIXES[connection.vendor]
    ]
    assert "No migrations to apply" in out.getvalue()
    assert any((tmp_path / "static").rglob("*.css"))
    assert out.getvalue().strip().endswith("upgrade done")
