"""adjudication: batch adjudication of a year of claims (default 1,000,000 claims, about
3,000,000 lines) through the `claims.adjudicate` job, on PostgreSQL.

Data (deterministic, seed fixed): one mutual (Senegal, XOF) with BENCH_ADJUDICATION_HOUSEHOLDS
generated households (default 50,000: about 250,000 persons, some withdrawn or deceased, enrolled
over the 900 days before 15 January 2026), the starter catalogue, a compulsory package whose
lines exercise every rule (co-payment rates, a fixed amount with a waiting period, a minimum
interval, a quantity limit, a per-act ceiling, authorization, referral and care-level conditions,
a line for children only, an exclusion, yearly ceilings per person and per household), a health
centre and a district hospital with conventions and adopted tariffs (the hospital requires a
diagnosis), a health post without a convention, guarantee letters and referrals. The claims
(BENCH_ADJUDICATION_CLAIMS, default 1,000,000, dated 1 January to 31 October 2026, submitted a
few days after care) are written with COPY: ordinary visits, stays, deliveries, surgery, and a
few in each kind of fault, so that **every reason code of the engine occurs** (checked after
the run: the benchmark fails if one is missing).

Figure: `claims.adjudicate` started for the mutual and run in this process (`core.jobs.run`):
chunks of `claims.jobs.CHUNK` claims, each locked, loaded set-based, decided by the pure engine,
written in bulk with its events, and triaged (the review queue is fed as claims are decided),
one transaction per chunk — as the product runs it.

Floor, in the same run: read the same claims and lines (every column) and COPY as many result
rows (the adjudicated claims and lines, every column) into bare tables (no index, no
constraint). ratio = figure / floor; goal <= 5. Peak memory: the bench process's peak RSS
during the figure (goal under 2 GB).

BENCH_ADJUDICATION_REUSE=1 keeps a copy of the generated database and starts the next runs from
it (as bench_billing). BENCH_PROFILE=1 prints a cProfile of the figure (slower).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import random
import sys
import uuid
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_billing  # noqa: E402  (the shared data set-up, the seed database)
import common  # noqa: E402

NAME = "adjudication"
GOAL = 5.0
GOAL_MB = 2048
CLAIMS = int(os.environ.get("BENCH_ADJUDICATION_CLAIMS", "1000000"))
HOUSEHOLDS = int(os.environ.get("BENCH_ADJUDICATION_HOUSEHOLDS", "50000"))
REUSE = os.environ.get("BENCH_ADJUDICATION_REUSE") == "1"
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
SEED = 20261
FIRST_DAY, LAST_DAY = date(2026, 1, 1), date(2026, 10, 31)
COPY_CHUNK = 50_000  # claims generated and written per transaction (bounded memory)
CEILING_PERSON, CEILING_HOUSEHOLD = 40000, 100000  # per year
LETTERS = 4000
REFERRALS = 2000

# Adopted tariffs of both conventions (EVAC-AMB is in the catalogue, in no tariff).
TARIFF = {
    "CONS-INF": 1000,
    "CONS-MG": 2000,
    "CONS-SPE": 5000,
    "CONS-SF": 1500,
    "CPN": 1500,
    "ACC-NORM": 15000,
    "HOSP-J": 5000,
    "CHIR-MIN": 20000,
    "TDR-PALU": 500,
    "GE": 800,
    "NFS": 3000,
    "GLY": 1000,
    "RX-THX": 7000,
    "MED-AMOX": 1500,
    "MED-ACT": 2500,
    "MED-PARA": 300,
    "MED-IBU": 400,
    "OPT-LUN": 10000,
    "DENT-EXT": 3000,
    "DENT-SOIN": 4000,
}
VISIT_ACTS = ["TDR-PALU", "GE", "NFS", "GLY", "MED-AMOX", "MED-ACT", "MED-PARA", "MED-IBU"]


# --- set-up (ORM: a few hundred rows) -------------------------------------------------------


def create_world():
    """The mutual, its register, package, providers, conventions and tariffs. Returns
    (mutual, manager, centre, hospital, post)."""
    from mutuelle.benefits import actions as benefits
    from mutuelle.benefits.models import Act
    from mutuelle.core import actions as core
    from mutuelle.providers import actions as providers

    mutual, manager, _cashier, villages = bench_billing.create_mutual()
    bench_billing.generate(mutual, villages, HOUSEHOLDS)
    benefits.install_starter_catalogue(manager, mutual)
    acts = {a.code: a for a in Act.unscoped.filter(organization=mutual)}
    package = benefits.create_package(
        manager,
        mutual,
        "BASE",
        "Paquet de base",
        "Basic package",
        "compulsory",
        benefits.VersionTerms(
            waiting_days=60,
            ceiling_person=Decimal(CEILING_PERSON),
            ceiling_household=Decimal(CEILING_HOUSEHOLD),
            exclusions="DENT-EXT",
        ),
    )
    version = package.versions.get()
    Spec = benefits.LineSpec
    for spec in (
        Spec(category="consultation", rate=Decimal(80)),
        Spec(act=acts["CONS-SPE"], rate=Decimal(70), min_interval_days=30),
        Spec(category="antenatal", rate=Decimal(100)),
        Spec(category="laboratory", rate=Decimal(80), quantity_limit=4, period_days=365),
        Spec(category="medicines", rate=Decimal(70), per_act_ceiling=Decimal(1500)),
        Spec(category="delivery", amount=Decimal(12000), waiting_days=270),
        Spec(
            category="hospitalization",
            rate=Decimal(75),
            authorization_required=True,
            care_levels=frozenset({"district", "regional"}),
        ),
        Spec(
            category="surgery",
            rate=Decimal(75),
            referral_required=True,
            care_levels=frozenset({"district", "regional"}),
        ),
        Spec(category="imaging", rate=Decimal(70), care_levels=frozenset({"district"})),
        Spec(category="optical", rate=Decimal(50), applies_to="children", children_under=16),
        Spec(kind="cash", cash_benefit="funeral", amount=Decimal(50000)),
        Spec(kind="cash", cash_benefit="daily_allowance", amount=Decimal(1000), max_days=10),
    ):
        benefits.add_line(manager, version, spec)
    benefits.adopt(manager, version, date(2023, 1, 1))

    def provider(code, name, type_):
        org = core.create_organization(
            None, parent=mutual.parent, kind="provider", code=code, name=name, **bench_billing.PLACE
        )
        providers.save_profile(None, org, type_, "public")
        return org

    centre = provider("BCS", "Centre de santé du bench", "health_centre")
    hospital = provider("BHD", "Hôpital de district du bench", "district_hospital")
    post = provider("BPS", "Poste de santé sans convention", "health_post")
    for org, required in ((centre, False), (hospital, True)):
        data = providers.ConventionData(
            reference=f"CONV-{org.code}",
            start=date(2025, 1, 1),
            submission_days=30,
            diagnosis_required=required,
        )
        convention = providers.create_convention(None, mutual, org, data)
        schedule = providers.new_schedule(None, convention)
        for code, price in TARIFF.items():
            providers.add_line(None, schedule, acts[code], Decimal(price))
        providers.adopt_schedule(None, schedule, date(2025, 1, 1))
    return mutual, manager, centre, hospital, post


def beneficiaries(mutual) -> list[tuple]:
    """(membership, person, household, sex, birth date, death date, status, status since,
    waiting anchor) of every membership, in id order."""
    from mutuelle.members.models import Membership

    rows = Membership.unscoped.filter(organization=mutual).order_by("pk")
    return [
        (m, p, h, sex, bd or (date(by, 1, 1) if by else None), dd, st, since, wf)
        for m, p, h, sex, bd, by, dd, st, since, wf in rows.values_list(
            "pk",
            "person_id",
            "person__household_id",
            "person__sex",
            "person__birth_date",
            "person__birth_year",
            "person__date_of_death",
            "status",
            "status_since",
            "waiting_from",
        )
    ]


def letters_and_referrals(mutual, people, hospital, centre, rng):
    """Approved guarantee letters (valid, expired, small maximum) and referrals for people
    picked at random. Returns ({person: [(letter id, kind)]}, {person: referral id})."""
    from mutuelle.claims.models import GuaranteeLetter, Referral

    picked = rng.sample(people, LETTERS + REFERRALS)
    letters = []
    for i, who in enumerate(picked[:LETTERS]):
        kind = ("valid", "valid", "valid", "expired", "small")[i % 5]
        valid_from = FIRST_DAY if kind != "expired" else date(2025, 1, 1)
        letters.append(
            GuaranteeLetter(
                organization=mutual,
                number=f"GL-B-{i:06d}",
                person_id=who[1],
                provider=hospital,
                visit_type="inpatient",
                planned_on=valid_from,
                status="approved",
                max_amount=Decimal(2000) if kind == "small" else Decimal(60000),
                valid_from=valid_from,
                valid_to=LAST_DAY if kind != "expired" else date(2025, 3, 31),
            )
        )
    GuaranteeLetter.unscoped.bulk_create(letters, batch_size=2000)
    by_person: dict[int, list] = {}
    for letter, i in zip(
        GuaranteeLetter.unscoped.filter(organization=mutual).order_by("number"),
        range(LETTERS),
        strict=True,
    ):
        by_person.setdefault(letter.person_id, []).append(letter.pk)
        del i
    referrals = [
        Referral(
            organization=mutual,
            number=f"RF-B-{i:06d}",
            person_id=who[1],
            from_provider=centre,
            to_provider=hospital,
            referred_on=FIRST_DAY,
        )
        for i, who in enumerate(picked[LETTERS:])
    ]
    Referral.unscoped.bulk_create(referrals, batch_size=2000)
    referred = dict(
        Referral.unscoped.filter(organization=mutual).values_list("person_id", "pk").order_by("pk")
    )
    return by_person, referred


# --- the claims, generated and COPYed -------------------------------------------------------


class Writer:
    """Claim and line rows with every column (model defaults, then ours), COPYed in chunks."""

    def __init__(self, mutual):
        from django.db import connection

        from mutuelle.claims.models import Claim, ClaimLine
        from mutuelle.core.models import Organization

        self.connection = connection
        self.models = (Claim, ClaimLine)
        self.defaults = {}
        for model in self.models:
            values = {}
            for f in model._meta.concrete_fields:
                if f.primary_key:
                    continue
                values[f.attname] = f.get_default()  # "" for text, None where nullable
            self.defaults[model] = values
        self.columns = {m: ["id", *self.defaults[m]] for m in self.models}
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {Claim._meta.db_table}")  # noqa: S608
            self.next_claim = cursor.fetchone()[0] + 1
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {ClaimLine._meta.db_table}")  # noqa: S608
            self.next_line = cursor.fetchone()[0] + 1
        self.claims: list[tuple] = []
        self.lines: list[tuple] = []
        self.mutual_id = mutual.pk
        self.currency = Organization.unscoped.get(pk=mutual.pk).currency
        self.written = [0, 0]

    def claim(self, rng, **values) -> int:
        from psycopg.types.json import Jsonb

        pk = self.next_claim
        self.next_claim += 1
        row = dict(self.defaults[self.models[0]])
        row.update(
            uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
            organization_id=self.mutual_id,
            status="submitted",
            reasons=Jsonb([]),
            **values,
        )
        self.claims.append((pk, *row.values()))
        return pk

    def line(self, claim_id, position, code, quantity, price, on=None, act_id=None) -> None:
        from psycopg.types.json import Jsonb

        row = dict(self.defaults[self.models[1]])
        row.update(
            claim_id=claim_id,
            position=position,
            act_code=code,
            act_id=act_id,
            quantity=quantity,
            unit_price=price,
            on=on,
            reasons=Jsonb([]),
            trail=Jsonb([]),
        )
        self.lines.append((self.next_line, *row.values()))
        self.next_line += 1

    def flush(self) -> None:
        from django.db import transaction

        with transaction.atomic(), self.connection.cursor() as cursor:
            raw = cursor.cursor
            for model, rows in zip(self.models, (self.claims, self.lines), strict=True):
                cols = ", ".join(f'"{c}"' for c in self.columns[model])
                table = model._meta.db_table
                with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        self.written[0] += len(self.claims)
        self.written[1] += len(self.lines)
        self.claims, self.lines = [], []

    def finish(self) -> None:
        self.flush()
        with self.connection.cursor() as cursor:
            for model in self.models:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )


def generate_claims(mutual, providers, people, letters, referred, acts) -> tuple[int, int]:
    """CLAIMS claims in date order (ids follow the dates, as the month's files arrive).
    Returns (claims, lines) written."""
    from django.utils import timezone

    rng = random.Random(SEED)  # noqa: S311  (reproducible data)
    writer = Writer(mutual)
    now = timezone.now()
    days = (LAST_DAY - FIRST_DAY).days + 1
    per_day = CLAIMS / days
    groups = {
        "women": [p for p in people if p[3] == "F"],
        "men": [p for p in people if p[3] == "M"],
        "dead": [p for p in people if p[5] is not None],
        "gone": [p for p in people if p[6] in ("withdrawn", "excluded")],
        "newborn": [p for p in people if p[4] and p[4] >= date(2025, 6, 1)],
        "with_letter": [p for p in people if p[1] in letters],
        "with_referral": [p for p in people if p[1] in referred],
    }
    recent: list[dict] = []  # the last claims: copied as duplicates
    for n in range(days):
        day = FIRST_DAY + timedelta(days=n)
        for _ in range(int(per_day * (n + 1)) - int(per_day * n)):
            spec = _one_claim(rng, day, people, groups, letters, referred, recent)
            _write(writer, rng, spec, providers, acts, now)
            if len(writer.claims) >= COPY_CHUNK:
                writer.flush()
                print(
                    f"    {writer.written[0]:,} claims, {writer.written[1]:,} lines",
                    end="\r",
                    flush=True,
                )
    writer.finish()
    print()
    return writer.written[0], writer.written[1]


DIAGNOSES = ["B54", "J06.9", "A09", "R50.9", "K29.7", "N39.0", "I10", "O80"]
FAULTS = (
    "unknown_act",
    "not_in_tariff",
    "bad_quantity",
    "negative_price",
    "future",
    "end_before_start",
    "outside_dates",
    "before_birth",
    "after_death",
    "not_covered",
    "no_convention",
    "late",
    "duplicate_claim",
    "duplicate_line",
    "no_lines",
    "act_sex",
    "cash_funeral",
    "cash_allowance",
)
FAULT_SHARE = 0.004  # of the claims, for each fault


def _price(rng, code) -> Decimal:
    """The tariff, or (one line in 25) a quarter above it: cut to the tariff, not rejected."""
    base = Decimal(TARIFF.get(code, 1000))
    return base * Decimal("1.25") if rng.random() < 0.04 else base


def _visit(rng, day, who, provider="centre") -> dict:
    lines = [("CONS-INF" if rng.random() < 0.6 else "CONS-MG", 1)]
    for code in rng.sample(VISIT_ACTS, rng.choice((1, 1, 2, 2, 3, 4))):
        lines.append((code, 1 if not code.startswith("MED") else rng.randint(1, 2)))
    return {"who": who, "provider": provider, "day": day, "lines": lines}


def _one_claim(rng, day, people, groups, letters, referred, recent) -> dict:
    """One claim's description: mostly care as it comes, sometimes one fault."""
    r = rng.random()
    faults = FAULT_SHARE * len(FAULTS)
    if r < faults:
        return _fault(rng, FAULTS[int(r / FAULT_SHARE)], day, people, groups, recent)
    r = (r - faults) / (1 - faults)
    who = rng.choice(people)
    if r < 0.58:
        spec = _visit(rng, day, who)
    elif r < 0.64:
        spec = {"who": who, "provider": "centre", "day": day, "lines": [("CONS-SPE", 1)]}
    elif r < 0.67:
        spec = {"who": who, "provider": "centre", "day": day, "lines": [("NFS", rng.randint(2, 6))]}
    elif r < 0.71:
        woman = rng.choice(groups["women"])
        spec = {"who": woman, "provider": "centre", "day": day, "lines": [("CPN", 1)]}
    elif r < 0.73:
        woman = rng.choice(groups["women"])
        lines = [("ACC-NORM", 1), ("CONS-SF", 1)]
        spec = {"who": woman, "provider": "centre", "day": day, "lines": lines}
    elif r < 0.81:
        spec = _visit(rng, day, who, "hospital")
        spec["lines"].append(("RX-THX", 1))
    elif r < 0.86:
        stay = rng.randint(1, 6)
        if rng.random() < 0.8:
            who = rng.choice(groups["with_letter"])
            spec = {"letter": rng.choice(letters[who[1]])}
        else:
            spec = {}
        spec.update(
            who=who,
            provider="hospital",
            day=day,
            visit_type="inpatient",
            care_to=min(day + timedelta(days=stay - 1), LAST_DAY),
            lines=[("CONS-MG", 1), ("HOSP-J", stay), ("MED-AMOX", 2)],
        )
    elif r < 0.88:
        spec = {"who": who, "provider": "hospital", "day": day, "lines": [("CHIR-MIN", 1)]}
        if rng.random() < 0.6:
            spec["who"] = who = rng.choice(groups["with_referral"])
            spec["referral"] = referred[who[1]]
    elif r < 0.90:
        spec = {"who": who, "provider": "centre", "day": day, "lines": [("RX-THX", 1)]}
    elif r < 0.92:
        spec = {"who": who, "provider": "centre", "day": day, "lines": [("OPT-LUN", 1)]}
    elif r < 0.94:
        code = "DENT-EXT" if rng.random() < 0.5 else "DENT-SOIN"
        spec = {"who": who, "provider": "centre", "day": day, "lines": [(code, 1)]}
    else:
        spec = _visit(rng, day, who)
    recent.append(spec)
    if len(recent) > 50:
        del recent[0]
    return spec


def _fault(rng, fault, day, people, groups, recent) -> dict:
    spec = _visit(rng, day, rng.choice(people))
    lines = spec["lines"]
    if fault == "unknown_act":
        lines.append(("XX-999", 1))
    elif fault == "not_in_tariff":
        lines.append(("EVAC-AMB", 1))
    elif fault == "bad_quantity":
        lines.append(("MED-PARA", rng.choice((0, -1))))
    elif fault == "negative_price":
        spec["negative"] = True
    elif fault == "future":
        spec["day"] = date(2027, 1, 4)
    elif fault == "end_before_start":
        spec["care_to"] = day - timedelta(days=2)
    elif fault == "outside_dates":
        spec["line_on"] = day + timedelta(days=5)
        spec["care_to"] = day
    elif fault == "before_birth" and groups["newborn"]:
        spec["who"] = who = rng.choice(groups["newborn"])
        spec["day"] = who[4] - timedelta(days=10)
    elif fault == "after_death":
        spec["who"] = who = rng.choice(groups["dead"])
        spec["day"] = who[5] - timedelta(days=1)
        spec["care_to"] = spec["line_on"] = who[5] + timedelta(days=1)
    elif fault == "not_covered":
        spec["who"] = rng.choice(groups["gone"])
    elif fault == "no_convention":
        spec["provider"] = "post"
    elif fault == "late":
        spec["delay"] = rng.randint(45, 80)
    elif fault == "duplicate_claim" and recent:
        spec = dict(rng.choice(recent))
    elif fault == "duplicate_line":
        lines.append(lines[0])
    elif fault == "no_lines":
        spec["lines"] = []
    elif fault == "act_sex":
        spec["who"] = rng.choice(groups["men"])
        lines[:] = [("CPN", 1)]
    elif fault == "cash_funeral":
        # The first deaths of the register, claimed again on another day: paid once.
        spec["who"] = who = rng.choice(groups["dead"][:200])
        spec.update(day=who[5] - timedelta(days=rng.choice((0, 0, 1, 2))), cash=True)
        lines[:] = [("FUNERAL", 1)]
    elif fault == "cash_allowance":
        spec["cash"] = True
        lines[:] = [("DAILY_ALLOWANCE", rng.randint(3, 15))]
    return spec


def _write(writer, rng, spec, providers, acts, now) -> None:
    who = spec["who"]
    membership, person, household = who[0], who[1], who[2]
    day = spec["day"]
    care_to = spec.get("care_to")
    cash = spec.get("cash", False)
    provider = providers["mutual" if cash else spec["provider"]]
    delay = spec.get("delay", rng.randint(0, 7))
    submitted = datetime.combine((care_to or day) + timedelta(days=delay), time(10), UTC)
    hospital = spec["provider"] == "hospital"
    diagnosis = rng.choice(DIAGNOSES) if not hospital or rng.random() < 0.95 else ""
    claim = writer.claim(
        rng,
        provider_id=provider,
        membership_id=membership,
        person_id=person,
        household_id=household,
        kind="cash_benefit" if cash else "third_party",
        cash_benefit=spec["lines"][0][0].lower() if cash else "",
        units=spec["lines"][0][1] if cash else 1,
        visit_type=spec.get("visit_type", "outpatient"),
        care_from=day,
        care_to=care_to,
        diagnoses=diagnosis,
        letter_id=spec.get("letter"),
        referral_id=spec.get("referral"),
        # One visit in fifty is not checked at the desk (the triage flags it).
        eligibility_checked=rng.random() >= 0.02,
        created_at=min(submitted, now),
        submitted_at=min(submitted, now),
    )
    for position, (code, quantity) in enumerate(spec["lines"], start=1):
        price = Decimal(0) if cash else _price(rng, code)
        if spec.get("negative") and position == 1:
            price = -price
        writer.line(claim, position, code, quantity, price, spec.get("line_on"), acts.get(code))


# --- the floor -------------------------------------------------------------------------------


def floor_copy(mutual) -> tuple[float, int, int]:
    """Read the mutual's claims and lines (every column; streamed) and COPY them, as they are
    now (adjudicated), into bare tables. Returns (seconds, claims, lines)."""
    from django.db import connection, transaction

    from mutuelle.claims.models import Claim, ClaimLine

    tables = {m: m._meta.db_table for m in (Claim, ClaimLine)}
    where = {
        Claim: ("organization_id = %s", [mutual.pk]),
        ClaimLine: (
            f"claim_id IN (SELECT id FROM {tables[Claim]} WHERE organization_id = %s)",  # noqa: S608
            [mutual.pk],
        ),
    }
    with connection.cursor() as cursor:
        for table in tables.values():
            cursor.execute(f"DROP TABLE IF EXISTS floor_{table}")
            cursor.execute(f"CREATE TABLE floor_{table} (LIKE {table})")
    counts = {}
    with common.Timer() as t, transaction.atomic(), connection.cursor() as cursor:
        conn = cursor.cursor.connection
        for model, table in tables.items():
            cols = ", ".join(f'"{f.column}"' for f in model._meta.concrete_fields)
            sql, params = where[model]
            counts[model] = 0
            with conn.cursor(name=f"floor_{table}") as source:
                source.itersize = COPY_CHUNK
                source.execute(f"SELECT {cols} FROM {table} WHERE {sql}", params)  # noqa: S608
                while rows := source.fetchmany(COPY_CHUNK):
                    with conn.cursor().copy(f"COPY floor_{table} ({cols}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    counts[model] += len(rows)
    with connection.cursor() as cursor:
        for table in tables.values():
            cursor.execute(f"DROP TABLE floor_{table}")
    return t.seconds, counts[Claim], counts[ClaimLine]


# --- checks ----------------------------------------------------------------------------------


def _above_ceiling(who: str) -> str:
    """How many persons (or households) the mutual paid more than their yearly ceiling for
    care (cash benefits have their own limits)."""
    return (
        f"SELECT count(*) FROM (SELECT c.{who}, l.package_id_used, "  # noqa: S608
        "extract(year FROM coalesce(l.on, c.care_from)) y, sum(l.covered) s "
        "FROM claims_claimline l JOIN claims_claim c ON c.id = l.claim_id WHERE "
        "c.organization_id = %s AND c.status IN ('adjudicated', 'in_review', 'approved', "
        "'in_settlement', 'paid') AND l.package_id_used IS NOT NULL "
        "AND l.target NOT LIKE 'cash:%%' GROUP BY 1, 2, 3) x WHERE s > %s"
    )


def check(mutual, claims: int) -> tuple[list[str], Counter]:
    """The run's results, checked with SQL, independently of the code under test. Returns
    (problems, how often each reason code occurs)."""
    from django.db import connection

    from mutuelle.claims import rules

    problems = []
    queries = {
        "left submitted": "SELECT count(*) FROM claims_claim WHERE organization_id = %s "
        "AND status = 'submitted'",
        "lines that do not balance": "SELECT count(*) FROM claims_claimline l JOIN claims_claim "
        "c ON c.id = l.claim_id WHERE c.organization_id = %s AND (l.tariff_adjusted <> l.covered "
        "+ l.copayment + l.excess + l.rejected OR least(l.covered, l.copayment, l.excess, "
        "l.rejected) < 0)",
        "claims whose totals are not their lines'": "SELECT count(*) FROM claims_claim c JOIN "
        "(SELECT claim_id, sum(covered) s FROM claims_claimline GROUP BY claim_id) l ON "
        "l.claim_id = c.id WHERE c.organization_id = %s AND c.covered <> l.s",
        "persons above their yearly ceiling": _above_ceiling("person_id"),
        "households above their yearly ceiling": _above_ceiling("household_id"),
    }
    with connection.cursor() as cursor:
        for label, sql in queries.items():
            limit = CEILING_PERSON if "persons" in label else CEILING_HOUSEHOLD
            cursor.execute(sql, [mutual.pk, limit] if sql.endswith("> %s") else [mutual.pk])
            if found := cursor.fetchone()[0]:
                problems.append(f"{found} {label}")
        cursor.execute(
            "SELECT count(*) FROM claims_claimevent e JOIN claims_claim c ON c.id = e.claim_id "
            "WHERE c.organization_id = %s AND e.to_status = 'adjudicated'",
            [mutual.pk],
        )
        if (events := cursor.fetchone()[0]) != claims:
            problems.append(f"{events} adjudication events for {claims} claims")
        codes: Counter = Counter()
        for table, join in (
            ("claims_claimline", "JOIN claims_claim c ON c.id = t.claim_id"),
            ("claims_claim", "JOIN claims_claim c ON c.id = t.id"),
        ):
            cursor.execute(
                f"SELECT r->>0, count(*) FROM {table} t {join}, jsonb_array_elements(t.reasons) r "  # noqa: S608
                "WHERE c.organization_id = %s GROUP BY 1",
                [mutual.pk],
            )
            for code, n in cursor.fetchall():
                codes[code] += n
    missing = sorted(set(rules.REASONS) - set(codes))
    if missing:
        # Ceilings and intervals need a year of claims per beneficiary: a small trial run
        # (fewer than 100,000 claims) only warns.
        text = f"reason codes that never occurred: {', '.join(missing)}"
        if claims >= 100_000:
            problems.append(text)
        else:
            print(f"  warning (small run): {text}")
    return problems, codes


# --- main ------------------------------------------------------------------------------------


def build(url, var_dir):
    """The world and its claims, generated (or copied from the kept seed database)."""
    common.prepare_database(var_dir)
    common.setup_django(url, var_dir)
    from django.db import connection

    from mutuelle.benefits.models import Act
    from mutuelle.core.models import Organization

    with common.Timer() as t:
        mutual, _manager, centre, hospital, post = create_world()
        people = beneficiaries(mutual)
        rng = random.Random(SEED + 1)  # noqa: S311
        letters, referred = letters_and_referrals(mutual, people, hospital, centre, rng)
    print(f"  world: {HOUSEHOLDS:,} households, {len(people):,} members, in {t.seconds:.0f} s")
    acts = dict(Act.unscoped.filter(organization=mutual).values_list("code", "pk"))
    providers = {"centre": centre.pk, "hospital": hospital.pk, "post": post.pk}
    providers["mutual"] = mutual.pk  # a cash benefit's claim: the mutual pays its member
    with common.Timer() as t:
        claims, lines = generate_claims(mutual, providers, people, letters, referred, acts)
    print(f"  claims: {claims:,} claims, {lines:,} lines COPYed in {t.seconds:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return Organization.unscoped.get(pk=mutual.pk)


def main() -> int:
    url = common.bench_database_url()
    print(f"{NAME}: on {common.describe_database(url)}", flush=True)
    print(f"  machine: {common.machine_note()}", flush=True)
    bench_db = common._db_name(url)
    seed = f"{bench_db}_seed{CLAIMS}_{HOUSEHOLDS}"
    with common.BenchVarDir() as var_dir:
        if REUSE and bench_billing.seed_exists(url, seed):
            seconds = bench_billing.copy_database(url, seed, bench_db)
            common.run_mutuelle(url, var_dir, "migrate", "--noinput", "-v0")
            print(f"  database {bench_db!r} copied from {seed!r} in {seconds:.1f} s")
            common.setup_django(url, var_dir)
            from mutuelle.core.models import Organization

            mutual = Organization.unscoped.get(code="BM1")
        else:
            mutual = build(url, var_dir)
            if REUSE:
                seconds = bench_billing.copy_database(url, bench_db, seed)
                print(f"  kept as {seed!r} for BENCH_ADJUDICATION_REUSE=1 ({seconds:.1f} s)")
                common.setup_django(url, var_dir)
        from django.db import connection
        from django.db.models import Count

        from mutuelle.claims import jobs as claim_jobs
        from mutuelle.claims.models import Claim
        from mutuelle.core import jobs
        from mutuelle.core.models import Job

        claims = Claim.unscoped.filter(organization=mutual).count()
        common.reset_peak([os.getpid()])
        profiler = cProfile.Profile() if PROFILE else None
        with common.Timer() as figure:
            if profiler:
                profiler.enable()
            job = jobs.start(claim_jobs.ADJUDICATE, organization=mutual)
            job = jobs.run(job.pk)
            if profiler:
                profiler.disable()
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        figure_peak = common.process_peak_mb(os.getpid())
        if job is None or job.state != Job.State.SUCCEEDED:
            raise common.BenchError(f"the adjudication job did not succeed: {job and job.error}")
        statuses = dict(
            Claim.unscoped.filter(organization=mutual)
            .values_list("status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        print(
            f"  figure: {claims:,} claims adjudicated in {figure.seconds:.1f} s "
            f"({claims / figure.seconds:,.0f} claims/s), chunks of {claim_jobs.CHUNK}: "
            f"{dict(statuses)}",
            flush=True,
        )
        floor_s, floor_claims, floor_lines = floor_copy(mutual)
        print(
            f"  floor: read and COPY {floor_claims:,} claims and {floor_lines:,} lines in "
            f"{floor_s:.2f} s",
            flush=True,
        )
        problems, codes = check(mutual, claims)
        print(
            f"  reason codes ({len(codes)}): "
            + ", ".join(f"{c} {n}" for c, n in sorted(codes.items()))
        )
        connection.close()
        if problems:
            raise common.BenchError("; ".join(problems))

    ratio = figure.seconds / floor_s
    own, children = common.peak_mb_parts()
    verdict = "met" if ratio <= GOAL and (figure_peak or own) < GOAL_MB else "NOT met"
    print(
        f"  ratio: {figure.seconds:.1f} / {floor_s:.2f} = {ratio:.2f} (goal <= {GOAL:.0f}, "
        f"memory < {GOAL_MB} MB: {verdict})"
    )
    print(
        f"  memory: peak RSS during the figure {figure_peak or 0:.0f} MB; whole bench process "
        f"{own:.0f} MB (generation included)"
    )
    common.bench_line(
        NAME, ratio, GOAL, rows=claims, seconds=figure.seconds, peak_mb=figure_peak or own
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
