"""Coverage status: one pure function answers, for a beneficiary at a date, covered or not,
under which package versions, and if not, why. Plain values in; no Django.

Precedence when several reasons hold (the first wins):

1. ``coverage.deceased`` {since} — a death recorded on or before the date is final, whatever
   was recorded after it;
2. ``coverage.withdrawn`` / ``coverage.excluded`` {since} — the status in force at the date;
3. ``coverage.suspended`` {since} — the status in force at the date (arrears);
4. ``coverage.not_member`` — before enrolment, no status yet, or still pending;
5. ``coverage.no_package`` — a member, but no package version in force at that date;
6. ``coverage.waiting`` {until: first covered date} — every version in force is still in its
   waiting period.

Otherwise covered, under every version in force whose waiting period is over.

The status in force at a date is the last change on or before it (changes of the same day: the
later one in the tuple wins). ``since`` is the first day of the uninterrupted run of that
status. Waiting: a version covers from ``anchor + waiting_days``, where the anchor is the later
of the membership's ``waiting_from`` and the first day of the gapless run of holdings of the
same package code — a renewal without a gap does not restart the waiting period, and a new
waiting anchor (reinstatement with a new waiting period) does.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter

from mutuelle.members.rules import (
    ACTIVE,
    DECEASED,
    EXCLUDED,
    PENDING,
    STATUSES,
    SUSPENDED,
    WITHDRAWN,
)

__all__ = [
    "ACTIVE",
    "DECEASED",
    "EXCLUDED",
    "PENDING",
    "STATUSES",
    "SUSPENDED",
    "WITHDRAWN",
    "BeneficiaryFacts",
    "Coverage",
    "Holding",
    "StatusChange",
    "coverage_at",
    "coverage_many",
    "REASONS",
]

NOT_MEMBER = "coverage.not_member"
WAITING = "coverage.waiting"
NO_PACKAGE = "coverage.no_package"
REASON_OF_STATUS = {
    DECEASED: "coverage.deceased",
    WITHDRAWN: "coverage.withdrawn",
    EXCLUDED: "coverage.excluded",
    SUSPENDED: "coverage.suspended",
}
REASONS = (
    "coverage.deceased",
    "coverage.withdrawn",
    "coverage.excluded",
    "coverage.suspended",
    NOT_MEMBER,
    NO_PACKAGE,
    WAITING,
)

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class StatusChange:
    on: date
    status: str  # one of mutuelle.members.rules.STATUSES


@dataclass(frozen=True)
class Holding:
    """A package version the household holds, with the dates it is in force for it."""

    version_key: int | str
    package_code: str
    valid_from: date
    valid_to: date | None  # inclusive; None = open
    waiting_days: int
    compulsory: bool = True


@dataclass(frozen=True)
class BeneficiaryFacts:
    enrolled_on: date
    waiting_from: date  # anchor of waiting periods (enrolment, or a reinstatement's new anchor)
    statuses: tuple[StatusChange, ...]  # full dated history, any order
    holdings: tuple[Holding, ...]


@dataclass(frozen=True)
class Coverage:
    covered: bool
    versions: tuple[int | str, ...]  # package versions covering at that date
    reason: str | None  # None when covered, else a code
    params: dict = field(default_factory=dict)  # {"since": date} / {"until": date}


_by_date = attrgetter("on")


def _sorted_statuses(statuses: tuple[StatusChange, ...]) -> tuple[StatusChange, ...]:
    n = len(statuses)
    if n < 2:
        return statuses
    previous = statuses[0].on
    for change in statuses[1:]:
        if change.on < previous:
            return tuple(sorted(statuses, key=_by_date))  # stable: same-day order kept
        previous = change.on
    return statuses


def _first_covered_day(holding: Holding, holdings: tuple[Holding, ...], waiting_from: date) -> date:
    """anchor + waiting days, the anchor being the later of waiting_from and the start of the
    gapless run of holdings of the same package that ends with this one."""
    start = holding.valid_from
    if len(holdings) > 1:
        same = sorted(
            (h for h in holdings if h.package_code == holding.package_code),
            key=attrgetter("valid_from"),
        )
        # Walk back from this holding while the previous one reaches (or passes) the day before.
        changed = True
        while changed:
            changed = False
            for h in same:
                if h.valid_from < start and (h.valid_to is None or h.valid_to >= start - _ONE_DAY):
                    start = h.valid_from
                    changed = True
    anchor = start if start > waiting_from else waiting_from
    return anchor + timedelta(days=holding.waiting_days)


def _decide(
    enrolled_on: date,
    waiting_from: date,
    statuses: tuple[StatusChange, ...],  # sorted by date
    holdings: tuple[Holding, ...],
    on: date,
    cache: dict | None = None,
) -> Coverage:
    # Death is final: any death on or before the date.
    current = -1
    for i, change in enumerate(statuses):
        if change.on > on:
            break
        if change.status == DECEASED:
            return _not_covered(cache, "coverage.deceased", "since", change.on)
        current = i
    status = statuses[current].status if current >= 0 else None
    if status in REASON_OF_STATUS:
        since_index = current
        while since_index > 0 and statuses[since_index - 1].status == status:
            since_index -= 1
        return _not_covered(cache, REASON_OF_STATUS[status], "since", statuses[since_index].on)
    if status != ACTIVE or on < enrolled_on:
        return _NOT_MEMBER if cache is not None else Coverage(False, (), NOT_MEMBER, {})

    in_force = [
        h for h in holdings if h.valid_from <= on and (h.valid_to is None or on <= h.valid_to)
    ]
    if not in_force:
        return _NO_PACKAGE if cache is not None else Coverage(False, (), NO_PACKAGE, {})
    covering: list[int | str] = []
    until: date | None = None
    for h in in_force:
        first = _first_covered_day(h, holdings, waiting_from)
        if on >= first:
            covering.append(h.version_key)
        elif until is None or first < until:
            until = first
    if not covering:
        return _not_covered(cache, WAITING, "until", until)
    versions = tuple(covering)
    if cache is None:
        return Coverage(True, versions, None, {})
    result = cache.get(versions)
    if result is None:
        result = cache[versions] = Coverage(True, versions, None, {})
    return result


def _not_covered(cache: dict | None, reason: str, name: str, day: date | None) -> Coverage:
    """A result with a dated parameter; in bulk, one shared object per (reason, date)."""
    if cache is None:
        return Coverage(False, (), reason, {name: day})
    key = (reason, day)
    result = cache.get(key)
    if result is None:
        result = cache[key] = Coverage(False, (), reason, {name: day})
    return result


_NOT_MEMBER = Coverage(False, (), NOT_MEMBER, {})
_NO_PACKAGE = Coverage(False, (), NO_PACKAGE, {})


def coverage_at(facts: BeneficiaryFacts, on: date) -> Coverage:
    """Is the beneficiary covered on `on`, under which package versions, and if not, why?
    Past dates are answered exactly from the dated history (see the module's docstring)."""
    return _decide(
        facts.enrolled_on, facts.waiting_from, _sorted_statuses(facts.statuses), facts.holdings, on
    )


def coverage_many(facts_by_key: Mapping, on: date) -> dict:
    """coverage_at() for many beneficiaries at one date: {key: Coverage}.

    Written for bulk use (a million beneficiaries): statuses are sorted once per beneficiary
    and only when they are not already in order, and equal results (same reason and date, or
    covered under the same versions) are one shared object — treat the results as read-only."""
    cache: dict = {}
    decide = _decide
    sort = _sorted_statuses
    return {
        key: decide(f.enrolled_on, f.waiting_from, sort(f.statuses), f.holdings, on, cache)
        for key, f in facts_by_key.items()
    }
