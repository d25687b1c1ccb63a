"""Import a register from a spreadsheet: one row per person, grouped into households by the
file's own household reference (idempotent: a household already imported is left as is)."""

import re
from collections import defaultdict
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core.imports.base import Column, Importer, StagedRow, register
from mutuelle.core.models import ImportRow, Place
from mutuelle.core.roles import Perm
from mutuelle.lib.phone import normalize_phone

from . import rules
from .bulk import HouseholdRow, PersonRow, bulk_enrol
from .models import Household

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


def _fold(text: str) -> str:
    from mutuelle.core.imports.base import fold

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

    def key(self, raw):
        return raw.get("household_ref", "").strip()

    def check(self, rows: list[StagedRow], job) -> None:
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
        """Each household of the file has exactly one head."""
        heads: dict[str, list[ImportRow]] = defaultdict(list)
        members: dict[str, list[ImportRow]] = defaultdict(list)
        rows = list(ImportRow.unscoped.filter(job=job).only("pk", "key", "values", "errors"))
        for r in rows:
            members[r.key].append(r)
            if (r.values.get("clean") or {}).get("relationship") == "head":
                heads[r.key].append(r)
        flagged = []
        for ref, group in members.items():
            count = len(heads.get(ref, []))
            if count != 1:
                first = group[0]
                code = "household_no_head" if count == 0 else "household_several_heads"
                first.errors = [
                    *first.errors,
                    {"column": "relationship", "code": code, "params": {"value": ref}},
                ]
                flagged.append(first)
        ImportRow.unscoped.bulk_update(flagged, ["errors"])

    def apply(self, values, job) -> dict[str, int]:
        mutual = job.organization
        groups: dict[str, list[dict]] = defaultdict(list)
        for v in values:
            groups[v["ref"]].append(v)
        existing = set(
            Household.unscoped.filter(
                organization=mutual, external_ref__in=list(groups)
            ).values_list("external_ref", flat=True)
        )
        today = timezone.localdate()
        rows, unchanged = [], 0
        for ref, people in groups.items():
            if ref in existing:
                unchanged += len(people)
                continue
            head = next(p for p in people if p["relationship"] == "head")
            rows.append(
                HouseholdRow(
                    persons=[
                        PersonRow(
                            given_names=p["given_names"],
                            family_name=p["family_name"],
                            sex=p["sex"],
                            relationship=p["relationship"],
                            birth_date=date.fromisoformat(p["birth_date"])
                            if p["birth_date"]
                            else None,
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
            )
        created = bulk_enrol(mutual, rows)
        return {"created": created, "updated": 0, "unchanged": unchanged}
