"""Guarantee letters (prior authorization) and referral slips: the write paths.

    request_letter(actor, NewLetter)           a provider's clerk or the mutual asks
    decide_letter(actor, letter, LetterDecision)  a medical adviser approves (maximum amount,
                                               validity) or refuses (with a note)
    cancel_letter(actor, letter, note)         withdrawn while no claim cites it
    create_referral(actor, NewReferral)        a slip from one provider (care level) to another
    counter_refer(actor, referral, note, on)   the receiving provider's counter-referral

Numbers are gapless per mutual and year ("LG-MSKM-2026-000017", "REF-MSKM-2026-000003"): the
next one is read under a row lock on the mutual's row (FOR NO KEY UPDATE, so that other
transactions' foreign-key checks against the mutual are not blocked), so two requests at once
wait for each other instead of taking the same number; a request that rolls back gives its
number back. SQLite serializes writers (IMMEDIATE transactions) to the same effect.

Every change of status is a conditional update that must touch one row, with an audit row."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.accounting.actions import local_today
from mutuelle.core import audit
from mutuelle.core.models import Organization, Scope
from mutuelle.core.permissions import can
from mutuelle.core.roles import PERMISSIONS, Perm
from mutuelle.core.scoping import grants_of
from mutuelle.lib.money import quantize
from mutuelle.members.models import Membership
from mutuelle.providers.queries import mutuals_served

from .. import diagnoses as icd
from ..models import Claim, ClaimStatus, GuaranteeLetter, LetterStatus, Referral, VisitType

ERRORS = {
    "letter.unknown_member": _("No member has the number %(number)s."),
    "letter.not_allowed": _("You may not do this for this provider or this member."),
    "letter.not_served": _("This provider has no convention with the member's mutual."),
    "letter.not_a_provider": _("Guarantee letters and referrals concern a health care provider."),
    "letter.bad_visit_type": _("Unknown visit type."),
    "letter.bad_diagnosis": _("%(value)s is not an ICD-10 code."),
    "letter.bad_amount": _("Give an amount greater than zero."),
    "letter.bad_validity": _("The letter must be valid from a date until a later date."),
    "letter.note_needed": _("Say why the letter is refused."),
    "letter.wrong_status": _("The letter is no longer %(status)s."),
    "letter.in_use": _("Claim %(claim)s cites this letter: it can no longer be cancelled."),
    "referral.same_provider": _("A referral goes to another provider."),
    "referral.already_countered": _("This referral already has its counter-referral."),
    "referral.bad_date": _("The counter-referral cannot come before the referral."),
}

LETTER_PREFIX = "LG"
REFERRAL_PREFIX = "REF"
DIGITS = 6


def letter_error(code: str, /, **params) -> ValidationError:
    return ValidationError(ERRORS[code], code=code, params=params)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Numbers ------------------------------------------------------------------------------------
def _next_number(model, prefix: str, mutual: Organization, year: int) -> str:
    """The next number of `mutual`'s series for `year`, gapless. Must run inside the
    transaction that stores it."""
    # The row lock that serializes the mutual's numbering: held until the commit, so the next
    # request reads this one's number. No ordering (the model orders by path only) and
    # no_key=True: inserts elsewhere that reference the mutual are not blocked.
    list(
        Organization.unscoped.select_for_update(no_key=True)
        .filter(pk=mutual.pk)
        .order_by()
        .values_list("pk", flat=True)
    )
    series = f"{prefix}-{mutual.code}-{year}-"
    last = (
        model.unscoped.filter(organization=mutual, number__startswith=series)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    following = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{series}{following:0{DIGITS}d}"


# --- Who may ask --------------------------------------------------------------------------------
def _member(number: str) -> Membership:
    number = "".join((number or "").split()).upper()
    membership = (
        Membership.unscoped.select_related("person", "organization").filter(number=number).first()
    )
    if membership is None:
        raise letter_error("letter.unknown_member", number=number)
    return membership


def _may_ask(actor, provider: Organization, mutual: Organization, on: date) -> None:
    """The mutual's staff (SUBMIT_CLAIMS on it), or a clerk of a provider that serves it."""
    if provider.kind != "provider":
        raise letter_error("letter.not_a_provider")
    if actor is None or can(actor, Perm.SUBMIT_CLAIMS, mutual):
        return
    if _is_clerk_of(actor, provider):
        if mutual.pk not in mutuals_served(provider.pk, on):
            raise letter_error("letter.not_served")
        return
    raise letter_error("letter.not_allowed")


def _is_clerk_of(actor, provider: Organization) -> bool:
    """A provider-scope grant with SUBMIT_CLAIMS on this provider (union or mutual staff reach
    a provider's row through the tree, but act for the mutual, not for the provider)."""
    return any(
        g.scope == Scope.PROVIDER
        and g.org_id == provider.pk
        and Perm.SUBMIT_CLAIMS in PERMISSIONS.get(g.role, frozenset())
        for g in grants_of(actor)
    )


def clean_diagnoses(text: str) -> str:
    """ICD-10 codes as typed ("b509, j18") -> "B50.9 J18"; an invalid code is refused."""
    codes = []
    for part in (text or "").replace(",", " ").replace(";", " ").split():
        if icd.code_error(part):
            raise letter_error("letter.bad_diagnosis", value=part)
        code = icd.normalize(part)
        if code and code not in codes:
            codes.append(code)
    joined = " ".join(codes)
    if len(joined) > 200:
        raise letter_error("letter.bad_diagnosis", value=codes[-1])
    return joined


def _amount(value, currency: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(" ", "").replace("\u202f", ""))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise letter_error("letter.bad_amount") from exc
    if not amount.is_finite() or amount <= 0:
        raise letter_error("letter.bad_amount")
    return quantize(amount, currency)


# --- Letters ------------------------------------------------------------------------------------
@dataclass
class NewLetter:
    provider: Organization
    number: str  # the beneficiary's membership number
    planned_on: date
    visit_type: str = VisitType.INPATIENT
    reason: str = ""  # medical
    diagnoses: str = ""  # medical, ICD-10 codes
    estimated_amount: object = None  # as typed


@dataclass
class LetterDecision:
    approve: bool
    max_amount: object = None  # as typed (approval)
    valid_from: date | None = None
    valid_to: date | None = None
    note: str = ""


@transaction.atomic
def request_letter(actor, data: NewLetter) -> GuaranteeLetter:
    """A request for prior authorization, numbered in the mutual's series of the year."""
    if data.visit_type not in VisitType.values:
        raise letter_error("letter.bad_visit_type")
    membership = _member(data.number)
    mutual = membership.organization
    _may_ask(actor, data.provider, mutual, data.planned_on)
    codes = clean_diagnoses(data.diagnoses)
    estimated = None
    if data.estimated_amount not in (None, ""):
        estimated = _amount(data.estimated_amount, mutual.currency)
    number = _next_number(GuaranteeLetter, LETTER_PREFIX, mutual, local_today(mutual).year)
    letter = GuaranteeLetter.unscoped.create(
        organization=mutual,
        number=number,
        person=membership.person,
        provider=data.provider,
        visit_type=data.visit_type,
        reason=data.reason.strip(),
        diagnoses=codes,
        estimated_amount=estimated,
        planned_on=data.planned_on,
        requested_by=_user(actor),
    )
    audit.record(actor, "letter.requested", letter, organization=mutual, number=number)
    return letter


@transaction.atomic
def decide_letter(actor, letter: GuaranteeLetter, decision: LetterDecision) -> GuaranteeLetter:
    """The medical adviser's decision on a requested letter."""
    mutual = letter.organization
    if actor is not None and not can(actor, Perm.REVIEW_CLAIMS, mutual):
        raise letter_error("letter.not_allowed")
    note = decision.note.strip()
    changes: dict = {
        "decision_note": note,
        "decided_by": _user(actor),
        "decided_at": timezone.now(),
    }
    if decision.approve:
        amount = _amount(decision.max_amount, mutual.currency)
        start, end = decision.valid_from, decision.valid_to
        if start is None or end is None or end < start:
            raise letter_error("letter.bad_validity")
        changes.update(
            status=LetterStatus.APPROVED, max_amount=amount, valid_from=start, valid_to=end
        )
    else:
        if not note:
            raise letter_error("letter.note_needed")
        changes.update(status=LetterStatus.REFUSED, max_amount=None, valid_from=None, valid_to=None)
    moved = GuaranteeLetter.unscoped.filter(pk=letter.pk, status=LetterStatus.REQUESTED).update(
        **changes
    )
    if moved != 1:
        raise letter_error("letter.wrong_status", status=LetterStatus.REQUESTED.label)
    audit.record(
        actor,
        f"letter.{changes['status']}",
        letter,
        organization=mutual,
        number=letter.number,
        max_amount=str(changes["max_amount"]) if changes["max_amount"] is not None else "",
    )
    letter.refresh_from_db()
    return letter


def may_cancel(user, letter: GuaranteeLetter) -> bool:
    """Those who may ask for it (the mutual's staff, the provider's clerks) or decide it."""
    mutual = letter.organization
    return (
        can(user, Perm.SUBMIT_CLAIMS, mutual)
        or can(user, Perm.REVIEW_CLAIMS, mutual)
        or _is_clerk_of(user, letter.provider)
    )


@transaction.atomic
def cancel_letter(actor, letter: GuaranteeLetter, note: str = "") -> GuaranteeLetter:
    """Withdraw a requested or approved letter that no claim cites (cancelled claims aside)."""
    if actor is not None and not may_cancel(actor, letter):
        raise letter_error("letter.not_allowed")
    # The letter's row first: a claim citing it is then seen, or waits for the cancellation.
    current = GuaranteeLetter.unscoped.select_for_update().get(pk=letter.pk)
    citing = (
        Claim.unscoped.filter(letter=current).exclude(status=ClaimStatus.CANCELLED).order_by("pk")
    ).first()
    if citing is not None:
        raise letter_error("letter.in_use", claim=str(citing))
    moved = GuaranteeLetter.unscoped.filter(
        pk=current.pk, status__in=[LetterStatus.REQUESTED, LetterStatus.APPROVED]
    ).update(
        status=LetterStatus.CANCELLED,
        decision_note=note.strip() or current.decision_note,
    )
    if moved != 1:
        raise letter_error("letter.wrong_status", status=LetterStatus.REQUESTED.label)
    audit.record(
        actor, "letter.cancelled", current, organization=current.organization, was=current.status
    )
    current.refresh_from_db()
    return current


# --- Referrals ----------------------------------------------------------------------------------
@dataclass
class NewReferral:
    from_provider: Organization
    to_provider: Organization
    number: str  # the beneficiary's membership number
    referred_on: date
    reason: str = ""  # medical


@transaction.atomic
def create_referral(actor, data: NewReferral) -> Referral:
    """A referral slip, issued by the referring provider's clerk or the mutual's staff."""
    if data.to_provider.kind != "provider":
        raise letter_error("letter.not_a_provider")
    if data.to_provider.pk == data.from_provider.pk:
        raise letter_error("referral.same_provider")
    membership = _member(data.number)
    mutual = membership.organization
    _may_ask(actor, data.from_provider, mutual, data.referred_on)
    number = _next_number(Referral, REFERRAL_PREFIX, mutual, local_today(mutual).year)
    referral = Referral.unscoped.create(
        organization=mutual,
        number=number,
        person=membership.person,
        from_provider=data.from_provider,
        to_provider=data.to_provider,
        referred_on=data.referred_on,
        reason=data.reason.strip(),
        created_by=_user(actor),
    )
    audit.record(actor, "referral.created", referral, organization=mutual, number=number)
    return referral


def may_counter(user, referral: Referral) -> bool:
    """The receiving provider's clerks, or the mutual's staff."""
    return can(user, Perm.SUBMIT_CLAIMS, referral.organization) or _is_clerk_of(
        user, referral.to_provider
    )


@transaction.atomic
def counter_refer(actor, referral: Referral, note: str, on: date) -> Referral:
    """The counter-referral: what the receiving level did, sent back to the referring one."""
    if actor is not None and not may_counter(actor, referral):
        raise letter_error("letter.not_allowed")
    if on < referral.referred_on:
        raise letter_error("referral.bad_date")
    moved = Referral.unscoped.filter(pk=referral.pk, counter_on__isnull=True).update(
        counter_note=note.strip(), counter_on=on
    )
    if moved != 1:
        raise letter_error("referral.already_countered")
    audit.record(
        actor, "referral.countered", referral, organization=referral.organization, on=str(on)
    )
    referral.refresh_from_db()
    return referral


__all__ = [
    "LetterDecision",
    "NewLetter",
    "NewReferral",
    "cancel_letter",
    "counter_refer",
    "create_referral",
    "decide_letter",
    "request_letter",
]
