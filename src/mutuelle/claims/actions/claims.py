"""The claims' write paths: submit (screen, invoice file, API), adjudicate (one claim or a
batch, set-based), approve (posting the entries). Each transition is conditional and recorded
as a ClaimEvent; bad input is stored with its reasons or refused with a coded error, never
dropped.

Concurrency: adjudication locks the households of its claims (in id order, so two batches
never deadlock) before it reads what they consumed; a second adjudication for the same
household waits and then sees the first one's lines, so no ceiling is ever exceeded."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.accounting import actions as ledger
from mutuelle.benefits.queries import catalogue_for
from mutuelle.benefits.rules import CASH_BENEFITS
from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import can
from mutuelle.core.roles import Perm
from mutuelle.lib.bulk import update_rows
from mutuelle.members.models import Household, Membership
from mutuelle.providers.queries import mutuals_served

from .. import context, rules
from ..models import (
    Claim,
    ClaimEvent,
    ClaimKind,
    ClaimLine,
    ClaimStatus,
    EligibilityCheck,
    GuaranteeLetter,
    Referral,
    VisitType,
)

ERRORS = {
    "claim.unknown_member": _("No member has the number %(number)s."),
    "claim.not_allowed": _("You may not submit claims for this provider or this member."),
    "claim.not_served": _("This provider has no convention with the member's mutual."),
    "claim.invoice_taken": _("Invoice %(reference)s of this provider is already claim %(claim)s."),
    "claim.bad_kind": _("Unknown kind of claim."),
    "claim.bad_visit_type": _("Unknown visit type."),
    "claim.no_lines": _("A claim needs at least one line."),
    "claim.bad_line": _("Line %(line)s: give an act code, a whole quantity and a price."),
    "claim.unknown_letter": _("No guarantee letter %(number)s for this member."),
    "claim.unknown_referral": _("No referral %(number)s for this member."),
    "claim.not_a_provider": _("Claims are made against a health care provider."),
    "claim.bad_cash_benefit": _(
        "A cash benefit is a funeral grant, a maternity allowance or a daily allowance."
    ),
    "claim.wrong_status": _("The claim is no longer %(status)s."),
    "claim.in_review": _("This claim is in medical review: the medical adviser closes it."),
    "claim.not_correctable": _(
        "Only a rejected claim, or one not yet closed, is corrected; a paid decision is "
        "contested with a dispute."
    ),
}


def reason_error(code: str, **params) -> ValidationError:
    return ValidationError(ERRORS[code], code=code, params=params)


@dataclass
class NewLine:
    act_code: str
    quantity: object  # as typed: validated to an int here
    unit_price: object  # as typed: validated to a Decimal here
    on: date | None = None


@dataclass
class NewClaim:
    # The provider of the care; None for a cash benefit (the mutual pays its member: the
    # claim's provider is then the mutual itself).
    provider: Organization | None
    number: str  # the beneficiary's membership number
    care_from: date
    lines: list[NewLine]
    kind: str = ClaimKind.THIRD_PARTY
    visit_type: str = VisitType.OUTPATIENT
    care_to: date | None = None
    diagnoses: str = ""
    letter_number: str = ""
    referral_number: str = ""
    external_reference: str = ""
    idempotency_key: str = ""
    episode_id: int | None = None
    corrects: Claim | None = None
    receipt: File | None = None  # an uploaded photo (reimbursements), evidence (cash benefits)
    extra: dict = field(default_factory=dict)


def _lines(data: NewClaim) -> list[tuple[str, int, Decimal, date | None]]:
    """Lines as stored. A negative or zero quantity or a negative price is kept (the engine
    rejects the line with its reason); what cannot be read at all is refused here."""
    if not data.lines:
        raise reason_error("claim.no_lines")
    out = []
    for i, line in enumerate(data.lines, start=1):
        code = (line.act_code or "").strip().upper()
        try:
            quantity = int(str(line.quantity).strip())
            price = Decimal(str(line.unit_price).strip().replace(" ", "").replace(",", "."))
        except (ValueError, InvalidOperation, TypeError) as exc:
            raise reason_error("claim.bad_line", line=i) from exc
        if not code or not price.is_finite():
            raise reason_error("claim.bad_line", line=i)
        out.append((code, quantity, price.quantize(Decimal("0.01")), line.on))
    return out


def _may_submit(actor, provider: Organization, mutual: Organization, on: date) -> None:
    if actor is None or can(actor, Perm.SUBMIT_CLAIMS, mutual):
        return
    if can(actor, Perm.SUBMIT_CLAIMS, provider):
        if mutual.pk not in mutuals_served(provider.pk, on):
            raise reason_error("claim.not_served")
        return
    raise reason_error("claim.not_allowed")


def _record(claim: Claim, actor, from_status: str, to_status: str, note="", **data) -> None:
    ClaimEvent.unscoped.create(
        claim=claim,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data,
    )


@transaction.atomic
def submit_claim(actor, data: NewClaim, *, draft: bool = False) -> Claim:
    """Store a claim and its lines and submit it (or keep it as a draft). Repeating a request
    with the same idempotency key returns the first claim; the provider's invoice number is
    accepted once."""
    if data.kind not in ClaimKind.values:
        raise reason_error("claim.bad_kind")
    cash = data.kind == ClaimKind.CASH_BENEFIT
    if not cash and (data.provider is None or data.provider.kind != "provider"):
        raise reason_error("claim.not_a_provider")
    if data.visit_type not in VisitType.values:
        raise reason_error("claim.bad_visit_type")
    number = "".join((data.number or "").split()).upper()
    membership = (
        Membership.unscoped.select_related("person", "organization").filter(number=number).first()
    )
    if membership is None:
        raise reason_error("claim.unknown_member", number=number)
    mutual = membership.organization
    if cash:
        # The mutual's staff record a cash benefit; a provider's clerk cannot.
        if actor is not None and not can(actor, Perm.SUBMIT_CLAIMS, mutual):
            raise reason_error("claim.not_allowed")
        provider = mutual
    else:
        assert data.provider is not None
        provider = data.provider
        _may_submit(actor, provider, mutual, data.care_from)
    if data.idempotency_key:
        earlier = Claim.unscoped.filter(
            organization=mutual, idempotency_key=data.idempotency_key
        ).first()
        if earlier is not None:
            return earlier
    reference = data.external_reference.strip()
    if reference:
        taken = (
            Claim.unscoped.filter(provider=provider, external_reference=reference)
            .exclude(status=ClaimStatus.CANCELLED)
            .first()
        )
        if taken is not None:
            raise reason_error("claim.invoice_taken", reference=reference, claim=str(taken))
    lines = _lines(data)
    if cash and (len(lines) != 1 or lines[0][0].lower() not in CASH_BENEFITS):
        raise reason_error("claim.bad_cash_benefit")
    person = membership.person
    letter = referral = None
    if data.letter_number.strip():
        letter = GuaranteeLetter.unscoped.filter(
            number=data.letter_number.strip().upper(), person=person
        ).first()
        if letter is None:
            raise reason_error("claim.unknown_letter", number=data.letter_number.strip())
    if data.referral_number.strip():
        referral = Referral.unscoped.filter(
            number=data.referral_number.strip().upper(), person=person
        ).first()
        if referral is None:
            raise reason_error("claim.unknown_referral", number=data.referral_number.strip())
    status = ClaimStatus.DRAFT if draft else ClaimStatus.SUBMITTED
    now = timezone.now()
    checked = EligibilityCheck.unscoped.filter(
        person=person, care_date=data.care_from, result__in=["covered", "not_covered"]
    ).exists()
    try:
        with transaction.atomic():
            claim = Claim.unscoped.create(
                organization=mutual,
                provider=provider,
                kind=data.kind,
                cash_benefit=lines[0][0].lower() if cash else "",
                units=max(lines[0][1], 1) if cash else 1,
                membership=membership,
                person=person,
                household_id=person.household_id,
                episode_id=data.episode_id,
                visit_type=data.visit_type,
                care_from=data.care_from,
                care_to=data.care_to,
                diagnoses=" ".join(data.diagnoses.split()).upper()[:200],
                letter=letter,
                referral=referral,
                external_reference=reference,
                idempotency_key=data.idempotency_key,
                corrects=data.corrects,
                status=status,
                eligibility_checked=checked,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
                submitted_at=None if draft else now,
            )
    except IntegrityError as exc:
        # The same invoice or key arrived at the same moment: the first one stands.
        earlier = Claim.unscoped.filter(
            organization=mutual, idempotency_key=data.idempotency_key
        ).first()
        if data.idempotency_key and earlier is not None:
            return earlier
        raise reason_error("claim.invoice_taken", reference=reference, claim="?") from exc
    if data.receipt is not None:
        claim.receipt.save(f"{claim.uuid}.jpg", data.receipt, save=False)
        claim.save(update_fields=["receipt"])
    acts = dict(
        catalogue_for(mutual).filter(code__in={x[0] for x in lines}).values_list("code", "pk")
    )
    ClaimLine.unscoped.bulk_create(
        ClaimLine(
            claim=claim,
            position=i,
            act_code=code,
            act_id=acts.get(code),
            quantity=quantity,
            unit_price=price,
            on=on,
        )
        for i, (code, quantity, price, on) in enumerate(lines, start=1)
    )
    _record(claim, actor, "", status, corrects=data.corrects.pk if data.corrects else None)
    audit.record(actor, "claim.submitted", claim, organization=mutual, lines=len(lines))
    return claim


def _with_everything(ids) -> list[Claim]:
    """The claims with what the engine reads of them (beneficiary, household and place,
    membership, letter, lines). Their mutuals are read once and shared: a chunk of 500 claims
    of one mutual builds one Organization, not 500."""
    claims = list(
        Claim.unscoped.filter(pk__in=list(ids))
        .select_related("person", "household__place", "membership", "letter")
        .prefetch_related("lines")
        .order_by("pk")
    )
    orgs = Organization.unscoped.in_bulk({c.organization_id for c in claims})
    for c in claims:
        c.organization = orgs[c.organization_id]
    return claims


def _lock_households(claims: list[Claim]) -> None:
    """Row locks on the households, in id order (PostgreSQL; SQLite serializes writers). A
    claim's household never changes once submitted: the claims given say which."""
    households = sorted({c.household_id for c in claims if c.household_id is not None})
    list(
        Household.unscoped.select_for_update()
        .filter(pk__in=households)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _jsonable(value):
    if isinstance(value, (list, tuple, set, frozenset)):
        return (
            sorted(str(x) for x in value)
            if isinstance(value, (set, frozenset))
            else [str(x) for x in value]
        )
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)  # dates (ISO), Decimals


def _as_json(pairs) -> list:
    """Reasons and trail steps as stored: dates as ISO text, amounts as decimal text."""
    return [[code, {k: _jsonable(v) for k, v in params.items()}] for code, params in pairs]


LINE_FIELDS = [
    "decision",
    "asked",
    "tariff_adjusted",
    "covered",
    "copayment",
    "excess",
    "rejected",
    "reasons",
    "trail",
    "package_id_used",
    "version_id_used",
    "target",
    "covered_quantity",
    "deductible",
]
TOTALS = ["asked", "tariff_adjusted", "covered", "copayment", "excess", "rejected"]


@transaction.atomic
def adjudicate(actor, claims: list[Claim]) -> list[rules.ClaimDecision]:
    """Adjudicate submitted claims (a screen's one claim, or a chunk of a batch): lock their
    households, load what they consumed, decide in memory, write the results in bulk."""
    ids = [c.pk for c in claims]
    for c in claims:
        if actor is not None and not can(actor, Perm.ADJUDICATE_CLAIMS, c.organization):
            raise reason_error("claim.not_allowed")
    _lock_households(claims)
    loaded = [c for c in _with_everything(ids) if c.status == ClaimStatus.SUBMITTED]
    if len(loaded) != len(ids):
        raise reason_error("claim.wrong_status", status=ClaimStatus.SUBMITTED.label)
    batch = context.load_batch(loaded)
    decisions = rules.adjudicate(batch.inputs, batch.contexts, batch.usage)
    now = timezone.now()
    lines_by_pk = {x.pk: x for c in loaded for x in c.lines.all()}
    changed_lines = []
    events = []
    for claim, decision in zip(loaded, decisions, strict=True):
        for d in decision.lines:
            line = lines_by_pk[d.key]
            line.decision = d.decision
            for name in TOTALS:
                setattr(line, name, getattr(d, name))
            line.reasons = _as_json(d.reasons)
            line.trail = _as_json(d.trail)
            line.package_id_used = d.package
            line.version_id_used = d.version
            line.target = d.target
            line.covered_quantity = d.covered_quantity
            line.deductible = d.deductible
            changed_lines.append(line)
        claim.decision = decision.status
        claim.reasons = _as_json(decision.reasons)
        for name in TOTALS:
            setattr(claim, name, getattr(decision, name))
        claim.status = ClaimStatus.ADJUDICATED
        claim.adjudicated_at = now
        events.append(
            ClaimEvent(
                claim=claim,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                at=now,
                from_status=ClaimStatus.SUBMITTED,
                to_status=ClaimStatus.ADJUDICATED,
                data={"decision": decision.status, "covered": str(decision.covered)},
            )
        )
    update_rows(changed_lines, LINE_FIELDS)
    update_rows(loaded, ["decision", "reasons", "status", "adjudicated_at", *TOTALS])
    ClaimEvent.unscoped.bulk_create(events, batch_size=2000)
    if loaded:
        audit.record(
            actor,
            "claim.adjudicated",
            loaded[0] if len(loaded) == 1 else None,
            organization=loaded[0].organization,
            claims=len(loaded),
        )
    return decisions


def _operation(claim: Claim) -> str:
    """What an approved claim owes, and to whom: the provider (402), or the member (4193) for a
    reimbursement (benefit expense 6581) or a cash benefit (6582)."""
    operations: dict[str, str] = {
        ClaimKind.REIMBURSEMENT.value: "reimbursement_approved",
        ClaimKind.CASH_BENEFIT.value: "cash_benefit_approved",
    }
    return operations.get(str(claim.kind), "claim_approved")


@transaction.atomic
def approve(actor, claim: Claim, note: str = "", *, perm: str = Perm.ADJUDICATE_CLAIMS) -> Claim:
    """Close an adjudicated (or reviewed) claim: approved when the mutual pays something,
    rejected otherwise. An approved claim posts its entry (benefit expense; payable to the
    provider, or to the member for a reimbursement) in the same transaction. (`perm`: the
    medical adviser's review closes with REVIEW_CLAIMS, claims.actions.review.finish_review.)"""
    if actor is not None and not can(actor, perm, claim.organization):
        raise reason_error("claim.not_allowed")
    current = (
        Claim.unscoped.select_for_update()
        .select_related("organization", "provider")
        .get(pk=claim.pk)
    )
    if current.status not in (ClaimStatus.ADJUDICATED, ClaimStatus.IN_REVIEW):
        raise reason_error("claim.wrong_status", status=ClaimStatus.ADJUDICATED.label)
    if current.status == ClaimStatus.IN_REVIEW and perm != Perm.REVIEW_CLAIMS:
        # A flagged claim waits for the adviser: the claims officer cannot wave it through.
        raise reason_error("claim.in_review")
    to = ClaimStatus.APPROVED if current.covered > 0 else ClaimStatus.REJECTED
    moved = Claim.unscoped.filter(pk=current.pk, status=current.status).update(
        status=to, approved_at=timezone.now()
    )
    assert moved == 1
    _record(current, actor, current.status, to, note)
    if to == ClaimStatus.APPROVED:
        mutual = current.organization
        # Charts installed before reimbursements existed get their new account here.
        ledger.install_chart(mutual)
        ledger.post_operation(
            mutual,
            _operation(current),
            ledger.local_today(mutual),
            current.covered,
            f"{current} {current.provider.code}",
            source=current,
            actor=actor,
        )
    audit.record(actor, f"claim.{to}", current, organization=current.organization)
    current.refresh_from_db()
    return current


CORRECTABLE = (ClaimStatus.ADJUDICATED, ClaimStatus.REJECTED)


@transaction.atomic
def correct_claim(actor, original: Claim, data: NewClaim) -> Claim:
    """A corrected claim replaces one that was refused or is not closed yet: the original is
    cancelled (its invoice number and what it consumed are freed, its history kept) and the
    new claim, linked to it, is submitted in the same transaction. A claim already approved
    is contested with a dispute instead (claims.actions.review)."""
    current = Claim.unscoped.select_for_update().get(pk=original.pk)
    if current.status not in CORRECTABLE:
        raise reason_error("claim.not_correctable")
    moved = Claim.unscoped.filter(pk=current.pk, status=current.status).update(
        status=ClaimStatus.CANCELLED
    )
    assert moved == 1  # the row is locked
    data.corrects = current
    # The same provider (or, for a cash benefit, none): a correction fixes what was claimed,
    # not who claims it.
    data.provider = None if current.kind == ClaimKind.CASH_BENEFIT else current.provider
    data.kind = current.kind
    claim = submit_claim(actor, data)
    _record(current, actor, current.status, ClaimStatus.CANCELLED, corrected_by=claim.pk)
    return claim
