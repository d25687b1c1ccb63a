#!/usr/bin/env bash
# The test suite, as `make test` runs it.
#  - always on SQLite;
#  - again on PostgreSQL when DATABASE_URL points to one; browser journeys then run in the
#    PostgreSQL pass only (once), and tests marked sqlite_only / postgres_only in theirs;
#  - then proves that the passes together ran every collected test, and that none skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST=.venv/bin/pytest
REPORTS=var/test-reports
rm -rf "$REPORTS" && mkdir -p "$REPORTS"
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
PG_URL="${DATABASE_URL:-}"
JOBS="${TEST_JOBS:-2}"

$PYTEST --collect-only -q -p no:randomly >"$REPORTS/collected.txt" 2>&1 || {
  cat "$REPORTS/collected.txt"; exit 1; }

run_pass() {  # name, marker expression, extra env...
  local name=$1 expr=$2
  shift 2
  echo "=== test pass: $name ($expr) ==="
  env "$@" MUTUELLE_TEST_REPORT="$REPORTS/$name.jsonl" \
    $PYTEST -n "$JOBS" --dist loadfile -m "$expr" --create-db -q -rfEs --durations=15
}

if [[ "$PG_URL" == postgres* ]]; then
  run_pass sqlite "not browser and not postgres_only" DATABASE_URL=
  run_pass postgres "not sqlite_only" DATABASE_URL="$PG_URL"
else
  echo "DATABASE_URL is not PostgreSQL: SQLite only (postgres_only tests are not run)."
  run_pass sqlite "not postgres_only" DATABASE_URL=
fi
.venv/bin/python scripts/check_test_runs.py "$REPORTS" ${PG_URL:+--require-all}
