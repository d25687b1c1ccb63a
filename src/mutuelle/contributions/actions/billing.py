"""Billing runs: every household's dues of a period, decided by the pure rules in memory a
chunk at a time and written in bulk, with the ledger entry of each chunk in the same
transaction. Re-running bills only households without a due for the period."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from mutuelle.accounting import actions as ledger
from mutuelle.accounting.rules import LineValue
from mutuelle.cards.models import Card
from mutuelle.core import audit, jobs
from mutuelle.core.models import Organization
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm
from mutuelle.lib import periods
from mutuelle.lib.money import quantize
from mutuelle.members import rules as member_rules
from mutuelle.members.models import Household, Membership

from .. import rules
from ..models import ArrearsSettings, BillingRun, Due, Payment, PaymentStatus, RuleVersion
from .errors import reason_error
from .payments import apply_allocations, open_dues

BILL = "contributions.bill"
# Fees are booked to the accounts of these operations' credit side (accounting.chart).
FEE_OPERATIONS = {
    rules.ENTRY_FEE: "entry_fee_cash",
    rules.CARD_FEE: "card_fee_cash",
    rules.ASSEMBLY_FEE: "contribution_billed",
}
CHUNK = 2000
DEFERRED_INCOME = "477"
ENDED = frozenset({member_rules.WITHDRAWN, member_rules.DECEASED, member_rules.EXCLUDED})


def rule_in_force(organization: Organization, on: date) -> RuleVersion | None:
    return (
        RuleVersion.unscoped.filter(
            organization=organization, adopted_at__isnull=False, effective_from__lte=on
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("-effective_from")
        .first()
    )


def arrears_policy(organization: Organization) -> rules.ArrearsPolicy:
    row = ArrearsSettings.unscoped.filter(organization=organization).first()
    if row is None:
        return rules.ArrearsPolicy()
    return rules.ArrearsPolicy(
        grace_days=row.grace_days,
        suspend_after=row.suspend_after,
        new_waiting_on_reinstatement=row.new_waiting_on_reinstatement,
    )


@transaction.atomic
def start_billing(actor, organization: Organization, period_code: str) -> BillingRun:
    """Bill a period for a mutual, as a job with a progress bar."""
    require(actor, Perm.BILL_DUES, organization)
    try:
        period = periods.parse(period_code)
    except ValueError as exc:
        raise reason_error("billing.bad_period") from exc
    version = rule_in_force(organization, period.start)
    if version is None:
        raise reason_error("billing.no_rule")
    run = BillingRun.unscoped.create(
        organization=organization,
        rule_version=version,
        period=period.code,
        period_start=period.start,
        period_end=period.end,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    job = jobs.start(BILL, actor=actor, organization=organization, params={"run": run.pk})
    BillingRun.unscoped.filter(pk=run.pk).update(job=job)
    audit.record(actor, "billing.started", run, organization=organization, period=period.code)
    run.job = job
    return run


def start_union_billing(actor, union: Organization, period_code: str) -> list[BillingRun]:
    """Bill a period for every mutual of a union that has a rule in force for it."""
    period = periods.parse(period_code)
    runs = []
    for mutual in Organization.unscoped.subtree_of(union).filter(kind="mutual"):
        if rule_in_force(mutual, period.start) is not None:
            runs.append(start_billing(actor, mutual, period_code))
    return runs


def household_facts(
    organization: Organization, household_ids: list[int], child_age: int | None, on: date
) -> dict[int, rules.HouseholdFacts]:
    """What the pricing rules may see of each household, in two queries: members' roles,
    children (by the rule's age) and covered windows, and the ability-to-pay category. Sex and
    health are not read at all."""
    members: dict[int, list[rules.MemberFacts]] = defaultdict(list)
    rows = Membership.unscoped.filter(
        organization=organization, person__household_id__in=household_ids
    ).values_list(
        "pk",
        "person__household_id",
        "person__relationship",
        "person__birth_date",
        "person__birth_year",
        "enrolled_on",
        "status",
        "status_since",
    )
    for pk, household_id, relationship, birth_date, birth_year, enrolled, status, since in rows:
        members[household_id].append(
            rules.member_facts_from(
                {"relationship": relationship, "birth_date": birth_date, "birth_year": birth_year},
                child_age,
                on,
                key=pk,
                covered_from=enrolled,
                covered_to=since - timedelta(days=1) if status in ENDED else None,
                salary=None,
            )
        )
    abilities = dict(
        Household.unscoped.filter(pk__in=household_ids).values_list("pk", "ability__code")
    )
    return {
        pk: rules.HouseholdFacts(key=pk, members=tuple(members.get(pk, ())), ability=abilities[pk])
        for pk in household_ids
    }


def bill_chunk(run: BillingRun, household_ids: list[int]) -> tuple[int, Decimal]:
    """Bill these households for the run's period (those already billed are left alone)."""
    organization = run.organization
    currency = organization.currency
    version = run.rule_version
    rule = rules.rule_from_config(version.config)
    period = periods.parse(run.period)
    billed = set(
        Due.unscoped.filter(household_id__in=household_ids, period=run.period).values_list(
            "household_id", flat=True
        )
    )
    todo = [pk for pk in household_ids if pk not in billed]
    facts = household_facts(organization, todo, rule.child_age, period.start)
    new_members = _new_members(organization, todo, period)
    cards = _cards(organization, todo, period)
    assembly_due = (
        period.start == periods.period_of(periods.Periodicity(periods.YEAR), period.start).start
        or period.kind == periods.YEAR
    )
    dues = []
    for pk in todo:
        due = rules.bill(
            rule,
            facts[pk],
            period,
            new_members=new_members.get(pk, frozenset()),
            cards=cards.get(pk, 0),
            assembly_due=assembly_due,
        )
        if due.total > 0:
            dues.append(
                Due(
                    organization=organization,
                    household_id=pk,
                    run=run,
                    period=period.code,
                    period_start=period.start,
                    period_end=period.end,
                    due_on=period.start,
                    amount=due.total,
                    lines=[
                        [x.code, x.member_key, x.quantity, str(x.unit), str(x.amount)]
                        for x in due.lines
                    ],
                )
            )
    Due.unscoped.bulk_create(dues, batch_size=1000)
    total = quantize(sum((d.amount for d in dues), Decimal(0)), currency)
    fees: dict[str, Decimal] = defaultdict(Decimal)
    for d in dues:
        for code, _member, _quantity, _unit, amount in d.lines:
            if code in FEE_OPERATIONS:
                fees[code] += Decimal(amount)
    if total:
        _post_billing(run, total, fees, period)
    _use_credits(run, [d.household_id for d in dues])
    BillingRun.unscoped.filter(pk=run.pk).update(
        households=F("households") + len(dues), total=F("total") + total
    )
    return len(dues), total


def _new_members(organization, household_ids, period) -> dict[int, frozenset]:
    found: dict[int, set] = defaultdict(set)
    for pk, household_id in Membership.unscoped.filter(
        organization=organization,
        person__household_id__in=household_ids,
        enrolled_on__gte=period.start,
        enrolled_on__lte=period.end,
    ).values_list("pk", "person__household_id"):
        found[household_id].add(pk)
    return {k: frozenset(v) for k, v in found.items()}


def _cards(organization, household_ids, period) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for household_id in Card.unscoped.filter(
        organization=organization,
        membership__person__household_id__in=household_ids,
        issued_on__gte=period.start,
        issued_on__lte=period.end,
    ).values_list("membership__person__household_id", flat=True):
        counts[household_id] += 1
    return counts


def _post_billing(run: BillingRun, total: Decimal, fees: dict[str, Decimal], period) -> None:
    """Receivable for the whole amount; fees are revenue at once (their own accounts); of the
    contributions, the months already begun are revenue now, the months to come are deferred
    income until their month (recognise_revenue)."""
    organization = run.organization
    journal, receivable, revenue = ledger.rule_for(organization, "contribution_billed")
    today = timezone.localdate()
    now_part = Decimal(0)
    deferred: dict[str, Decimal] = {}
    label = gettext("Contributions %(period)s") % {"period": period.code}
    lines = [LineValue(receivable, debit=total, label=label)]
    for code, amount in sorted(fees.items()):
        if amount:
            fee_account = ledger.rule_for(organization, FEE_OPERATIONS[code])[2]
            lines.append(LineValue(fee_account, credit=amount, label=label))
    contributions = total - sum(fees.values(), Decimal(0))
    for month, amount in rules.spread(contributions, period, organization.currency):
        if month.start <= today:
            now_part += amount
        else:
            deferred[month.code] = amount
    if now_part:
        lines.append(LineValue(revenue, credit=now_part, label=label))
    if deferred:
        lines.append(
            LineValue(DEFERRED_INCOME, credit=sum(deferred.values(), Decimal(0)), label=label)
        )
        locked = BillingRun.unscoped.select_for_update().get(pk=run.pk)
        merged = {k: Decimal(v) for k, v in locked.deferred.items()}
        for k, v in deferred.items():
            merged[k] = merged.get(k, Decimal(0)) + v
        BillingRun.unscoped.filter(pk=run.pk).update(
            deferred={k: str(v) for k, v in sorted(merged.items())}
        )
    ledger.post(organization, journal, min(today, period.end), label, lines, source=run)


def _use_credits(run: BillingRun, household_ids: list[int]) -> None:
    """Households that paid in advance: their credit pays the new dues, oldest payment first."""
    if not household_ids:
        return
    payments = list(
        Payment.unscoped.filter(
            household_id__in=household_ids, status=PaymentStatus.RECORDED, unallocated__gt=0
        ).order_by("household_id", "received_on", "pk")
    )
    if not payments:
        return
    # The cashiers' lock: a payment being recorded for one of these households waits.
    list(
        Household.unscoped.select_for_update()
        .filter(pk__in={p.household_id for p in payments})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    used = Decimal(0)
    today = timezone.localdate()
    for payment in payments:
        dues = open_dues(payment.household_id)
        if not dues:
            continue
        allocations, left = rules.allocate(
            payment.unallocated,
            [rules.OpenDue(d.pk, d.period_start, d.outstanding) for d in dues],
        )
        apply_allocations(payment, allocations, today)
        Payment.unscoped.filter(pk=payment.pk).update(unallocated=left)
        used += payment.unallocated - left
    if used:
        organization = run.organization
        journal, _receivable, _revenue = ledger.rule_for(organization, "contribution_billed")
        _j, _cash, receivable = ledger.rule_for(organization, "contribution_paid_cash")
        _j, _cash, advance = ledger.rule_for(organization, "contribution_advance_cash")
        label = gettext("Advance payments used: contributions %(period)s") % {"period": run.period}
        ledger.post(
            organization,
            journal,
            today,
            label,
            [
                LineValue(advance, debit=used, label=label),
                LineValue(receivable, credit=used, label=label),
            ],
            source=run,
        )


@transaction.atomic
def recognise_revenue(today: date) -> int:
    """Move the deferred contributions of every month that has begun to the contributions
    account (one entry per run and month; the month leaves `deferred` in the same
    transaction, so a second pass books nothing)."""
    booked = 0
    for run in BillingRun.unscoped.select_for_update().exclude(deferred={}):
        due_months = {k: v for k, v in run.deferred.items() if periods.parse(k).start <= today}
        if not due_months:
            continue
        organization = run.organization
        journal, _receivable, revenue = ledger.rule_for(organization, "contribution_billed")
        for month, amount in sorted(due_months.items()):
            label = gettext("Contributions %(period)s: month %(month)s") % {
                "period": run.period,
                "month": month,
            }
            ledger.post(
                organization,
                journal,
                periods.parse(month).start,
                label,
                [
                    LineValue(DEFERRED_INCOME, debit=Decimal(amount), label=label),
                    LineValue(revenue, credit=Decimal(amount), label=label),
                ],
                source=run,
            )
            booked += 1
        BillingRun.unscoped.filter(pk=run.pk).update(
            deferred={k: v for k, v in run.deferred.items() if k not in due_months}
        )
    return booked
