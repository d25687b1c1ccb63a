"""The one write path of the catalogue and the packages: atomic, permission checked, audited.

A version in force is never edited: every write to a version or its lines checks that it is a
draft; `new_version_from()` copies an adopted version into a new draft, `adopt()` puts a draft
in force and closes the previous version the day before."""

from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm

from . import rules
from .catalogue import STARTER_ACTS
from .models import Act, CoverageLine, Package, PackageVersion, VersionStatus

# Kinds of organizations that hold a catalogue or packages.
OWNER_KINDS = ("network", "federation", "union", "mutual")

REASONS = {
    # Assessments (rules.assess): "the mutual pays ..., because ..."
    "benefit.act_sex": _("This act is possible only for %(sex_label)s."),
    "benefit.act_age": _("This act is possible only between the ages of %(min)s and %(max)s."),
    "benefit.excluded": _("The package excludes this act (%(code)s)."),
    "benefit.not_covered": _("No line of the package covers this act."),
    "benefit.not_for_beneficiary": _("The package covers this act for other beneficiaries only."),
    "benefit.waiting": _("Waiting period of %(days)s days: covered in %(remaining)s more days."),
    "benefit.care_level": _("Covered only at these care levels: %(levels)s."),
    "benefit.referral_missing": _("Covered only on referral."),
    "benefit.authorization_missing": _("Covered only with a prior authorization."),
    "benefit.too_soon": _("Covered at most once every %(days)s days."),
    "benefit.quantity_exhausted": _("The %(limit)s units allowed per %(period)s days are used up."),
    "benefit.quantity_limited": _(
        "Only %(covered)s units are covered (%(limit)s per %(period)s days)."
    ),
    "benefit.deductible": _("The member first pays the deductible of %(amount)s."),
    "benefit.rate": _("The mutual covers %(rate)s%% of the tariff."),
    "benefit.fixed_amount": _("The mutual pays a fixed amount of %(amount)s per unit."),
    "benefit.per_act_ceiling": _("The mutual pays at most %(amount)s per act."),
    "benefit.person_ceiling": _(
        "Annual ceiling per beneficiary of %(ceiling)s: %(left)s left this year."
    ),
    "benefit.household_ceiling": _(
        "Annual ceiling per household of %(ceiling)s: %(left)s left this year."
    ),
    "benefit.days_limited": _("Only %(days)s more days are paid (at most %(max)s)."),
    "benefit.cash_amount": _("%(amount)s per unit, %(units)s units."),
    # Refused writes
    "version.in_force": _("A version in force is never changed: make a new version from it."),
    "version.draft_exists": _("This package already has a draft version: finish that one."),
    "version.starts_too_early": _(
        "A new version starts after the start of the version in force (%(start)s)."
    ),
    "version.empty": _("A version needs at least one coverage line to be adopted."),
    "version.end_before_start": _("The end date comes before the start date."),
    "act.code_taken": _("Code %(code)s is already in the catalogue of %(owner)s."),
    "act.bad_code": _("A code has 2 to 32 letters, digits or dashes."),
    "act.ages": _("The minimum age is above the maximum age."),
    "act.owner_kind": _("Only a network, a union or a mutual keeps a catalogue."),
    "act.not_visible": _("This act is not in the catalogue this package can use."),
    "package.code_taken": _("Code %(code)s is already a package of this organization."),
    "package.owner_kind": _("Packages belong to a mutual or a union."),
    "line.one_target": _("Choose a category or a single act, not both."),
    "line.unknown_category": _("Unknown category."),
    "line.rate_or_amount": _("Give a coverage rate or a fixed amount, not both."),
    "line.rate_range": _("A coverage rate is more than 0 and at most 100 per cent."),
    "line.amount_positive": _("The amount must be above zero."),
    "line.quantity_needs_period": _("A quantity limit needs its period in days, and the reverse."),
    "line.children_need_age": _("Say under which age children are covered."),
    "line.unknown_care_level": _("Unknown care level."),
    "line.cash_benefit_required": _("Choose the cash benefit."),
    "line.cash_has_no_target": _("A cash benefit has no category or act."),
    "line.cash_amount_required": _("A cash benefit needs its amount."),
}


def _require(actor, organization: Organization) -> None:
    """MANAGE_BENEFITS on the organization; None is the system (the demo, migrations)."""
    if actor is not None:
        require(actor, Perm.MANAGE_BENEFITS, organization)


def reason_error(reason: str, **params) -> ValidationError:
    return ValidationError(REASONS[reason], code=reason, params=params or None)


def explain(code: str, params: dict | None = None) -> str:
    """A reason code and its parameters as a sentence in the active language."""
    from .models import CareLevel

    params = dict(params or {})
    if "sex" in params:
        params["sex_label"] = {"F": _("women"), "M": _("men")}.get(params["sex"], "")
    if "levels" in params:
        chosen = set(params["levels"])
        params["levels"] = ", ".join(str(lab) for val, lab in CareLevel.choices if val in chosen)
    for key in ("min", "max"):
        if key in params and params[key] is None:
            params[key] = "0" if key == "min" else "∞"
    template = REASONS.get(code)
    if template is None:
        return code
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


# --- The catalogue ---------------------------------------------------------------------------


def _owner_of_code(organization: Organization, code: str) -> Act | None:
    """An act with this code that the organization sees (its ancestors', its own) or that an
    organization below it sees (its descendants'): codes are unique within what anyone sees."""
    return (
        Act.unscoped.filter(code=code)
        .filter(
            Q(organization_id__in=[*organization.ancestor_ids(), organization.pk])
            | Q(organization__path__startswith=organization.path)
        )
        .select_related("organization")
        .first()
    )


def _check_act(code: str, min_age, max_age) -> None:
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,31}", code):
        raise reason_error("act.bad_code")
    if min_age is not None and max_age is not None and min_age > max_age:
        raise reason_error("act.ages")


ACT_FIELDS = ("name_fr", "name_en", "category", "unit", "sex", "min_age", "max_age", "is_active")


@transaction.atomic
def add_act(actor, organization: Organization, code: str, **values) -> Act:
    """A new act in the organization's catalogue; its code must be free in every catalogue the
    organization or those below it see (a mutual cannot redefine a union code)."""
    _require(actor, organization)
    if organization.kind not in OWNER_KINDS:
        raise reason_error("act.owner_kind")
    code = code.strip().upper()
    _check_act(code, values.get("min_age"), values.get("max_age"))
    if (taken := _owner_of_code(organization, code)) is not None:
        raise reason_error("act.code_taken", code=code, owner=taken.organization.name)
    act = Act.unscoped.create(
        organization=organization,
        code=code,
        **{k: v for k, v in values.items() if k in ACT_FIELDS},
    )
    audit.record(actor, "act.added", act, organization=organization, code=code)
    return act


@transaction.atomic
def update_act(actor, act: Act, **values) -> Act:
    """Rename an act or change its category, unit, clinical attributes, active flag (its code
    stays: lines and later claims name it)."""
    _require(actor, act.organization)
    _check_act(act.code, values.get("min_age", act.min_age), values.get("max_age", act.max_age))
    changed = [k for k, v in values.items() if k in ACT_FIELDS and getattr(act, k) != v]
    for key in changed:
        setattr(act, key, values[key])
    if changed:
        act.save(update_fields=changed)
        audit.record(actor, "act.changed", act, organization=act.organization, fields=changed)
    return act


@transaction.atomic
def install_starter_catalogue(actor, organization: Organization) -> int:
    """The starter catalogue in the organization's catalogue (idempotent: codes it or an
    ancestor already has are skipped). Returns the acts added."""
    _require(actor, organization)
    if organization.kind not in OWNER_KINDS:
        raise reason_error("act.owner_kind")
    codes = [row[0] for row in STARTER_ACTS]
    taken = set(
        Act.unscoped.filter(code__in=codes)
        .filter(
            Q(organization_id__in=[*organization.ancestor_ids(), organization.pk])
            | Q(organization__path__startswith=organization.path)
        )
        .values_list("code", flat=True)
    )
    new = [
        Act(
            organization=organization,
            code=code,
            name_fr=fr,
            name_en=en,
            category=category,
            unit=unit,
            sex=sex,
            min_age=min_age,
            max_age=max_age,
        )
        for code, fr, en, category, unit, sex, min_age, max_age in STARTER_ACTS
        if code not in taken
    ]
    Act.unscoped.bulk_create(new)  # one audit row for the bulk write
    audit.record(actor, "act.starter_installed", None, organization=organization, added=len(new))
    return len(new)


# --- Packages and versions -------------------------------------------------------------------


@dataclass
class VersionTerms:
    waiting_days: int = 90
    ceiling_person: Decimal | None = None
    ceiling_household: Decimal | None = None
    deductible: Decimal = Decimal(0)
    exclusions: str = ""
    notes: str = ""


@transaction.atomic
def create_package(
    actor,
    organization: Organization,
    code: str,
    name_fr: str,
    name_en: str,
    kind: str,
    terms: VersionTerms | None = None,
) -> Package:
    """A package and its first draft version."""
    _require(actor, organization)
    if organization.kind not in ("union", "mutual"):
        raise reason_error("package.owner_kind")
    code = code.strip().upper()
    if Package.unscoped.filter(organization=organization, code=code).exists():
        raise reason_error("package.code_taken", code=code)
    package = Package.unscoped.create(
        organization=organization, code=code, name_fr=name_fr, name_en=name_en, kind=kind
    )
    PackageVersion.unscoped.create(package=package, number=1, **asdict(terms or VersionTerms()))
    audit.record(actor, "package.created", package, organization=organization, code=code)
    return package


def _draft(actor, version: PackageVersion) -> PackageVersion:
    """The version, locked, if it may still be edited by the actor."""
    _require(actor, version.package.organization)
    locked = PackageVersion.unscoped.select_for_update().get(pk=version.pk)
    if locked.status != VersionStatus.DRAFT:
        raise reason_error("version.in_force")
    return locked


@transaction.atomic
def update_terms(actor, version: PackageVersion, terms: VersionTerms) -> PackageVersion:
    """Change a draft's version-wide terms (refused for a version in force)."""
    draft = _draft(actor, version)
    values = asdict(terms)
    for key, value in values.items():
        setattr(draft, key, value)
    draft.save(update_fields=list(values))
    audit.record(
        actor,
        "version.terms_changed",
        draft,
        organization=draft.package.organization,
        waiting_days=draft.waiting_days,
    )
    return draft


@dataclass
class LineSpec:
    """A coverage line as a form gives it (act: an Act row or None)."""

    kind: str = "care"
    category: str = ""
    act: Act | None = None
    cash_benefit: str = ""
    rate: Decimal | None = None
    amount: Decimal | None = None
    per_act_ceiling: Decimal | None = None
    quantity_limit: int | None = None
    period_days: int | None = None
    min_interval_days: int | None = None
    waiting_days: int | None = None
    care_levels: frozenset[str] = frozenset()
    referral_required: bool = False
    authorization_required: bool = False
    applies_to: str = "all"
    children_under: int | None = None
    max_days: int | None = None

    def as_rule(self) -> rules.Line:
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "act"}
        return rules.Line(act_code=self.act.code if self.act else "", **values)

    def model_values(self) -> dict:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["care_levels"] = rules.pack_levels(self.care_levels)
        return values


def _act_usable(act: Act, owner: Organization) -> bool:
    """A line may name an act of the package owner's catalogue or of its ancestors'."""
    return act.organization_id in {*owner.ancestor_ids(), owner.pk}


@transaction.atomic
def add_line(actor, version: PackageVersion, spec: LineSpec) -> CoverageLine:
    """A coverage line in a draft version (refused for a version in force)."""
    draft = _draft(actor, version)
    if errors := rules.line_errors(spec.as_rule()):
        raise reason_error(errors[0])
    if spec.act is not None and not _act_usable(spec.act, draft.package.organization):
        raise reason_error("act.not_visible")
    line = CoverageLine.unscoped.create(version=draft, **spec.model_values())
    audit.record(
        actor,
        "version.line_added",
        draft,
        organization=draft.package.organization,
        target=spec.act.code if spec.act else (spec.category or spec.cash_benefit),
    )
    return line


@transaction.atomic
def remove_line(actor, line: CoverageLine) -> None:
    draft = _draft(actor, line.version)
    target = line.act.code if line.act is not None else (line.category or line.cash_benefit)
    CoverageLine.unscoped.filter(pk=line.pk).delete()
    audit.record(
        actor, "version.line_removed", draft, organization=draft.package.organization, target=target
    )


COPIED_LINE_FIELDS = [
    f.name for f in CoverageLine._meta.concrete_fields if f.name not in ("id", "uuid", "version")
]


@transaction.atomic
def new_version_from(actor, version: PackageVersion) -> PackageVersion:
    """A new draft with the terms and lines of `version` (the way to change a version in
    force). One draft at a time per package."""
    package = Package.unscoped.select_for_update().get(pk=version.package_id)
    _require(actor, package.organization)
    if PackageVersion.unscoped.filter(package=package, status=VersionStatus.DRAFT).exists():
        raise reason_error("version.draft_exists")
    number = (
        PackageVersion.unscoped.filter(package=package).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    draft = PackageVersion.unscoped.create(
        package=package,
        number=number,
        based_on=version,
        **{f.name: getattr(version, f.name) for f in fields(VersionTerms)},
    )
    CoverageLine.unscoped.bulk_create(
        CoverageLine(version=draft, **{name: getattr(line, name) for name in COPIED_LINE_FIELDS})
        for line in version.lines.all()
    )
    audit.record(
        actor,
        "version.created",
        draft,
        organization=package.organization,
        number=number,
        based_on=version.number,
    )
    return draft


@transaction.atomic
def adopt(
    actor, version: PackageVersion, effective_from: date, effective_to: date | None = None
) -> PackageVersion:
    """Put a draft in force from `effective_from`. The version in force at that date ends the
    day before (no overlap, no gap); a version that starts later is refused."""
    package = Package.unscoped.select_for_update().get(pk=version.package_id)
    draft = _draft(actor, version)
    if effective_to is not None and effective_to < effective_from:
        raise reason_error("version.end_before_start")
    if not draft.lines.exists():
        raise reason_error("version.empty")
    adopted = PackageVersion.unscoped.filter(package=package, status=VersionStatus.ADOPTED)
    latest = adopted.order_by("-effective_from").first()
    if latest is not None and latest.effective_from and latest.effective_from >= effective_from:
        raise reason_error("version.starts_too_early", start=latest.effective_from)
    # Every adopted version still open on the new start date ends the day before it.
    for previous in adopted.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=effective_from)
    ):
        previous.effective_to = effective_from - timedelta(days=1)
        previous.save(update_fields=["effective_to"])
    draft.status = VersionStatus.ADOPTED
    draft.effective_from = effective_from
    draft.effective_to = effective_to
    draft.adopted_at = timezone.now()
    draft.adopted_by = actor if getattr(actor, "is_authenticated", False) else None
    draft.save(
        update_fields=["status", "effective_from", "effective_to", "adopted_at", "adopted_by"]
    )
    audit.record(
        actor,
        "version.adopted",
        draft,
        organization=package.organization,
        number=draft.number,
        effective_from=effective_from.isoformat(),
    )
    return draft
