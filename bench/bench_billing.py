"""billing: a yearly billing run of 200,000 households (~1,000,000 persons), postings included.

Data (deterministic, `members.generate`): one mutual (Senegal, XOF) with 20 villages and
BENCH_BILLING_HOUSEHOLDS households (default 200,000: about 1,000,000 persons; some withdrawn
or deceased members, some enrolled in January of the billed year), the default chart of
accounts, and a per-person yearly rule adopted from 1 January 2026: 6,000 a person, 3,000 a
child under 18, an entry fee of 1,000 for members enrolled in the period. ADVANCES households
(every n-th) paid 5,000 in advance at the cash desk before the run: their credit pays the new
dues during the run.

Figure: `actions.start_billing(manager, mutual, "2026")` and the job run in this process
(`core.jobs.run`): every chunk decides its households' dues with the pure rules, writes them,
posts the chunk's ledger entry and applies the households' credits, in one transaction.

Floor, in the same run: the same due rows (every column, read back from the product's table) and
the same journal entries and lines, COPYed into bare tables (the same columns, no index, no
constraint, logged like the real tables). ratio = figure / floor. Goals: ratio <= 5 and
under 60 s.

BENCH_BILLING_REUSE=1 keeps a copy of the generated database (`<bench db>_seed<households>`)
and starts the next runs from it (PostgreSQL `CREATE DATABASE ... TEMPLATE`), instead of
generating again. BENCH_PROFILE=1 prints a cProfile of the figure (slower).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import random
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

NAME = "billing"
GOAL = 5.0  # figure / floor
GOAL_S = 60.0
HOUSEHOLDS = int(os.environ.get("BENCH_BILLING_HOUSEHOLDS", "200000"))
PERIOD = "2026"
ADVANCES = 1000  # households that paid in advance before the run
ADVANCE = Decimal(5000)
CHUNK = 10_000  # households generated per transaction (bounded memory)
SAMPLE = 300  # households whose dues are recomputed independently after the run
REUSE = os.environ.get("BENCH_BILLING_REUSE") == "1"
PROFILE = os.environ.get("BENCH_PROFILE") == "1"  # cProfile the figure (slower)
RULE = {
    "basis": "person",
    "periodicity_kind": "year",
    "currency": "XOF",
    "amount": "6000",
    "child_amount": "3000",
    "child_age": 18,
    "entry_fee": "1000",
}
PLACE = {"country": "SN", "currency": "XOF", "time_zone": "Africa/Dakar"}


# --- data (shared with bench_coverage and bench_payment) -------------------------------------


def create_mutual(code: str = "BM1"):
    """A network, a mutual with its chart and 20 villages, a manager and a cashier. Returns
    (mutual, manager, cashier, villages)."""
    from mutuelle.accounting import actions as ledger
    from mutuelle.core import actions
    from mutuelle.core.models import User

    network = actions.create_organization(
        None, parent=None, kind="network", code="BN", name="Bench network", **PLACE
    )
    mutual = actions.create_organization(
        None, parent=network, kind="mutual", code=code, name="Mutuelle du bench", **PLACE
    )
    ledger.install_chart(mutual)
    villages = [
        actions.create_place(country="SN", code=f"SN-BB-{i:02d}", name=f"Village {i:02d}")
        for i in range(20)
    ]
    manager = User.objects.create_user(username="benchmanager", password=None, full_name="Manager")
    actions.grant_role(
        None, manager, role="mutual_manager", scope="organization", organization=mutual
    )
    cashier = User.objects.create_user(username="benchcashier", password=None, full_name="Cashier")
    actions.grant_role(None, cashier, role="cashier", scope="organization", organization=mutual)
    return mutual, manager, cashier, villages


def adopt_rule(manager, mutual):
    from mutuelle.contributions import actions

    version = actions.save_draft(manager, mutual, "Cotisation 2026", dict(RULE))
    return actions.adopt(manager, version, date(2026, 1, 1))


def generate(mutual, villages, households: int, label: str = "") -> int:
    """`households` generated households in chunks of CHUNK (seed = chunk number)."""
    from django.db import transaction

    from mutuelle.members.generate import generate_households

    persons = 0
    for seed, start in enumerate(range(0, households, CHUNK)):
        with transaction.atomic():
            made = generate_households(
                mutual, min(CHUNK, households - start), seed=seed, places=villages
            )
        persons += made.persons
        done = min(start + CHUNK, households)
        print(f"    {label}{done:,} households, {persons:,} persons", end="\r", flush=True)
    print()
    return persons


def pay_in_advance(cashier, mutual, count: int) -> int:
    """`count` households (spread over the register) pay ADVANCE at the cash desk before any
    due exists: all of it is kept as credit."""
    from django.core.exceptions import ValidationError

    from mutuelle.contributions import actions
    from mutuelle.members.models import Household

    ids = list(
        Household.unscoped.filter(organization=mutual).order_by("pk").values_list("pk", flat=True)
    )
    step = max(1, len(ids) // count)
    paid = 0
    for pk in ids[::step]:
        household = Household.unscoped.select_related("organization").get(pk=pk)
        try:
            actions.record_payment(cashier, household, ADVANCE, "cash", date(2025, 12, 20))
        except ValidationError:  # nobody left in the household: the next one
            continue
        paid += 1
        if paid == count:
            break
    return paid


# --- the seed database (BENCH_BILLING_REUSE=1) -----------------------------------------------


def _admin(url: str):
    return common._connect(url, dbname="postgres")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def seed_exists(url: str, seed: str) -> bool:
    with _admin(url) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [seed]).fetchone()
            is not None
        )


def copy_database(url: str, source: str, target: str) -> float:
    """DROP target, CREATE target TEMPLATE source (nobody may be connected to either)."""
    common._close_django_connections()
    with common.Timer() as t, _admin(url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_quoted(target)} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {_quoted(target)} TEMPLATE {_quoted(source)}")
    return t.seconds


# --- the floor -------------------------------------------------------------------------------


def floor_copy(run) -> tuple[float, int, int]:
    """COPY the run's due rows and journal entries and lines (every column, as the product
    wrote them) into bare tables. Returns (seconds, due rows, journal lines)."""
    from django.db import connection, transaction

    from mutuelle.accounting.models import Entry, Line
    from mutuelle.contributions.models import Due

    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    def columns(model) -> list[str]:
        return [f.column for f in model._meta.concrete_fields]

    entry_ids = list(
        Entry.unscoped.filter(
            source_type="contributions.billingrun", source_id=str(run.pk)
        ).values_list("pk", flat=True)
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg: rows as Python values, dates, Decimals, JSON as Python
        loaded = {}
        for model, where, params in (
            (Due, "run_id = %s", [run.pk]),
            (Entry, "id = ANY(%s)", [entry_ids]),
            (Line, "entry_id = ANY(%s)", [entry_ids]),
        ):
            cols = ", ".join(connection.ops.quote_name(c) for c in columns(model))
            raw.execute(f"SELECT {cols} FROM {table(model)} WHERE {where}", params)  # noqa: S608
            loaded[model] = raw.fetchall()
        for model in loaded:
            raw.execute(f"DROP TABLE IF EXISTS floor_{model._meta.db_table}")
            raw.execute(f"CREATE TABLE floor_{model._meta.db_table} (LIKE {table(model)})")
    from psycopg.types.json import Jsonb

    due_columns = columns(Due)
    json_at = due_columns.index("lines")
    with common.Timer() as t, transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        for model, rows in loaded.items():
            cols = ", ".join(connection.ops.quote_name(c) for c in columns(model))
            with raw.copy(f"COPY floor_{model._meta.db_table} ({cols}) FROM STDIN") as copy:
                if model is Due:
                    for row in rows:
                        row = list(row)
                        row[json_at] = Jsonb(row[json_at])
                        copy.write_row(row)
                else:
                    for row in rows:
                        copy.write_row(row)
    with connection.cursor() as cursor:
        for model in loaded:
            cursor.execute(f"DROP TABLE floor_{model._meta.db_table}")
    return t.seconds, len(loaded[Due]), len(loaded[Line])


# --- checks ----------------------------------------------------------------------------------


def check(run, mutual, households: int, advances: int) -> list[str]:
    """The run's results, checked independently of the code under test."""
    from django.db.models import Count, Sum

    from mutuelle.accounting.models import Entry, Line
    from mutuelle.contributions import rules
    from mutuelle.contributions.models import Due, Payment
    from mutuelle.lib import periods
    from mutuelle.members.models import Membership

    problems = []
    agg = Due.unscoped.filter(run=run).aggregate(n=Count("pk"), total=Sum("amount"))
    if agg["n"] != run.households or (agg["total"] or 0) != run.total:
        problems.append(f"dues {agg} differ from the run's counters {run.households} {run.total}")
    if not households * 0.9 < agg["n"] <= households:
        problems.append(f"{agg['n']} dues for {households} households")
    lines = Line.unscoped.filter(
        entry__source_type="contributions.billingrun", entry__source_id=str(run.pk)
    ).aggregate(d=Sum("debit"), c=Sum("credit"))
    if lines["d"] != lines["c"]:
        problems.append(f"the run's entries do not balance: {lines}")
    receivable = Line.unscoped.filter(
        entry__source_type="contributions.billingrun",
        entry__source_id=str(run.pk),
        account__number="411",
    ).aggregate(d=Sum("debit"), c=Sum("credit"))
    money = Payment.unscoped.filter(organization=mutual).aggregate(
        n=Count("pk"), paid=Sum("amount"), left=Sum("unallocated")
    )
    used = (money["paid"] or 0) - (money["left"] or 0)
    if money["n"] != advances:
        problems.append(f"{money['n']} payments, {advances} expected")
    if receivable["d"] != run.total or (receivable["c"] or 0) != used or used <= 0:
        problems.append(f"receivable {receivable} against total {run.total}, credit used {used}")
    paid = Due.unscoped.filter(run=run).aggregate(s=Sum("paid"))["s"] or 0
    if paid != used:
        problems.append(f"dues paid {paid} differ from the credit used {used}")
    if not Entry.unscoped.filter(source_type="contributions.billingrun").exists():
        problems.append("no entry posted")

    # A sample of households recomputed from the ORM with the pure rule, unchanged.
    rule = rules.rule_from_config(run.rule_version.config)
    period = periods.parse(run.period)
    ids = sorted(Due.unscoped.filter(run=run).values_list("household_id", flat=True))
    sample = random.Random(7).sample(ids, min(SAMPLE, len(ids)))  # noqa: S311
    amounts = dict(
        Due.unscoped.filter(run=run, household_id__in=sample).values_list("household_id", "amount")
    )
    members: dict[int, list] = {pk: [] for pk in sample}
    new: dict[int, set] = {pk: set() for pk in sample}
    for m in Membership.unscoped.filter(
        organization=mutual, person__household_id__in=sample
    ).select_related("person"):
        ended = m.status in ("withdrawn", "deceased", "excluded")
        members[m.person.household_id].append(
            rules.member_facts_from(
                m.person,
                rule.child_age,
                period.start,
                key=m.pk,
                covered_from=m.enrolled_on,
                covered_to=m.status_since - timedelta(days=1) if ended else None,
                salary=None,
            )
        )
        if period.start <= m.enrolled_on <= period.end:
            new[m.person.household_id].add(m.pk)
    wrong = 0
    for pk in sample:
        due = rules.bill(
            rule,
            rules.HouseholdFacts(pk, tuple(members[pk])),
            period,
            new_members=frozenset(new[pk]),
        )
        if due.total != amounts[pk]:
            wrong += 1
    if wrong:
        problems.append(f"{wrong} of {len(sample)} sampled dues differ from the pure rule")
    return problems


# --- main ------------------------------------------------------------------------------------


def main() -> int:
    url = common.bench_database_url()
    print(f"{NAME}: on {common.describe_database(url)}", flush=True)
    print(f"  machine: {common.machine_note()}", flush=True)
    bench_db = common._db_name(url)
    seed = f"{bench_db}_seed{HOUSEHOLDS}"
    with common.BenchVarDir() as var_dir:
        reused = REUSE and seed_exists(url, seed)
        if reused:
            seconds = copy_database(url, seed, bench_db)
            common.run_mutuelle(url, var_dir, "migrate", "--noinput", "-v0")  # code moved on
            print(f"  database {bench_db!r} copied from {seed!r} and migrated in {seconds:.1f} s")
        else:
            common.prepare_database(var_dir)
        common.setup_django(url, var_dir)
        from django.db import connection

        from mutuelle.contributions import actions
        from mutuelle.contributions.models import BillingRun, Payment
        from mutuelle.core import jobs
        from mutuelle.core.models import Job, Organization, User
        from mutuelle.members.models import Household, Person

        if reused:
            mutual = Organization.unscoped.get(code="BM1")
            manager = User.objects.get(username="benchmanager")
            advances = Payment.unscoped.count()
            persons = Person.unscoped.count()
            households = Household.unscoped.count()
            print(f"  data: reused, {households:,} households, {persons:,} persons")
        else:
            with common.Timer() as t:
                mutual, manager, cashier, villages = create_mutual()
                adopt_rule(manager, mutual)
                persons = generate(mutual, villages, HOUSEHOLDS)
                households = HOUSEHOLDS
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")  # fresh tables: plans for the payments below
                advances = pay_in_advance(cashier, mutual, ADVANCES)
            print(
                f"  data: {households:,} households, {persons:,} persons, {advances:,} advance "
                f"payments, in {t.seconds:.0f} s",
                flush=True,
            )
            if REUSE:
                seconds = copy_database(url, bench_db, seed)
                print(f"  kept as {seed!r} for BENCH_BILLING_REUSE=1 ({seconds:.1f} s)")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

        common.reset_peak([os.getpid()])
        profiler = cProfile.Profile() if PROFILE else None
        with common.Timer() as figure:
            if profiler:
                profiler.enable()
            run = actions.start_billing(manager, mutual, PERIOD)
            job = jobs.run(run.job.pk)
            if profiler:
                profiler.disable()
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        figure_peak = common.process_peak_mb(os.getpid())
        if job is None or job.state != Job.State.SUCCEEDED:
            raise common.BenchError(f"the billing job did not succeed: {job and job.error}")
        run = BillingRun.unscoped.select_related("rule_version").get(pk=run.pk)
        from mutuelle.contributions.actions import billing

        chunks = -(-households // billing.CHUNK)
        print(
            f"  figure: billing run {PERIOD} in {figure.seconds:.2f} s: {run.households:,} dues, "
            f"total {run.total:,} XOF, {chunks} chunks of {billing.CHUNK:,} households",
            flush=True,
        )
        floor_s, due_rows, journal_lines = floor_copy(run)
        print(
            f"  floor: COPY {due_rows:,} due rows and {journal_lines:,} journal lines into bare "
            f"tables in {floor_s:.2f} s",
            flush=True,
        )
        problems = check(run, mutual, households, advances)
        with common.Timer() as again_t:
            again = actions.start_billing(manager, mutual, PERIOD)
            jobs.run(again.job.pk)
            again.refresh_from_db()
        print(f"  re-run: {again.households} dues more in {again_t.seconds:.2f} s")
        if again.households:
            problems.append(f"re-running billed {again.households} households again")
        connection.close()
        if problems:
            raise common.BenchError("; ".join(problems))

    ratio = figure.seconds / floor_s
    met = ratio <= GOAL and figure.seconds < GOAL_S
    own, children = common.peak_mb_parts()
    print(
        f"  ratio: {figure.seconds:.2f} / {floor_s:.2f} = {ratio:.2f} (goal <= {GOAL:.0f} and "
        f"< {GOAL_S:.0f} s: {'met' if met else 'NOT met'})"
    )
    print(
        f"  memory: peak RSS during the run {figure_peak or 0:.0f} MB; whole bench process "
        f"{own:.0f} MB (set-up and floor included), largest child {children:.0f} MB"
    )
    common.bench_line(
        NAME, ratio, GOAL, rows=run.households, seconds=figure.seconds, peak_mb=figure_peak or own
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
