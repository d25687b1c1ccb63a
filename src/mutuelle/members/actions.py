"""The one write path per register use case: atomic, permission-checked, audited."""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm
from mutuelle.lib.names import normalize

from . import duplicates, rules
from .models import (
    AbilityCategory,
    Decision,
    DuplicatePair,
    Household,
    Membership,
    Person,
    PersonKey,
    RegisterSettings,
    SearchKey,
    StatusEvent,
)

REASONS = {
    "number.malformed": _("This is not a membership number (expected e.g. MSKM-0001237)."),
    "number.unknown_mutual": _("No mutual has this number's prefix."),
    "number.bad_check_digit": _("The check digit is wrong: a digit was mistyped."),
    "status.transition_not_allowed": _("This change of status is not allowed."),
    "status.before_current_status": _("The date is before the current status began."),
    "person.birth_in_future": _("The date of birth is in the future."),
    "person.birth_too_old": _("The year of birth is more than 120 years ago."),
    "person.death_in_future": _("The date of death is in the future."),
    "person.death_before_birth": _("The date of death is before the date of birth."),
    "household.no_head": _("A household needs a head."),
    "household.several_heads": _("A household has only one head."),
    "household.child_older_than_head": _("This child is older than the head: please confirm."),
    "household.duplicate_suspect": _("This person may already be a member: please check."),
    "household.parent_younger_than_head": _(
        "This parent is younger than the head: please confirm."
    ),
    "household.not_a_mutual": _("Households are enrolled in a mutual."),
    "household.head_not_a_living_member": _(
        "The new head must be a living member of the household."
    ),
    "household.whole_household_withdraws_together": _(
        "The statutes say the whole household is a member: withdraw the whole household, "
        "or first move this person to a household of their own."
    ),
    "household.whole_household_unconfirmed": _(
        "The statutes say the whole household enrols: confirm that every member is listed."
    ),
    "household.split_nobody": _("Choose the members who found the new household."),
    "household.split_moves_the_head": _(
        "The head stays with the household: choose a new head first, then split."
    ),
    "household.transfer_same_mutual": _("The household is already in this mutual."),
    "household.transfer_outside_union": _(
        "A household moves only between mutuals of the same union."
    ),
    "photo.unreadable": _("This file is not a photo we can read (JPEG, PNG, WebP...)."),
    "duplicate.already_decided": _("This pair has already been decided."),
    "duplicate.merge_across_mutuals": _(
        "Two mutuals' records are not merged: mark them as the same person and agree "
        "with the other mutual which membership continues."
    ),
    "duplicate.keep_one_of_the_pair": _("Choose which of the two records to keep."),
    "settings.category_code_twice": _("Two categories have the same code."),
    "settings.category_in_use": _(
        "This category is given to households: rename it rather than delete it."
    ),
}


def reason_error(code: str, field_name: str | None = None) -> ValidationError:
    error = ValidationError(REASONS[code], code=code)
    return ValidationError({field_name: error}) if field_name else error


@dataclass
class NewPerson:
    given_names: str
    family_name: str
    sex: str
    relationship: str
    birth_date: date | None = None
    birth_year: int | None = None
    id_document_type: str = ""
    id_document_number: str = ""
    phone: str = ""

    def facts(self) -> rules.PersonFacts:
        return rules.PersonFacts(self.relationship, self.birth_date, self.birth_year)


@dataclass
class NewHousehold:
    persons: list[NewPerson]
    place_id: int | None = None
    address: str = ""
    phone: str = ""
    ability_id: int | None = None
    notes: str = ""
    external_ref: str = ""
    confirmed_warnings: set[str] = field(default_factory=set)
    suspects: list = field(default_factory=list)  # filled when duplicates are suspected
    all_members_listed: bool = False  # asked when the statutes enrol whole households


def _warning(code: str, data: NewHousehold, index: int) -> ValidationError:
    """A warning for person `index`; a duplicate names the match, within the mutual, or only
    the other mutual and whom to contact (its people are not this officer's to see)."""
    if code != "household.duplicate_suspect":
        return ValidationError(REASONS[code], code=code)
    suspect = next(s for s in data.suspects if s.index == index)
    other = suspect.person
    if suspect.same_mutual:
        message = _("Looks like %(name)s, already a member (household %(household)s).") % {
            "name": f"{other.given_names} {other.family_name}",
            "household": other.household.number if other.household else "—",
        }
    else:
        mutual = other.organization
        message = _(
            "A similar person is a member of %(mutual)s: check with them (%(contact)s)."
        ) % {"mutual": mutual.name, "contact": mutual.phone or mutual.email or "—"}
    return ValidationError(message, code=code)


def allocate_serials(mutual: Organization, count: int) -> list[int]:
    """Reserve `count` consecutive serials. The row lock (PostgreSQL) or the IMMEDIATE
    transaction (SQLite) makes two enrolments at once never share a number."""
    settings_row, _created = RegisterSettings.unscoped.get_or_create(organization=mutual)
    locked = RegisterSettings.unscoped.select_for_update().get(pk=settings_row.pk)
    first = locked.next_serial
    RegisterSettings.unscoped.filter(pk=locked.pk).update(next_serial=first + count)
    return list(range(first, first + count))


def _open_membership(
    actor,
    mutual: Organization,
    person: Person,
    serial: int,
    *,
    enrolled_on: date,
    waiting_from: date,
    status: str,
    since: date,
    reason: str,
    note: str = "",
) -> Membership:
    """A new membership and the first event of its status history."""
    membership = Membership.unscoped.create(
        organization=mutual,
        person=person,
        number=rules.format_number(mutual.code, serial),
        enrolled_on=enrolled_on,
        waiting_from=waiting_from,
        status=status,
        status_since=since,
    )
    StatusEvent.unscoped.create(
        membership=membership,
        to_status=status,
        on=since,
        reason=reason,
        note=note,
        actor=_actor_or_none(actor),
    )
    return membership


@transaction.atomic
def enrol_household(actor, mutual: Organization, data: NewHousehold, on: date) -> Household:
    """Enrol a household with its members: persons, memberships (pending, waiting period
    starting on the enrolment date), numbers, status history, one audit row."""
    if actor is not None:
        require(actor, Perm.ENROL_MEMBERS, mutual)
    if mutual.kind != "mutual":
        raise reason_error("household.not_a_mutual")
    facts = [p.facts() for p in data.persons]
    if errors := rules.household_errors(facts):
        raise reason_error(errors[0])
    for i, f in enumerate(facts):
        if errors := rules.person_errors(f, on):
            raise ValidationError({f"persons.{i}": [REASONS[c] for c in errors]})
    statutes = RegisterSettings.unscoped.filter(organization=mutual).first()
    if statutes and statutes.whole_household and not data.all_members_listed:
        raise reason_error("household.whole_household_unconfirmed")
    head_facts = next(f for f in facts if f.relationship == "head")
    unconfirmed = [
        (i, code)
        for i, code in rules.household_warnings(head_facts, facts)
        if code not in data.confirmed_warnings
    ]
    people = [
        (
            p.given_names,
            p.family_name,
            p.sex,
            p.birth_year or (p.birth_date.year if p.birth_date else None),
            p.id_document_number,
        )
        for p in data.persons
    ]
    suspects = duplicates.suspects(mutual, people)
    if "household.duplicate_suspect" not in data.confirmed_warnings:
        for suspect in suspects:
            unconfirmed.append((suspect.index, "household.duplicate_suspect"))
            data.suspects.append(suspect)
    if unconfirmed:
        warnings: dict[str, list[ValidationError]] = {}
        for i, code in unconfirmed:
            warnings.setdefault(f"persons.{i}", []).append(_warning(code, data, i))
        raise ValidationError(warnings)
    serials = allocate_serials(mutual, len(data.persons) + 1)
    household = Household.unscoped.create(
        organization=mutual,
        number=rules.format_household_number(mutual.code, serials[0]),
        place_id=data.place_id,
        address=data.address,
        phone=data.phone,
        ability_id=data.ability_id,
        notes=data.notes,
        external_ref=data.external_ref,
        agent=actor if getattr(actor, "is_authenticated", False) else None,
    )
    head = None
    for new, serial in zip(data.persons, serials[1:], strict=True):
        person = Person.unscoped.create(
            organization=mutual,
            household=household,
            given_names=new.given_names.strip(),
            family_name=new.family_name.strip(),
            sex=new.sex,
            birth_date=new.birth_date,
            birth_year=new.birth_year or (new.birth_date.year if new.birth_date else None),
            relationship=new.relationship,
            id_document_type=new.id_document_type,
            id_document_number=new.id_document_number.strip(),
            phone=new.phone,
            name_normalized=normalize(f"{new.given_names} {new.family_name}"),
        )
        _open_membership(
            actor,
            mutual,
            person,
            serial,
            enrolled_on=on,
            waiting_from=on,
            status=rules.PENDING,
            since=on,
            reason="enrolment",
        )
        if new.relationship == "head":
            head = person
    household.head = head
    household.save(update_fields=["head"])
    created = list(Person.unscoped.filter(household=household).order_by("pk"))
    duplicates.index_keys(created)
    # The officer saw the warnings and confirmed: these pairs are decided, never shown again.
    duplicates.record_pairs(
        [(created[s.index], s.person, s.reasons) for s in suspects],
        decision=Decision.DISTINCT,
        actor=_actor_or_none(actor),
    )
    audit.record(
        actor, "household.enrolled", household, organization=mutual, persons=len(data.persons)
    )
    return household


def _whole_household(mutual_id: int) -> bool:
    statutes = RegisterSettings.unscoped.filter(organization_id=mutual_id, whole_household=True)
    return statutes.exists()


@transaction.atomic
def change_status(
    actor,
    membership: Membership,
    to: str,
    on: date,
    reason: str = "",
    note: str = "",
    *,
    household_wide: bool = False,
) -> Membership:
    """Move a membership to another status, conditionally (no lost update) and with history.
    `household_wide` is set by the actions that move a whole household at once."""
    if actor is not None:
        require(actor, Perm.ENROL_MEMBERS, membership.organization)
    current = Membership.unscoped.select_for_update().get(pk=membership.pk)
    if code := rules.transition_error(current.status, to, on, current.status_since):
        raise reason_error(code)
    household_id = current.person.household_id
    if (
        to == rules.WITHDRAWN
        and not household_wide
        and household_id is not None
        and _whole_household(current.organization_id)
    ):
        others = (
            Membership.unscoped.filter(
                organization_id=current.organization_id, person__household_id=household_id
            )
            .exclude(pk=current.pk)
            .exclude(status__in=rules.ENDED)
            .count()
        )
        if code := rules.withdrawal_error(True, others):
            raise reason_error(code)
    updated = Membership.unscoped.filter(pk=current.pk, status=current.status).update(
        status=to, status_since=on
    )
    if updated != 1:
        raise PermissionDenied("concurrent status change")
    StatusEvent.unscoped.create(
        membership=current,
        from_status=current.status,
        to_status=to,
        on=on,
        reason=reason,
        note=note,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor,
        "membership.status_changed",
        current,
        organization=current.organization,
        from_status=current.status,
        to_status=to,
        reason=reason,
    )
    current.refresh_from_db()
    return current


def move_statuses(
    organization: Organization,
    membership_ids,
    from_statuses,
    to: str,
    on: date,
    reason: str,
    *,
    actor=None,
) -> list[int]:
    """Set-based status change for the jobs of other apps (activation on payment, suspension
    for arrears, reinstatement): the rows are locked, moved only from the statuses given, each
    change recorded as a StatusEvent, one audit row for the batch. Returns the ids moved."""
    rows = list(
        Membership.unscoped.select_for_update()
        .filter(
            organization=organization,
            pk__in=list(membership_ids),
            status__in=list(from_statuses),
        )
        .values_list("pk", "status")
    )
    by_status: dict[str, list[int]] = {}
    for pk, status in rows:
        by_status.setdefault(status, []).append(pk)
    for status, ids in by_status.items():
        Membership.unscoped.filter(pk__in=ids, status=status).update(status=to, status_since=on)
    StatusEvent.unscoped.bulk_create(
        StatusEvent(
            membership_id=pk,
            from_status=status,
            to_status=to,
            on=on,
            reason=reason,
            actor=_actor_or_none(actor),
        )
        for pk, status in rows
    )
    if rows:
        audit.record(
            actor,
            "membership.status_changed",
            None,
            organization=organization,
            to_status=to,
            reason=reason,
            count=len(rows),
        )
    return [pk for pk, _status in rows]


def _actor_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def declare_birth(
    actor,
    household: Household,
    *,
    given_names: str,
    family_name: str,
    sex: str,
    birth_date: date,
    on: date,
) -> Person:
    """A newborn joins the household, covered from birth once declared: active from the birth
    date when the household's head is active, pending otherwise."""
    if actor is not None:
        require(actor, Perm.ENROL_MEMBERS, household.organization)
    facts = rules.PersonFacts("child", birth_date=birth_date)
    if errors := rules.person_errors(facts, on):
        raise reason_error(errors[0])
    person = Person.unscoped.create(
        organization=household.organization,
        household=household,
        given_names=given_names.strip(),
        family_name=family_name.strip(),
        sex=sex,
        birth_date=birth_date,
        birth_year=birth_date.year,
        relationship="child",
        name_normalized=normalize(f"{given_names} {family_name}"),
    )
    head_active = household.head_id is not None and (
        Membership.unscoped.filter(person_id=household.head_id, status=rules.ACTIVE).exists()
    )
    status = rules.ACTIVE if head_active else rules.PENDING
    serial = allocate_serials(household.organization, 1)[0]
    _open_membership(
        actor,
        household.organization,
        person,
        serial,
        enrolled_on=on,
        waiting_from=birth_date,
        status=status,
        since=birth_date,
        reason="birth",
    )
    duplicates.index_keys([person])
    audit.record(actor, "household.birth_declared", household, organization=household.organization)
    return person


@transaction.atomic
def declare_death(actor, person: Person, *, date_of_death: date, on: date) -> bool:
    """Record a death: the person's memberships end (deceased). Returns True when the person
    was the head, so that the household must choose a new head."""
    if actor is not None:
        require(actor, Perm.ENROL_MEMBERS, person.organization)
    facts = rules.PersonFacts(
        person.relationship, person.birth_date, person.birth_year, date_of_death
    )
    if errors := rules.person_errors(facts, on):
        raise reason_error(errors[0])
    Person.unscoped.filter(pk=person.pk).update(date_of_death=date_of_death)
    for membership in Membership.unscoped.filter(person=person).exclude(status=rules.DECEASED):
        change_status(actor, membership, rules.DECEASED, date_of_death, reason="death")
    was_head = False
    if person.household_id:
        was_head = (
            Household.unscoped.filter(pk=person.household_id, head=person).update(head=None) == 1
        )
    audit.record(actor, "person.death_declared", person, organization=person.organization)
    return was_head


@transaction.atomic
def reassign_head(actor, household: Household, new_head: Person) -> None:
    """Re-heading when the head dies or leaves: another living member of the household
    becomes head; the former head (if still there) becomes an other relative."""
    if actor is not None:
        require(actor, Perm.ENROL_MEMBERS, household.organization)
    if new_head.household_id != household.pk or new_head.date_of_death:
        raise reason_error("household.head_not_a_living_member")
    if new_head.pk == household.head_id:
        return
    # Everyone's relationship is now to the new head (several spouses included).
    was = new_head.relationship
    for member in Person.unscoped.filter(household=household).exclude(pk=new_head.pk):
        relationship = rules.relationship_to_new_head(was, member.relationship)
        if relationship != member.relationship:
            member.relationship = relationship
            member.save(update_fields=["relationship"])
    new_head.relationship = "head"
    new_head.save(update_fields=["relationship"])
    household.head = new_head
    household.save(update_fields=["head"])
    audit.record(actor, "household.reheaded", household, organization=household.organization)


@transaction.atomic
def withdraw_household(actor, household: Household, on: date, reason: str = "free_exit") -> int:
    """Free adhesion: the whole household leaves. Returns the memberships withdrawn."""
    if actor is not None:
        require(actor, Perm.ENROL_MEMBERS, household.organization)
    count = 0
    for membership in Membership.unscoped.filter(person__household=household).exclude(
        status__in=rules.ENDED
    ):
        change_status(actor, membership, rules.WITHDRAWN, on, reason=reason, household_wide=True)
        count += 1
    return count


# --- Household life: split, transfer, ageing out ---------------------------------------------


@transaction.atomic
def split_household(
    actor,
    household: Household,
    movers: list[Person],
    new_head: Person,
    *,
    on: date,
    relationships: dict[int, str] | None = None,
    place_id: int | None = None,
    phone: str = "",
) -> Household:
    """A grown child (or any member) founds a household with the members who follow them.
    They keep their persons and memberships (numbers, dates, status history); only the
    household and the relationships (to the new head) change."""
    mutual = household.organization
    if actor is not None:
        require(actor, Perm.ENROL_MEMBERS, mutual)
    movers = [p for p in movers if p.household_id == household.pk]
    if any(p.date_of_death for p in movers):
        raise reason_error("household.head_not_a_living_member")
    staying = Person.unscoped.filter(household=household).exclude(pk__in=[p.pk for p in movers])
    index = next((i for i, p in enumerate(movers) if p.pk == new_head.pk), -1)
    errors = rules.split_errors([p.relationship for p in movers], index, staying.count())
    if errors:
        raise reason_error(errors[0])
    serial = allocate_serials(mutual, 1)[0]
    founded = Household.unscoped.create(
        organization=mutual,
        number=rules.format_household_number(mutual.code, serial),
        head=new_head,
        place_id=place_id if place_id is not None else household.place_id,
        address=household.address,
        phone=phone or new_head.phone,
        ability_id=household.ability_id,
        agent=_actor_or_none(actor),
    )
    relationships = relationships or {}
    for person in movers:
        person.household = founded
        person.relationship = (
            "head" if person.pk == new_head.pk else relationships.get(person.pk, "other")
        )
        person.save(update_fields=["household", "relationship"])
    audit.record(
        actor,
        "household.split",
        founded,
        organization=mutual,
        from_household=household.number,
        persons=len(movers),
        on=on.isoformat(),
    )
    return founded


def union_of(mutual: Organization) -> Organization | None:
    parent = mutual.parent
    return parent if parent is not None and parent.kind == "union" else None


@transaction.atomic
def transfer_household(actor, household: Household, to: Organization, *, on: date) -> Household:
    """Move a household to another mutual of the same union. The memberships in the former
    mutual end (withdrawn, reason "transfer") and stay in its books; new memberships start in
    the new mutual with the former waiting-period anchors, so the seniority earned in the union
    is kept. Both mutuals must be the actor's to enrol in (union staff)."""
    source = household.organization
    if actor is not None:
        require(actor, Perm.ENROL_MEMBERS, source)
        require(actor, Perm.ENROL_MEMBERS, to)
    if to.pk == source.pk:
        raise reason_error("household.transfer_same_mutual")
    union = union_of(source)
    if to.kind != "mutual" or union is None or to.parent_id != union.pk:
        raise reason_error("household.transfer_outside_union")
    persons = list(Person.unscoped.filter(household=household).order_by("pk"))
    live = {
        m.person_id: m
        for m in Membership.unscoped.filter(person__in=persons, organization=source)
        .exclude(status__in=rules.ENDED)
        .order_by("enrolled_on")
    }
    serials = iter(allocate_serials(to, len(live) + 1))
    household_serial = next(serials)
    old_number = household.number
    for person in persons:
        membership = live.get(person.pk)
        if membership is None:
            continue
        change_status(
            actor, membership, rules.WITHDRAWN, on, reason="transfer", household_wide=True
        )
        _open_membership(
            actor,
            to,
            person,
            next(serials),
            enrolled_on=on,
            waiting_from=membership.waiting_from,  # seniority in the union is kept
            status=membership.status,
            since=on,
            reason="transfer",
            note=membership.number,
        )
    Person.unscoped.filter(household=household).update(organization=to)
    household.organization = to
    household.number = rules.format_household_number(to.code, household_serial)
    household.save(update_fields=["organization", "number"])
    duplicates.reindex(list(Person.unscoped.filter(household=household)))
    for mutual in (source, to):
        audit.record(
            actor,
            "household.transferred",
            household,
            organization=mutual,
            source=source.code,
            target=to.code,
            former_number=old_number,
            on=on.isoformat(),
        )
    return household


def age_out_dependants(on: date) -> int:
    """The daily job: children who reached their mutual's dependant age limit get their
    `aged_out_on` date (set-based, one UPDATE per limit; idempotent)."""
    done = 0
    limits = (
        RegisterSettings.unscoped.filter(dependant_age_limit__isnull=False)
        .values_list("dependant_age_limit", flat=True)
        .distinct()
    )
    for limit in limits:
        if limit is None:
            continue
        mutuals = RegisterSettings.unscoped.filter(dependant_age_limit=limit).values(
            "organization_id"
        )
        born_by = _years_before(on, limit)
        children = Person.unscoped.filter(
            organization_id__in=mutuals,
            relationship="child",
            aged_out_on__isnull=True,
            date_of_death__isnull=True,
        )
        done += children.filter(birth_date__lte=born_by).update(aged_out_on=on)
        # Only a year known: counted from the 1st of January of that year.
        done += children.filter(birth_date__isnull=True, birth_year__lte=born_by.year).update(
            aged_out_on=on
        )
    return done


def _years_before(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


# --- Duplicate suspects: decisions -----------------------------------------------------------


@transaction.atomic
def decide_pair(actor, pair: DuplicatePair, decision: str, keep: Person | None = None) -> None:
    """Settle a suspect pair once and for all: not the same person, the same person in two
    mutuals, or merged (within one mutual: the other record's memberships end, it points to
    the kept record and stops matching)."""
    pair = DuplicatePair.unscoped.select_for_update().get(pk=pair.pk)
    if actor is not None:
        # "Not the same person" is either mutual's call; the rest needs both records' rights.
        sides = [
            can(actor, Perm.ENROL_MEMBERS, o) for o in (pair.organization, pair.other_organization)
        ]
        if not (any(sides) if decision == Decision.DISTINCT else all(sides)):
            raise PermissionDenied(Perm.ENROL_MEMBERS)
    if pair.decision != Decision.OPEN:
        raise reason_error("duplicate.already_decided")
    if decision == Decision.MERGED:
        if pair.organization_id != pair.other_organization_id:
            raise reason_error("duplicate.merge_across_mutuals")
        if keep is None or keep.pk not in (pair.first_id, pair.second_id):
            raise reason_error("duplicate.keep_one_of_the_pair")
        drop = pair.second if keep.pk == pair.first_id else pair.first
        _merge(actor, keep, drop)
    pair.decision = decision
    pair.decided_by = _actor_or_none(actor)
    pair.decided_at = timezone.now()
    pair.save(update_fields=["decision", "decided_by", "decided_at"])
    audit.record(
        actor,
        "duplicate.decided",
        pair.first,
        organization=pair.organization,
        decision=decision,
        other=str(pair.second.uuid),
    )


def _merge(actor, keep: Person, drop: Person) -> None:
    today = timezone.localdate()
    for membership in Membership.unscoped.filter(person=drop).exclude(status__in=rules.ENDED):
        on = max(today, membership.status_since)
        change_status(
            actor, membership, rules.WITHDRAWN, on, reason="duplicate", household_wide=True
        )
    Person.unscoped.filter(pk=drop.pk).update(merged_into=keep)
    Household.unscoped.filter(head=drop).update(head=None)
    PersonKey.unscoped.filter(person=drop).delete()
    SearchKey.unscoped.filter(person=drop).delete()


# --- Corrections -------------------------------------------------------------------------------
HOUSEHOLD_FIELDS = ("place_id", "address", "phone", "ability_id", "notes")
PERSON_FIELDS = (
    "given_names",
    "family_name",
    "sex",
    "birth_date",
    "birth_year",
    "id_document_type",
    "id_document_number",
    "phone",
)


@transaction.atomic
def edit_household(actor, household: Household, **changes) -> Household:
    """Correct a household's details (its history keeps the former values)."""
    if actor is not None:
        require(actor, Perm.ENROL_MEMBERS, household.organization)
    changed = [f for f in HOUSEHOLD_FIELDS if f in changes and getattr(household, f) != changes[f]]
    for name in changed:
        setattr(household, name, changes[name])
    if changed:
        household.save(update_fields=changed)
        if "phone" in changed and household.head_id:
            duplicates.reindex([Person.unscoped.get(pk=household.head_id)])
        audit.record(
            actor,
            "household.edited",
            household,
            organization=household.organization,
            fields=changed,
        )
    return household


@transaction.atomic
def edit_person(actor, person: Person, *, photo: bytes | None = None, **changes) -> Person:
    """Correct a person's details, and their photo (resized to a portrait JPEG). Search and
    duplicate keys follow the new names."""
    from django.core.files.base import ContentFile

    from mutuelle.lib.images import BadImage, portrait_jpeg

    if actor is not None:
        require(actor, Perm.ENROL_MEMBERS, person.organization)
    changed = [f for f in PERSON_FIELDS if f in changes and getattr(person, f) != changes[f]]
    for name in changed:
        setattr(person, name, changes[name])
    if "birth_date" in changed and person.birth_date:
        person.birth_year = person.birth_date.year
        changed.append("birth_year")
    if errors := rules.person_errors(person.facts(), timezone.localdate()):
        raise reason_error(errors[0])
    if photo is not None:
        try:
            jpeg = portrait_jpeg(photo)
        except BadImage as exc:
            raise reason_error("photo.unreadable", "photo") from exc
        if person.photo:
            person.photo.delete(save=False)
        person.photo.save(f"{person.uuid}.jpg", ContentFile(jpeg), save=False)
        changed.append("photo")
    if not changed:
        return person
    person.name_normalized = normalize(f"{person.given_names} {person.family_name}")
    person.save(update_fields=sorted({*changed, "name_normalized"}))
    duplicates.reindex([person])
    audit.record(actor, "person.edited", person, organization=person.organization, fields=changed)
    return person


# --- A mutual's register settings ------------------------------------------------------------


@dataclass
class Category:
    code: str
    name_fr: str
    name_en: str
    is_indigent: bool = False
    pk: int | None = None  # an existing category, or None for a new one
    delete: bool = False


@transaction.atomic
def configure_register(
    actor,
    mutual: Organization,
    *,
    dependant_age_limit: int | None,
    whole_household: bool,
    categories: list[Category],
) -> RegisterSettings:
    """A mutual's statute choices for its register and its ability-to-pay categories. A
    category in use by a household is kept (renamed, never deleted)."""
    if actor is not None:
        require(actor, Perm.CONFIGURE_MUTUAL, mutual)
    if mutual.kind != "mutual":
        raise reason_error("household.not_a_mutual")
    settings_row, _created = RegisterSettings.unscoped.get_or_create(organization=mutual)
    settings_row.dependant_age_limit = dependant_age_limit
    settings_row.whole_household = whole_household
    settings_row.save(update_fields=["dependant_age_limit", "whole_household"])
    existing = {c.pk: c for c in AbilityCategory.unscoped.filter(organization=mutual)}
    codes = [c.code for c in categories if not c.delete]
    if len(codes) != len(set(codes)):
        raise reason_error("settings.category_code_twice")
    for order, wanted in enumerate(categories):
        row = existing.get(wanted.pk) if wanted.pk else None
        if wanted.delete:
            if row is not None and Household.unscoped.filter(ability=row).exists():
                raise reason_error("settings.category_in_use")
            if row is not None:
                row.delete()
            continue
        if row is None:
            row = AbilityCategory(organization=mutual)
        row.code, row.name_fr, row.name_en = wanted.code, wanted.name_fr, wanted.name_en
        row.is_indigent, row.order = wanted.is_indigent, order
        row.save()
    audit.record(
        actor,
        "register.configured",
        mutual,
        organization=mutual,
        dependant_age_limit=dependant_age_limit,
        whole_household=whole_household,
        categories=codes,
    )
    return settings_row
