"""Import a catalogue of acts from a spreadsheet (CSV or XLSX) into an organization's catalogue:
new codes are added, the organization's own acts are updated, codes another catalogue holds
(a union's, for a mutual) are refused. Idempotent by code."""

from typing import Any

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from mutuelle.core.imports.base import (
    ROW_REASONS,
    Column,
    Importer,
    StagedRow,
    first_lines,
    fold,
    register,
)
from mutuelle.core.roles import Perm

from .actions import OWNER_KINDS
from .models import Act, ActSex, Category, Unit

# This importer's row reasons, added to the framework's list that the report translates.
ROW_REASONS.update(
    {
        "act_code_elsewhere": _(
            "Code %(value)s is already in the catalogue of %(owner)s: choose another code."
        ),
        "act_bad_code": _("%(value)s is not a code (2 to 32 letters, digits or dashes)."),
        "act_ages": _("The minimum age is above the maximum age."),
        "acts_need_a_catalogue": _("Choose the network, union or mutual whose catalogue this is."),
    }
)

# French (and short) names of the categories, whatever the interface's language.
CATEGORY_WORDS = {
    "consult": "consultation",
    "hospitalisation": "hospitalization",
    "chirurgie": "surgery",
    "accouchement": "delivery",
    "soins prenatals": "antenatal",
    "cpn": "antenatal",
    "laboratoire": "laboratory",
    "labo": "laboratory",
    "imagerie": "imaging",
    "medicaments": "medicines",
    "medicaments essentiels generiques": "medicines",
    "medicines": "medicines",
    "soins dentaires": "dental",
    "dentaire": "dental",
    "optique": "optical",
    "evacuation": "evacuation",
    "transport": "evacuation",
    "evacuation et transport": "evacuation",
    "autre": "other",
    "autres": "other",
}

YES = {"1", "oui", "yes", "o", "y", "vrai", "true", "actif", "active", "x"}
NO = {"0", "non", "no", "n", "faux", "false", "inactif", "inactive"}


def _choices(choices, extra: dict[str, str]) -> dict[str, str]:
    """Accepted spellings (folded): the code, the English and French labels, and extras."""
    accepted = {fold(k): v for k, v in extra.items()}
    for value, label in choices:
        accepted[fold(value)] = value
        for lang in ("fr", "en"):
            with translation.override(lang):
                accepted[fold(str(label))] = value
    return accepted


@register
class ActsImporter(Importer):
    slug = "acts"
    label = _("Acts catalogue")
    perm = Perm.MANAGE_BENEFITS
    columns = [
        Column("code", _("Act code"), required=True, max_length=32, example="CONS-INF"),
        Column(
            "name_fr",
            _("Name (French)"),
            required=True,
            max_length=160,
            example="Consultation par un infirmier",
        ),
        Column("name_en", _("Name (English)"), max_length=160, example="Consultation by a nurse"),
        Column("category", _("Category"), required=True, max_length=40, example="consultation"),
        Column("unit", _("Unit"), max_length=30, example="act"),
        Column("sex", _("Possible for (F/M/any)"), max_length=20, example=""),
        Column("min_age", _("Minimum age"), max_length=3, example=""),
        Column("max_age", _("Maximum age"), max_length=3, example=""),
        Column("active", _("Active (yes/no)"), max_length=8, example="oui"),
    ]

    def key(self, raw):
        return raw.get("code", "").strip().upper()

    def check(self, rows: list[StagedRow], job) -> None:
        import re

        organization = job.organization
        categories = _choices(Category.choices, CATEGORY_WORDS)
        units = _choices(Unit.choices, {"acte": "act", "jour": "day", "unite": "item"})
        sexes = _choices(
            ActSex.choices,
            {
                "": "any",
                "tous": "any",
                "toutes": "any",
                "all": "any",
                "any": "any",
                "f": "F",
                "femme": "F",
                "femmes": "F",
                "women": "F",
                "female": "F",
                "m": "M",
                "h": "M",
                "homme": "M",
                "hommes": "M",
                "men": "M",
                "male": "M",
            },
        )
        codes = [r.key for r in rows]
        elsewhere: dict[str, str] = {}
        if organization is not None:
            lineage = [*organization.ancestor_ids(), organization.pk]
            for code, owner_id, owner in (
                Act.unscoped.filter(code__in=codes)
                .filter(
                    Q(organization_id__in=lineage)
                    | Q(organization__path__startswith=organization.path)
                )
                .values_list("code", "organization_id", "organization__name")
            ):
                if owner_id != organization.pk:
                    elsewhere[code] = owner
        first_line = first_lines(job, codes)
        for row in rows:
            self.check_basics(row)
            raw = row.raw
            if organization is None or organization.kind not in OWNER_KINDS:
                row.error("code", "acts_need_a_catalogue")
            code = row.key
            if code and not re.fullmatch(r"[A-Z0-9][A-Z0-9._-]{1,31}", code):
                row.error("code", "act_bad_code", value=code)
            if code in elsewhere:
                row.error("code", "act_code_elsewhere", value=code, owner=elsewhere[code])
            if first_line.get(code, row.line) < row.line:
                row.error("code", "duplicate_in_file", line=first_line[code])
            values: dict[str, Any] = {"code": code, "name_fr": raw.get("name_fr", "")}
            values["name_en"] = raw.get("name_en", "") or values["name_fr"]
            for column, accepted, default in (
                ("category", categories, None),
                ("unit", units, "act"),
                ("sex", sexes, "any"),
            ):
                text = raw.get(column, "")
                if not text and default is not None:
                    values[column] = default
                elif fold(text) in accepted:
                    values[column] = accepted[fold(text)]
                elif text:
                    row.error(column, "bad_choice", value=text)
            for column in ("min_age", "max_age"):
                text = raw.get(column, "")
                if not text:
                    values[column] = None
                elif text.isdigit() and int(text) <= 130:
                    values[column] = int(text)
                else:
                    row.error(column, "bad_integer", value=text)
            if (
                values.get("min_age") is not None
                and values.get("max_age") is not None
                and values["min_age"] > values["max_age"]
            ):
                row.error("min_age", "act_ages")
            active = fold(raw.get("active", ""))
            if active and active not in YES and active not in NO:
                row.error("active", "bad_choice", value=raw.get("active", ""))
            values["is_active"] = active not in NO
            row.values = values

    def apply(self, values, job) -> dict[str, int]:
        """Add new codes; update the organization's own acts (one query to read them)."""
        organization = job.organization
        rows = list(values)
        own = {
            a.code: a
            for a in Act.unscoped.filter(
                organization=organization, code__in=[v["code"] for v in rows]
            )
        }
        fields = [
            "name_fr",
            "name_en",
            "category",
            "unit",
            "sex",
            "min_age",
            "max_age",
            "is_active",
        ]
        new, changed, unchanged = [], [], 0
        for v in rows:
            act = own.get(v["code"])
            if act is None:
                new.append(Act(organization=organization, **{k: v[k] for k in ["code", *fields]}))
            elif any(getattr(act, f) != v[f] for f in fields):
                for f in fields:
                    setattr(act, f, v[f])
                changed.append(act)
            else:
                unchanged += 1
        Act.unscoped.bulk_create(new)
        Act.unscoped.bulk_update(changed, fields)
        return {"created": len(new), "updated": len(changed), "unchanged": unchanged}
