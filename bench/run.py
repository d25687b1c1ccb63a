"""Run the benchmarks: `python bench/run.py [NAME]` (or `make bench [B=NAME]`).

Discovers bench/bench_*.py; each module has `main() -> int` and a `NAME` (default: the file
name without `bench_`). NAME selects one module by that name or by its file name. Without NAME
every benchmark runs, each in its own process (so that peak memory and Django state are its own);
the exit code is non-zero when any failed. Benchmarks run on PostgreSQL only (DATABASE_URL).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import common  # noqa: E402


def discover() -> dict[str, str]:
    """{benchmark name: module name}, sorted by file name."""
    found: dict[str, str] = {}
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        module = importlib.import_module(path.stem)
        if not callable(getattr(module, "main", None)):
            raise SystemExit(f"bench: {path.name} has no main() -> int")
        name = getattr(module, "NAME", path.stem.removeprefix("bench_"))
        if name in found:
            raise SystemExit(f"bench: two benchmarks are named {name!r}")
        found[name] = path.stem
    return found


def resolve(wanted: str, found: dict[str, str]) -> str | None:
    for name, module in found.items():
        if wanted in (name, module, module.removeprefix("bench_"), f"{module}.py"):
            return name
    return None


def run_one(name: str, module_name: str) -> int:
    module = importlib.import_module(module_name)
    try:
        code = module.main()
    except common.BenchError as exc:
        print(f"bench: {name} FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except Exception:
        traceback.print_exc()
        print(f"bench: {name} FAILED (exception above)", file=sys.stderr, flush=True)
        return 1
    return int(code or 0)


def main(argv: list[str]) -> int:
    if len(argv) > 1 or (argv and argv[0] in ("-h", "--help")):
        asked = bool(argv) and argv[0] in ("-h", "--help")
        print(__doc__, file=sys.stdout if asked else sys.stderr)
        return 0 if asked else 2
    url = common.bench_database_url()  # exits 2 unless DATABASE_URL is PostgreSQL
    found = discover()
    if not found:
        print("bench: no bench/bench_*.py found", file=sys.stderr)
        return 2
    try:
        print(f"Benchmarks on {common.describe_database(url)}", flush=True)
    except common.BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2

    if argv:
        name = resolve(argv[0], found)
        if name is None:
            print(
                f"bench: no benchmark named {argv[0]!r}; known: {', '.join(found)}",
                file=sys.stderr,
            )
            return 2
        return run_one(name, found[name])

    failed = []
    for name in found:
        print(f"\n=== {name} ===", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, __file__, name])
        print(f"=== {name}: exit {code} in {time.perf_counter() - start:.1f} s ===", flush=True)
        if code != 0:
            failed.append(name)
    if failed:
        print(f"\nbench: FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"\nbench: {len(found)} benchmark(s) ran")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
