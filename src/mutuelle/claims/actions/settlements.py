"""Settlements' write paths: prepare a statement (bordereau) for a provider or a member and a
period, prepare its payment order (the maker: a claims officer), approve it (the checker: a
manager, never the maker), pay it (date and reference; the entries are posted), cancel it
before approval; grant advances to providers and record overpayments, both recovered against
later settlements. What the amounts are is `claims.settlement_rules`.

Each transition is a conditional update that must touch one row; the claims move in bulk
(conditional update + ClaimEvent rows in bulk). Statement numbers are gapless per mutual and
year ("BR-MSKM-2026-0004"): the mutual's row is locked while a statement is numbered, which
also serializes two preparations for the same mutual (the second one then finds the claims
the first one took)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.accounting import actions as ledger
from mutuelle.accounting.rules import LineValue
from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import can
from mutuelle.core.roles import Perm
from mutuelle.lib.money import quantize
from mutuelle.members.models import Person
from mutuelle.providers.queries import attached_per_month, conventions_in_force

from .. import settlement_rules as rules
from ..models import (
    Advance,
    AdvanceKind,
    Claim,
    ClaimEvent,
    ClaimKind,
    ClaimLine,
    ClaimStatus,
    DisputeStatus,
    PayeeKind,
    Settlement,
    SettlementLine,
    SettlementLineKind,
    SettlementStatus,
)

ERRORS = {
    "settlement.not_allowed": _("You may not do this for this mutual."),
    "settlement.dates": _("The period's last day comes before its first day."),
    "settlement.overlap": _("Statement %(number)s already covers part of this period."),
    "settlement.nothing": _("Nothing to settle for this payee and period."),
    "settlement.not_a_provider": _("Choose a health care provider."),
    "settlement.other_mutual": _("This member belongs to another mutual."),
    "settlement.wrong_status": _("The statement is no longer %(status)s."),
    "settlement.same_person": _(
        "The payment order must be approved by someone other than the person who prepared it."
    ),
    "settlement.reference_required": _("Give the payment's reference (transfer or cheque)."),
    "settlement.claims_moved": _("Some claims changed meanwhile: prepare the statement again."),
    "advance.amount": _("The amount must be above zero."),
    "advance.bad_kind": _("Unknown kind of advance."),
}

CHUNK = 2000


def reason_error(code: str, **params) -> ValidationError:
    return ValidationError(ERRORS[code], code=code, params=params)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(actor, perm: str, mutual: Organization) -> None:
    if actor is not None and not can(actor, perm, mutual):
        raise reason_error("settlement.not_allowed")


@dataclass
class Payee:
    """Who a statement pays: a provider (third-party claims) or a member (reimbursements and
    cash benefits of their household)."""

    provider: Organization | None = None
    member: Person | None = None

    @property
    def kind(self) -> str:
        return PayeeKind.PROVIDER if self.provider is not None else PayeeKind.MEMBER


def _claims_of(mutual: Organization, payee: Payee, end: date):
    """Approved claims of the payee not yet in a settlement, care begun by `end` (a late one
    from an earlier month is paid with this period's, never forgotten). A claim under an open
    dispute waits: it is paid, at the amount the adviser decides, in the first statement
    after the decision."""
    qs = Claim.unscoped.filter(
        organization=mutual,
        status=ClaimStatus.APPROVED,
        settlement__isnull=True,
        care_from__lte=end,
    ).exclude(disputes__status=DisputeStatus.OPEN)
    if payee.provider is not None:
        return qs.filter(provider=payee.provider, kind=ClaimKind.THIRD_PARTY)
    member = payee.member
    assert member is not None
    kinds = [ClaimKind.REIMBURSEMENT, ClaimKind.CASH_BENEFIT]
    if member.household_id:
        return qs.filter(household_id=member.household_id, kind__in=kinds)
    return qs.filter(person=member, kind__in=kinds)


def _terms(convention) -> rules.Terms:
    if convention is None:
        return rules.Terms()
    return rules.Terms(
        payment_mode=convention.payment_mode,
        flat_rates={r.episode_type: r.amount for r in convention.flat_rates.all()},
        capitation_amount=convention.capitation_amount,
    )


def _items(claim_rows, flat_rate: bool) -> list[rules.ClaimItem]:
    """Claims as the rules see them (one query for their delivery acts when it matters)."""
    deliveries: set[int] = set()
    if flat_rate:
        ids = [row[0] for row in claim_rows]
        for i in range(0, len(ids), CHUNK):
            deliveries |= set(
                ClaimLine.unscoped.filter(
                    claim_id__in=ids[i : i + CHUNK], act__category="delivery", covered__gt=0
                )
                .values_list("claim_id", flat=True)
                .distinct()
            )
    return [
        rules.ClaimItem(
            key=pk,
            covered=covered,
            episode=episode,
            episode_type=rules.episode_type(visit, ["delivery"] if pk in deliveries else []),
        )
        for pk, covered, episode, visit in claim_rows
    ]


def _attached(provider: Organization, mutual: Organization, start: date, end: date):
    months = rules.months_in(start, end)
    counts: dict[int, dict[int, int]] = {}
    for year in sorted({y for y, _m in months}):
        counts[year] = attached_per_month(provider.pk, year, {mutual.pk})
    return [(y, m, counts[y][m]) for y, m in months]


def _open_debts(mutual: Organization, provider: Organization) -> list[Advance]:
    """The provider's advances and overpayments not fully recovered, locked: two statements
    never recover the same money."""
    return list(
        Advance.unscoped.select_for_update()
        .filter(organization=mutual, provider=provider, recovered__lt=F("amount"))
        .order_by("granted_on", "pk")
    )


def _already_paid_episodes(mutual: Organization, provider: Organization, episodes) -> frozenset:
    """Episodes an earlier (not cancelled) statement paid by the flat rate."""
    episodes = [e for e in episodes if e is not None]
    if not episodes:
        return frozenset()
    return frozenset(
        Claim.unscoped.filter(
            organization=mutual,
            provider=provider,
            episode_id__in=episodes,
            settlement__isnull=False,
        )
        .exclude(settlement__status=SettlementStatus.CANCELLED)
        .values_list("episode_id", flat=True)
    )


def _next_number(mutual: Organization, year: int) -> str:
    """The mutual's next statement number of the year; the caller holds the mutual's row lock.
    Statements are never deleted (a cancelled one keeps its number), so the count is the last
    number given."""
    prefix = f"BR-{mutual.code}-{year}-"
    used = Settlement.unscoped.filter(organization=mutual, number__startswith=prefix).count()
    return f"{prefix}{used + 1:04d}"


def _refuse_overlap(mutual: Organization, payee: Payee, start: date, end: date) -> None:
    qs = Settlement.unscoped.filter(
        organization=mutual, period_start__lte=end, period_end__gte=start
    ).exclude(status=SettlementStatus.CANCELLED)
    if payee.provider is not None:
        qs = qs.filter(provider=payee.provider, payee_kind=PayeeKind.PROVIDER)
    else:
        qs = qs.filter(member=payee.member, payee_kind=PayeeKind.MEMBER)
    other = qs.first()
    if other is not None:
        raise reason_error("settlement.overlap", number=other.number)


def _move_claims(actor, owner: Settlement, ids: list[int], frm: str, to: str, **fields):
    """Move claims in bulk (conditional) and write their events in bulk."""
    now = timezone.now()
    moved = 0
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        moved += Claim.unscoped.filter(pk__in=part, status=frm).update(status=to, **fields)
        ClaimEvent.unscoped.bulk_create(
            [
                ClaimEvent(
                    claim_id=pk,
                    actor=_user(actor),
                    at=now,
                    from_status=frm,
                    to_status=to,
                    data={"settlement": owner.number},
                )
                for pk in part
            ],
            batch_size=CHUNK,
        )
    if moved != len(ids):
        raise reason_error("settlement.claims_moved")


@transaction.atomic
def prepare_statement(
    actor, mutual: Organization, payee: Payee, start: date, end: date
) -> Settlement:
    """The statement of a payee and a period, as a draft: its claims move to in_settlement,
    its flat-rate, capitation and recovery lines are written, advances' `recovered` grows."""
    _require(actor, Perm.ADJUDICATE_CLAIMS, mutual)
    if end < start:
        raise reason_error("settlement.dates")
    if payee.provider is not None and payee.provider.kind != "provider":
        raise reason_error("settlement.not_a_provider")
    if payee.member is not None and payee.member.organization_id != mutual.pk:
        raise reason_error("settlement.other_mutual")
    # Numbering and preparation are serialized per mutual.
    Organization.unscoped.select_for_update().filter(pk=mutual.pk).first()
    _refuse_overlap(mutual, payee, start, end)
    currency = mutual.currency
    rows = list(
        _claims_of(mutual, payee, end)
        .order_by("care_from", "pk")
        .values_list("pk", "covered", "episode_id", "visit_type")
    )
    convention = None
    attached: list[tuple[int, int, int]] = []
    debts: list[Advance] = []
    already: frozenset = frozenset()
    if payee.provider is not None:
        found = conventions_in_force(payee.provider.pk, mutual, end)
        convention = found[0] if found else None
    terms = _terms(convention)
    items = _items(rows, terms.payment_mode == rules.FLAT_RATE)
    if payee.provider is not None:
        if terms.payment_mode == rules.CAPITATION:
            attached = _attached(payee.provider, mutual, start, end)
        if terms.payment_mode == rules.FLAT_RATE:
            already = _already_paid_episodes(mutual, payee.provider, {i.episode for i in items})
        debts = _open_debts(mutual, payee.provider)
    result = rules.statement(
        items,
        terms,
        currency,
        attached=attached,
        debts=[
            rules.OpenDebt(key=d.pk, kind=d.kind, open=d.amount - d.recovered, on=d.granted_on)
            for d in debts
        ],
        already_paid=already,
    )
    if not items and not result.lines:
        raise reason_error("settlement.nothing")
    settlement = Settlement.unscoped.create(
        organization=mutual,
        number=_next_number(mutual, ledger.local_today(mutual).year),
        payee_kind=payee.kind,
        provider=payee.provider,
        member=payee.member,
        convention=convention,
        period_start=start,
        period_end=end,
        status=SettlementStatus.DRAFT,
        claims_count=result.claims_count,
        claims_amount=result.claims_amount,
        other_amount=result.other_amount,
        net_amount=result.net,
    )
    SettlementLine.unscoped.bulk_create(
        SettlementLine(
            settlement=settlement,
            kind=x.kind,
            label=x.label,
            quantity=x.quantity,
            unit_amount=x.unit_amount,
            amount=x.amount,
            advance_id=x.debt,
        )
        for x in result.lines
    )
    by_pk = {d.pk: d for d in debts}
    touched = []
    for x in result.lines:
        if x.debt is not None:
            d = by_pk[x.debt]
            d.recovered = d.recovered - x.amount  # recovery lines are negative
            touched.append(d)
    Advance.unscoped.bulk_update(touched, ["recovered"])
    _move_claims(
        actor,
        settlement,
        [i.key for i in items],
        ClaimStatus.APPROVED,
        ClaimStatus.IN_SETTLEMENT,
        settlement=settlement,
    )
    audit.record(
        actor,
        "settlement.prepared",
        settlement,
        organization=mutual,
        claims=result.claims_count,
        net=str(result.net),
    )
    return settlement


def _transition(settlement: Settlement, frm, to: str, **fields) -> Settlement:
    frm = frm if isinstance(frm, (list, tuple)) else [frm]
    moved = Settlement.unscoped.filter(pk=settlement.pk, status__in=frm).update(status=to, **fields)
    if moved != 1:
        raise reason_error("settlement.wrong_status", status=SettlementStatus(frm[0]).label)
    settlement.refresh_from_db()
    return settlement


@transaction.atomic
def prepare_order(actor, settlement: Settlement) -> Settlement:
    """The maker (a claims officer) turns the statement into a payment order."""
    _require(actor, Perm.ADJUDICATE_CLAIMS, settlement.organization)
    _transition(
        settlement,
        SettlementStatus.DRAFT,
        SettlementStatus.PREPARED,
        prepared_by=_user(actor),
        prepared_at=timezone.now(),
    )
    audit.record(
        actor, "settlement.order_prepared", settlement, organization=settlement.organization
    )
    return settlement


@transaction.atomic
def approve_order(actor, settlement: Settlement) -> Settlement:
    """The checker (a manager) approves the payment order: never its maker."""
    _require(actor, Perm.APPROVE_SETTLEMENTS, settlement.organization)
    current = Settlement.unscoped.select_for_update().get(pk=settlement.pk)
    if actor is not None and current.prepared_by_id == getattr(actor, "pk", None):
        raise reason_error("settlement.same_person")
    _transition(
        settlement,
        SettlementStatus.PREPARED,
        SettlementStatus.APPROVED,
        approved_by=_user(actor),
        approved_at=timezone.now(),
    )
    audit.record(
        actor, "settlement.order_approved", settlement, organization=settlement.organization
    )
    return settlement


def _post(
    mutual: Organization, operation: str, on: date, amount: Decimal, label: str, source, actor
):
    """Post an operation; a negative amount books the rule's accounts the other way round."""
    if amount == 0:
        return None
    if amount > 0:
        return ledger.post_operation(
            mutual, operation, on, amount, label, source=source, actor=actor
        )
    journal, debit, credit = ledger.rule_for(mutual, operation)
    lines = [
        LineValue(credit, debit=-amount, label=label),
        LineValue(debit, credit=-amount, label=label),
    ]
    return ledger.post(mutual, journal, on, label, lines, source=source, actor=actor)


@transaction.atomic
def pay(actor, settlement: Settlement, paid_on: date, reference: str) -> Settlement:
    """Record the payment of an approved order: claims → paid, and the entries: flat rates and
    capitation adjust the benefit expense (6581 / 402), recoveries settle what the provider
    owed (402 / 409), the net leaves the bank (402 / 521, or 4193 / 521 for a member).
    Repeating it with the same reference changes nothing."""
    mutual = settlement.organization
    if not (
        actor is None
        or can(actor, Perm.APPROVE_SETTLEMENTS, mutual)
        or can(actor, Perm.KEEP_ACCOUNTS, mutual)
    ):
        raise reason_error("settlement.not_allowed")
    reference = " ".join((reference or "").split())
    if not reference:
        raise reason_error("settlement.reference_required")
    current = Settlement.unscoped.select_for_update().get(pk=settlement.pk)
    if current.status == SettlementStatus.PAID and current.payment_reference == reference:
        return current
    _transition(
        current,
        SettlementStatus.APPROVED,
        SettlementStatus.PAID,
        paid_on=paid_on,
        payment_reference=reference[:80],
    )
    ids = list(
        Claim.unscoped.filter(settlement=current, status=ClaimStatus.IN_SETTLEMENT).values_list(
            "pk", flat=True
        )
    )
    _move_claims(actor, current, ids, ClaimStatus.IN_SETTLEMENT, ClaimStatus.PAID)
    # Charts installed before settlements existed get their new accounts here.
    ledger.install_chart(mutual)
    lines = list(current.lines.all())
    who = current.provider.code if current.provider is not None else str(current.member)
    label = f"{current.number} {who} {reference}"
    if current.payee_kind == PayeeKind.PROVIDER:
        _post(mutual, "settlement_charge", paid_on, rules.charge_adjustment(_as_rules(lines)),
              label, current, actor)  # fmt: skip
        recovered = -sum((x.amount for x in lines if x.advance_id is not None), Decimal(0))
        _post(mutual, "provider_advance_recovered", paid_on, recovered, label, current, actor)
        _post(mutual, "claim_paid_bank", paid_on, current.net_amount, label, current, actor)
    else:
        _post(mutual, "member_paid_bank", paid_on, current.net_amount, label, current, actor)
    audit.record(
        actor, "settlement.paid", current, organization=mutual, reference=reference, claims=len(ids)
    )
    return current


def _as_rules(lines) -> list[rules.Line]:
    return [
        rules.Line(x.kind, x.label, x.quantity, x.unit_amount, x.amount, x.advance_id)
        for x in lines
    ]


@transaction.atomic
def cancel(actor, settlement: Settlement) -> Settlement:
    """Cancel a statement before its order is approved: its claims go back to approved (free
    for the next statement), what it recovered is open again. The number stays used."""
    _require(actor, Perm.ADJUDICATE_CLAIMS, settlement.organization)
    current = Settlement.unscoped.select_for_update().get(pk=settlement.pk)
    _transition(
        current, [SettlementStatus.DRAFT, SettlementStatus.PREPARED], SettlementStatus.CANCELLED
    )
    recoveries = list(current.lines.filter(advance__isnull=False).select_related("advance"))
    advances = (
        Advance.unscoped.select_for_update()
        .filter(pk__in=[x.advance_id for x in recoveries])
        .order_by("pk")
    )
    by_pk = {a.pk: a for a in advances}
    for x in recoveries:
        if x.advance_id is not None:
            by_pk[x.advance_id].recovered += x.amount  # amounts are negative
    Advance.unscoped.bulk_update(list(by_pk.values()), ["recovered"])
    ids = list(
        Claim.unscoped.filter(settlement=current, status=ClaimStatus.IN_SETTLEMENT).values_list(
            "pk", flat=True
        )
    )
    _move_claims(
        actor, current, ids, ClaimStatus.IN_SETTLEMENT, ClaimStatus.APPROVED, settlement=None
    )
    audit.record(actor, "settlement.cancelled", current, organization=current.organization)
    return current


# --- Advances and overpayments ---------------------------------------------------------------


@transaction.atomic
def grant_advance(
    actor,
    mutual: Organization,
    provider: Organization,
    kind: str,
    amount: Decimal,
    on: date,
    reference: str = "",
    note: str = "",
) -> Advance:
    """An advance paid to a provider (posted: 409 / 521), or an overpayment found later
    (posted: 409 / 6581, the benefit expense it reduces). Both are recovered from the
    provider's next settlements, the oldest first."""
    _require(actor, Perm.APPROVE_SETTLEMENTS, mutual)
    if provider.kind != "provider":
        raise reason_error("settlement.not_a_provider")
    if kind not in AdvanceKind.values:
        raise reason_error("advance.bad_kind")
    if amount is None or amount <= 0:
        raise reason_error("advance.amount")
    amount = quantize(amount, mutual.currency)
    advance = Advance.unscoped.create(
        organization=mutual,
        provider=provider,
        kind=kind,
        amount=amount,
        granted_on=on,
        reference=reference.strip()[:80],
        note=note.strip(),
        created_by=_user(actor),
    )
    ledger.install_chart(mutual)
    operation = "provider_advance_bank" if kind == AdvanceKind.ADVANCE else "provider_overpayment"
    label = f"{provider.code} {advance.reference}".strip()
    ledger.post_operation(mutual, operation, on, amount, label, source=advance, actor=actor)
    audit.record(actor, f"advance.{kind}", advance, organization=mutual, amount=str(amount))
    return advance


def open_total(mutual: Organization, provider: Organization) -> Decimal:
    """What the provider still owes the mutual (advances and overpayments not recovered)."""
    row = Advance.unscoped.filter(organization=mutual, provider=provider).aggregate(
        amount=Sum("amount"), recovered=Sum("recovered")
    )
    return (row["amount"] or Decimal(0)) - (row["recovered"] or Decimal(0))


__all__ = [
    "ERRORS",
    "Payee",
    "SettlementLineKind",
    "approve_order",
    "cancel",
    "grant_advance",
    "open_total",
    "pay",
    "prepare_order",
    "prepare_statement",
]
