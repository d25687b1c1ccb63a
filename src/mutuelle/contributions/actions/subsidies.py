"""Subsidies: payers and programmes, enrolment in list programmes with evidence, the payer's
share of dues at billing (`subsidise_chunk`), matching of households' payments
(`match_payment`), payers' payments, and the recognition of deferred subsidy revenue.

Design (docs/decisions/0008-subsidies.md): the household's due is REDUCED to its own share and
the payers' shares become payer dues. The household's receivable (411) is what the household
owes; the payers' receivable (4581) is what the payers owe; members' contributions (7562) and
subsidies (718) are distinct revenue, as the net-income indicator needs."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mutuelle.accounting import actions as ledger
from mutuelle.accounting.rules import LineValue
from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm
from mutuelle.lib import periods
from mutuelle.lib.money import quantize
from mutuelle.members.models import Household, Membership, Person

from .. import rules
from .. import subsidy_rules as sr
from ..models import (
    BillingRun,
    Due,
    Eligibility,
    PayerAllocation,
    PayerDue,
    PayerDueKind,
    PayerPayment,
    Payment,
    ProgrammeEnrolment,
    SubsidyDeferral,
    SubsidyMode,
    SubsidyProgramme,
    ThirdPartyPayer,
)
from .errors import REASONS, reason_error
from .payments import check_amount

SUBSIDY_BILLED = "subsidy_billed"  # payers' receivable / subsidy revenue
SUBSIDY_RECEIVED = "subsidy_received_bank"  # bank / payers' receivable
CONTRIBUTIONS = "contribution_billed"  # members' receivable / members' contributions
DEFERRED_INCOME = "477"
FEE_OPERATIONS = {
    rules.ENTRY_FEE: "entry_fee_cash",
    rules.CARD_FEE: "card_fee_cash",
    rules.ASSEMBLY_FEE: "contribution_billed",
}
ENDED = ("withdrawn", "deceased", "excluded")

SUBSIDY_REASONS = {
    "subsidy.name_required": _("Give a name."),
    "subsidy.payer_elsewhere": _("This payer belongs to another organization."),
    "subsidy.payer_inactive": _("This payer is no longer active."),
    "subsidy.not_mutual_or_union": _("A programme is for a mutual or for a union's mutuals."),
    "subsidy.code_used": _("This code is already used by another programme."),
    "subsidy.bad_dates": _("The programme ends after it starts."),
    "subsidy.unknown_mode": _("Choose what the programme pays."),
    "subsidy.bad_rate": _("The percentage is more than 0 and at most 100."),
    "subsidy.amount_required": _("Give the fixed amount the programme pays."),
    "subsidy.bad_ratio": _("The matching ratio is more than 0 (1 for one franc per franc)."),
    "subsidy.negative_amount": _("An amount is never negative (%(field)s)."),
    "subsidy.too_many_decimals": _("At most %(places)s decimals (%(field)s)."),
    "subsidy.categories_required": _("Choose at least one ability-to-pay category."),
    "subsidy.not_a_list_programme": _(
        "This programme's households are chosen by their ability-to-pay category, not by a list."
    ),
    "subsidy.household_elsewhere": _("This household is not in a mutual of the programme."),
    "subsidy.person_elsewhere": _("This person is not a member of the household."),
    "subsidy.evidence_required": _(
        "Give the evidence of enrolment: document reference, date and who issued it."
    ),
    "subsidy.unknown_household": _("Row %(row)s: no household numbered “%(number)s”."),
    "subsidy.unknown_member": _("Row %(row)s: no member numbered “%(number)s” in the household."),
    "subsidy.row_evidence": _("Row %(row)s: the document reference, date and issuer are needed."),
    "subsidy.row_date": _("Row %(row)s: write the date as 31/12/2026."),
    "subsidy.budget_exhausted": _("The programme's budget is used up."),
    "payer_payment.reference_required": _("Give the bank reference of the transfer."),
    "payer_payment.reference_reused": _(
        "This bank reference is already recorded for another payer or amount."
    ),
}
REASONS.update(SUBSIDY_REASONS)


# --- Payers and programmes --------------------------------------------------------------------
def programme_owners(mutual: Organization) -> list[int]:
    """The organizations whose payers and programmes a mutual may use: itself and its
    ancestors (a union's)."""
    return [mutual.pk, *mutual.ancestor_ids()]


@transaction.atomic
def save_payer(
    actor,
    organization: Organization,
    name: str,
    kind: str,
    contact: str = "",
    *,
    is_active: bool = True,
    payer: ThirdPartyPayer | None = None,
) -> ThirdPartyPayer:
    require(actor, Perm.MANAGE_BENEFITS, organization)
    name = name.strip()
    if not name:
        raise reason_error("subsidy.name_required")
    if payer is not None and payer.organization_id != organization.pk:
        raise reason_error("subsidy.payer_elsewhere")
    clash = ThirdPartyPayer.unscoped.filter(organization=organization, name=name)
    if payer is not None:
        clash = clash.exclude(pk=payer.pk)
    if clash.exists():
        raise reason_error("subsidy.code_used")
    if payer is None:
        payer = ThirdPartyPayer.unscoped.create(
            organization=organization, name=name, kind=kind, contact=contact.strip()
        )
        event = "subsidy.payer_created"
    else:
        payer.name, payer.kind, payer.contact = name, kind, contact.strip()
        payer.is_active = is_active
        payer.save(update_fields=["name", "kind", "contact", "is_active"])
        event = "subsidy.payer_edited"
    audit.record(actor, event, payer, organization=organization, name=name)
    return payer


def terms_of(programme: SubsidyProgramme) -> sr.Programme:
    return sr.Programme(
        key=programme.pk,
        mode=programme.mode,
        rate=programme.rate,
        amount=programme.amount,
        ratio=programme.ratio,
        cap=programme.cap,
        covers_fees=programme.covers_fees,
    )


PROGRAMME_FIELDS = (
    "payer",
    "code",
    "name",
    "start",
    "end",
    "budget",
    "is_permanent",
    "mode",
    "rate",
    "amount",
    "ratio",
    "cap",
    "covers_fees",
    "eligibility",
    "categories",
    "names_on_statement",
    "priority",
)


@transaction.atomic
def save_programme(
    actor, organization: Organization, values: dict, programme: SubsidyProgramme | None = None
) -> SubsidyProgramme:
    """Create or change a programme (changes apply to what is billed from then on; the history
    of the programme is kept). `values` holds PROGRAMME_FIELDS."""
    require(actor, Perm.MANAGE_BENEFITS, organization)
    if organization.kind not in ("mutual", "union"):
        raise reason_error("subsidy.not_mutual_or_union")
    if programme is not None and programme.organization_id != organization.pk:
        raise reason_error("subsidy.payer_elsewhere")
    data: dict[str, Any] = {k: values.get(k) for k in PROGRAMME_FIELDS}
    payer: ThirdPartyPayer = data["payer"]
    if payer.organization_id not in programme_owners(organization):
        raise reason_error("subsidy.payer_elsewhere")
    if not payer.is_active:
        raise reason_error("subsidy.payer_inactive")
    data["name"] = (data["name"] or "").strip()
    data["code"] = (data["code"] or "").strip().upper()
    if not data["name"] or not data["code"]:
        raise reason_error("subsidy.name_required")
    if data["end"] is not None and data["end"] < data["start"]:
        raise reason_error("subsidy.bad_dates")
    for name, default in (("rate", Decimal(100)), ("amount", Decimal(0)), ("ratio", Decimal(1))):
        if data[name] is None:
            data[name] = default
    data["categories"] = sorted({str(c).strip() for c in data["categories"] or () if c})
    data["covers_fees"] = bool(data["covers_fees"])
    data["is_permanent"] = bool(data["is_permanent"])
    data["names_on_statement"] = bool(data["names_on_statement"])
    data["priority"] = data["priority"] if data["priority"] is not None else 10
    terms = sr.Programme(
        key=0,
        mode=data["mode"],
        rate=data["rate"],
        amount=data["amount"],
        ratio=data["ratio"],
        cap=data["cap"],
        covers_fees=data["covers_fees"],
    )
    problems = sr.mode_errors(terms, organization.currency)
    if data["budget"] is not None and data["budget"] < 0:
        problems.append(("subsidy.negative_amount", {"field": "budget"}))
    if data["eligibility"] == Eligibility.CATEGORY and not data["categories"]:
        problems.append(("subsidy.categories_required", {}))
    if problems:
        code, params = problems[0]
        raise reason_error(code, **params)
    clash = SubsidyProgramme.unscoped.filter(organization=organization, code=data["code"])
    if programme is not None:
        clash = clash.exclude(pk=programme.pk)
    if clash.exists():
        raise reason_error("subsidy.code_used")
    if programme is None:
        programme = SubsidyProgramme.unscoped.create(
            organization=organization, created_by=actor, **data
        )
        event = "subsidy.programme_created"
    else:
        for k, v in data.items():
            setattr(programme, k, v)
        programme.save(update_fields=list(data))
        event = "subsidy.programme_edited"
    audit.record(actor, event, programme, organization=organization, code=programme.code)
    return programme


def _in_programme_scope(programme: SubsidyProgramme, household: Household) -> bool:
    return programme.organization_id in programme_owners(household.organization)


@transaction.atomic
def enrol(
    actor,
    programme: SubsidyProgramme,
    household: Household,
    *,
    start: date,
    evidence_reference: str,
    evidence_date: date | None,
    evidence_by: str,
    person: Person | None = None,
    end: date | None = None,
) -> tuple[ProgrammeEnrolment, bool]:
    """Enrol a household (or one of its members) in a list programme, with the evidence.
    Enrolling again changes nothing: (enrolment, created)."""
    require(actor, Perm.MANAGE_BENEFITS, household.organization)
    if programme.eligibility != Eligibility.LIST:
        raise reason_error("subsidy.not_a_list_programme")
    if not _in_programme_scope(programme, household):
        raise reason_error("subsidy.household_elsewhere")
    if person is not None and person.household_id != household.pk:
        raise reason_error("subsidy.person_elsewhere")
    if not evidence_reference.strip() or evidence_date is None or not evidence_by.strip():
        raise reason_error("subsidy.evidence_required")
    if end is not None and end < start:
        raise reason_error("subsidy.bad_dates")
    existing = ProgrammeEnrolment.unscoped.filter(
        programme=programme, household=household, person=person
    ).first()
    if existing is not None:
        return existing, False
    enrolment = ProgrammeEnrolment.unscoped.create(
        programme=programme,
        household=household,
        person=person,
        start=start,
        end=end,
        evidence_reference=evidence_reference.strip()[:120],
        evidence_date=evidence_date,
        evidence_by=evidence_by.strip()[:120],
        recorded_by=actor,
    )
    audit.record(
        actor,
        "subsidy.enrolled",
        enrolment,
        organization=household.organization,
        programme=programme.code,
        reference=enrolment.evidence_reference,
    )
    return enrolment, True


@dataclass(frozen=True)
class ListRow:
    """One row of an uploaded list: household number, member number (blank: the whole
    household), document reference, document date, issued by."""

    household: str
    member: str
    reference: str
    on: date | None
    by: str


@transaction.atomic
def enrol_list(
    actor, programme: SubsidyProgramme, mutual: Organization, rows: Sequence[ListRow], start: date
) -> tuple[int, list]:
    """Enrol a whole list, all or nothing: (households or members enrolled, errors). With any
    error, nothing is enrolled and the errors name each row."""
    require(actor, Perm.MANAGE_BENEFITS, mutual)
    numbers = {r.household.strip().upper() for r in rows}
    households = {
        h.number: h
        for h in Household.unscoped.filter(organization=mutual, number__in=numbers).select_related(
            "organization"
        )
    }
    members = {
        (number, person_id, household_id)
        for number, person_id, household_id in Membership.unscoped.filter(
            organization=mutual, person__household__in=list(households.values())
        ).values_list("number", "person_id", "person__household_id")
    }
    by_number = {number: (person_id, household_id) for number, person_id, household_id in members}
    errors = []
    todo = []
    for i, row in enumerate(rows, start=2):  # row 1 holds the headings
        number = row.household.strip().upper()
        home = households.get(number)
        if home is None:
            errors.append(reason_error("subsidy.unknown_household", row=i, number=row.household))
            continue
        person_id = None
        if row.member.strip():
            found = by_number.get(row.member.strip().upper())
            if found is None or found[1] != home.pk:
                errors.append(reason_error("subsidy.unknown_member", row=i, number=row.member))
                continue
            person_id = found[0]
        if not row.reference.strip() or not row.by.strip() or row.on is None:
            errors.append(reason_error("subsidy.row_evidence", row=i))
            continue
        todo.append((home, person_id, row))
    if errors:
        return 0, errors
    persons = Person.unscoped.in_bulk([p for _h, p, _r in todo if p])
    created = 0
    for home, person_id, row in todo:
        _enrolment, new = enrol(
            actor,
            programme,
            home,
            start=start,
            evidence_reference=row.reference,
            evidence_date=row.on,
            evidence_by=row.by,
            person=persons.get(person_id) if person_id else None,
        )
        created += int(new)
    return created, []


# --- Who is eligible --------------------------------------------------------------------------
def programmes_for(
    mutual: Organization, start: date, end: date, *, matching: bool
) -> list[SubsidyProgramme]:
    """The programmes of a mutual (and of its union) in force during [start, end], in their
    order of application, billing ones or matching ones."""
    qs = SubsidyProgramme.unscoped.filter(
        organization_id__in=programme_owners(mutual),
        payer__is_active=True,
        start__lte=end,
    ).filter(Q(end__isnull=True) | Q(end__gte=start))
    qs = qs.filter(mode=SubsidyMode.MATCH) if matching else qs.exclude(mode=SubsidyMode.MATCH)
    return list(qs.select_related("payer").order_by("priority", "start", "pk"))


def grants_for(
    programmes: Sequence[SubsidyProgramme],
    household_ids: Iterable[int],
    start: date,
    end: date,
    abilities: dict[int, str | None] | None = None,
) -> dict[int, list[sr.Grant]]:
    """Each household's grants for the period, in the programmes' order: by its ability-to-pay
    category, or by its (or its members') enrolment in a list active during the period. A
    member's key is its membership id, as on the due's lines."""
    household_ids = list(household_ids)
    if not programmes or not household_ids:
        return {}
    if abilities is None and any(p.eligibility == Eligibility.CATEGORY for p in programmes):
        abilities = dict(
            Household.unscoped.filter(pk__in=household_ids).values_list("pk", "ability__code")
        )
    abilities = abilities or {}
    listed: dict[tuple[int, int], set | None] = {}
    list_ids = [p.pk for p in programmes if p.eligibility == Eligibility.LIST]
    if list_ids:
        rows = list(
            ProgrammeEnrolment.unscoped.filter(
                programme_id__in=list_ids, household_id__in=household_ids, start__lte=end
            )
            .filter(Q(end__isnull=True) | Q(end__gte=start))
            .values_list("programme_id", "household_id", "person_id")
        )
        memberships: dict[int, list[int]] = defaultdict(list)
        person_ids = [p for _pr, _h, p in rows if p]
        if person_ids:
            for pk, person_id in Membership.unscoped.filter(person_id__in=person_ids).values_list(
                "pk", "person_id"
            ):
                memberships[person_id].append(pk)
        for programme_id, household_id, person_id in rows:
            key = (programme_id, household_id)
            if person_id is None:
                listed[key] = None  # the whole household
            elif key not in listed or listed[key] is not None:
                members = listed.setdefault(key, set())
                assert members is not None
                members.update(memberships.get(person_id, ()))
    grants: dict[int, list[sr.Grant]] = defaultdict(list)
    for programme in programmes:
        terms = terms_of(programme)
        for household_id in household_ids:
            if programme.eligibility == Eligibility.CATEGORY:
                if abilities.get(household_id) in programme.categories:
                    grants[household_id].append(sr.Grant(terms))
            elif (programme.pk, household_id) in listed:
                members = listed[(programme.pk, household_id)]
                grants[household_id].append(
                    sr.Grant(terms, None if members is None else frozenset(members))
                )
    return dict(grants)


def _persons(organization: Organization, household_ids: list[int], period) -> dict[int, int]:
    """How many of each household's members are billed in the period (covered some day)."""
    counts: dict[int, int] = defaultdict(int)
    for household_id, enrolled, status, since in Membership.unscoped.filter(
        organization=organization, person__household_id__in=household_ids
    ).values_list("person__household_id", "enrolled_on", "status", "status_since"):
        last = since - timedelta(days=1) if status in ENDED and since else None
        if enrolled and period.overlap_days(enrolled, last):
            counts[household_id] += 1
    return counts


def _lines_of(raw) -> tuple[rules.DueLine, ...]:
    return tuple(
        rules.DueLine(code, member, int(quantity), Decimal(unit), Decimal(amount))
        for code, member, quantity, unit, amount in raw
    )


def _raw(lines: Iterable[rules.DueLine]) -> list:
    return [[x.code, x.member_key, x.quantity, str(x.unit), str(x.amount)] for x in lines]


def _budgets_left(programmes: Sequence[SubsidyProgramme]) -> dict[int | str, Decimal]:
    """What is left of each budgeted programme, its row locked until the transaction ends (two
    chunks or a chunk and a payment never both spend the last of a budget)."""
    budgeted = [p.pk for p in programmes if p.budget is not None]
    if not budgeted:
        return {}
    budgets: dict[int, Decimal] = {
        pk: budget or Decimal(0)
        for pk, budget in SubsidyProgramme.unscoped.select_for_update()
        .filter(pk__in=budgeted)
        .order_by("pk")
        .values_list("pk", "budget")
    }
    spent = dict(
        PayerDue.unscoped.filter(programme_id__in=budgeted)
        .values("programme_id")
        .annotate(s=Sum("amount"))
        .values_list("programme_id", "s")
    )
    return {pk: budgets[pk] - (spent.get(pk) or Decimal(0)) for pk in budgets}


# --- Billing ----------------------------------------------------------------------------------
def subsidise_chunk(run: BillingRun, dues: list[Due]) -> list[PayerDue]:
    """The payers' shares of a billing chunk. Called by `billing.bill_chunk` with the chunk's
    new (unsaved) dues, BEFORE they are written: each subsidised due is reduced, in place, to
    the household's share (amount and lines), the payers' shares are written as payer dues
    and posted (payers' receivable / subsidy revenue, the months to come deferred), and
    households that owe nothing any more have their pending members activated. Without a
    programme in force this is one query."""
    if not dues:
        return []
    organization = run.organization
    period = periods.parse(run.period)
    programmes = programmes_for(organization, period.start, period.end, matching=False)
    if not programmes:
        return []
    grants = grants_for(programmes, [d.household_id for d in dues], period.start, period.end)
    if not grants:
        return []
    currency = organization.currency
    subsidised = [d for d in dues if d.household_id in grants]
    persons = _persons(organization, [d.household_id for d in subsidised], period)
    splits, _left = sr.split_many(
        [
            sr.HouseholdDue(
                d.household_id,
                _lines_of(d.lines),
                tuple(grants[d.household_id]),
                persons.get(d.household_id, 0),
            )
            for d in subsidised
        ],
        currency,
        _budgets_left(programmes),
    )
    by_pk = {p.pk: p for p in programmes}
    payer_dues = []
    freed = []
    for d in subsidised:
        result = splits[d.household_id]
        if not result.shares:
            continue
        d.amount = result.household_total
        d.lines = _raw(result.household)
        if d.amount == 0:
            d.paid_on = d.due_on
            freed.append(d.household_id)
        for share in result.shares:
            programme = by_pk[int(share.programme_key)]
            payer_dues.append(
                PayerDue(
                    organization=organization,
                    programme=programme,
                    payer_id=programme.payer_id,
                    household_id=d.household_id,
                    kind=PayerDueKind.BILLED,
                    period=period.code,
                    period_start=period.start,
                    period_end=period.end,
                    amount=share.amount,
                    lines=_raw(share.lines),
                    run=run,
                )
            )
    PayerDue.unscoped.bulk_create(payer_dues, batch_size=1000)
    if payer_dues:
        _post_subsidies(organization, run, period, payer_dues, by_pk)
        _use_payer_credit(organization, {p.payer_id for p in payer_dues})
    if freed:
        _activate(organization, freed)
    return payer_dues


def _fee_and_contribution(lines) -> tuple[dict[str, Decimal], Decimal]:
    fees: dict[str, Decimal] = defaultdict(Decimal)
    contribution = Decimal(0)
    for code, _member, _quantity, _unit, amount in lines:
        if code in FEE_OPERATIONS:
            fees[code] += Decimal(amount)
        else:
            contribution += Decimal(amount)
    return fees, contribution


def _post_subsidies(organization, run, period, payer_dues, by_pk) -> None:
    """Payers' receivable for the whole; subsidy revenue for fees and months begun; deferred
    income for months to come (recognised by recognise_subsidy_revenue). One line pair per
    programme, its code as the analytic dimension."""
    journal, receivable, revenue = ledger.rule_for(organization, SUBSIDY_BILLED)
    today = timezone.localdate()
    currency = organization.currency
    label = gettext("Subsidies %(period)s") % {"period": period.code}
    per_programme: dict[int, tuple[Decimal, Decimal]] = {}
    for p in payer_dues:
        fees, contribution = _fee_and_contribution(p.lines)
        total, contrib = per_programme.get(p.programme_id, (Decimal(0), Decimal(0)))
        per_programme[p.programme_id] = (total + p.amount, contrib + contribution)
    lines = []
    deferred: dict[str, Decimal] = {}
    for pk, (total, contribution) in sorted(per_programme.items()):
        code = by_pk[pk].code
        now = total - contribution
        for month, part in rules.spread(contribution, period, currency):
            if month.start <= today:
                now += part
            elif part:
                deferred[f"{pk}|{month.code}"] = part
        later = total - now
        lines.append(LineValue(receivable, debit=total, analytic=code, label=label))
        if now:
            lines.append(LineValue(revenue, credit=now, analytic=code, label=label))
        if later:
            lines.append(LineValue(DEFERRED_INCOME, credit=later, analytic=code, label=label))
    if deferred:
        _defer(organization, deferred)
    ledger.post(organization, journal, min(today, period.end), label, lines, source=run)


def _defer(organization: Organization, amounts: dict[str, Decimal]) -> None:
    SubsidyDeferral.unscoped.get_or_create(organization=organization)
    row = SubsidyDeferral.unscoped.select_for_update().get(organization=organization)
    merged = {k: Decimal(v) for k, v in row.deferred.items()}
    for k, v in amounts.items():
        merged[k] = merged.get(k, Decimal(0)) + v
    SubsidyDeferral.unscoped.filter(pk=row.pk).update(
        deferred={k: str(v) for k, v in sorted(merged.items()) if v}
    )


def _activate(organization: Organization, household_ids: list[int]) -> None:
    """Households whose whole due a payer took: nothing to wait for, their pending members
    become active (as when a household pays everything it owes)."""
    from . import arrears

    today = timezone.localdate()
    for household in Household.unscoped.filter(pk__in=household_ids).select_related("organization"):
        arrears.after_payment(None, household, today)


@transaction.atomic
def recognise_subsidy_revenue(today: date) -> int:
    """Move the deferred subsidies of every month that has begun to subsidy revenue (one entry
    per mutual and month; the months leave the deferral in the same transaction, so a second
    pass books nothing). To run daily, next to billing.recognise_revenue."""
    booked = 0
    for row in SubsidyDeferral.unscoped.select_for_update().exclude(deferred={}):
        begun = {
            k: v for k, v in row.deferred.items() if periods.parse(k.split("|")[1]).start <= today
        }
        if not begun:
            continue
        organization = row.organization
        journal, _receivable, revenue = ledger.rule_for(organization, SUBSIDY_BILLED)
        codes = dict(
            SubsidyProgramme.unscoped.filter(
                pk__in={int(k.split("|")[0]) for k in begun}
            ).values_list("pk", "code")
        )
        by_month: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
        for key, amount in sorted(begun.items()):
            pk, month = key.split("|")
            by_month[month].append((codes.get(int(pk), ""), Decimal(amount)))
        for month, parts in sorted(by_month.items()):
            label = gettext("Subsidies: month %(month)s") % {"month": month}
            lines = []
            for code, amount in parts:
                lines.append(LineValue(DEFERRED_INCOME, debit=amount, analytic=code, label=label))
                lines.append(LineValue(revenue, credit=amount, analytic=code, label=label))
            ledger.post(
                organization,
                journal,
                periods.parse(month).start,
                label,
                lines,
                source_key=("contributions.subsidydeferral", str(row.pk)),
            )
            booked += 1
        SubsidyDeferral.unscoped.filter(pk=row.pk).update(
            deferred={k: v for k, v in row.deferred.items() if k not in begun}
        )
    return booked


# --- Matching ---------------------------------------------------------------------------------
def match_payment(
    actor, payment: Payment, allocations: Sequence[tuple[int | str, Decimal]]
) -> list:
    """Matching subsidies of a household's own payment. Called by `payments.record_payment`
    in its transaction (the household is locked) right after its allocations are applied,
    before `arrears.after_payment`: for each due the payment went to, each matching programme
    the household is eligible for adds ratio × the part paid (within what is still owed, the
    cap and the budget); the due is reduced by it and the payer owes it. Without a matching
    programme in force this is one query."""
    if not allocations:
        return []
    household = payment.household
    organization = payment.organization
    dues = {
        d.pk: d
        for d in Due.unscoped.filter(pk__in=[k for k, _v in allocations]).select_related("run")
    }
    first = min(d.period_start for d in dues.values())
    last = max(d.period_end for d in dues.values())
    programmes = programmes_for(organization, first, last, matching=True)
    if not programmes:
        return []
    currency = organization.currency
    budgets = _budgets_left(programmes)
    made = []
    for due_id, paid in allocations:
        due = dues[int(due_id)]
        period = periods.parse(due.period)
        active = [
            p
            for p in programmes
            if p.start <= due.period_end and (p.end is None or p.end >= due.period_start)
        ]
        grants = grants_for(active, [household.pk], due.period_start, due.period_end).get(
            household.pk, []
        )
        for grant in grants:
            programme = next(p for p in active if p.pk == grant.programme.key)
            due.refresh_from_db(fields=["amount", "paid", "lines"])
            before = PayerDue.unscoped.filter(
                programme=programme,
                household=household,
                period=due.period,
                kind=PayerDueKind.MATCHING,
            ).aggregate(s=Sum("amount"))["s"] or Decimal(0)
            wanted = sr.match(
                paid,
                due.amount - due.paid,
                grant.programme,
                currency=currency,
                matched_before=before,
                budget=budgets.get(programme.pk),
            )
            if wanted <= 0:
                continue
            persons = _persons(organization, [household.pk], period).get(household.pk, 0)
            left, taken, amount = sr.take_from_lines(
                _lines_of(due.lines), grant, wanted, persons=persons, currency=currency
            )
            if amount <= 0:
                continue
            touched = Due.unscoped.filter(
                pk=due.pk, amount=due.amount, paid__lte=F("amount") - amount
            ).update(amount=F("amount") - amount, lines=_raw(x for x in left if x.amount > 0))
            if touched != 1:
                raise RuntimeError("a due changed under the household's lock")
            Due.unscoped.filter(pk=due.pk, paid=F("amount"), paid_on__isnull=True).update(
                paid_on=payment.received_on
            )
            if programme.pk in budgets:
                budgets[programme.pk] -= amount
            payer_due = PayerDue.unscoped.create(
                organization=organization,
                programme=programme,
                payer_id=programme.payer_id,
                household=household,
                kind=PayerDueKind.MATCHING,
                period=due.period,
                period_start=due.period_start,
                period_end=due.period_end,
                amount=amount,
                lines=_raw(taken),
                run=due.run,
                due=due,
                payment=payment,
            )
            _post_matching(actor, payer_due, due, period, payment.received_on)
            made.append(payer_due)
    if made:
        _use_payer_credit(organization, {p.payer_id for p in made})
    return made


def _post_matching(actor, payer_due: PayerDue, due: Due, period, on: date) -> None:
    """The payer takes over part of the household's receivable (4581 / 411), and that part of
    the contribution becomes subsidy revenue: moved from members' contributions (or from the
    fee accounts) for what was already revenue, and from the run's deferred contributions to
    the deferred subsidies for months still to come."""
    organization = payer_due.organization
    currency = organization.currency
    journal, payers, subsidy_revenue = ledger.rule_for(organization, SUBSIDY_BILLED)
    _j, members, contribution_revenue = ledger.rule_for(organization, CONTRIBUTIONS)
    today = timezone.localdate()
    code = payer_due.programme.code
    label = gettext("Matching subsidy %(household)s %(period)s") % {
        "household": payer_due.household.number,
        "period": due.period,
    }
    amount = payer_due.amount
    fees, contribution = _fee_and_contribution(payer_due.lines)
    moved: dict[str, Decimal] = defaultdict(Decimal)  # revenue account -> amount reclassified
    for fee_code, value in fees.items():
        moved[ledger.rule_for(organization, FEE_OPERATIONS[fee_code])[2]] += value
    later: dict[str, Decimal] = {}
    run = (
        BillingRun.unscoped.select_for_update().filter(pk=due.run_id).first()
        if due.run_id
        else None
    )
    run_deferred = {k: Decimal(v) for k, v in (run.deferred if run else {}).items()}
    for month, part in rules.spread(contribution, period, currency):
        if not part:
            continue
        if month.start > today and run_deferred.get(month.code, Decimal(0)) >= part:
            run_deferred[month.code] -= part
            later[f"{payer_due.programme_id}|{month.code}"] = part
        else:
            moved[contribution_revenue] += part
    if later and run is not None:
        BillingRun.unscoped.filter(pk=run.pk).update(
            deferred={k: str(v) for k, v in sorted(run_deferred.items()) if v}
        )
        _defer(organization, later)
    lines = [
        LineValue(payers, debit=amount, analytic=code, label=label),
        LineValue(members, credit=amount, label=label),
    ]
    now = sum(moved.values(), Decimal(0))
    for account, value in sorted(moved.items()):
        if value:
            lines.append(LineValue(account, debit=value, label=label))
    if now:
        lines.append(LineValue(subsidy_revenue, credit=now, analytic=code, label=label))
    # The payment is the entry's source: reversing the payment reverses its match with it.
    ledger.post(organization, journal, on, label, lines, source=payer_due.payment, actor=actor)


def _merge(lines, more) -> list[rules.DueLine]:
    """The household's lines with the payer's parts given back (same code and member)."""
    out = list(lines)
    for extra in more:
        for i, line in enumerate(out):
            if (line.code, line.member_key, line.unit) == (
                extra.code,
                extra.member_key,
                extra.unit,
            ):
                out[i] = rules.DueLine(
                    line.code, line.member_key, line.quantity, line.unit, line.amount + extra.amount
                )
                break
        else:
            out.append(extra)
    return out


def reverse_matching(actor, payment: Payment, reason: str = "") -> int:
    """Undo the matching subsidies of a payment being reversed. Called by
    `cash._reverse_payment` in its transaction (the household locked), which reverses the
    payment's entries — the match's entry among them (its source is the payment). Here: the
    household's due gets the matched part back, the payer's money that paid the match goes back
    to its payments (unallocated), the deferred months go back to contributions (or, once
    recognised as subsidies, are moved back by an entry), and the payer due is removed, with an
    audit row. Without a match this is one query. Returns how many were undone."""
    made = list(
        PayerDue.unscoped.select_for_update()
        .filter(payment=payment, kind=PayerDueKind.MATCHING)
        .select_related("programme", "household", "organization")
        .order_by("pk")
    )
    for payer_due in made:
        for payment_id, amount in PayerAllocation.unscoped.filter(payer_due=payer_due).values_list(
            "payment_id", "amount"
        ):
            PayerPayment.unscoped.filter(pk=payment_id).update(
                unallocated=F("unallocated") + amount
            )
        PayerAllocation.unscoped.filter(payer_due=payer_due).delete()
        assert payer_due.due_id is not None  # a match is always of a due
        due = Due.unscoped.select_for_update().get(pk=payer_due.due_id)
        lines = _merge(_lines_of(due.lines), _lines_of(payer_due.lines))
        Due.unscoped.filter(pk=due.pk).update(
            amount=F("amount") + payer_due.amount, lines=_raw(lines), paid_on=None
        )
        _undo_deferral(actor, payer_due, due)
        audit.record(
            actor,
            "subsidy.match_reversed",
            payment,
            organization=payer_due.organization,
            programme=payer_due.programme.code,
            household=payer_due.household.number,
            period=payer_due.period,
            amount=str(payer_due.amount),
            reason=reason,
        )
        payer_due.delete()
    return len(made)


def _undo_deferral(actor, payer_due: PayerDue, due: Due) -> None:
    """The months of a match that were still to come when it was made were moved from the
    run's deferred contributions to the deferred subsidies: move them back, or, for a month
    recognised as subsidy since, book it back from subsidies to contributions."""
    if not due.run_id:
        return
    organization = payer_due.organization
    matched_on = timezone.localdate(payer_due.created_at)
    _fees, contribution = _fee_and_contribution(payer_due.lines)
    later = [
        (month, part)
        for month, part in rules.spread(
            contribution, periods.parse(due.period), organization.currency
        )
        if part and month.start > matched_on
    ]
    if not later:
        return
    row = SubsidyDeferral.unscoped.select_for_update().filter(organization=organization).first()
    subsidy_deferred = {k: Decimal(v) for k, v in (row.deferred if row else {}).items()}
    run = BillingRun.unscoped.select_for_update().get(pk=due.run_id)
    run_deferred = {k: Decimal(v) for k, v in run.deferred.items()}
    recognised = Decimal(0)
    for month, part in later:
        key = f"{payer_due.programme_id}|{month.code}"
        if subsidy_deferred.get(key, Decimal(0)) >= part:
            subsidy_deferred[key] -= part
            run_deferred[month.code] = run_deferred.get(month.code, Decimal(0)) + part
        else:
            recognised += part
    if row is not None:
        SubsidyDeferral.unscoped.filter(pk=row.pk).update(
            deferred={k: str(v) for k, v in sorted(subsidy_deferred.items()) if v}
        )
    BillingRun.unscoped.filter(pk=run.pk).update(
        deferred={k: str(v) for k, v in sorted(run_deferred.items()) if v}
    )
    if recognised:
        journal, _payers, subsidy_revenue = ledger.rule_for(organization, SUBSIDY_BILLED)
        _j, _members, contribution_revenue = ledger.rule_for(organization, CONTRIBUTIONS)
        label = gettext("Matching subsidy reversed %(household)s %(period)s") % {
            "household": payer_due.household.number,
            "period": due.period,
        }
        ledger.post(
            organization,
            journal,
            timezone.localdate(),
            label,
            [
                LineValue(
                    subsidy_revenue,
                    debit=recognised,
                    analytic=payer_due.programme.code,
                    label=label,
                ),
                LineValue(contribution_revenue, credit=recognised, label=label),
            ],
            source=payer_due.payment,
            actor=actor,
        )


# --- Payers' payments -------------------------------------------------------------------------
def _open_payer_dues(organization: Organization, payer_id: int) -> list[PayerDue]:
    return list(
        PayerDue.unscoped.filter(
            organization=organization, payer_id=payer_id, paid__lt=F("amount")
        ).order_by("period_start", "pk")
    )


def _apply(payment: PayerPayment, allocations, on: date) -> None:
    PayerAllocation.unscoped.bulk_create(
        PayerAllocation(payment=payment, payer_due_id=key, amount=value)
        for key, value in allocations
    )
    for key, value in allocations:
        touched = PayerDue.unscoped.filter(pk=key, paid__lte=F("amount") - value).update(
            paid=F("paid") + value
        )
        if touched != 1:
            raise RuntimeError("a payer due would be overpaid")  # the payer's lock prevents it
    PayerDue.unscoped.filter(
        pk__in=[k for k, _v in allocations], paid=F("amount"), paid_on__isnull=True
    ).update(paid_on=on)


def _lock_payers(payer_ids) -> None:
    # One payer's money is allocated by one transaction at a time.
    list(
        ThirdPartyPayer.unscoped.select_for_update()
        .filter(pk__in=list(payer_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _use_payer_credit(organization: Organization, payer_ids) -> None:
    """Money a payer sent before its dues were billed pays them now (no entry: it is already on
    the payers' receivable)."""
    payments = list(
        PayerPayment.unscoped.filter(
            organization=organization, payer_id__in=list(payer_ids), unallocated__gt=0
        ).order_by("payer_id", "received_on", "pk")
    )
    if not payments:
        return
    _lock_payers({p.payer_id for p in payments})
    today = timezone.localdate()
    for payment in payments:
        dues = _open_payer_dues(organization, payment.payer_id)
        if not dues:
            continue
        allocations, left = rules.allocate(
            payment.unallocated, [rules.OpenDue(d.pk, d.period_start, d.outstanding) for d in dues]
        )
        _apply(payment, allocations, today)
        PayerPayment.unscoped.filter(pk=payment.pk).update(unallocated=left)


@transaction.atomic
def record_payer_payment(
    actor,
    mutual: Organization,
    payer: ThirdPartyPayer,
    amount,
    reference: str,
    received_on: date | None = None,
) -> PayerPayment:
    """A payer's transfer to a mutual: allocated to its oldest payer dues there, what is left
    kept for its next dues; posted (bank / payers' receivable). The same bank reference again
    returns the payment already recorded and records nothing."""
    require(actor, Perm.BILL_DUES, mutual)
    if payer.organization_id not in programme_owners(mutual):
        raise reason_error("subsidy.payer_elsewhere")
    reference = reference.strip()
    if not reference:
        raise reason_error("payer_payment.reference_required")
    amount = check_amount(amount, mutual.currency)
    _lock_payers([payer.pk])
    existing = PayerPayment.unscoped.filter(organization=mutual, reference=reference).first()
    if existing is not None:
        if existing.payer_id != payer.pk or existing.amount != amount:
            raise reason_error("payer_payment.reference_reused")
        return existing
    received_on = received_on or timezone.localdate()
    dues = _open_payer_dues(mutual, payer.pk)
    allocations: list = []
    left = amount
    if dues:
        allocations, left = rules.allocate(
            amount, [rules.OpenDue(d.pk, d.period_start, d.outstanding) for d in dues]
        )
    payment = PayerPayment.unscoped.create(
        organization=mutual,
        payer=payer,
        amount=amount,
        unallocated=left,
        received_on=received_on,
        reference=reference,
        recorded_by=actor,
    )
    _apply(payment, allocations, received_on)
    label = gettext("Subsidy received from %(payer)s (%(reference)s)") % {
        "payer": payer.name,
        "reference": reference,
    }
    ledger.post_operation(
        mutual, SUBSIDY_RECEIVED, received_on, amount, label[:200], source=payment, actor=actor
    )
    audit.record(
        actor,
        "subsidy.payer_paid",
        payment,
        organization=mutual,
        amount=str(amount),
        reference=reference,
    )
    return payment


def payer_balance(mutual: Organization, payer: ThirdPartyPayer) -> Decimal:
    """What the payer still owes the mutual, less what it sent that is not yet allocated."""
    owed = PayerDue.unscoped.filter(organization=mutual, payer=payer).aggregate(
        s=Sum(F("amount") - F("paid"))
    )["s"] or Decimal(0)
    credit = PayerPayment.unscoped.filter(organization=mutual, payer=payer).aggregate(
        s=Sum("unallocated")
    )["s"] or Decimal(0)
    return quantize(owed - credit, mutual.currency)
