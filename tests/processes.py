"""Start real Mutuelle processes (workers, the web server) against the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
MUTUELLE = str(Path(sys.executable).with_name("mutuelle"))


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] or "postgres"
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def env(**extra: str) -> dict[str, str]:
    values = dict(os.environ)
    values.update(
        DATABASE_URL=database_url(),
        MUTUELLE_VAR_DIR=str(settings.VAR_DIR),
        MUTUELLE_SECRET_KEY=settings.SECRET_KEY,
        PYTHONUNBUFFERED="1",
    )
    values.pop("MUTUELLE_TEST_REPORT", None)
    values.update(extra)
    return values


def start(*args: str, log: Path, **extra_env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [MUTUELLE, *args],
        env=env(**extra_env),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )


def wait_until(predicate, timeout: float = 60.0, every: float = 0.1):
    """Poll until predicate() is truthy; the timeout guards a hung test, it measures nothing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")
