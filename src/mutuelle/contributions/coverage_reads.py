"""Coverage status from the database: the facts the pure function (contributions.coverage)
needs, read set-based — memberships, their dated status history, and the package versions each
household holds (every compulsory package of the mutual and its union; complementary packages
by subscription)."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import Q, Subquery

from mutuelle.benefits.models import PackageKind, PackageVersion, VersionStatus
from mutuelle.core.models import Organization
from mutuelle.members.models import Membership, Person, StatusEvent

from . import coverage
from .models import Subscription


def _lineage(organization: int | Organization) -> list[int]:
    org = (
        organization
        if isinstance(organization, Organization)
        else Organization.unscoped.get(pk=organization)
    )
    return [*org.ancestor_ids(), org.pk]


def _adopted_versions(organization_ids: Iterable[int], kind: str | None = None):
    qs = PackageVersion.unscoped.filter(
        package__organization_id__in=list(organization_ids), status=VersionStatus.ADOPTED
    ).select_related("package")
    return qs.filter(package__kind=kind) if kind else qs


def _holding(version: PackageVersion, start: date | None = None, end: date | None = None):
    assert version.effective_from is not None  # adopted versions have their dates
    valid_from = max(version.effective_from, start) if start else version.effective_from
    ends = [d for d in (version.effective_to, end) if d is not None]
    return coverage.Holding(
        version_key=version.pk,
        package_code=version.package.code,
        valid_from=valid_from,
        valid_to=min(ends) if ends else None,
        waiting_days=version.waiting_days,
        compulsory=version.package.kind == PackageKind.COMPULSORY,
    )


def compulsory_holdings(organization: int | Organization) -> tuple[coverage.Holding, ...]:
    """What every household of a mutual holds: the compulsory packages of the mutual and its
    ancestors, each version over its effective dates."""
    versions = _adopted_versions(_lineage(organization), PackageKind.COMPULSORY)
    return tuple(_holding(v) for v in versions.order_by("effective_from"))


def complementary_holdings(household_ids) -> dict[int, list[coverage.Holding]]:
    found: dict[int, list[coverage.Holding]] = defaultdict(list)
    subscriptions = list(
        Subscription.unscoped.filter(household_id__in=list(household_ids)).select_related("package")
    )
    if not subscriptions:
        return found
    versions = defaultdict(list)
    for v in PackageVersion.unscoped.filter(
        package_id__in={s.package_id for s in subscriptions}, status=VersionStatus.ADOPTED
    ).select_related("package"):
        versions[v.package_id].append(v)
    for s in subscriptions:
        for v in versions[s.package_id]:
            if v.effective_from is None:
                continue
            if (s.end is None or v.effective_from <= s.end) and (
                v.effective_to is None or v.effective_to >= s.start
            ):
                found[s.household_id].append(_holding(v, s.start, s.end))
    return found


def status_histories(membership_ids) -> dict[int, list[coverage.StatusChange]]:
    histories: dict[int, list[coverage.StatusChange]] = defaultdict(list)
    for membership_id, to_status, on in (
        StatusEvent.unscoped.filter(membership_id__in=list(membership_ids))
        .order_by("membership_id", "on", "at", "pk")
        .values_list("membership_id", "to_status", "on")
    ):
        histories[membership_id].append(coverage.StatusChange(on, to_status))
    return histories


def facts_of(rows, holdings_by_org, extra_by_household, histories):
    """BeneficiaryFacts from membership rows (pk, organization_id, household_id, enrolled_on,
    waiting_from)."""
    facts = {}
    for pk, org_id, household_id, enrolled_on, waiting_from in rows:
        holdings = holdings_by_org[org_id]
        if extra := extra_by_household.get(household_id):
            holdings = holdings + tuple(extra)
        facts[pk] = coverage.BeneficiaryFacts(
            enrolled_on=enrolled_on,
            waiting_from=waiting_from,
            statuses=tuple(histories.get(pk, ())),
            holdings=holdings,
        )
    return facts


FIELDS = ("pk", "organization_id", "person__household_id", "enrolled_on", "waiting_from")
_PERSON = Membership._meta.get_field("person")
_MUTUAL = Membership._meta.get_field("organization")


def coverage_of(memberships: Iterable[Membership], on: date) -> dict[int, coverage.Coverage]:
    """Coverage at `on` of a few memberships (a household's, on a screen). Memberships loaded
    with their person and mutual (select_related) are not read again."""
    memberships = list(memberships)
    ids = [m.pk for m in memberships]
    if all(_PERSON.is_cached(m) and _MUTUAL.is_cached(m) for m in memberships):
        rows = [
            (m.pk, m.organization_id, m.person.household_id, m.enrolled_on, m.waiting_from)
            for m in memberships
        ]
        mutuals: dict[int, int | Organization] = {
            m.organization_id: m.organization for m in memberships
        }
    else:
        rows = list(Membership.unscoped.filter(pk__in=ids).values_list(*FIELDS))
        mutuals = {r[1]: r[1] for r in rows}
    holdings = {pk: compulsory_holdings(org) for pk, org in mutuals.items()}
    extra = complementary_holdings({r[2] for r in rows if r[2]})
    return coverage.coverage_many(facts_of(rows, holdings, extra, status_histories(ids)), on)


def coverage_at_dates(
    pairs: Iterable[tuple[int, date]],
) -> dict[tuple[int, date], coverage.Coverage]:
    """Coverage of (membership id, date) pairs: a batch of claims, each at its date of care.
    The facts are read once for all the memberships, whatever the number of dates."""
    pairs = set(pairs)
    ids = {pk for pk, _ in pairs}
    rows = list(Membership.unscoped.filter(pk__in=ids).values_list(*FIELDS))
    holdings = {org: compulsory_holdings(org) for org in {r[1] for r in rows}}
    extra = complementary_holdings({r[2] for r in rows if r[2]})
    facts = facts_of(rows, holdings, extra, status_histories(ids))
    return {(pk, on): coverage.coverage_at(facts[pk], on) for pk, on in pairs}


def coverage_report(organization: Organization, on: date, chunk: int = 50000) -> Counter:
    """Coverage of every member of a mutual at one date, in bulk: counts by reason ("covered"
    for the covered). Reads memberships and statuses a chunk at a time.

    On PostgreSQL each chunk is one query: the memberships with their whole status history
    folded into one text by the database. Members whose facts are the same (enrolment, waiting
    anchor, dated history, packages held) have the same coverage, so the pure function runs once
    per distinct set of facts, not once per member: a mutual of a million members has a few
    thousand."""
    if connection.vendor != "postgresql":
        return _coverage_report_orm(organization, on, chunk)
    compulsory = compulsory_holdings(organization.pk)
    households = Person.unscoped.filter(memberships__organization=organization).values(
        "household_id"
    )
    extra = complementary_holdings(
        Subscription.unscoped.filter(household_id__in=Subquery(households))
        .values_list("household_id", flat=True)
        .distinct()
    )
    known: dict[tuple, str] = {}
    counts: Counter = Counter()
    after = 0
    q = connection.ops.quote_name
    m, p, e = (x._meta.db_table for x in (Membership, Person, StatusEvent))
    sql = (
        f"SELECT m.id, m.enrolled_on, m.waiting_from, p.household_id, "  # noqa: S608
        f"(SELECT string_agg(e.to_status || ' ' || e.{q('on')}, ',' "
        f"ORDER BY e.{q('on')}, e.at, e.id) FROM {q(e)} e WHERE e.membership_id = m.id) "
        f"FROM {q(m)} m JOIN {q(p)} p ON p.id = m.person_id "
        f"WHERE m.organization_id = %s AND m.id > %s ORDER BY m.id LIMIT %s"
    )
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [organization.pk, after, chunk])
            rows = cursor.fetchall()
            if not rows:
                return counts
            after = rows[-1][0]
            for _pk, enrolled, waiting_from, household_id, history in rows:
                held = extra.get(household_id) if extra else None
                key = (enrolled, waiting_from, history, household_id if held else None)
                reason = known.get(key)
                if reason is None:
                    holdings = compulsory + tuple(held) if held else compulsory
                    result = coverage.coverage_at(
                        coverage.BeneficiaryFacts(
                            enrolled_on=enrolled,
                            waiting_from=waiting_from,
                            statuses=_history(history),
                            holdings=holdings,
                        ),
                        on,
                    )
                    reason = known[key] = "covered" if result.covered else str(result.reason)
                counts[reason] += 1


def _history(folded: str | None) -> tuple[coverage.StatusChange, ...]:
    """A status history folded by the database ("active 2026-01-10,suspended 2026-03-01")."""
    if not folded:
        return ()
    changes = []
    for item in folded.split(","):
        status, on = item.split(" ")
        changes.append(coverage.StatusChange(date.fromisoformat(on), status))
    return tuple(changes)


def _coverage_report_orm(organization: Organization, on: date, chunk: int) -> Counter:
    """coverage_report through the ORM (SQLite): the same answers, member by member."""
    holdings = {organization.pk: compulsory_holdings(organization.pk)}
    counts: Counter = Counter()
    after = 0
    while True:
        rows = list(
            Membership.unscoped.filter(Q(organization=organization) & Q(pk__gt=after))
            .order_by("pk")
            .values_list(*FIELDS)[:chunk]
        )
        if not rows:
            return counts
        after = rows[-1][0]
        ids = [r[0] for r in rows]
        extra = complementary_holdings({r[2] for r in rows if r[2]})
        results = coverage.coverage_many(facts_of(rows, holdings, extra, status_histories(ids)), on)
        for result in results.values():
            counts["covered" if result.covered else result.reason] += 1
