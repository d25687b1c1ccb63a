"""Duplicate suspects at entry: blocking keys find candidates, lib.names decides."""

from dataclasses import dataclass

from mutuelle.core.models import Organization
from mutuelle.lib.names import PersonName, blocking_keys, is_duplicate

from .models import Person, PersonKey


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


def index_keys(persons: list[Person]) -> None:
    """Write the blocking keys of persons just created (set-based)."""
    rows = [
        PersonKey(person=p, organization_id=p.organization_id, key=k[:64])
        for p in persons
        for k in keys_for(p.given_names, p.family_name, p.sex, p.birth_year, p.id_document_number)
    ]
    PersonKey.unscoped.bulk_create(rows, batch_size=5000)


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
                if person.pk in seen or person.date_of_death:
                    continue
                seen.add(person.pk)
                other = PersonName(
                    person.given_names,
                    person.family_name,
                    person.sex,
                    person.birth_year,
                    person.id_document_number or None,
                )
                duplicate, reasons = is_duplicate(new, other)
                if duplicate:
                    found.append(
                        Suspect(i, person, tuple(reasons), person.organization_id == mutual.pk)
                    )
    return found
