"""From the database to the engine's plain values, set-based: for a batch of claims, a few
queries load the conventions, tariffs, acts, beneficiaries' coverage and package terms, and
what the households already consumed (`Usage`). Nothing here decides anything.

    load_batch(claims) -> Batch(inputs, contexts, usage)
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from mutuelle.benefits.models import Act, PackageKind, PackageVersion
from mutuelle.benefits.queries import terms_of
from mutuelle.benefits.rules import ActFacts
from mutuelle.contributions.coverage_reads import coverage_at_dates
from mutuelle.contributions.models import OpeningConsumption
from mutuelle.providers import queries as providers
from mutuelle.providers import rules as provider_rules
from mutuelle.providers.models import ProviderProfile

from . import rules
from .models import CONSUMING, Claim, ClaimKind, ClaimLine


@dataclass
class Batch:
    inputs: list[rules.ClaimIn]
    contexts: dict[int, rules.Context]
    usage: rules.Usage


def claim_input(claim: Claim, lines: list[ClaimLine]) -> rules.ClaimIn:
    letter = None
    x = claim.letter if claim.letter_id is not None else None
    if x is not None:
        letter = rules.LetterFacts(
            number=x.number,
            valid_from=x.valid_from or date.min,
            valid_to=x.valid_to or date.min,
            max_amount=x.max_amount or rules.ZERO,
            status=x.status,
        )
    submitted = claim.submitted_at or timezone.now()
    return rules.ClaimIn(
        key=claim.pk,
        household=claim.household_id,
        person=claim.person_id,
        provider=claim.provider_id,
        care_from=claim.care_from,
        care_to=claim.care_to,
        submitted_on=timezone.localdate(submitted),
        sequence=claim.pk,
        kind=claim.kind,
        visit_type=claim.visit_type,
        has_diagnosis=bool(claim.diagnoses.strip()),
        referral=claim.referral_id is not None,
        letter=letter,
        external_key=claim.external_reference,
        episode=claim.episode_id,
        lines=tuple(
            rules.LineIn(
                key=x.pk, act_code=x.act_code, quantity=x.quantity, unit_price=x.unit_price, on=x.on
            )
            for x in lines
        ),
    )


class _Versions:
    """Package versions and their terms, read once per batch."""

    def __init__(self):
        self.terms: dict[int, rules.VersionTerms] = {}
        self.compulsory: dict[int, bool] = {}
        self.codes: dict[int, str] = {}

    def load(self, ids) -> None:
        missing = set(ids) - set(self.terms)
        if not missing:
            return
        for v in PackageVersion.unscoped.filter(pk__in=missing).select_related("package"):
            self.terms[v.pk] = rules.VersionTerms(
                version=v.pk, package=v.package_id, terms=terms_of(v)
            )
            self.compulsory[v.pk] = v.package.kind == PackageKind.COMPULSORY
            self.codes[v.pk] = v.package.code

    def ordered(self, ids) -> tuple[rules.VersionTerms, ...]:
        return tuple(self.terms[i] for i in sorted(ids, key=lambda i: (not self.compulsory[i], i)))


def _conventions(
    claims: list[Claim],
) -> dict[tuple, tuple[rules.ConventionFacts | None, provider_rules.TariffTable]]:
    """(provider, mutual, day) -> (ConventionFacts or None, TariffTable)."""
    found: dict[tuple, tuple[rules.ConventionFacts | None, provider_rules.TariffTable]] = {}
    levels = {
        p.organization_id: p.care_level
        for p in ProviderProfile.unscoped.filter(
            organization_id__in={c.provider_id for c in claims}
        )
    }
    read = providers.ConventionsOf()
    for c in claims:
        key = (c.provider_id, c.organization_id, c.care_from)
        if key in found:
            continue
        conventions = read.in_force(c.provider_id, c.organization, c.care_from)
        if not conventions:
            found[key] = (None, provider_rules.EMPTY_TABLE)
            continue
        convention = conventions[0]
        schedule = read.schedule(convention, c.care_from)
        table = providers.tariff_table(schedule) if schedule else provider_rules.EMPTY_TABLE
        facts = rules.ConventionFacts(
            in_force=True,
            care_level=levels.get(c.provider_id, ""),
            submission_days=convention.submission_days,
            diagnosis_required=convention.diagnosis_required,
        )
        found[key] = (facts, table)
    return found


def _acts(claims: list[Claim], codes: set[str]) -> dict[int, dict[str, ActFacts]]:
    """mutual id -> {code: ActFacts} over the mutual's catalogue and its ancestors'."""
    by_mutual: dict[int, dict[str, ActFacts]] = {}
    orgs = {c.organization_id: c.organization for c in claims}
    lineage = {m: [*o.ancestor_ids(), m] for m, o in orgs.items()}
    owners = {o for ids in lineage.values() for o in ids}
    acts = list(Act.unscoped.filter(organization_id__in=owners, code__in=codes))
    for mutual, ids in lineage.items():
        # A mutual's own act beats its union's (deeper in the lineage wins).
        rank = {o: i for i, o in enumerate(ids)}
        chosen: dict[str, Act] = {}
        for act in acts:
            if act.organization_id in rank and (
                act.code not in chosen
                or rank[act.organization_id] > rank[chosen[act.code].organization_id]
            ):
                chosen[act.code] = act
        by_mutual[mutual] = {code: a.facts() for code, a in chosen.items()}
    return by_mutual


def load_usage(household_ids, person_ids, exclude_claims, versions: _Versions) -> rules.Usage:
    """What the households already consumed: the lines of their decided claims (adjudicated
    and not rejected, whatever their date), the fingerprints of their claims for duplicates,
    and the consumption imported when the mutual went live. One query reads the lines of the
    households' decided claims for all three (plain values: no model instances)."""
    usage = rules.Usage()
    person_ids = set(person_ids)
    consuming = Q(claim__status__in=CONSUMING) & ~Q(claim_id__in=list(exclude_claims))
    rows = ClaimLine.unscoped.filter(
        consuming, claim__household_id__in=list(household_ids)
    ).values_list(*USAGE_FIELDS)
    claims: dict[int, tuple] = {}
    lines_of: dict[int, list[rules.LineIn]] = defaultdict(list)
    for row in rows:
        _use(usage, row)
        claim_id, person = row[0], row[1]
        if person in person_ids:
            claims[claim_id] = row[1:5] + row[13:15]
            lines_of[claim_id].append(rules.LineIn(row[15], row[8], row[16], row[17], row[7]))
    # Beneficiaries without a household (their claims are not in the query above).
    loose = person_ids - {c[0] for c in claims.values()}
    if loose:
        for row in ClaimLine.unscoped.filter(
            consuming, claim__person_id__in=list(loose), claim__household_id__isnull=True
        ).values_list(*USAGE_FIELDS):
            _use(usage, row)
            claims[row[0]] = row[1:5] + row[13:15]
            lines_of[row[0]].append(rules.LineIn(row[15], row[8], row[16], row[17], row[7]))
    # Duplicates: the fingerprints of the beneficiaries' decided claims.
    for pk, (person, household, provider, care_from, care_to, reference) in claims.items():
        claim = rules.ClaimIn(
            key=pk,
            household=household,
            person=person,
            provider=provider,
            care_from=care_from,
            care_to=care_to,
            submitted_on=care_from,  # not part of a fingerprint
            lines=tuple(lines_of[pk]),
            external_key=reference,
        )
        usage.claims.update(rules.claim_fingerprints(claim))
    return usage


USAGE_FIELDS = (
    "claim_id",  # 0
    "claim__person_id",
    "claim__household_id",
    "claim__provider_id",
    "claim__care_from",
    "claim__episode_id",  # 5
    "claim__letter__number",
    "on",
    "act_code",
    "package_id_used",
    "target",  # 10
    "covered_quantity",
    "covered",
    "claim__care_to",
    "claim__external_reference",
    "pk",  # 15
    "quantity",
    "unit_price",
    "deductible",
)


def _use(usage: rules.Usage, row: tuple) -> None:
    """One decided line into the usage: its fingerprint, and what it consumed."""
    person, household, provider, care_from, episode, letter, on, code = row[1:9]
    day = on or care_from
    usage.lines.add(rules.line_fingerprint(person, code, day, provider))
    if row[9] is None:  # no package paid for it
        return
    usage.consume(
        package=row[9],
        person=person,
        household=household,
        on=day,
        act_code=code,
        target=row[10],
        units=row[11],
        paid=row[12],
        episode=episode,
        deductible=row[18],
        letter=letter or "",
    )


def _opening(usage: rules.Usage, claims, coverage_versions, versions: _Versions) -> None:
    """Add what households had consumed before going live to each compulsory package they
    hold (the imported figure is per household and year, not per package)."""
    households = {c.household_id for c in claims if c.household_id}
    rows = OpeningConsumption.unscoped.filter(household_id__in=households).values_list(
        "household_id", "year", "amount"
    )
    opening = {(h, y): a for h, y, a in rows}
    if not opening:
        return
    seen = set()
    for c in claims:
        for version_id in coverage_versions.get(c.pk, ()):
            if not versions.compulsory.get(version_id):
                continue
            package = versions.terms[version_id].package
            key = (package, c.household_id, c.care_from.year)
            amount = opening.get((c.household_id, c.care_from.year))
            if amount and key not in seen:
                seen.add(key)
                usage.household_year[key] = usage.household_year.get(key, rules.ZERO) + amount


def coverage_day(claim: Claim) -> date:
    """The day whose coverage decides: the first day of care; for a funeral grant the day
    before the death (on the day of death the member is no longer covered)."""
    if claim.kind == ClaimKind.CASH_BENEFIT and claim.cash_benefit == "funeral":
        return claim.care_from - timedelta(days=1)
    return claim.care_from


def load_batch(claims: list[Claim]) -> Batch:
    """Engine inputs for claims loaded with their lines (`prefetch_related("lines")`) and
    `select_related("organization", "person", "household__place", "membership", "letter")`."""
    lines = {c.pk: list(c.lines.all()) for c in claims}
    inputs = [claim_input(c, lines[c.pk]) for c in claims]
    conventions = _conventions(claims)
    codes = {x.act_code for ls in lines.values() for x in ls}
    acts = _acts(claims, codes)
    memberships = {c.membership_id: c.membership for c in claims}
    # Coverage at each claim's first date of care, the facts read once for the batch.
    coverage = coverage_at_dates((c.membership_id, coverage_day(c)) for c in claims)
    versions = _Versions()
    versions.load({v for result in coverage.values() for v in result.versions})
    coverage_versions = {c.pk: coverage[c.membership_id, coverage_day(c)].versions for c in claims}
    today = timezone.localdate()
    contexts = {}
    currency = {c.organization_id: c.organization.currency for c in claims}
    for c, claim_in in zip(claims, inputs, strict=True):
        result = coverage[c.membership_id, coverage_day(c)]
        person = c.person
        facts, table = conventions[(c.provider_id, c.organization_id, c.care_from)]
        ordered = versions.ordered(result.versions)
        package_code = versions.codes[ordered[0].version] if ordered else None
        places = provider_rules.place_chain(
            c.household.place.path if c.household and c.household.place else None
        )
        tariff = {x.act_code: table.price(x.act_code, package_code, places) for x in claim_in.lines}
        # Only a year known: its first day (never calls care "before birth" by mistake).
        birth = person.birth_date or (date(person.birth_year, 1, 1) if person.birth_year else None)
        contexts[c.pk] = rules.Context(
            person=rules.PersonFacts(
                coverage=result,
                sex=person.sex,
                birth_date=birth,
                death_date=person.date_of_death,
                relationship=person.relationship,
                waiting_anchor=memberships[c.membership_id].waiting_from,
            ),
            today=today,
            convention=facts,
            tariff=tariff,
            acts=acts.get(c.organization_id, {}),
            versions=ordered,
            currency=currency[c.organization_id],
        )
    usage = load_usage(
        {c.household_id for c in claims if c.household_id},
        {c.person_id for c in claims},
        {c.pk for c in claims},
        versions,
    )
    _opening(usage, claims, coverage_versions, versions)
    return Batch(inputs, contexts, usage)
