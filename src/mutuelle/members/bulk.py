"""Set-based enrolment: many households written as plain rows, for imports and generated
data. Numbers are reserved in one call; the status history is written alongside (bulk writes
bypass model history, so the event rows are ours to write)."""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from mutuelle.core import bulk
from mutuelle.core.models import Organization
from mutuelle.lib.names import normalize

from . import rules
from .actions import allocate_serials
from .duplicates import KeyedPerson, write_keys
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


HOUSEHOLD_COLUMNS = [
    "id",
    "uuid",
    "organization_id",
    "number",
    "head_id",
    "place_id",
    "address",
    "phone",
    "ability_id",
    "agent_id",
    "notes",
    "external_ref",
    "created_at",
]
PERSON_COLUMNS = [
    "id",
    "uuid",
    "organization_id",
    "household_id",
    "given_names",
    "family_name",
    "sex",
    "birth_date",
    "birth_year",
    "relationship",
    "id_document_type",
    "id_document_number",
    "phone",
    "photo",
    "date_of_death",
    "name_normalized",
    "created_at",
]
MEMBERSHIP_COLUMNS = [
    "id",
    "uuid",
    "organization_id",
    "person_id",
    "number",
    "enrolled_on",
    "waiting_from",
    "status",
    "status_since",
]
EVENT_COLUMNS = ["membership_id", "from_status", "to_status", "on", "reason", "note", "at"]


@transaction.atomic
def bulk_enrol(mutual: Organization, rows: list[HouseholdRow], batch: int = 2000) -> int:
    """Write households, persons, memberships, their first status events and their keys, as
    plain rows (COPY on PostgreSQL): no model instance is built, so a large import costs little
    more than its I/O. Ids are reserved first so that a household names its head at once (the
    foreign keys are checked at commit). Returns the number of persons written."""
    if not rows:
        return 0
    people = sum(len(h.persons) for h in rows)
    serials = iter(allocate_serials(mutual, len(rows) + people))
    household_ids = iter(bulk.reserve_ids(Household, len(rows)))
    person_ids = iter(bulk.reserve_ids(Person, people))
    membership_ids = iter(bulk.reserve_ids(Membership, people))
    uuids = bulk.ascending_uuids(len(rows) + 2 * people)
    now = timezone.now()
    org, code = mutual.pk, mutual.code
    households, persons, memberships, events, keyed = [], [], [], [], []
    for row in rows:
        household_id = next(household_ids)
        head_id = None
        for p in row.persons:
            person_id = next(person_ids)
            membership_id = next(membership_ids)
            if p.relationship == "head":
                head_id = person_id
            year = p.birth_year or (p.birth_date.year if p.birth_date else None)
            persons.append(
                (
                    person_id,
                    next(uuids),
                    org,
                    household_id,
                    p.given_names,
                    p.family_name,
                    p.sex,
                    p.birth_date,
                    year,
                    p.relationship,
                    p.id_document_type,
                    p.id_document_number,
                    p.phone,
                    "",
                    p.date_of_death,
                    normalize(f"{p.given_names} {p.family_name}"),
                    now,
                )
            )
            since = p.status_since or row.enrolled_on
            memberships.append(
                (
                    membership_id,
                    next(uuids),
                    org,
                    person_id,
                    rules.format_number(code, next(serials)),
                    row.enrolled_on,
                    row.enrolled_on,
                    p.status,
                    since,
                )
            )
            events.extend(_events(membership_id, p.status, row.enrolled_on, since, now))
            phones = (p.phone, row.phone if p.relationship == "head" else "")
            keyed.append(
                KeyedPerson(
                    person_id,
                    org,
                    p.given_names,
                    p.family_name,
                    p.sex,
                    year,
                    p.id_document_number,
                    phones,
                )
            )
        households.append(
            (
                household_id,
                next(uuids),
                org,
                rules.format_household_number(code, next(serials)),
                head_id,
                row.place_id,
                "",
                row.phone,
                row.ability_id,
                None,
                "",
                row.external_ref,
                now,
            )
        )
    with _deferred_constraints():
        bulk.copy_rows(Household, HOUSEHOLD_COLUMNS, households, batch)
        bulk.copy_rows(Person, PERSON_COLUMNS, persons, batch)
    bulk.copy_rows(Membership, MEMBERSHIP_COLUMNS, memberships, batch)
    bulk.copy_rows(StatusEvent, EVENT_COLUMNS, events, batch)
    write_keys(keyed)
    return people


def _events(membership_id: int, status: str, enrolled_on: date, since: date, now) -> list[tuple]:
    """The status history a bulk-written membership starts with: pending at enrolment, then
    active, then its imported status."""
    events = [(membership_id, "", rules.PENDING, enrolled_on, "enrolment", "", now)]
    if status == rules.PENDING:
        return events
    if status != rules.ACTIVE:
        events.append((membership_id, rules.PENDING, rules.ACTIVE, enrolled_on, "paid", "", now))
    before = rules.PENDING if status == rules.ACTIVE else rules.ACTIVE
    events.append((membership_id, before, status, since, "imported", "", now))
    return events


@contextmanager
def _deferred_constraints():
    """A household names its head before the head's row is written: foreign keys are checked
    at commit (PostgreSQL: Django's constraints are DEFERRABLE; SQLite: deferred pragma)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA defer_foreign_keys = ON")
    yield
