"""Prove that the test passes together ran every collected test, and that none skipped.

Reads collected.txt (pytest --collect-only -q) and one <pass>.jsonl per pass (written by the
plugin in tests/conftest.py). Exit 1 on a skip, a failure, or (with --require-all) a test
that no pass ran."""

import json
import sys
from pathlib import Path


def main() -> int:
    folder = Path(sys.argv[1])
    require_all = "--require-all" in sys.argv
    collected = {
        line.strip()
        for line in (folder / "collected.txt").read_text().splitlines()
        if "::" in line and not line.startswith(("=", " "))
    }
    ran: dict[str, set[str]] = {}
    problems = []
    for report in sorted(folder.glob("*.jsonl")):
        for line in report.read_text().splitlines():
            rec = json.loads(line)
            if rec["outcome"] == "skipped":
                problems.append(
                    f"skipped in {report.stem}: {rec['nodeid']} ({rec.get('reason', '')})"
                )
            elif rec["outcome"] == "passed":
                ran.setdefault(rec["nodeid"], set()).add(report.stem)
            else:
                problems.append(f"{rec['outcome']} in {report.stem}: {rec['nodeid']}")
    missing = sorted(collected - set(ran))
    if not collected:
        problems.append("no test was collected")
    if require_all and missing:
        problems += [f"not run by any pass: {nodeid}" for nodeid in missing]
    passes = sorted({p for s in ran.values() for p in s})
    print(f"check_test_runs: {len(collected)} collected, {len(ran)} passed across {passes}")
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
