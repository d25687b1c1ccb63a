"""The one write path of providers, conventions, tariff schedules and attachments: atomic,
permission checked (MANAGE_CONVENTIONS), audited.

A union manager works on the union's conventions, a mutual manager on their mutual's; a
provider's profile is kept by whoever registered it (the organization above it in the tree).
An adopted tariff schedule never changes: `copy_schedule()` makes a new draft from it and
`adopt_schedule()` closes the schedule in force the day before the new one starts."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.benefits.models import Act, Package
from mutuelle.benefits.queries import catalogue_for, packages_for
from mutuelle.core import audit
from mutuelle.core.models import Organization, Place
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm

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
from .queries import clear_served_cache, conventions_in_force, visible_providers

PARTY_KINDS = ("union", "mutual")

REASONS = {
    "profile.not_a_provider": _("This organization is not a health care provider."),
    "profile.unknown_type": _("Unknown type of provider."),
    "profile.unknown_ownership": _("Unknown ownership."),
    "profile.unknown_care_level": _("Unknown care level."),
    "convention.party_kind": _("A convention is signed by a mutual or a union."),
    "convention.not_a_provider": _("The other party of a convention is a health care provider."),
    "convention.provider_not_visible": _("This provider is not in your registry."),
    "convention.reference_taken": _(
        "Reference %(reference)s is already a convention of %(party)s."
    ),
    "convention.reference_required": _("Give the convention a reference."),
    "convention.end_before_start": _("The end date comes before the start date."),
    "convention.unknown_payment_mode": _("Unknown payment mode."),
    "convention.submission_days": _("The submission deadline is at least one day."),
    "convention.payment_days": _("The payment deadline is at least one day."),
    "convention.unknown_episode_type": _("Unknown type of episode."),
    "convention.flat_rate_positive": _("A flat rate is above zero."),
    "convention.flat_rates_required": _(
        "A flat-rate convention needs the rate of at least one type of episode."
    ),
    "convention.capitation_positive": _("The capitation amount is above zero."),
    "convention.capitation_required": _(
        "A capitation convention needs its amount per beneficiary per month."
    ),
    "convention.package_not_offered": _("Package %(code)s is not a package of %(party)s."),
    "schedule.in_force": _("An adopted schedule is never changed: make a new draft from it."),
    "schedule.draft_exists": _("This convention already has a draft schedule: finish that one."),
    "schedule.empty": _("A schedule needs at least one tariff line to be adopted."),
    "schedule.end_before_start": _("The end date comes before the start date."),
    "schedule.outside_convention": _("A schedule starts within the convention's period."),
    "schedule.starts_too_early": _(
        "A new schedule starts after the start of the schedule in force (%(start)s)."
    ),
    "tariff.price_required": _("Give the price."),
    "tariff.price_negative": _("A price is never negative."),
    "tariff.act_not_visible": _("Act %(code)s is not in the catalogue of %(party)s."),
    "tariff.package_not_accepted": _("Package %(code)s is not accepted by this convention."),
    "tariff.place_country": _("The place is not in the country of %(party)s."),
    "tariff.duplicate": _("The schedule already has a price for this act, package and place."),
    "attachment.not_a_provider": _("Beneficiaries are attached to a health care provider."),
    "attachment.no_convention": _(
        "No convention between this provider and the beneficiary's mutual is in force then."
    ),
    "attachment.overlap": _("This beneficiary is already attached to this provider then."),
    "attachment.end_before_start": _("The end date comes before the start date."),
}


def reason_error(reason: str, **params) -> ValidationError:
    return ValidationError(REASONS[reason], code=reason, params=params or None)


def explain(code: str, params: dict | None = None) -> str:
    template = REASONS.get(code)
    if template is None:
        return code
    try:
        return str(template) % dict(params or {})
    except (KeyError, TypeError, ValueError):
        return str(template)


def _require(actor, organization: Organization) -> None:
    """MANAGE_CONVENTIONS on the organization; None is the system (the demo, migrations)."""
    if actor is not None:
        require(actor, Perm.MANAGE_CONVENTIONS, organization)


# --- Profiles --------------------------------------------------------------------------------


@transaction.atomic
def save_profile(
    actor,
    provider: Organization,
    type: str,
    ownership: str,
    care_level: str = "",
    contact_person: str = "",
    address: str = "",
) -> ProviderProfile:
    """Create or change a provider's profile. No care level given: the type's usual one."""
    _require(actor, provider)
    if provider.kind != "provider":
        raise reason_error("profile.not_a_provider")
    care_level = care_level or rules.default_care_level(type)
    if errors := rules.profile_errors(type, ownership, care_level):
        raise reason_error(errors[0])
    values = {
        "type": type,
        "ownership": ownership,
        "care_level": care_level,
        "contact_person": contact_person.strip(),
        "address": address.strip(),
    }
    clear_served_cache()  # the kept care levels
    transaction.on_commit(clear_served_cache)
    profile = ProviderProfile.unscoped.filter(organization=provider).first()
    if profile is None:
        profile = ProviderProfile.unscoped.create(organization=provider, **values)
        audit.record(actor, "provider.profile_created", profile, organization=provider)
        return profile
    changed = [k for k, v in values.items() if getattr(profile, k) != v]
    if changed:
        for key in changed:
            setattr(profile, key, values[key])
        profile.save(update_fields=changed)
        audit.record(
            actor, "provider.profile_changed", profile, organization=provider, fields=changed
        )
    return profile


# --- Conventions -----------------------------------------------------------------------------


@dataclass
class ConventionData:
    """A convention's terms as a form gives them."""

    reference: str
    start: date
    end: date | None = None
    payment_mode: str = "fee_for_service"
    submission_days: int = 30
    payment_days: int = 30
    diagnosis_required: bool = False
    capitation_amount: Decimal | None = None
    flat_rates: dict[str, Decimal] = field(default_factory=dict)
    packages: list[Package] = field(default_factory=list)
    notes: str = ""

    def terms(self) -> rules.ConventionTerms:
        return rules.ConventionTerms(
            start=self.start,
            end=self.end,
            payment_mode=self.payment_mode,
            submission_days=self.submission_days,
            payment_days=self.payment_days,
            capitation_amount=self.capitation_amount,
            flat_rates=self.flat_rates,
        )


FIELDS = (
    "reference",
    "start",
    "end",
    "payment_mode",
    "submission_days",
    "payment_days",
    "diagnosis_required",
    "capitation_amount",
    "notes",
)


def _check_convention(actor, party: Organization, provider: Organization, data) -> None:
    if party.kind not in PARTY_KINDS:
        raise reason_error("convention.party_kind")
    if provider.kind != "provider":
        raise reason_error("convention.not_a_provider")
    if (
        actor is not None
        and not visible_providers(actor, Perm.MANAGE_CONVENTIONS).filter(pk=provider.pk).exists()
    ):
        raise reason_error("convention.provider_not_visible")
    if not data.reference.strip():
        raise reason_error("convention.reference_required")
    if errors := rules.convention_errors(data.terms()):
        raise reason_error(errors[0])
    offered = set(packages_for(party).values_list("pk", flat=True))
    for package in data.packages:
        if package.pk not in offered:
            raise reason_error(
                "convention.package_not_offered", code=package.code, party=party.name
            )


def _write_terms(convention: Convention, data: ConventionData) -> None:
    # Who the provider serves may change: forget the kept answers now and at the commit.
    clear_served_cache()
    transaction.on_commit(clear_served_cache)
    convention.packages.set(data.packages)
    FlatRate.unscoped.filter(convention=convention).exclude(
        episode_type__in=list(data.flat_rates)
    ).delete()
    for kind, amount in data.flat_rates.items():
        FlatRate.unscoped.update_or_create(
            convention=convention, episode_type=kind, defaults={"amount": amount}
        )


@transaction.atomic
def create_convention(
    actor, party: Organization, provider: Organization, data: ConventionData
) -> Convention:
    _require(actor, party)
    data.reference = data.reference.strip()
    _check_convention(actor, party, provider, data)
    if Convention.unscoped.filter(party=party, reference=data.reference).exists():
        raise reason_error("convention.reference_taken", reference=data.reference, party=party.name)
    convention = Convention.unscoped.create(
        party=party, provider=provider, **{k: getattr(data, k) for k in FIELDS}
    )
    _write_terms(convention, data)
    audit.record(
        actor,
        "convention.created",
        convention,
        organization=party,
        reference=convention.reference,
        provider=provider.code,
    )
    return convention


@transaction.atomic
def update_convention(actor, convention: Convention, data: ConventionData) -> Convention:
    """Change a convention's terms (its parties stay). Tariffs change by schedules."""
    locked = Convention.unscoped.select_for_update().select_related("party", "provider")
    convention = locked.get(pk=convention.pk)
    _require(actor, convention.party)
    data.reference = data.reference.strip()
    _check_convention(actor, convention.party, convention.provider, data)
    if (
        Convention.unscoped.filter(party=convention.party, reference=data.reference)
        .exclude(pk=convention.pk)
        .exists()
    ):
        raise reason_error(
            "convention.reference_taken", reference=data.reference, party=convention.party.name
        )
    changed = [k for k in FIELDS if getattr(convention, k) != getattr(data, k)]
    for key in changed:
        setattr(convention, key, getattr(data, key))
    if changed:
        convention.save(update_fields=changed)
    _write_terms(convention, data)
    audit.record(
        actor,
        "convention.changed",
        convention,
        organization=convention.party,
        fields=changed,
        flat_rates={k: str(v) for k, v in data.flat_rates.items()},
        packages=[p.code for p in data.packages],
    )
    return convention


# --- Tariff schedules ------------------------------------------------------------------------


def _next_number(convention: Convention) -> int:
    top = TariffSchedule.unscoped.filter(convention=convention).aggregate(n=Max("number"))["n"]
    return (top or 0) + 1


def _lock_convention(actor, convention_id: int) -> Convention:
    convention = (
        Convention.unscoped.select_for_update().select_related("party").get(pk=convention_id)
    )
    _require(actor, convention.party)
    return convention


@transaction.atomic
def new_schedule(actor, convention: Convention, notes: str = "") -> TariffSchedule:
    """An empty draft schedule (one draft at a time per convention)."""
    convention = _lock_convention(actor, convention.pk)
    if TariffSchedule.unscoped.filter(convention=convention, status=ScheduleStatus.DRAFT).exists():
        raise reason_error("schedule.draft_exists")
    schedule = TariffSchedule.unscoped.create(
        convention=convention, number=_next_number(convention), notes=notes
    )
    audit.record(
        actor, "schedule.created", schedule, organization=convention.party, number=schedule.number
    )
    return schedule


@transaction.atomic
def copy_schedule(actor, schedule: TariffSchedule) -> TariffSchedule:
    """A new draft with the lines of `schedule` (the way to change a schedule in force)."""
    convention = _lock_convention(actor, schedule.convention_id)
    if TariffSchedule.unscoped.filter(convention=convention, status=ScheduleStatus.DRAFT).exists():
        raise reason_error("schedule.draft_exists")
    draft = TariffSchedule.unscoped.create(
        convention=convention,
        number=_next_number(convention),
        based_on=schedule,
        notes=schedule.notes,
    )
    TariffLine.unscoped.bulk_create(
        TariffLine(
            schedule=draft,
            act_id=line.act_id,
            package_id=line.package_id,
            place_id=line.place_id,
            price=line.price,
        )
        for line in TariffLine.unscoped.filter(schedule=schedule)
    )  # one audit row for the bulk write
    audit.record(
        actor,
        "schedule.copied",
        draft,
        organization=convention.party,
        number=draft.number,
        based_on=schedule.number,
    )
    return draft


def _draft(actor, schedule: TariffSchedule) -> TariffSchedule:
    """The schedule, locked, if the actor may still edit it."""
    locked = (
        TariffSchedule.unscoped.select_for_update()
        .select_related("convention__party")
        .get(pk=schedule.pk)
    )
    _require(actor, locked.convention.party)
    if locked.status != ScheduleStatus.DRAFT:
        raise reason_error("schedule.in_force")
    return locked


def check_line(
    convention: Convention,
    act: Act,
    package: Package | None,
    place: Place | None,
    price: Decimal | None,
) -> list[tuple[str, dict]]:
    """Reasons a tariff line may not be in a schedule of this convention (empty: fine)."""
    party = convention.party
    errors: list[tuple[str, dict]] = [(code, {}) for code in rules.line_errors(price)]
    if act.organization_id not in {*party.ancestor_ids(), party.pk}:
        errors.append(("tariff.act_not_visible", {"code": act.code, "party": party.name}))
    if package is not None:
        accepted = set(convention.packages.values_list("pk", flat=True)) or set(
            packages_for(party).values_list("pk", flat=True)
        )
        if package.pk not in accepted:
            errors.append(("tariff.package_not_accepted", {"code": package.code}))
    if place is not None and place.country != party.country:
        errors.append(("tariff.place_country", {"party": party.name}))
    return errors


def _same_key(schedule: TariffSchedule, act_id: int, package_id, place_id) -> Q:
    return Q(schedule=schedule, act_id=act_id, package_id=package_id, place_id=place_id)


@transaction.atomic
def add_line(
    actor,
    schedule: TariffSchedule,
    act: Act,
    price: Decimal,
    package: Package | None = None,
    place: Place | None = None,
) -> TariffLine:
    """A price in a draft schedule (refused for an adopted one)."""
    draft = _draft(actor, schedule)
    if errors := check_line(draft.convention, act, package, place, price):
        code, params = errors[0]
        raise reason_error(code, **params)
    if TariffLine.unscoped.filter(
        _same_key(draft, act.pk, package.pk if package else None, place.pk if place else None)
    ).exists():
        raise reason_error("tariff.duplicate")
    line = TariffLine.unscoped.create(
        schedule=draft, act=act, package=package, place=place, price=price
    )
    audit.record(
        actor,
        "schedule.line_added",
        draft,
        organization=draft.convention.party,
        act=act.code,
        package=package.code if package else None,
        place=place.code if place else None,
        price=str(price),
    )
    return line


@transaction.atomic
def remove_line(actor, line: TariffLine) -> None:
    draft = _draft(actor, line.schedule)
    code = line.act.code
    TariffLine.unscoped.filter(pk=line.pk).delete()
    audit.record(
        actor, "schedule.line_removed", draft, organization=draft.convention.party, act=code
    )


@transaction.atomic
def put_lines(
    actor,
    schedule: TariffSchedule,
    lines: list[tuple[int, int | None, int | None, Decimal]],
    source: str = "",
) -> tuple[int, int]:
    """Write checked lines (act id, package id, place id, price) into a draft: a line with the
    same act, package and place gets the new price, others are added. Repeating the same
    lines changes nothing (the importer's idempotent apply). Returns (added, changed)."""
    draft = _draft(actor, schedule)
    existing = {
        (x.act_id, x.package_id, x.place_id): x for x in TariffLine.unscoped.filter(schedule=draft)
    }
    new, changed = [], []
    for act_id, package_id, place_id, price in lines:
        line = existing.get((act_id, package_id, place_id))
        if line is None:
            new.append(
                TariffLine(
                    schedule=draft,
                    act_id=act_id,
                    package_id=package_id,
                    place_id=place_id,
                    price=price,
                )
            )
        elif line.price != price:
            line.price = price
            changed.append(line)
    TariffLine.unscoped.bulk_create(new, batch_size=1000)
    TariffLine.unscoped.bulk_update(changed, ["price"], batch_size=1000)
    audit.record(
        actor,
        "schedule.lines_put",
        draft,
        organization=draft.convention.party,
        added=len(new),
        changed=len(changed),
        source=source,
    )
    return len(new), len(changed)


@transaction.atomic
def adopt_schedule(
    actor, schedule: TariffSchedule, effective_from: date, effective_to: date | None = None
) -> TariffSchedule:
    """Put a draft in force from `effective_from`; the adopted schedule still open then ends
    the day before (no overlap, no gap). A start on or before the latest adopted start, or
    outside the convention's period, is refused."""
    convention = _lock_convention(actor, schedule.convention_id)
    draft = _draft(actor, schedule)
    adopted = TariffSchedule.unscoped.filter(convention=convention, status=ScheduleStatus.ADOPTED)
    latest = adopted.order_by("-effective_from").first()
    errors = rules.adoption_errors(
        effective_from,
        effective_to,
        convention.start,
        convention.end,
        TariffLine.unscoped.filter(schedule=draft).count(),
        latest.effective_from if latest else None,
    )
    if errors:
        code, params = errors[0]
        raise reason_error(code, **params)
    for previous in adopted.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=effective_from)
    ):
        previous.effective_to = effective_from - timedelta(days=1)
        previous.save(update_fields=["effective_to"])
    draft.status = ScheduleStatus.ADOPTED
    draft.effective_from = effective_from
    draft.effective_to = effective_to
    draft.adopted_at = timezone.now()
    draft.adopted_by = actor if getattr(actor, "is_authenticated", False) else None
    draft.save(
        update_fields=["status", "effective_from", "effective_to", "adopted_at", "adopted_by"]
    )
    audit.record(
        actor,
        "schedule.adopted",
        draft,
        organization=convention.party,
        number=draft.number,
        effective_from=effective_from.isoformat(),
    )
    return draft


# --- Attachments (capitation) ----------------------------------------------------------------


@transaction.atomic
def attach(actor, provider: Organization, person, valid_from: date, valid_to=None) -> Attachment:
    """Attach a beneficiary to a provider for capitation, from a date (until a date). The
    provider must have a convention in force with the person's mutual (or its union)."""
    mutual = person.organization
    _require(actor, mutual)
    if provider.kind != "provider":
        raise reason_error("attachment.not_a_provider")
    if valid_to is not None and valid_to < valid_from:
        raise reason_error("attachment.end_before_start")
    if not conventions_in_force(provider.pk, mutual, valid_from):
        raise reason_error("attachment.no_convention")
    overlapping = Attachment.unscoped.select_for_update().filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from),
        provider=provider,
        person=person,
    )
    if valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_to)
    if overlapping.exists():
        raise reason_error("attachment.overlap")
    attachment = Attachment.unscoped.create(
        provider=provider,
        person=person,
        organization=mutual,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    audit.record(
        actor,
        "attachment.created",
        attachment,
        organization=mutual,
        provider=provider.code,
        valid_from=valid_from.isoformat(),
    )
    return attachment


@transaction.atomic
def detach(actor, attachment: Attachment, on: date) -> Attachment:
    """End an attachment on `on` (the last day attached)."""
    locked = (
        Attachment.unscoped.select_for_update().select_related("organization").get(pk=attachment.pk)
    )
    _require(actor, locked.organization)
    if on < locked.valid_from:
        raise reason_error("attachment.end_before_start")
    locked.valid_to = on
    locked.save(update_fields=["valid_to"])
    audit.record(
        actor, "attachment.ended", locked, organization=locked.organization, on=on.isoformat()
    )
    return locked


def usable_acts(convention: Convention):
    """The acts a schedule of this convention may price: the party's catalogue."""
    return catalogue_for(convention.party)
