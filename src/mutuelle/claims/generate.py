"""Deterministic claims data: a month of provider claims for a mutual, with known abuse
injected on request, written set-based (bulk_create). The same arguments always give the same
claims. Tests and benchmarks use it (tests/claims/test_triage_detection.py).

    generate_month(mutual, providers, month, claims=3000, seed=1, inject=True)
        -> GeneratedMonth(claim_ids, abusive={pattern: claim ids})

What it needs: the mutual's package adopted and a convention with an adopted tariff schedule
between the mutual (or its union) and each provider (the claims use the acts of the tariff, at
the tariff's prices). What it writes: households (members.generate, enrolled long before the
month), the claims (submitted, with their lines) and the eligibility checks of the visits.

Clean care: each household has a home provider (nine visits in ten go there); an outpatient
visit is one consultation, sometimes with one more act (a laboratory test...); one visit in ten
is a stay (a consultation and one to four hospital days). A beneficiary's visits are at least
ten days apart. One clean claim in a hundred lacks an eligibility check on the day (noise:
checks are forgotten; NOISE_UNCHECKED).

Injected abuse (`inject=True`), each marked so that a test can measure triage:
- `acts_per_visit`: the first provider bills about three times its peers' acts per visit
  (every act of its tariff but the stays', on every claim);
- `no_check`: claims without an eligibility check on the day of care;
- `split`: one visit billed as two claims of the same provider, the same day or the next;
- `phantom`: beneficiaries who do not exist: households all enrolled the same day, never
  checked at a point of care (our detectable definition: a phantom is never seen by a clerk),
  whose claims therefore carry no eligibility check either.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from mutuelle.benefits.models import Category
from mutuelle.benefits.queries import catalogue_for
from mutuelle.core.models import Organization
from mutuelle.members.generate import generate_households
from mutuelle.members.models import Membership
from mutuelle.providers import queries as providers_q
from mutuelle.providers.models import TariffLine

from .models import Claim, ClaimKind, ClaimLine, ClaimStatus, EligibilityCheck, VisitType

PATTERNS = ("acts_per_visit", "no_check", "split", "phantom")
NOISE_UNCHECKED = 0.01  # clean claims without an eligibility check on the day
SHARE_NO_CHECK = 0.03  # injected: claims without a check
SHARE_SPLIT = 0.02  # injected: visits billed as two claims
SHARE_PHANTOM = 0.02  # injected: claims of phantom beneficiaries
SHARE_INFLATING = 0.05  # the inflating provider's share of the claims
MIN_GAP_DAYS = 10  # a clean beneficiary's visits are at least this far apart


@dataclass
class GeneratedMonth:
    claim_ids: list[int] = field(default_factory=list)
    abusive: dict[str, set[int]] = field(default_factory=lambda: {p: set() for p in PATTERNS})

    @property
    def abusive_ids(self) -> set[int]:
        return set().union(*self.abusive.values())


@dataclass
class _Tariff:
    consultations: list[tuple[str, Decimal]]
    extras: list[tuple[str, Decimal]]  # other outpatient acts (laboratory, imaging...)
    stay: tuple[str, Decimal] | None  # a hospital day


def _tariff(mutual: Organization, provider: Organization, on: date) -> _Tariff:
    conventions = providers_q.conventions_in_force(provider.pk, mutual, on)
    schedule = providers_q.schedule_in_force(conventions[0], on) if conventions else None
    if schedule is None:
        raise ValueError(f"No tariff in force between {mutual.code} and {provider.code}")
    rows = (
        TariffLine.unscoped.filter(schedule=schedule, package__isnull=True, place__isnull=True)
        .select_related("act")
        .order_by("act__code")
    )
    out = _Tariff([], [], None)
    for line in rows:
        item = (line.act.code, line.price)
        category = line.act.category
        if category == Category.CONSULTATION:
            out.consultations.append(item)
        elif category == Category.HOSPITALIZATION and out.stay is None:
            out.stay = item
        elif category in (Category.LABORATORY, Category.IMAGING, Category.MEDICINES):
            out.extras.append(item)
    if not out.consultations:
        raise ValueError(f"The tariff of {provider.code} has no consultation")
    return out


def _lines(rng: random.Random, tariff: _Tariff, inflate: bool, inpatient: bool) -> list[tuple]:
    """(code, quantity, price) of a visit."""
    first = tariff.consultations[0] if rng.random() < 0.7 else rng.choice(tariff.consultations)
    lines = [(first[0], 1, first[1])]
    if inpatient and tariff.stay:
        lines.append((tariff.stay[0], rng.randint(1, 4), tariff.stay[1]))
    if inflate:
        for code, price in tariff.consultations + tariff.extras:
            if code != first[0]:
                lines.append((code, rng.randint(1, 2), price))
    elif tariff.extras and rng.random() < 0.3:
        code, price = rng.choice(tariff.extras)
        lines.append((code, 1, price))
    return lines


def _beneficiaries(mutual: Organization, household_ids: set[int] | None = None) -> list[tuple]:
    """(membership, person, household, number) of the active members."""
    qs = Membership.unscoped.filter(organization=mutual, status="active")
    if household_ids is not None:
        qs = qs.filter(person__household_id__in=household_ids)
    return list(qs.order_by("pk").values_list("pk", "person_id", "person__household_id", "number"))


@transaction.atomic
def generate_month(
    mutual: Organization,
    providers: list[Organization],
    month: date,
    *,
    claims: int = 3000,
    seed: int = 1,
    inject: bool = True,
) -> GeneratedMonth:
    """Submitted claims with care in the month starting on `month` (see the module's doc)."""
    rng = random.Random(f"claims:{mutual.code}:{seed}")  # noqa: S311  (reproducible data)
    last_day = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    days = (last_day - month).days + 1
    tariffs = {p.pk: _tariff(mutual, p, month) for p in providers}
    before = set(Membership.unscoped.filter(organization=mutual).values_list("pk", flat=True))
    # About four claims a year per beneficiary, five persons a household: a month of `claims`
    # needs claims × 12 / 4 / 5 households.
    generate_households(mutual, max(claims * 3 // 5, 50), seed=seed, on=month - timedelta(days=400))
    people = [m for m in _beneficiaries(mutual) if m[0] not in before]
    phantoms: list[tuple] = []
    if inject:
        # Phantom households: enrolled together on one day, past the waiting period.
        known = {m[2] for m in _beneficiaries(mutual)}
        generate_households(mutual, max(claims // 150, 4), seed=seed + 7919, on=month)
        enrolled = month - timedelta(days=120)
        new = [m for m in _beneficiaries(mutual) if m[2] not in known]
        Membership.unscoped.filter(pk__in=[m[0] for m in new]).update(
            enrolled_on=enrolled, waiting_from=enrolled, status_since=enrolled
        )
        phantoms = new
    acts = dict(catalogue_for(mutual).values_list("code", "pk"))
    home = {}
    order = sorted(providers, key=lambda p: p.pk)
    inflating = order[0].pk if inject and len(order) > 1 else None
    # The inflating provider gets a small share of the households; the others share the rest.
    for m in people:
        if m[2] not in home:
            if inflating is not None and rng.random() < SHARE_INFLATING:
                home[m[2]] = inflating
            else:
                home[m[2]] = rng.choice([p.pk for p in order if p.pk != inflating] or [order[0].pk])
    visits_of: dict[int, list[date]] = defaultdict(list)
    plans: list[dict] = []

    def pick_day(person: int) -> date | None:
        for _ in range(6):
            day = month + timedelta(days=rng.randrange(days))
            if all(abs((day - d).days) >= MIN_GAP_DAYS for d in visits_of[person]):
                visits_of[person].append(day)
                return day
        return None

    def plan(member, provider, day, pattern="", checked=True, inpatient=None, lines=None):
        inpatient = rng.random() < 0.1 if inpatient is None else inpatient
        inflate = provider == inflating
        plans.append(
            {
                "member": member,
                "provider": provider,
                "day": day,
                "inpatient": inpatient,
                "lines": lines or _lines(rng, tariffs[provider], inflate, inpatient),
                "checked": checked,
                "pattern": pattern or ("acts_per_visit" if inflate else ""),
            }
        )

    n_split = int(claims * SHARE_SPLIT / 2) if inject else 0
    n_phantom = int(claims * SHARE_PHANTOM) if inject and phantoms else 0
    n_plain = claims - 2 * n_split - n_phantom
    while len(plans) < n_plain:
        member = rng.choice(people)
        day = pick_day(member[1])
        if day is None:
            continue
        provider = home[member[2]] if rng.random() < 0.9 else rng.choice(order).pk
        if inject and rng.random() < SHARE_NO_CHECK:
            plan(member, provider, day, "no_check", checked=False)
        else:
            plan(member, provider, day, checked=rng.random() >= NOISE_UNCHECKED)
    split_providers = [p.pk for p in order if p.pk != inflating] or [order[0].pk]
    for _ in range(n_split):
        member = rng.choice(people)
        day = pick_day(member[1]) or month
        provider = rng.choice(split_providers)
        consultations = tariffs[provider].consultations
        a, b = (consultations * 2)[:2]
        plan(member, provider, day, "split", inpatient=False, lines=[(a[0], 1, a[1])])
        second = min(day + timedelta(days=rng.randint(0, 1)), last_day)
        plan(member, provider, second, "split", inpatient=False, lines=[(b[0], 1, b[1])])
    for _ in range(n_phantom):
        member = rng.choice(phantoms)
        day = month + timedelta(days=rng.randrange(days))
        provider = rng.choice(split_providers)
        plan(member, provider, day, "phantom", checked=False, inpatient=False)
    return _write(mutual, plans, acts, seed)


def _write(mutual: Organization, plans: list[dict], acts: dict, seed: int) -> GeneratedMonth:
    tz = timezone.get_current_timezone()
    now = timezone.now()
    rows = []
    for i, p in enumerate(plans, start=1):
        membership, person, household, _number = p["member"]
        submitted = timezone.make_aware(datetime.combine(p["day"] + timedelta(days=1), time(9)), tz)
        rows.append(
            Claim(
                organization=mutual,
                provider_id=p["provider"],
                kind=ClaimKind.THIRD_PARTY,
                membership_id=membership,
                person_id=person,
                household_id=household,
                visit_type=VisitType.INPATIENT if p["inpatient"] else VisitType.OUTPATIENT,
                care_from=p["day"],
                care_to=p["day"] + timedelta(days=2) if p["inpatient"] else None,
                external_reference=f"GEN{seed}-{mutual.code}-{i:06d}",
                status=ClaimStatus.SUBMITTED,
                eligibility_checked=p["checked"],
                created_at=now,
                submitted_at=submitted,
            )
        )
    created = Claim.unscoped.bulk_create(rows, batch_size=2000)
    lines = []
    checks = []
    out = GeneratedMonth()
    for claim, p in zip(created, plans, strict=True):
        out.claim_ids.append(claim.pk)
        if p["pattern"]:
            out.abusive[p["pattern"]].add(claim.pk)
        for position, (code, quantity, price) in enumerate(p["lines"], start=1):
            lines.append(
                ClaimLine(
                    claim_id=claim.pk,
                    position=position,
                    act_code=code,
                    act_id=acts.get(code),
                    quantity=quantity,
                    unit_price=Decimal(price),
                )
            )
        if p["checked"]:
            checks.append(
                EligibilityCheck(
                    organization=mutual,
                    provider_id=p["provider"],
                    care_date=p["day"],
                    method="typed",
                    query=p["member"][3],
                    person_id=p["member"][1],
                    membership_id=p["member"][0],
                    result="covered",
                )
            )
    ClaimLine.unscoped.bulk_create(lines, batch_size=5000)
    EligibilityCheck.unscoped.bulk_create(checks, batch_size=5000)
    return out


__all__ = ["PATTERNS", "GeneratedMonth", "generate_month"]
