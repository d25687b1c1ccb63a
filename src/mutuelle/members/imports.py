"""Import a register from a spreadsheet: one row per person, grouped into households by the
file's own household reference (idempotent: a household already imported is left as is).

The check streams the file chunk by chunk and warns of duplicate suspects: each person is
compared with the register of the mutual and of the union's other mutuals (blocking keys,
one lookup per chunk; lib.names decides) and with the earlier rows of the file (their
blocking keys kept in memory between chunks, rebuilt from the staged rows on resume)."""

import functools
import itertools
import logging
import re
import time
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import groupby
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core import bulk
from mutuelle.core.imports.base import Column, Importer, StagedRow, fold, register
from mutuelle.core.models import ImportRow, Organization, Place
from mutuelle.core.roles import Perm
from mutuelle.lib.names import PersonName, blocking_keys, same_person
from mutuelle.lib.phone import normalize_phone

from . import duplicates, rules
from .bulk import HouseholdRow, PersonRow, bulk_enrol
from .models import Household, Membership, Person, PersonKey

log = logging.getLogger("mutuelle.imports")

# At most this many suspects are reported per row (a common name has many homonyms).
MAX_SUSPECTS = 3
# In-file duplicates: each blocking key keeps the first persons (of distinct identity) that
# carry it; a later row is compared with them. Bounded memory whatever the file's size.
REPS_PER_KEY = 2
# What the register answered, remembered between chunks of one check (keys + persons).
REGISTER_MEMORY = 500_000
# Values per IN (...) lookup (SQLite limits the parameters of a query).
IN_BATCH = 5000
# Households written per bulk_enrol call during the apply (one transaction in all).
APPLY_BATCH = 2000

SEX = {
    "f": "F",
    "femme": "F",
    "feminin": "F",
    "female": "F",
    "woman": "F",
    "m": "M",
    "h": "M",
    "homme": "M",
    "masculin": "M",
    "male": "M",
    "man": "M",
}
RELATIONSHIP = {
    "head": "head",
    "chef": "head",
    "chef de menage": "head",
    "cm": "head",
    "spouse": "spouse",
    "conjoint": "spouse",
    "conjointe": "spouse",
    "epouse": "spouse",
    "epoux": "spouse",
    "wife": "spouse",
    "husband": "spouse",
    "child": "child",
    "enfant": "child",
    "fils": "child",
    "fille": "child",
    "parent": "parent",
    "pere": "parent",
    "mere": "parent",
    "father": "parent",
    "mother": "parent",
    "other": "other",
    "autre": "other",
}
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@functools.lru_cache(maxsize=1024)
def _fold(text: str) -> str:
    """A sex or relationship as written, folded (a file repeats the same few spellings)."""
    return fold(text.replace(" ", "_")).replace("_", " ")


def parse_date(text: str) -> date | None:
    """ISO (2012-07-14) or the day-first form the field writes (14/07/2012)."""
    text = text.strip()
    if not text:
        return None
    if m := _DMY.match(text):
        day, month, year = (int(g) for g in m.groups())
        return date(year, month, day)
    return date.fromisoformat(text[:10])


@register
class HouseholdsImporter(Importer):
    slug = "households"
    label = _("Households and their members")
    perm = Perm.ENROL_MEMBERS
    columns = [
        Column(
            "household_ref",
            _("Household reference"),
            required=True,
            max_length=64,
            example="KM-001",
        ),
        Column("given_names", _("Given names"), required=True, max_length=120, example="Mamadou"),
        Column("family_name", _("Family name"), required=True, max_length=80, example="Diop"),
        Column("sex", _("Sex (F/M)"), required=True, max_length=10, example="M"),
        Column(
            "relationship",
            _("Relationship to the head"),
            required=True,
            max_length=20,
            example="chef",
        ),
        Column("birth_date", _("Date of birth"), max_length=10, example="14/07/1978"),
        Column("birth_year", _("Year of birth"), max_length=4, example=""),
        Column("id_document_number", _("Identity document number"), max_length=40),
        Column("phone", _("Phone"), max_length=32, example="+221 77 123 45 67"),
        Column("village_code", _("Village code"), max_length=32, example="SN-TH-TH-KM-01"),
    ]

    streaming = True
    chunk_size = 5000
    apply_order = ("key", "line")

    def key(self, raw):
        return raw.get("household_ref", "").strip()

    def check(self, rows: list[StagedRow], job) -> None:
        self.check_stream(rows, job, {})

    def check_stream(self, rows: list[StagedRow], job, state: dict) -> None:
        self._check_values(rows, job)
        mutual = job.organization
        if mutual is None or mutual.kind != "mutual":
            return
        existing = set(
            Household.unscoped.filter(
                organization=mutual, external_ref__in={r.key for r in rows}
            ).values_list("external_ref", flat=True)
        )
        people: list[tuple[StagedRow, PersonName]] = []
        for row in rows:
            if row.key in existing:
                row.values["existing"] = True
                row.warn("household_ref", "household_already_imported", value=row.key)
            elif (person := _person(row.values)) is not None:
                people.append((row, person))
        wanted = [_keys(p) for _, p in people]  # computed once for both comparisons
        self._register_suspects(mutual, people, wanted, state.setdefault("register", {}))
        reps = state.setdefault("reps", {})
        for (row, person), keys in zip(people, wanted, strict=True):
            match = _in_file(reps, row.line, person, keys)
            if match is not None:
                line, other = match
                row.warn("given_names", "person_duplicate_in_file", name=_name(other), line=line)

    def replay(self, job, state: dict, checked: Iterator[tuple[int, dict[str, Any]]]) -> None:
        reps = state.setdefault("reps", {})
        for line, values in checked:
            if values and not values.get("existing") and (person := _person(values)):
                _in_file(reps, line, person, _keys(person))

    def _register_suspects(
        self,
        mutual,
        people: list[tuple[StagedRow, PersonName]],
        wanted: list[list[str]],
        seen: dict,
    ) -> None:
        """Warn of persons of the register (this mutual, the union's others) alike: the
        chunk's blocking keys in a few IN queries, each candidate read once as a tuple.

        `seen` remembers, from one chunk to the next of the same check, what the register
        answered: the persons under each key looked up, and each candidate read. A file
        repeats the same names chunk after chunk, so later chunks ask only for new keys and
        new candidates. Warnings are advice read at check time: a person enrolled in the
        register while the check runs may go unreported, as if enrolled just after it. The
        memory stays bounded (forgotten past REGISTER_MEMORY entries)."""
        by_key: dict[str, list[int] | tuple[()]] = seen.setdefault("keys", {})
        others: dict[int, tuple[PersonName, int] | None] = seen.setdefault("persons", {})
        if len(by_key) + len(others) > REGISTER_MEMORY:
            by_key.clear()
            others.clear()
        scope = duplicates.search_scope(mutual)
        new_keys = sorted({k for keys in wanted for k in keys if k not in by_key})
        if new_keys:
            by_key.update(dict.fromkeys(new_keys, ()))  # most keys find nobody: one shared ()
            hits: dict[str, list[int]] = {}
            for key, person_id in bulk.select_in(
                PersonKey,
                ["key", "person_id"],
                {"key": new_keys, "organization_id": scope},
                batch=IN_BATCH,
            ):
                hits.setdefault(key, []).append(person_id)
            by_key.update(hits)
        ids = sorted({pk for keys in wanted for k in keys for pk in by_key[k] if pk not in others})
        if ids:
            for pk in ids:
                others[pk] = None  # dead or merged: not a candidate
            columns = ["id", "given_names", "family_name", "sex", "birth_year"]
            for pk, given, family, sex, year, doc, org in bulk.select_in(
                Person,
                [*columns, "id_document_number", "organization_id"],
                {"id": ids},
                extra="date_of_death IS NULL AND merged_into_id IS NULL",
                batch=IN_BATCH,
            ):
                others[pk] = (PersonName(given, family, sex, year, doc or None), org)
        matches: list[tuple[StagedRow, list[tuple[int, PersonName, int]]]] = []
        for (row, person), keys in zip(people, wanted, strict=True):
            candidates = sorted({pk for k in keys for pk in by_key[k]})
            alike = (
                (pk, *known)
                for pk in candidates
                if (known := others[pk]) is not None and _same(person, known[0])
            )
            found = list(itertools.islice(alike, MAX_SUSPECTS))  # no need to compare them all
            if found:
                matches.append((row, found))
        if not matches:
            return
        mine = [pk for _, found in matches for pk, _, org in found if org == mutual.pk]
        numbers: dict[int, str] = {}
        for start in range(0, len(mine), IN_BATCH):
            for person_id, number in (
                Membership.unscoped.filter(person_id__in=mine[start : start + IN_BATCH])
                .order_by("person_id", "-enrolled_on", "-pk")
                .values_list("person_id", "number")
            ):
                numbers.setdefault(person_id, number)
        names = dict(Organization.unscoped.filter(pk__in=scope).values_list("pk", "name"))
        for row, found in matches:
            reported: set[int] = set()  # one warning per other mutual
            for pk, other, org in found:
                if org == mutual.pk:
                    row.warn(
                        "given_names",
                        "person_duplicate_in_register",
                        name=_name(other),
                        number=numbers.get(pk, "—"),
                    )
                elif org not in reported:
                    # Another mutual's members are not this officer's to see: its name only.
                    reported.add(org)
                    row.warn("given_names", "person_duplicate_in_union", mutual=names[org])

    def _check_values(self, rows: list[StagedRow], job) -> None:
        today = timezone.localdate()
        mutual = job.organization
        codes = {r.raw.get("village_code", "") for r in rows} - {""}
        villages = dict(
            Place.unscoped.filter(
                code__in=codes, country=getattr(mutual, "country", "")
            ).values_list("code", "pk")
        )
        for row in rows:
            if mutual is None or mutual.kind != "mutual":
                row.error("household_ref", "import_needs_a_mutual")
            sex = SEX.get(_fold(row.raw.get("sex", "")))
            if row.raw.get("sex") and sex is None:
                row.error("sex", "bad_choice", value=row.raw["sex"])
            relationship = RELATIONSHIP.get(_fold(row.raw.get("relationship", "")))
            if row.raw.get("relationship") and relationship is None:
                row.error("relationship", "bad_choice", value=row.raw["relationship"])
            birth_date = year = None
            try:
                birth_date = parse_date(row.raw.get("birth_date", ""))
            except ValueError:
                row.error("birth_date", "bad_date", value=row.raw["birth_date"])
            if raw_year := row.raw.get("birth_year", "").strip():
                if raw_year.isdigit():
                    year = int(raw_year)
                else:
                    row.error("birth_year", "bad_integer", value=raw_year)
            if birth_date is None and year is None and not row.errors:
                row.error("birth_date", "birth_missing")
            facts = rules.PersonFacts(relationship or "other", birth_date, year)
            for code in rules.person_errors(facts, today):
                row.error("birth_date", code.replace(".", "_"))
            village = row.raw.get("village_code", "")
            if village and village not in villages:
                row.error("village_code", "unknown_village", value=village)
            row.values = {
                "ref": row.key,
                "given_names": row.raw.get("given_names", ""),
                "family_name": row.raw.get("family_name", ""),
                "sex": sex,
                "relationship": relationship,
                "birth_date": birth_date.isoformat() if birth_date else None,
                "birth_year": year,
                "id_document_number": row.raw.get("id_document_number", ""),
                "phone": normalize_phone(row.raw.get("phone", "")),
                "place_id": villages.get(village),
            }

    def check_all(self, job) -> None:
        """Each household of the file has exactly one head (one aggregate query: only the
        households in fault are read)."""
        flagged = list(
            ImportRow.unscoped.filter(job=job)
            .values("key")
            .annotate(
                heads=Count("pk", filter=Q(values__clean__relationship="head")),
                first=Min("line"),
            )
            .exclude(heads=1)
            .values_list("key", "heads", "first")
        )
        rows = {
            r.line: r
            for r in ImportRow.unscoped.filter(job=job, line__in=[f[2] for f in flagged]).only(
                "pk", "line", "errors"
            )
        }
        for ref, heads, first in flagged:
            row = rows[first]
            code = "household_no_head" if heads == 0 else "household_several_heads"
            row.errors = [
                *row.errors,
                {"column": "relationship", "code": code, "params": {"value": ref}},
            ]
        ImportRow.unscoped.bulk_update(list(rows.values()), ["errors"], batch_size=1000)

    def apply(self, values: Iterable[dict[str, Any]], job) -> dict[str, int]:
        """Households in batches (the values come ordered by household reference), all in the
        caller's transaction: memory stays flat whatever the file's size."""
        mutual = job.organization
        today = timezone.localdate()
        created = unchanged = households = 0
        pause = settings.MUTUELLE_JOB_CHUNK_PAUSE
        for batch in _batches(groupby(values, key=lambda v: v["ref"]), APPLY_BATCH):
            existing = set(
                Household.unscoped.filter(
                    organization=mutual, external_ref__in=[ref for ref, _ in batch]
                ).values_list("external_ref", flat=True)
            )
            rows = []
            for ref, people in batch:
                if ref in existing:
                    unchanged += len(people)
                else:
                    rows.append(_household(ref, people, today))
            created += bulk_enrol(mutual, rows)
            households += len(rows)
            log.info("import %s: %s households written", job.pk, households)
            if pause:
                time.sleep(pause)  # tests slow the apply down to kill a worker in its middle
        return {"created": created, "updated": 0, "unchanged": unchanged}


def _batches(groups, size: int) -> Iterator[list[tuple[str, list[dict]]]]:
    batch: list[tuple[str, list[dict]]] = []
    for ref, people in groups:
        batch.append((ref, list(people)))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _person(values: dict[str, Any]) -> PersonName | None:
    """What duplicate detection reads of a checked row (None: too broken to compare)."""
    if not values.get("given_names") or not values.get("family_name"):
        return None
    year = values.get("birth_year")
    if year is None and values.get("birth_date"):
        year = int(values["birth_date"][:4])
    return PersonName(
        values["given_names"],
        values["family_name"],
        values.get("sex"),
        year,
        values.get("id_document_number") or None,
    )


def _name(person: PersonName) -> str:
    return f"{person.given_names} {person.family_name}"


def _keys(person: PersonName) -> list[str]:
    return [k[:64] for k in blocking_keys(*_fields(person))]


def _in_file(
    reps: dict, line: int, person: PersonName, keys: list[str]
) -> tuple[int, PersonName] | None:
    """The earliest earlier row of the file that looks like `person`, if any; otherwise the
    person is remembered under each of its keys (up to REPS_PER_KEY persons per key)."""
    candidates: dict[int, PersonName] = {}
    for key in keys:
        for other_line, other in reps.get(key, ()):
            candidates[other_line] = other
    for other_line in sorted(candidates):
        if _same(person, candidates[other_line]):
            return other_line, candidates[other_line]
    for key in keys:
        known = reps.get(key)
        if known is None:
            reps[key] = ((line, person),)
        elif len(known) < REPS_PER_KEY:
            reps[key] = (*known, (line, person))
    return None


# is_duplicate's decision without its score and reasons; its name parts are remembered by
# lib.names (a register repeats the same names), so there is nothing to cache here.
_same = same_person


def _fields(person: PersonName) -> tuple:
    return (
        person.given_names,
        person.family_name,
        person.sex,
        person.birth_year,
        person.id_document,
    )


def _household(ref: str, people: list[dict], today: date) -> HouseholdRow:
    head = next(p for p in people if p["relationship"] == "head")
    return HouseholdRow(
        persons=[
            PersonRow(
                given_names=p["given_names"],
                family_name=p["family_name"],
                sex=p["sex"],
                relationship=p["relationship"],
                birth_date=date.fromisoformat(p["birth_date"]) if p["birth_date"] else None,
                birth_year=p["birth_year"],
                id_document_number=p["id_document_number"],
                phone=p["phone"],
            )
            for p in people
        ],
        enrolled_on=today,
        place_id=head["place_id"],
        phone=head["phone"],
        external_ref=ref,
    )
