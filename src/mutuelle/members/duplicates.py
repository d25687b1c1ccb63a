"""Duplicate suspects at entry: blocking keys find candidates, lib.names decides."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from mutuelle.core import bulk
from mutuelle.core.models import Organization
from mutuelle.lib.names import PersonName, blocking_keys, is_duplicate, search_keys
from mutuelle.lib.phone import phone_tail

from .models import Decision, DuplicatePair, Household, Person, PersonKey, SearchKey


@dataclass(frozen=True)
class Suspect:
    index: int  # which new person
    person: Person  # the existing one
    reasons: tuple[str, ...]
    same_mutual: bool


def keys_for(
    given_names: str, family_name: str, sex: str, birth_year: int | None, id_document: str = ""
) -> set[str]:
    return blocking_keys(given_names, family_name, sex, birth_year, id_document or None)


@dataclass(frozen=True, slots=True)
class KeyedPerson:
    """What the keys of a person are computed from (bulk paths build these from plain rows)."""

    person_id: int
    organization_id: int
    given_names: str
    family_name: str
    sex: str
    birth_year: int | None
    id_document: str
    phones: tuple[str, ...]


def write_keys(people: Iterable[KeyedPerson]) -> None:
    """Write the blocking keys and the search keys of new persons: plain rows, COPY on
    PostgreSQL, no model instances (this runs for every person of an import). Rows go in key
    order: each key index is then filled in one sweep instead of a page at random per row
    (a large import's key indexes outgrow the database's buffers)."""
    blocking: list[tuple[int, int, str]] = []
    searching: list[tuple[int, int, str]] = []
    for p in people:
        for k in keys_for(p.given_names, p.family_name, p.sex, p.birth_year, p.id_document):
            blocking.append((p.person_id, p.organization_id, k[:64]))
        phones = {k for k in map(phone_key, p.phones) if k}
        for k in search_keys(p.given_names, p.family_name) | phones:
            searching.append((p.person_id, p.organization_id, k))
    blocking.sort(key=_by_key)
    searching.sort(key=_by_key)
    # Keys are made of letters, digits and ".:?" only (lib.names, phone_key): plain COPY text.
    bulk.copy_plain(PersonKey, ["person_id", "organization_id", "key"], blocking)
    bulk.copy_plain(SearchKey, ["person_id", "organization_id", "key"], searching)


def _by_key(row: tuple[int, int, str]) -> tuple[str, int]:
    return row[2], row[1]


def index_keys(persons: list[Person]) -> None:
    """Write the keys of persons just created or changed by an action."""
    phones = _household_phones(persons)
    write_keys(
        KeyedPerson(
            p.pk,
            p.organization_id,
            p.given_names,
            p.family_name,
            p.sex,
            p.birth_year,
            p.id_document_number,
            (p.phone, phones.get(p.household_id, "") if p.relationship == "head" else ""),
        )
        for p in persons
    )


def phone_key(phone: str) -> str | None:
    tail = phone_tail(phone)
    return f"t:{tail}" if tail else None


def _household_phones(persons: list[Person]) -> dict[int | None, str]:
    """Household phones (the head's, usually) are searched as the head's."""
    households = {p.household_id for p in persons if p.relationship == "head" and p.household_id}
    if not households:
        return {}
    return dict(
        Household.unscoped.filter(pk__in=households).exclude(phone="").values_list("pk", "phone")
    )


def reindex(persons: list[Person]) -> None:
    """Rewrite the keys of persons whose names or mutual changed."""
    PersonKey.unscoped.filter(person__in=persons).delete()
    SearchKey.unscoped.filter(person__in=persons).delete()
    index_keys(persons)


def search_scope(mutual: Organization) -> list[int]:
    """The mutual and, when it belongs to a union, the union's other mutuals."""
    if mutual.parent_id and mutual.parent and mutual.parent.kind == "union":
        return list(
            Organization.unscoped.filter(
                path__startswith=mutual.parent.path, kind="mutual"
            ).values_list("pk", flat=True)
        )
    return [mutual.pk]


def suspects(
    mutual: Organization, people: list[tuple[str, str, str, int | None, str]]
) -> list[Suspect]:
    """Existing persons that look like the new ones (given, family, sex, year, document)."""
    wanted = {i: keys_for(*p) for i, p in enumerate(people)}
    all_keys = {k[:64] for keys in wanted.values() for k in keys}
    if not all_keys:
        return []
    hits = PersonKey.unscoped.filter(
        organization_id__in=search_scope(mutual), key__in=all_keys
    ).select_related("person__organization", "person__household")
    by_key: dict[str, list[Person]] = {}
    for hit in hits:
        by_key.setdefault(hit.key, []).append(hit.person)
    found: list[Suspect] = []
    for i, (given, family, sex, year, doc) in enumerate(people):
        seen: set[int] = set()
        new = PersonName(given, family, sex, year, doc or None)
        for key in wanted[i]:
            for person in by_key.get(key[:64], []):
                if person.pk in seen or person.date_of_death or person.merged_into_id:
                    continue
                seen.add(person.pk)
                duplicate, reasons = is_duplicate(new, _name_of(person))
                if duplicate:
                    found.append(
                        Suspect(i, person, tuple(reasons), person.organization_id == mutual.pk)
                    )
    return found


# --- Suspect pairs among existing persons -----------------------------------------------------


def _pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def record_pairs(
    found: list[tuple[Person, Person, tuple[str, ...]]],
    decision: str = Decision.OPEN,
    actor=None,
) -> int:
    """Store suspect pairs once. A pair already stored keeps its decision: decided pairs never
    come back. Returns how many pairs are new."""
    if not found:
        return 0
    rows = {}
    for x, y, reasons in found:
        first, second = (x, y) if x.pk < y.pk else (y, x)
        rows[(first.pk, second.pk)] = DuplicatePair(
            first=first,
            second=second,
            organization_id=first.organization_id,
            other_organization_id=second.organization_id,
            reasons=",".join(reasons)[:200],
            decision=decision,
            decided_by=actor if decision != Decision.OPEN else None,
            decided_at=timezone.now() if decision != Decision.OPEN else None,
        )
    known = _known_pairs({pk for pair in rows for pk in pair})
    new = [row for key, row in rows.items() if key not in known]
    DuplicatePair.unscoped.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _known_pairs(person_ids: set[int]) -> set[tuple[int, int]]:
    known: set[tuple[int, int]] = set()
    ids = list(person_ids)
    for i in range(0, len(ids), 500):
        part = ids[i : i + 500]
        known.update(
            DuplicatePair.unscoped.filter(Q(first_id__in=part) | Q(second_id__in=part)).values_list(
                "first_id", "second_id"
            )
        )
    return known


def scan_chunk(mutual: Organization, after_id: int, size: int = 2000) -> tuple[int | None, int]:
    """Look for suspects of the next `size` living persons of `mutual` (by id, after `after_id`)
    among the mutual and the union's other mutuals. Returns (last id or None when done, new
    pairs). Candidates come from one join on the blocking keys; lib.names decides."""
    ids = list(
        Person.unscoped.filter(
            organization=mutual,
            pk__gt=after_id,
            date_of_death__isnull=True,
            merged_into__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )
    if not ids:
        return None, 0
    orgs = search_scope(mutual)
    mine = PersonKey.unscoped.filter(person_id__in=ids)
    theirs = PersonKey.unscoped.filter(
        organization_id__in=orgs, key__in=mine.values("key")
    ).values_list("key", "person_id")
    by_key: dict[str, set[int]] = {}
    for key, person_id in theirs:
        by_key.setdefault(key, set()).add(person_id)
    wanted = set(ids)
    candidates: set[tuple[int, int]] = set()
    for members in by_key.values():
        for a in members & wanted:
            candidates.update(_pair_key(a, b) for b in members if b != a)
    candidates -= _known_pairs({pk for pair in candidates for pk in pair})
    people = Person.unscoped.in_bulk({pk for pair in candidates for pk in pair})
    found = []
    for a, b in candidates:
        x, y = people[a], people[b]
        if x.date_of_death or y.date_of_death or x.merged_into_id or y.merged_into_id:
            continue
        duplicate, reasons = is_duplicate(_name_of(x), _name_of(y))
        if duplicate:
            found.append((x, y, tuple(reasons)))
    return ids[-1], record_pairs(found)


def _name_of(person: Person) -> PersonName:
    return PersonName(
        person.given_names,
        person.family_name,
        person.sex,
        person.birth_year,
        person.id_document_number or None,
    )
