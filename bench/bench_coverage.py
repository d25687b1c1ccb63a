"""coverage: the coverage status of 1,000,000 beneficiaries at one date, in bulk.

Data (deterministic, `members.generate`): one mutual (Senegal) with BENCH_COVERAGE_HOUSEHOLDS
households (default 200,000: about 1,000,000 memberships), each with its dated status history
(pending at enrolment, active, and for some withdrawn or deceased); then one active membership in
SUSPEND_EVERY is suspended for arrears on 1 March 2026 and one in three of those reinstated on
1 May 2026 (`members.actions.move_statuses`, as the arrears job does). A compulsory package with
one adopted version (consultations at 80 %, 90 days' waiting) in force since 1 January 2024.

Figure: `contributions.coverage_reads.coverage_report(mutual, 30 June 2026)`: every membership's
coverage at that date (the pure `coverage.coverage_many` over facts read set-based), counted by
reason. Floor, in the same run: reading the same membership rows (with their household) and the
same status rows, one query each, as plain tuples. ratio = figure / floor; the issue's goal is
an absolute time under 30 s (printed as met or not).

BENCH_COVERAGE_REUSE=1 measures again on the previous run's database (nothing is written).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_billing  # noqa: E402  (the shared data set-up)
import common  # noqa: E402

NAME = "coverage"
GOAL = 10.0  # figure / floor
GOAL_S = 30.0
HOUSEHOLDS = int(os.environ.get("BENCH_COVERAGE_HOUSEHOLDS", "200000"))
ON = date(2026, 6, 30)
SUSPEND_EVERY = 20
SUSPENDED_ON, REINSTATED_ON = date(2026, 3, 1), date(2026, 5, 1)
REUSE = os.environ.get("BENCH_COVERAGE_REUSE") == "1"
PROFILE = os.environ.get("BENCH_PROFILE") == "1"


def create_data():
    from django.db import transaction

    from mutuelle.benefits import actions as benefits
    from mutuelle.benefits.models import PackageKind
    from mutuelle.members.actions import move_statuses
    from mutuelle.members.models import Membership

    mutual, manager, _cashier, villages = bench_billing.create_mutual()
    package = benefits.create_package(
        manager, mutual, "BASE", "Paquet de base", "Basic package", PackageKind.COMPULSORY
    )
    version = package.versions.get()
    benefits.add_line(
        manager, version, benefits.LineSpec(category="consultation", rate=Decimal(80))
    )
    benefits.adopt(manager, version, date(2024, 1, 1))
    persons = bench_billing.generate(mutual, villages, HOUSEHOLDS)
    active = list(
        Membership.unscoped.filter(organization=mutual, status="active")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    suspended = active[::SUSPEND_EVERY]
    reinstated = suspended[::3]
    for ids, before, after, on, reason in (
        (suspended, "active", "suspended", SUSPENDED_ON, "arrears"),
        (reinstated, "suspended", "active", REINSTATED_ON, "reinstated"),
    ):
        for start in range(0, len(ids), 5000):
            with transaction.atomic():
                move_statuses(mutual, ids[start : start + 5000], [before], after, on, reason)
    return mutual, persons, len(suspended) - len(reinstated)


def floor_read(mutual) -> tuple[float, int, int]:
    """The same memberships (with their household) and status rows, one plain query each."""
    from django.db import connection

    from mutuelle.members.models import Membership, Person, StatusEvent

    q = connection.ops.quote_name
    m, p, e = (x._meta.db_table for x in (Membership, Person, StatusEvent))
    with common.Timer() as t, connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.id, m.organization_id, p.household_id, m.enrolled_on, m.waiting_from "  # noqa: S608
            f"FROM {q(m)} m JOIN {q(p)} p ON p.id = m.person_id WHERE m.organization_id = %s",
            [mutual.pk],
        )
        memberships = len(cursor.fetchall())
        cursor.execute(
            f"SELECT e.membership_id, e.to_status, e.{q('on')} FROM {q(e)} e "  # noqa: S608
            f"JOIN {q(m)} m ON m.id = e.membership_id WHERE m.organization_id = %s",
            [mutual.pk],
        )
        events = len(cursor.fetchall())
    return t.seconds, memberships, events


def expected_counts(mutual) -> dict[str, int]:
    """What the report must find for the ended and suspended memberships, counted in SQL."""
    from mutuelle.members.models import Membership

    ended = Membership.unscoped.filter(organization=mutual, status_since__lte=ON)
    return {
        "coverage.deceased": ended.filter(status="deceased").count(),
        "coverage.withdrawn": ended.filter(status="withdrawn").count(),
        "coverage.suspended": ended.filter(status="suspended").count(),
    }


def main() -> int:
    url = common.bench_database_url()
    print(f"{NAME}: on {common.describe_database(url)}", flush=True)
    print(f"  machine: {common.machine_note()}", flush=True)
    with common.BenchVarDir() as var_dir:
        if not REUSE:
            common.prepare_database(var_dir)
        common.setup_django(url, var_dir)
        from django.db import connection

        from mutuelle.contributions.coverage_reads import coverage_report
        from mutuelle.core.models import Organization
        from mutuelle.members.models import Membership

        if REUSE:
            mutual = Organization.unscoped.get(code="BM1")
            print("  data: reused")
        else:
            with common.Timer() as t:
                mutual, persons, suspended = create_data()
            print(
                f"  data: {HOUSEHOLDS:,} households, {persons:,} persons, {suspended:,} "
                f"suspended at the date, in {t.seconds:.0f} s",
                flush=True,
            )
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        memberships = Membership.unscoped.filter(organization=mutual).count()
        floor_read(mutual)  # warm the cache: both sides read from memory
        floor_s, floor_rows, events = floor_read(mutual)
        print(
            f"  floor: {floor_rows:,} memberships and {events:,} status rows read in "
            f"{floor_s:.2f} s",
            flush=True,
        )
        common.reset_peak([os.getpid()])
        profiler = cProfile.Profile() if PROFILE else None
        with common.Timer() as figure:
            if profiler:
                profiler.enable()
            counts = coverage_report(mutual, ON)
            if profiler:
                profiler.disable()
        figure_peak = common.process_peak_mb(os.getpid())
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        print(
            f"  figure: coverage of {sum(counts.values()):,} memberships on {ON} in "
            f"{figure.seconds:.2f} s"
        )
        for reason, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            print(f"    {reason:<22} {n:>9,}")
        expected = expected_counts(mutual)
        connection.close()

    problems = []
    if sum(counts.values()) != memberships:
        problems.append(f"{sum(counts.values())} results for {memberships} memberships")
    for reason, n in expected.items():
        if counts.get(reason, 0) != n:
            problems.append(f"{reason}: {counts.get(reason, 0)} found, {n} expected")
    if not counts.get("covered"):
        problems.append("nobody covered")
    if problems:
        raise common.BenchError("; ".join(problems))
    ratio = figure.seconds / floor_s
    verdict = "met" if figure.seconds < GOAL_S else "NOT met"
    own, _children = common.peak_mb_parts()
    print(
        f"  ratio: {figure.seconds:.2f} / {floor_s:.2f} = {ratio:.2f} (goal <= {GOAL:.0f}"
        f"{', above goal' if ratio > GOAL else ''}); absolute goal < {GOAL_S:.0f} s: {verdict}"
    )
    print(
        f"  memory: peak RSS during the report {figure_peak or 0:.0f} MB; whole bench process "
        f"{own:.0f} MB"
    )
    common.bench_line(
        NAME, ratio, GOAL, rows=memberships, seconds=figure.seconds, peak_mb=figure_peak or own
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
