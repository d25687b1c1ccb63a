"""Set-based enrolment: many households written with bulk_create, for imports and generated
data. Numbers are reserved in one call; the status history is written alongside (bulk writes
bypass model history, so the event rows are ours to write)."""

from dataclasses import dataclass, field
from datetime import date

from mutuelle.core import bulk
from mutuelle.core.models import Organization
from mutuelle.lib.names import normalize

from . import rules
from .actions import allocate_serials
from .duplicates import index_keys
from .models import Household, Membership, Person, StatusEvent


@dataclass
class PersonRow:
    given_names: str
    family_name: str
    sex: str
    relationship: str
    birth_date: date | None = None
    birth_year: int | None = None
    id_document_type: str = ""
    id_document_number: str = ""
    phone: str = ""
    date_of_death: date | None = None
    status: str = rules.PENDING
    status_since: date | None = None


@dataclass
class HouseholdRow:
    persons: list[PersonRow]
    enrolled_on: date
    place_id: int | None = None
    phone: str = ""
    ability_id: int | None = None
    external_ref: str = ""
    extra: dict = field(default_factory=dict)


def bulk_enrol(mutual: Organization, rows: list[HouseholdRow], batch: int = 2000) -> int:
    """Write households, persons, memberships and their first status events. Returns the
    number of persons written. The caller holds the transaction."""
    serials = iter(allocate_serials(mutual, len(rows) + sum(len(h.persons) for h in rows)))
    households, persons, memberships = [], [], []
    for row in rows:
        household = Household(
            organization=mutual,
            number=rules.format_household_number(mutual.code, next(serials)),
            place_id=row.place_id,
            phone=row.phone,
            ability_id=row.ability_id,
            external_ref=row.external_ref,
        )
        households.append(household)
        for p in row.persons:
            person = Person(
                organization=mutual,
                household=household,
                given_names=p.given_names,
                family_name=p.family_name,
                sex=p.sex,
                relationship=p.relationship,
                birth_date=p.birth_date,
                birth_year=p.birth_year or (p.birth_date.year if p.birth_date else None),
                id_document_type=p.id_document_type,
                id_document_number=p.id_document_number,
                phone=p.phone,
                date_of_death=p.date_of_death,
                name_normalized=normalize(f"{p.given_names} {p.family_name}"),
            )
            persons.append(person)
            memberships.append(
                Membership(
                    organization=mutual,
                    person=person,
                    number=rules.format_number(mutual.code, next(serials)),
                    enrolled_on=row.enrolled_on,
                    waiting_from=row.enrolled_on,
                    status=p.status,
                    status_since=p.status_since or row.enrolled_on,
                )
            )
    if bulk.assign_ids(households) and bulk.assign_ids(persons):
        # PostgreSQL: ids known before writing, so each household names its head at once
        # (the foreign keys are checked at commit), and every table is written with COPY.
        for person in persons:
            owner = person.household
            assert owner is not None
            person.household_id = owner.pk
            if person.relationship == "head":
                owner.head_id = person.pk
        bulk.insert(households)
        bulk.insert(persons)
        for m in memberships:
            m.person_id = m.person.pk
        bulk.insert(memberships)
    else:
        for start in range(0, len(households), batch):
            Household.unscoped.bulk_create(households[start : start + batch])
        for person in persons:
            assert person.household is not None
            person.household_id = person.household.pk
        for start in range(0, len(persons), batch):
            Person.unscoped.bulk_create(persons[start : start + batch])
        heads = {p.household_id: p for p in persons if p.relationship == "head"}
        for h in households:
            h.head = heads.get(h.pk)
        Household.unscoped.bulk_update(households, ["head"], batch_size=batch)
        for m in memberships:
            m.person_id = m.person.pk
        for start in range(0, len(memberships), batch):
            Membership.unscoped.bulk_create(memberships[start : start + batch])
    events = []
    for m in memberships:
        events.append(
            StatusEvent(membership=m, to_status=rules.PENDING, on=m.enrolled_on, reason="enrolment")
        )
        if m.status != rules.PENDING:
            if m.status != rules.ACTIVE:
                events.append(
                    StatusEvent(
                        membership=m,
                        from_status=rules.PENDING,
                        to_status=rules.ACTIVE,
                        on=m.enrolled_on,
                        reason="paid",
                    )
                )
            events.append(
                StatusEvent(
                    membership=m,
                    from_status=rules.PENDING if m.status == rules.ACTIVE else rules.ACTIVE,
                    to_status=m.status,
                    on=m.status_since,
                    reason="imported",
                )
            )
    bulk.insert(events, batch=batch)
    index_keys(persons)
    return len(persons)
