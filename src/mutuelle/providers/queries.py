"""Reads of providers, conventions, schedules and attachments, for screens and for the claims
app.

    visible_providers(user, perm)          provider organizations the user may read
    visible_profiles / visible_conventions / visible_schedules / visible_lines / visible_flat_rates
    visible_attachments(user, perm)        attachments of the user's mutuals' beneficiaries
    conventions_in_force(provider_id, mutual, on)   the mutual's and its ancestors' conventions
    mutuals_served(provider_id, on)        ids of the mutuals a convention in force serves
    schedule_in_force(convention, on)      the adopted schedule at a date
    tariff_table(schedule)                 rules.TariffTable (cached per adopted schedule)
    provider_profile(provider_org)         the profile or None
    attached_count(provider_id, first, last, mutual_ids) / attached_per_month(...)

Who sees what: staff of an organization see the providers registered in their subtree or by
their ancestors (a union's registry serves its mutuals) and those their conventions name; the
conventions of their organizations and of their ancestors. A provider clerk sees their own
provider and its conventions (never another provider's). Across tenants: nothing (404)."""

import calendar
import threading
import time
from datetime import date

from django.db.models import Q, QuerySet

from mutuelle.core.models import Organization, Scope
from mutuelle.core.roles import PERMISSIONS, Perm
from mutuelle.core.rules import path_ids
from mutuelle.core.scoping import grants_of, scope

from . import rules
from .models import (
    Attachment,
    Convention,
    FlatRate,
    ProviderProfile,
    ScheduleStatus,
    TariffLine,
    TariffSchedule,
)

_NOTHING = Q(pk__in=[])


def _grants(user, perm: str):
    return [g for g in grants_of(user) if perm in PERMISSIONS.get(g.role, frozenset())]


def _convention_q(user, perm: str, prefix: str = "") -> Q | None:
    """A filter on Convention fields (behind `prefix`); None means everything."""
    q = _NOTHING
    for g in _grants(user, perm):
        if g.scope == Scope.GLOBAL:
            return None
        if g.scope == Scope.COUNTRY:
            q |= Q(**{f"{prefix}party__country": g.country})
        elif g.scope == Scope.PROVIDER:
            q |= Q(**{f"{prefix}provider_id": g.org_id})
        elif g.scope == Scope.ORGANIZATION and g.org_path:
            q |= Q(**{f"{prefix}party__path__startswith": g.org_path})
            q |= Q(**{f"{prefix}party_id__in": path_ids(g.org_path)[:-1]})
    return q


def _provider_q(user, perm: str, prefix: str = "") -> Q | None:
    """A filter on provider Organization fields (behind `prefix`); None means everything."""
    q = _NOTHING
    for g in _grants(user, perm):
        if g.scope == Scope.GLOBAL:
            return None
        if g.scope == Scope.COUNTRY:
            q |= Q(**{f"{prefix}country": g.country})
        elif g.scope == Scope.PROVIDER:
            q |= Q(**{f"{prefix}pk": g.org_id})
        elif g.scope == Scope.ORGANIZATION and g.org_path:
            lineage = path_ids(g.org_path)
            named = Convention.unscoped.filter(
                Q(party__path__startswith=g.org_path) | Q(party_id__in=lineage[:-1])
            ).values("provider_id")
            q |= Q(**{f"{prefix}path__startswith": g.org_path})
            q |= Q(**{f"{prefix}parent_id__in": lineage[:-1]})
            q |= Q(**{f"{prefix}pk__in": named})
    return q


def _filtered(qs: QuerySet, q: Q | None) -> QuerySet:
    return qs if q is None else qs.filter(q)


def visible_providers(user, perm: str = Perm.VIEW_PROVIDERS) -> QuerySet[Organization]:
    return _filtered(Organization.unscoped.filter(kind="provider"), _provider_q(user, perm))


def visible_profiles(user, perm: str = Perm.VIEW_PROVIDERS) -> QuerySet[ProviderProfile]:
    return _filtered(ProviderProfile.unscoped.all(), _provider_q(user, perm, "organization__"))


def visible_conventions(user, perm: str = Perm.VIEW_PROVIDERS) -> QuerySet[Convention]:
    return _filtered(Convention.unscoped.all(), _convention_q(user, perm))


def visible_flat_rates(user, perm: str = Perm.VIEW_PROVIDERS) -> QuerySet[FlatRate]:
    return _filtered(FlatRate.unscoped.all(), _convention_q(user, perm, "convention__"))


def visible_schedules(user, perm: str = Perm.VIEW_PROVIDERS) -> QuerySet[TariffSchedule]:
    return _filtered(TariffSchedule.unscoped.all(), _convention_q(user, perm, "convention__"))


def visible_lines(user, perm: str = Perm.VIEW_PROVIDERS) -> QuerySet[TariffLine]:
    return _filtered(TariffLine.unscoped.all(), _convention_q(user, perm, "schedule__convention__"))


def visible_attachments(user, perm: str = Perm.VIEW_REGISTER) -> QuerySet[Attachment]:
    """Attachments of the beneficiaries of the user's mutuals (register data: a provider
    clerk sees none)."""
    return scope(Attachment.unscoped.all(), user, perm)


def provider_profile(provider_org: Organization) -> ProviderProfile | None:
    return ProviderProfile.unscoped.filter(organization=provider_org).first()


def _lineage(organization: Organization) -> list[int]:
    return [*organization.ancestor_ids(), organization.pk]


def _in_force(on: date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start__lte": on}) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": on})
    )


def conventions_in_force(provider_id: int, mutual: Organization, on: date) -> list[Convention]:
    """The conventions in force on `on` between the provider and the mutual or one of its
    ancestors (a union's convention serves its mutuals); the mutual's own first."""
    found = (
        Convention.unscoped.filter(_in_force(on), provider_id=provider_id)
        .filter(party_id__in=_lineage(mutual))
        .select_related("party")
    )
    return sorted(found, key=lambda c: (-c.party.depth, c.start, c.pk))


class ConventionsOf:
    """conventions_in_force and schedule_in_force for many dates of one batch (claims): the
    conventions and adopted schedules of each (provider, mutual) are read once, then chosen
    per date in memory with the same rules."""

    def __init__(self):
        self._conventions: dict[tuple[int, int], list[Convention]] = {}
        self._schedules: dict[int, list[TariffSchedule]] = {}

    def in_force(self, provider_id: int, mutual: Organization, on: date) -> list[Convention]:
        key = (provider_id, mutual.pk)
        if key not in self._conventions:
            self._conventions[key] = sorted(
                Convention.unscoped.filter(
                    provider_id=provider_id, party_id__in=_lineage(mutual)
                ).select_related("party"),
                key=lambda c: (-c.party.depth, c.start, c.pk),
            )
        return [
            c for c in self._conventions[key] if c.start <= on and (c.end is None or c.end >= on)
        ]

    def schedule(self, convention: Convention, on: date) -> TariffSchedule | None:
        if convention.pk not in self._schedules:
            self._schedules[convention.pk] = list(
                TariffSchedule.unscoped.filter(
                    convention=convention, status=ScheduleStatus.ADOPTED
                ).order_by("-effective_from")
            )
        for s in self._schedules[convention.pk]:
            starts = s.effective_from  # adopted schedules have their dates
            if starts and starts <= on and (s.effective_to is None or s.effective_to >= on):
                return s
        return None


# mutuals_served() per (provider, day), kept a minute: every eligibility check and claim of a
# clerk asks it, and conventions change a few times a year. A convention saved in this process
# clears it at once (providers.actions); other server processes see it within SERVED_SECONDS.
_SERVED: dict[tuple[int, date], tuple[float, frozenset[int]]] = {}
SERVED_SECONDS = 60.0


_LEVELS: dict[int, tuple[float, str]] = {}


def clear_served_cache() -> None:
    _SERVED.clear()
    _LEVELS.clear()


def care_level_of(provider_id: int) -> str:
    """The provider's care level ("" without a profile), kept a minute like mutuals_served."""
    now = time.monotonic()
    kept = _LEVELS.get(provider_id)
    if kept is not None and now - kept[0] < SERVED_SECONDS:
        return kept[1]
    level = (
        ProviderProfile.unscoped.filter(organization_id=provider_id)
        .values_list("care_level", flat=True)
        .first()
    ) or ""
    _LEVELS[provider_id] = (now, level)
    return level


def mutuals_served(provider_id: int, on: date) -> set[int]:
    """Ids of the mutuals served by a convention in force with the provider on `on`: a
    mutual's own, and every mutual under a union (or higher) party."""
    now = time.monotonic()
    kept = _SERVED.get((provider_id, on))
    if kept is not None and now - kept[0] < SERVED_SECONDS:
        return set(kept[1])
    served = _read_served(provider_id, on)
    _SERVED[(provider_id, on)] = (now, frozenset(served))
    return served


def _read_served(provider_id: int, on: date) -> set[int]:
    paths = set(
        Convention.unscoped.filter(_in_force(on), provider_id=provider_id).values_list(
            "party__path", flat=True
        )
    )
    if not paths:
        return set()
    q = _NOTHING
    for path in paths:
        q |= Q(path__startswith=path)
    return set(Organization.unscoped.filter(q, kind="mutual").values_list("pk", flat=True))


def schedule_in_force(convention: Convention, on: date) -> TariffSchedule | None:
    return (
        TariffSchedule.unscoped.filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=on),
            convention=convention,
            status=ScheduleStatus.ADOPTED,
            effective_from__lte=on,
        )
        .order_by("-effective_from")
        .first()
    )


def schedules_of(convention: Convention) -> list[TariffSchedule]:
    return list(TariffSchedule.unscoped.filter(convention=convention).order_by("number"))


_TABLES: dict[tuple, rules.TariffTable] = {}
_TABLES_LOCK = threading.Lock()


def _build_table(schedule_id: int) -> rules.TariffTable:
    rows = TariffLine.unscoped.filter(schedule_id=schedule_id).values_list(
        "act__code", "package__code", "place_id", "price"
    )
    return rules.TariffTable.of(
        rules.Tariff(act=code, price=price, package=package, place=place)
        for code, package, place, price in rows
    )


def tariff_table(schedule: TariffSchedule) -> rules.TariffTable:
    """The schedule's lines as a `rules.TariffTable`. Adopted schedules never change, so their
    table is built once per process; a draft's is built on every call."""
    if schedule.status != ScheduleStatus.ADOPTED:
        return _build_table(schedule.pk)
    # Keyed by the adoption's time too: a row id alone can come back for another schedule
    # (a restored database, a test rolled back) and must never find a stale table.
    key = (schedule.pk, schedule.adopted_at)
    table = _TABLES.get(key)
    if table is None:
        table = _build_table(schedule.pk)
        with _TABLES_LOCK:
            _TABLES[key] = table
    return table


def clear_table_cache() -> None:
    """For tests whose database is rolled back under a process that keeps its cache."""
    with _TABLES_LOCK:
        _TABLES.clear()


def _attached(provider_id: int, first: date, last: date, mutual_ids) -> QuerySet[Attachment]:
    qs = Attachment.unscoped.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=first),
        provider_id=provider_id,
        valid_from__lte=last,
    )
    if mutual_ids is not None:
        qs = qs.filter(organization_id__in=mutual_ids)
    return qs


def attached_count(
    provider_id: int, first: date, last: date, mutual_ids: set[int] | None = None
) -> int:
    """Beneficiaries attached to the provider on at least one day from `first` to `last`
    (each counted once), optionally only those of some mutuals."""
    return _attached(provider_id, first, last, mutual_ids).values("person_id").distinct().count()


def attached_per_month(
    provider_id: int, year: int, mutual_ids: set[int] | None = None
) -> dict[int, int]:
    """For each month (1–12) of `year`: the beneficiaries attached on at least one day of it.
    One query; counted in memory."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    rows = _attached(provider_id, first, last, mutual_ids).values_list(
        "person_id", "valid_from", "valid_to"
    )
    persons: dict[int, set[int]] = {m: set() for m in range(1, 13)}
    for person_id, valid_from, valid_to in rows:
        for month in range(1, 13):
            m_first = date(year, month, 1)
            m_last = date(year, month, calendar.monthrange(year, month)[1])
            if valid_from <= m_last and (valid_to is None or valid_to >= m_first):
                persons[month].add(person_id)
    return {m: len(p) for m, p in persons.items()}
