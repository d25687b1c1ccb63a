"""import: a register of N households (~5 persons each) imported from CSV, duplicate check
included, through the product's path (upload -> check job -> commit job, run by the job runner).

Floor: the cheapest way to do the same I/O: parse the same file with the csv module and COPY
the raw rows into a bare unlogged table. Figure: the check (streamed, chunk by chunk: parse,
validate, duplicate suspects against the register of the mutual and the union's other mutual
and within the file, staging) plus the commit (households, persons, memberships, status
events, blocking and search keys). ratio = figure / floor.

Data (deterministic): network BENCH, union BENCH-U, mutuals BENCH-M1 (the target, empty) and
BENCH-M2 (same union, BENCH_OTHER households already registered), 50 villages; the file is
members.generate.register_rows(N) with a few planted duplicates (persons of BENCH-M2, repeated
persons of the file). N: BENCH_IMPORT_HOUSEHOLDS or the first argument (default 100,000).
"""

from __future__ import annotations

import csv
import io
import os
import sys
import threading
import time
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

NAME = "import"
GOAL = 8.00  # figure / floor; and an absolute goal of 60 s and 1 GB at 100,000 households
ABSOLUTE_GOAL_S = 60.0
PEAK_GOAL_MB = 1024
HOUSEHOLDS = 100_000
OTHER = 5_000  # households already in the union's other mutual
PLANTED = 200  # planted duplicates of each kind


def households() -> int:
    arg = next((a for a in sys.argv[1:] if a.isdigit()), None)
    return int(arg or os.environ.get("BENCH_IMPORT_HOUSEHOLDS") or HOUSEHOLDS)


def create_data():
    from mutuelle.core import actions
    from mutuelle.core.models import User
    from mutuelle.members.generate import generate_households

    place = {"country": "SN", "currency": "XOF", "time_zone": "Africa/Dakar"}
    network = actions.create_organization(
        None, parent=None, kind="network", code="BENCH", name="Bench", **place
    )
    union = actions.create_organization(
        None, parent=network, kind="union", code="BENCH-U", name="Bench union", **place
    )
    target = actions.create_organization(
        None, parent=union, kind="mutual", code="BM1", name="Bench mutual 1", **place
    )
    other = actions.create_organization(
        None, parent=union, kind="mutual", code="BM2", name="Bench mutual 2", **place
    )
    sn = actions.create_place(country="SN", code="SN", name="Sénégal")
    villages = [
        actions.create_place(country="SN", code=f"SN-V{i:02d}", name=f"Village {i}", parent=sn)
        for i in range(50)
    ]
    from django.db import transaction

    with transaction.atomic():
        generate_households(other, OTHER, seed=7, places=villages)
    user = User.objects.create_user(username="bench-agent", password="bench-Mutuelle-2024")
    actions.grant_role(
        None, user, role="enrolment_officer", scope="organization", organization=target
    )
    return user, target, other, [v.code for v in villages]


def write_file(path: Path, count: int, villages: list[str], other) -> int:
    """The CSV, written row by row; planted: persons of the other mutual, repeated persons."""
    from mutuelle.members.generate import REGISTER_HEADERS, register_rows
    from mutuelle.members.models import Person

    others = list(
        Person.unscoped.filter(organization=other, date_of_death__isnull=True)
        .order_by("pk")
        .values_list("given_names", "family_name", "sex", "birth_year")[:PLANTED]
    )
    rows = 0
    first: list[list[str]] = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(REGISTER_HEADERS)
        for row in register_rows(count, villages=villages):
            rows += 1
            if len(first) < PLANTED and row[4] == "chef":
                first.append(row)
            if rows % 997 == 0 and row[4] == "enfant":
                if others:  # a member of the other mutual, enrolled again here
                    given, family, sex, year = others.pop()
                    row = [row[0], given, family, sex, "enfant", "", str(year), "", "", row[9]]
                elif first:  # a person of an earlier household, again
                    again = first.pop()
                    row = [row[0], *again[1:4], "parent", *again[5:]]
            writer.writerow(row)
    return rows


def floor(url: str, path: Path) -> tuple[float, int]:
    """csv parse + COPY of the raw rows into an unlogged table."""
    conn = common._connect(url)
    try:
        conn.execute("DROP TABLE IF EXISTS bench_floor")
        conn.execute(
            "CREATE UNLOGGED TABLE bench_floor (ref text, given text, family text, sex text, "
            "rel text, bdate text, byear text, doc text, phone text, village text)"
        )
        start = time.perf_counter()
        data = path.read_bytes()
        text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
        reader = csv.reader(text, delimiter=";")
        next(reader)
        rows = 0
        with conn.cursor() as cur, cur.copy("COPY bench_floor FROM STDIN") as copy:
            for row in reader:
                copy.write_row(row)
                rows += 1
        seconds = time.perf_counter() - start
        conn.execute("DROP TABLE bench_floor")
    finally:
        conn.close()
    return seconds, rows


class RssSampler(threading.Thread):
    """Current RSS of this process every 50 ms (VmRSS), to know the peak of one phase."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                for line in Path("/proc/self/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.peak = max(self.peak, int(line.split()[1]) / 1024)
            except OSError:
                return
            self.stop.wait(0.05)


def run_import(user, target, path: Path) -> tuple[float, float, dict, dict]:
    from mutuelle.core import jobs
    from mutuelle.core.imports import actions as import_actions
    from mutuelle.core.models import Job

    content = path.read_bytes()
    start, cpu_start = time.perf_counter(), time.process_time()
    check = import_actions.start_check(
        user, importer="households", organization=target, filename=path.name, content=content
    )
    del content
    jobs.run(check.pk)
    check.refresh_from_db()
    checked, cpu_checked = time.perf_counter(), time.process_time()
    if check.state != Job.State.SUCCEEDED or not check.result.get("ready"):
        raise common.BenchError(f"check failed: {check.state} {check.error} {check.result}")
    commit = import_actions.start_commit(user, check, warnings_read=True)
    jobs.run(commit.pk)
    commit.refresh_from_db()
    done, cpu_done = time.perf_counter(), time.process_time()
    if commit.state != Job.State.SUCCEEDED:
        raise common.BenchError(f"commit failed: {commit.error}")
    # CPU time of this process alone (Python's share; PostgreSQL's is not in it): steadier
    # than wall-clock time on a shared machine.
    print(
        f"  cpu of this process: check {cpu_checked - cpu_start:.1f} s, "
        f"commit {cpu_done - cpu_checked:.1f} s",
        flush=True,
    )
    return checked - start, done - checked, check.result, commit.result


def main() -> int:
    count = households()
    url = common.bench_database_url()
    print(f"{NAME}: on {common.describe_database(url)}", flush=True)
    print(f"  machine: {common.machine_note()}", flush=True)
    with common.BenchVarDir() as var_dir:
        common.prepare_database(var_dir)
        common.setup_django(url, var_dir)
        from django.db import connections

        with common.Timer() as t:
            user, target, other, villages = create_data()
            path = var_dir / "registre.csv"
            rows = write_file(path, count, villages, other)
        size_mb = path.stat().st_size / 2**20
        print(
            f"  data: {OTHER} households in the union's other mutual; file of {count} "
            f"households, {rows} persons, {size_mb:.1f} MB, in {t.seconds:.1f} s",
            flush=True,
        )
        floor_s, floor_rows = floor(url, path)
        print(f"  floor: csv + COPY of {floor_rows} raw rows in {floor_s:.2f} s", flush=True)
        sampler = RssSampler()
        sampler.start()
        before_mb = common.peak_mb_parts()[0]
        try:
            if profile := os.environ.get("BENCH_IMPORT_PROFILE"):
                import cProfile

                with cProfile.Profile() as prof:
                    check_s, commit_s, check_result, commit_result = run_import(user, target, path)
                prof.dump_stats(profile)
            else:
                check_s, commit_s, check_result, commit_result = run_import(user, target, path)
        finally:
            sampler.stop.set()
            sampler.join()
        from mutuelle.members.models import Household, Membership, Person, PersonKey

        counts = {
            "households": Household.unscoped.filter(organization=target).count(),
            "persons": Person.unscoped.filter(organization=target).count(),
            "memberships": Membership.unscoped.filter(organization=target).count(),
            "keys": PersonKey.unscoped.filter(organization=target).count(),
        }
        connections.close_all()
    total = check_s + commit_s
    print(
        f"  check: {check_s:.2f} s ({check_result['rows']} rows, "
        f"{check_result['rows_with_warnings']} with warnings)",
        flush=True,
    )
    print(f"  commit: {commit_s:.2f} s {commit_result}", flush=True)
    print(f"  written: {counts}", flush=True)
    if counts["persons"] != rows or counts["households"] != count:
        raise common.BenchError(f"expected {count} households and {rows} persons: {counts}")
    if check_result["rows_with_warnings"] < PLANTED:
        raise common.BenchError("the planted duplicates were not all reported")
    peak = max(sampler.peak, common.peak_mb_parts()[0])
    print(
        f"  peak RSS of the process: {peak:.0f} MB (during the import: {sampler.peak:.0f} MB, "
        f"before it: {before_mb:.0f} MB)",
        flush=True,
    )
    ratio = total / floor_s
    notes = [
        f"ratio {ratio:.2f} {'within' if ratio <= GOAL else 'above'} goal {GOAL:.2f}",
        f"{total:.1f} s {'within' if total < ABSOLUTE_GOAL_S else 'above'} {ABSOLUTE_GOAL_S:.0f} s",
        f"{sampler.peak:.0f} MB {'within' if sampler.peak < PEAK_GOAL_MB else 'above'} "
        f"{PEAK_GOAL_MB} MB",
    ]
    print("  goals: " + "; ".join(notes) + (f" (at {count} households)"), flush=True)
    common.bench_line(NAME, ratio, GOAL, rows, seconds=total, peak_mb=sampler.peak)
    return 0


if __name__ == "__main__":
    sys.exit(main())
