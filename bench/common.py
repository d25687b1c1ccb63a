"""Shared helpers for the benchmarks in bench/ (see bench/README.md).

Every benchmark:
  - runs on PostgreSQL only (DATABASE_URL), in a dedicated database that it drops and recreates
    (BENCH_DATABASE_URL, default: DATABASE_URL with the database name `mutuelle_bench`);
  - measures a floor in the same run and reports its figure as a ratio to that floor;
  - ends with one `BENCH ...` line per figure, printed by `bench_line`.
"""

from __future__ import annotations

import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
BENCH_DB_NAME = "mutuelle_bench"
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")


class BenchError(Exception):
    """A benchmark could not run or produced wrong results (exit code 1)."""


# --- the summary line ------------------------------------------------------------------------


def bench_line(
    name: str,
    ratio: float,
    goal: float,
    rows: int,
    seconds: float | None = None,
    p95_ms: float | None = None,
    p99_ms: float | None = None,
    peak_mb: float | None = None,
) -> str:
    """Print (and return) the one summary line of a figure, in the exact shared form:

        BENCH <name> ratio=<x.xx> goal=<y.yy> seconds=<s.ss> peak_mb=<m> rows=<n>

    Latency figures pass p95_ms and/or p99_ms instead of seconds. peak_mb defaults to
    `peak_memory_mb()` measured now (call it after child processes have ended).
    """
    if not name or any(c.isspace() for c in name):
        raise ValueError(f"benchmark name must be one word: {name!r}")
    has_latency = p95_ms is not None or p99_ms is not None
    if (seconds is None) == (not has_latency):
        raise ValueError("give either seconds= or p95_ms=/p99_ms=, not both and not neither")
    for label, value in (("ratio", ratio), ("goal", goal)):
        if not math.isfinite(value):
            raise ValueError(f"{label} must be a finite number, got {value!r}")
    if peak_mb is None:
        peak_mb = peak_memory_mb()
    parts = [f"BENCH {name}", f"ratio={ratio:.2f}", f"goal={goal:.2f}"]
    if seconds is not None:
        parts.append(f"seconds={seconds:.2f}")
    if p95_ms is not None:
        parts.append(f"p95_ms={p95_ms:.2f}")
    if p99_ms is not None:
        parts.append(f"p99_ms={p99_ms:.2f}")
    parts.append(f"peak_mb={round(peak_mb)}")
    parts.append(f"rows={int(rows)}")
    line = " ".join(parts)
    print(line, flush=True)
    return line


# --- memory ----------------------------------------------------------------------------------


def _maxrss_mb(who: int) -> float:
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    kib = resource.getrusage(who).ru_maxrss
    if sys.platform == "darwin":
        kib /= 1024
    return kib / 1024


def peak_mb_parts() -> tuple[float, float]:
    """(peak RSS of this process, peak RSS of its largest finished descendant), in MB."""
    return _maxrss_mb(resource.RUSAGE_SELF), _maxrss_mb(resource.RUSAGE_CHILDREN)


def peak_memory_mb() -> float:
    """Peak memory in MB: peak RSS of this process + that of its largest finished descendant
    (gunicorn worker, migrate, ...). getrusage only knows descendants that have exited and been
    waited for, so call this after stopping servers."""
    own, children = peak_mb_parts()
    return own + children


def reset_peak(pids: list[int]) -> bool:
    """Reset the peak RSS (VmHWM) of running processes, so that a later `process_peak_mb`
    covers only what follows (Linux: writing 5 to /proc/<pid>/clear_refs). False when not
    possible for one of them."""
    ok = True
    for pid in pids:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            ok = False
    return ok


def process_peak_mb(pid: int) -> float | None:
    """VmHWM (peak RSS) of a running process, in MB, or None when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat (Linux)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def machine_note(sample_s: float = 0.5) -> str:
    """CPUs, how busy they are right now (sampled over `sample_s`) and the load average.
    Figures taken while other work runs are noisy: call it before the benchmark loads the
    machine itself (sample_s=0 afterwards: load average only)."""
    cpus = os.cpu_count() or 1
    load1, load5, _ = os.getloadavg()
    note = f"{cpus} CPUs, load average {load1:.2f} (1 min) {load5:.2f} (5 min)"
    before = _cpu_times() if sample_s > 0 else None
    if before is None:
        return note
    time.sleep(sample_s)
    after = _cpu_times()
    if after is None or after[1] == before[1]:
        return note
    busy = (after[0] - before[0]) / (after[1] - before[1])
    warning = "  (busy machine: figures will be noisy)" if busy > 0.25 else ""
    return f"{note}, {busy:.0%} busy now{warning}"


# --- statistics ------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class Timer:
    """`with Timer() as t: ...; t.seconds`"""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start


# --- the database ----------------------------------------------------------------------------


def _refuse(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)
    raise SystemExit(2)


def _is_postgres(url: str) -> bool:
    return urlsplit(url).scheme.lower() in POSTGRES_SCHEMES


def _db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _with_db_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def redact(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def bench_database_url() -> str:
    """The benchmark database's URL. Exits with code 2 unless DATABASE_URL is PostgreSQL.

    BENCH_DATABASE_URL names it explicitly; otherwise it is DATABASE_URL with the database name
    `mutuelle_bench`. It is dropped and recreated by `prepare_database`, so it may never be the
    database DATABASE_URL points to."""
    main = os.environ.get("DATABASE_URL", "")
    if not main:
        _refuse(
            "benchmarks run on PostgreSQL: set DATABASE_URL, "
            "e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/mutuelle make bench"
        )
    if not _is_postgres(main):
        _refuse(
            f"benchmarks run on PostgreSQL only; DATABASE_URL={redact(main)!r} is not a "
            "postgres:// URL"
        )
    url = os.environ.get("BENCH_DATABASE_URL") or _with_db_name(main, BENCH_DB_NAME)
    if not _is_postgres(url):
        _refuse(f"BENCH_DATABASE_URL={redact(url)!r} is not a postgres:// URL")
    name = _db_name(url)
    if not name or name in ("postgres", "template0", "template1"):
        _refuse(f"refusing to use database {name!r} for benchmarks (it is dropped and recreated)")
    main_parts, bench_parts = urlsplit(main), urlsplit(url)
    if name == _db_name(main) and (bench_parts.hostname, bench_parts.port) == (
        main_parts.hostname,
        main_parts.port,
    ):
        _refuse(
            f"the benchmark database {name!r} is the DATABASE_URL database; benchmarks drop and "
            "recreate theirs: choose another name in BENCH_DATABASE_URL"
        )
    return url


def _connect(url: str, dbname: str | None = None):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or None,
        port=parts.port or None,
        user=parts.username or None,
        password=parts.password or None,
        dbname=dbname if dbname is not None else _db_name(url),
        autocommit=True,
        connect_timeout=10,
    )


def server_version(url: str) -> str:
    with _connect(url, dbname="postgres") as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0]}" if row else "PostgreSQL"


def describe_database(url: str) -> str:
    try:
        version = server_version(url)
    except Exception as exc:
        raise BenchError(f"PostgreSQL at {redact(url)} is not reachable: {exc}") from exc
    return f"{version} at {redact(url)}"


def mutuelle_command() -> list[str]:
    """The project's manage.py: .venv/bin/mutuelle next to this interpreter."""
    exe = Path(sys.executable).with_name("mutuelle")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "mutuelle"]


def mutuelle_env(url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        MUTUELLE_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="mutuelle.settings",
        MUTUELLE_LOG_LEVEL=os.environ.get("MUTUELLE_LOG_LEVEL", "WARNING"),
    )
    env.pop("MUTUELLE_DEBUG", None)
    env.update(extra)
    return env


def run_mutuelle(url: str, var_dir: Path, *args: str) -> None:
    """Run `mutuelle <args>` against the benchmark database, in a subprocess."""
    proc = subprocess.run(
        [*mutuelle_command(), *args],
        env=mutuelle_env(url, var_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise BenchError(
            f"`mutuelle {' '.join(args)}` failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )


def _close_django_connections() -> None:
    if "django.db" in sys.modules:
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()


def prepare_database(var_dir: Path, *, static: bool = False) -> str:
    """Drop and recreate the benchmark database, migrate it (`mutuelle migrate` in a
    subprocess), create the cache table, and with static=True collect static files into
    var_dir (the login page needs the manifest). Returns its URL."""
    url = bench_database_url()
    name = _db_name(url)
    _close_django_connections()
    with Timer() as t:
        with _connect(url, dbname="postgres") as conn:
            quoted = '"' + name.replace('"', '""') + '"'
            conn.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {quoted}")
        run_mutuelle(url, var_dir, "migrate", "--noinput", "-v0")
        run_mutuelle(url, var_dir, "createcachetable")
        if static:
            run_mutuelle(url, var_dir, "collectstatic", "--noinput", "-v0")
    print(f"  database {name!r} recreated and migrated in {t.seconds:.1f} s", flush=True)
    return url


def setup_django(url: str, var_dir: Path) -> None:
    """Configure Django in this process against the benchmark database."""
    os.environ["DATABASE_URL"] = url
    os.environ["MUTUELLE_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "mutuelle.settings"
    import django
    from django.conf import settings

    if settings.configured and settings.DATABASES["default"]["NAME"] != _db_name(url):
        raise BenchError("Django is already configured for another database")
    django.setup()


class BenchVarDir:
    """A temporary MUTUELLE_VAR_DIR (secret key, static files, logs), removed at the end."""

    def __enter__(self) -> Path:
        self.path = Path(tempfile.mkdtemp(prefix="mutuelle-bench-"))
        return self.path

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
