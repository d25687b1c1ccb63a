"""Billing runs: every household's dues of a period, decided by the pure rules in memory a
chunk at a time and written in bulk, with the ledger entry of each chunk in the same
transaction. Re-running bills only households without a due for the period."""

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from mutuelle.accounting import actions as ledger
from mutuelle.accounting.rules import LineValue
from mutuelle.cards.models import Card
from mutuelle.core import audit, bulk, jobs
from mutuelle.core.models import Organization
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm
from mutuelle.lib import periods
from mutuelle.lib.money import quantize
from mutuelle.members import rules as member_rules
from mutuelle.members.models import Household, Membership, Person

from .. import rules
from ..models import (
    Allocation,
    BillingRun,
    Due,
    Payment,
    PaymentStatus,
    RuleVersion,
)
from .errors import reason_error
from .subsidies import subsidise_chunk

BILL = "contributions.bill"
# Fees are booked to the accounts of these operations' credit side (accounting.chart).
FEE_OPERATIONS = {
    rules.ENTRY_FEE: "entry_fee_cash",
    rules.CARD_FEE: "card_fee_cash",
    rules.ASSEMBLY_FEE: "contribution_billed",
}
CHUNK = 10000  # households per chunk (one transaction, one ledger entry)
DEFERRED_INCOME = "477"
ENDED = frozenset({member_rules.WITHDRAWN, member_rules.DECEASED, member_rules.EXCLUDED})
ONE_DAY = timedelta(days=1)


def rule_in_force(organization: Organization, on: date) -> RuleVersion | None:
    return (
        RuleVersion.unscoped.filter(
            organization=organization, adopted_at__isnull=False, effective_from__lte=on
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("-effective_from")
        .first()
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
    if not _fits(version, period):
        raise reason_error("billing.wrong_period")
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


def _fits(version: RuleVersion, period: periods.Period) -> bool:
    """Is `period` one of the rule's periods (a month for a monthly rule, the season...)?"""
    periodicity = rules.rule_from_config(version.config).periodicity
    return periods.period_of(periodicity, period.start) == period


@transaction.atomic
def start_union_billing(actor, union: Organization, period_code: str) -> list[BillingRun]:
    """Bill a period for every mutual of a union whose rule in force is counted by such
    periods (the others are left for their own billing)."""
    require(actor, Perm.BILL_DUES, union)
    try:
        period = periods.parse(period_code)
    except ValueError as exc:
        raise reason_error("billing.bad_period") from exc
    runs = []
    for mutual in Organization.unscoped.subtree_of(union).filter(kind="mutual").order_by("code"):
        version = rule_in_force(mutual, period.start)
        if version is not None and _fits(version, period):
            runs.append(start_billing(actor, mutual, period.code))
    return runs


# --- A chunk of households -------------------------------------------------------------------
#
# A billing run prices every member of a mutual (a million persons for a large union), so a chunk
# is read in one query of plain rows, and households that look alike to the rules (the same
# members' roles, children, covered days within the period and new members) are priced once:
# `rules.bill` runs on a household's *shape*, with members keyed by position, and the result is
# reused for every household of that shape with their own membership ids put back. The rules
# stay the only place where a due is decided; this only avoids deciding the same due twice.


@dataclass(frozen=True, slots=True)
class Priced:
    """A household shape's due: its total, its lines with member *positions* (None for
    household-level lines), its fees by code, and its lines as JSON text with a `%s` for each
    member key (in the order of `positions`), so that a due's text costs one `%`."""

    total: Decimal
    lines: tuple[tuple[str, int | None, int, str, str], ...]
    fees: tuple[tuple[str, Decimal], ...]
    text: str
    positions: tuple[int, ...]


class NewDue:
    """A due about to be written, with the attributes of an unsaved `Due` that
    `subsidies.subsidise_chunk` reads and reduces in place (amount, lines, paid_on). Its lines
    are made from its shape's `Priced` only when asked for."""

    __slots__ = (
        "organization_id",
        "household_id",
        "run_id",
        "period",
        "period_start",
        "period_end",
        "due_on",
        "amount",
        "paid_on",
        "priced",
        "keys",
        "_lines",
    )

    def __init__(self, run: BillingRun, period, household_id: int, priced: Priced, keys: list):
        self.organization_id = run.organization_id
        self.run_id = run.pk
        self.household_id = household_id
        self.period = period.code
        self.period_start = period.start
        self.period_end = period.end
        self.due_on = period.start
        self.amount = priced.total
        self.paid_on: date | None = None
        self.priced = priced
        self.keys = keys
        self._lines: list | None = None

    @property
    def lines(self) -> list:
        """[code, member key, quantity, unit, amount] lists, as `Due.lines` stores them."""
        if self._lines is None:
            keys = self.keys
            self._lines = [
                [code, None if at is None else keys[at], quantity, unit, amount]
                for code, at, quantity, unit, amount in self.priced.lines
            ]
        return self._lines

    @lines.setter
    def lines(self, value: list) -> None:
        self._lines = value

    def fees(self) -> list[tuple[str, Decimal]]:
        if self._lines is None:
            return list(self.priced.fees)
        return [(x[0], Decimal(x[4])) for x in self._lines if x[0] in FEE_OPERATIONS]

    def json(self) -> str:
        if self._lines is not None:  # asked for, maybe changed (a subsidy): as they are now
            return json.dumps(self._lines)
        priced, keys = self.priced, self.keys
        return priced.text % tuple([keys[i] for i in priced.positions])


# (is_head, is_child, first covered day in the period, last one or None = to its end, new)
MemberShape = tuple[bool, bool, date, date | None, bool]
# Shapes priced, across the chunks of a run: (rule terms, period, shape...) -> Priced. Keyed by
# the rule's terms themselves (not a row id), so an entry can never go stale; bounded.
_PRICED: dict[tuple, Priced] = {}
PRICED_MAX = 200_000


def _member_rows(organization: Organization, household_ids: list[int]) -> list[tuple]:
    """(household id, membership id, relationship, birth date, birth year, enrolled on, status,
    status since) of the households' memberships in the mutual, in membership number order,
    as plain rows (one query, no model instances)."""
    m, p = Membership._meta, Person._meta
    q = connection.ops.quote_name
    params: list[Any]
    if bulk.is_postgres():
        within, params = "= ANY(%s)", [organization.pk, list(household_ids)]
    else:
        within, params = (
            f"IN ({', '.join(['%s'] * len(household_ids))})",
            [
                organization.pk,
                *household_ids,
            ],
        )
    sql = (
        f"SELECT p.{q('household_id')}, m.{q('id')}, p.{q('relationship')}, "  # noqa: S608
        f"p.{q('birth_date')}, p.{q('birth_year')}, m.{q('enrolled_on')}, m.{q('status')}, "
        f"m.{q('status_since')} FROM {q(m.db_table)} m JOIN {q(p.db_table)} p "
        f"ON p.{q('id')} = m.{q('person_id')} WHERE m.{q('organization_id')} = %s "
        f"AND p.{q('household_id')} {within} ORDER BY m.{q('number')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if rows and isinstance(rows[0][5], str):  # SQLite: dates come back as text
        day = _day
        rows = [
            (h, k, r, day(b), y, day(e), st, day(since)) for h, k, r, b, y, e, st, since in rows
        ]
    return rows


def _day(value):
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def household_shapes(
    rows: list[tuple], rule: rules.ContributionRule, period
) -> dict[int, tuple[list[MemberShape], list[int]]]:
    """{household id: (its covered members' shapes, their membership ids)} from member rows.
    Members not covered on any day of the period are left out (the rules bill them nothing);
    covered days are clipped to the period (the rules only count days within it). What the rules
    may see and nothing more: roles, children by the rule's age, covered days, new members —
    sex and health are not read at all."""
    start, end = period.start, period.end
    child_age = rule.child_age
    children: dict[tuple, bool] = {}
    found: dict[int, tuple[list[MemberShape], list[int]]] = {}
    for household_id, key, relationship, born, year, enrolled, status, since in rows:
        last = since - ONE_DAY if status in ENDED else None
        if last is not None:
            if last < start:
                continue
            if last >= end:
                last = None
        if enrolled > end:
            continue
        first = enrolled if enrolled > start else start
        if last is not None and last < first:
            continue
        is_child = False
        if relationship == "child" and child_age is not None:
            is_child = children.get((born, year))  # type: ignore[assignment]
            if is_child is None:
                facts = rules.member_facts_from(
                    {"relationship": relationship, "birth_date": born, "birth_year": year},
                    child_age,
                    start,
                    key=0,
                    covered_from=start,
                    covered_to=None,
                    salary=None,
                )
                is_child = children[(born, year)] = facts.is_child
        entry = found.get(household_id)
        if entry is None:
            entry = found[household_id] = ([], [])
        entry[0].append((relationship == "head", is_child, first, last, start <= enrolled))
        entry[1].append(key)
    return found


def price(
    rule: rules.ContributionRule,
    period,
    shapes: list[MemberShape],
    ability: str | None,
    cards: int,
    assembly_due: bool,
) -> Priced:
    """A household shape's due, decided by the pure rules (members keyed by position)."""
    members = tuple(
        rules.MemberFacts(
            key=i, is_head=head, is_child=child, covered_from=first, covered_to=last, salary=None
        )
        for i, (head, child, first, last, _new) in enumerate(shapes)
    )
    due = rules.bill(
        rule,
        rules.HouseholdFacts(key=0, members=members, ability=ability),
        period,
        new_members=frozenset(i for i, shape in enumerate(shapes) if shape[4]),
        cards=cards,
        assembly_due=assembly_due,
    )
    fees: dict[str, Decimal] = defaultdict(Decimal)
    for x in due.lines:
        if x.code in FEE_OPERATIONS:
            fees[x.code] += x.amount
    lines = []
    texts = []
    positions = []
    for x in due.lines:
        at = None if x.member_key is None else int(x.member_key)  # a position in `shapes`
        lines.append((x.code, at, x.quantity, str(x.unit), str(x.amount)))
        rest = json.dumps([x.quantity, str(x.unit), str(x.amount)])[1:].replace("%", "%%")
        code = json.dumps(x.code).replace("%", "%%")
        texts.append(f"[{code}, {'null' if at is None else '%s'}, {rest}")
        if at is not None:
            positions.append(at)
    return Priced(
        due.total,
        tuple(lines),
        tuple(sorted(fees.items())),
        "[" + ", ".join(texts) + "]",
        tuple(positions),
    )


def bill_chunk(run: BillingRun, household_ids: list[int]) -> tuple[int, Decimal]:
    """Bill these households for the run's period (those already billed are left alone): their
    dues written in bulk, the payers' shares of subsidised households taken off, the chunk's
    ledger entry posted and the households' credit applied, in the caller's transaction."""
    organization = run.organization
    currency = organization.currency
    rule = rules.rule_from_config(run.rule_version.config)
    period = periods.parse(run.period)
    # The chunk's households by the range of their ids, then kept by set: a list of thousands
    # of ids in an SQL IN costs more to build and parse than the query.
    within = set(household_ids)
    span = (min(household_ids), max(household_ids)) if household_ids else (0, -1)
    billed = set(
        Due.unscoped.filter(
            household_id__gte=span[0], household_id__lte=span[1], period=run.period
        ).values_list("household_id", flat=True)
    )
    todo = [pk for pk in household_ids if pk not in billed]
    shapes = household_shapes(_member_rows(organization, todo), rule, period) if todo else {}
    abilities: dict[int, str | None] = {}
    if rule.basis == rules.ABILITY and todo:
        abilities = {
            pk: code
            for pk, code in Household.unscoped.filter(pk__range=span).values_list(
                "pk", "ability__code"
            )
            if pk in within
        }
    cards = _cards(organization, span, within, period) if rule.card_fee and todo else {}
    assembly_due = (
        period.start == periods.period_of(periods.Periodicity(periods.YEAR), period.start).start
        or period.kind == periods.YEAR
    )
    if len(_PRICED) > PRICED_MAX:
        _PRICED.clear()
    version = json.dumps(run.rule_version.config, sort_keys=True, default=str)  # its terms
    dues: list[NewDue] = []
    for pk in todo:
        found = shapes.get(pk)
        if found is None:
            continue  # nobody covered in the period: nothing owed
        members, keys = found
        ability, card_count = abilities.get(pk), cards.get(pk, 0)
        signature = (version, period.code, tuple(members), ability, card_count)
        result = _PRICED.get(signature)
        if result is None:
            result = _PRICED[signature] = price(
                rule, period, members, ability, card_count, assembly_due
            )
        if result.total > 0:
            dues.append(NewDue(run, period, pk, result, keys))
    subsidise_chunk(run, cast(list[Due], dues))  # payers' shares, before the dues are written
    _write(dues)
    total = quantize(sum((d.amount for d in dues), Decimal(0)), currency)
    fee_totals: dict[str, Decimal] = defaultdict(Decimal)
    for d in dues:
        for code, amount in d.fees():
            fee_totals[code] += amount
    if total:
        _post_billing(run, total, fee_totals, period)
    _use_credits(run, span, {d.household_id for d in dues})
    BillingRun.unscoped.filter(pk=run.pk).update(
        households=F("households") + len(dues), total=F("total") + total
    )
    return len(dues), total


DUE_COLUMNS = [
    "uuid",
    "organization_id",
    "household_id",
    "run_id",
    "period",
    "period_start",
    "period_end",
    "due_on",
    "amount",
    "paid",
    "paid_on",
    "lines",
    "created_at",
]


def _write(dues: list[NewDue]) -> None:
    """The dues as plain rows (COPY on PostgreSQL): no model instances."""
    if not dues:
        return
    now = timezone.now()
    zero = Decimal(0)
    uuids = bulk.ascending_uuids(len(dues))
    bulk.copy_rows(
        Due,
        DUE_COLUMNS,
        (
            (
                next(uuids),
                d.organization_id,
                d.household_id,
                d.run_id,
                d.period,
                d.period_start,
                d.period_end,
                d.due_on,
                d.amount,
                zero,
                d.paid_on,
                d.json(),
                now,
            )
            for d in dues
        ),
    )


def _cards(organization, span, within, period) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for household_id in Card.unscoped.filter(
        organization=organization,
        membership__person__household_id__gte=span[0],
        membership__person__household_id__lte=span[1],
        issued_on__gte=period.start,
        issued_on__lte=period.end,
    ).values_list("membership__person__household_id", flat=True):
        if household_id in within:
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


def _use_credits(run: BillingRun, span: tuple[int, int], household_ids: set[int]) -> None:
    """Households that paid in advance (of `household_ids`, whose ids are within `span`): their
    credit pays the new dues, oldest payment first, each payment allocated to the household's
    oldest dues (`rules.allocate`), set-based."""
    if not household_ids:
        return
    payments = [
        row
        for row in Payment.unscoped.filter(
            household_id__gte=span[0],
            household_id__lte=span[1],
            status=PaymentStatus.RECORDED,
            unallocated__gt=0,
        )
        .order_by("household_id", "received_on", "pk")
        .values_list("pk", "household_id", "unallocated")
        if row[1] in household_ids
    ]
    if not payments:
        return
    households = sorted({household_id for _pk, household_id, _left in payments})
    # The cashiers' lock: a payment being recorded for one of these households waits.
    list(
        Household.unscoped.select_for_update()
        .filter(pk__in=households)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    open_by_household: dict[int, list[list]] = defaultdict(list)
    for pk, household_id, start, amount, already in (
        Due.unscoped.filter(household_id__in=households, paid__lt=F("amount"))
        .order_by("period_start", "pk")
        .values_list("pk", "household_id", "period_start", "amount", "paid")
    ):
        open_by_household[household_id].append([pk, start, amount - already])
    allocations: list[Allocation] = []
    paid: dict[int, Decimal] = defaultdict(Decimal)
    left_of: list[tuple[Decimal, int]] = []
    used = Decimal(0)
    for payment_id, household_id, unallocated in payments:
        dues = open_by_household.get(household_id)
        if not dues:
            continue
        parts, left = rules.allocate(
            unallocated, [rules.OpenDue(pk, start, outstanding) for pk, start, outstanding in dues]
        )
        if not parts:
            continue
        taken = dict(parts)
        for due in dues:
            if due[0] in taken:
                due[2] -= taken[due[0]]
        open_by_household[household_id] = [d for d in dues if d[2] > 0]
        for due_id, amount in parts:
            allocations.append(Allocation(payment_id=payment_id, due_id=due_id, amount=amount))
            paid[int(due_id)] += amount
        left_of.append((left, payment_id))
        used += unallocated - left
    if not allocations:
        return
    today = timezone.localdate()
    Allocation.unscoped.bulk_create(allocations, batch_size=1000)
    due_table = connection.ops.quote_name(Due._meta.db_table)
    payment_table = connection.ops.quote_name(Payment._meta.db_table)
    with connection.cursor() as cursor:
        # The check constraint due_never_overpaid refuses a due paid beyond its amount (the
        # households are locked: it cannot happen).
        cursor.executemany(
            f"UPDATE {due_table} SET paid = paid + %s WHERE id = %s",  # noqa: S608
            [(amount, pk) for pk, amount in paid.items()],
        )
        cursor.executemany(
            f"UPDATE {payment_table} SET unallocated = %s WHERE id = %s",  # noqa: S608
            left_of,
        )
    Due.unscoped.filter(pk__in=list(paid), paid=F("amount"), paid_on__isnull=True).update(
        paid_on=today
    )
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
