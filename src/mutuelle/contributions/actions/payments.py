"""Recording a payment: lock the household, allocate to its oldest dues, number the receipt in
the cashier's gapless series, and post the entry — all in one transaction."""

import uuid
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from mutuelle.accounting import actions as ledger
from mutuelle.accounting.rules import LineValue
from mutuelle.core import audit
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm
from mutuelle.members import rules as member_rules
from mutuelle.members.models import Household, Membership

from .. import rules
from ..models import (
    Allocation,
    Due,
    Payment,
    PaymentMethod,
    Receipt,
    ReceiptSeries,
    SeriesKind,
)
from ..queries import open_dues
from . import arrears, subsidies
from .errors import reason_error

# Which posting rule books a payment of each method (accounting.chart.DEFAULT_POSTING_RULES).
OPERATION_OF_METHOD: dict[str, str] = {
    PaymentMethod.CASH: "contribution_paid_cash",
    PaymentMethod.COLLECTOR: "contribution_paid_cash",
    PaymentMethod.MOBILE_MONEY: "contribution_paid_mobile",
    PaymentMethod.BANK: "contribution_paid_bank",
    PaymentMethod.PAYROLL: "contribution_paid_bank",
}
ADVANCE = "contribution_advance_cash"  # its credit account holds households' credit
MEMBERS = (member_rules.PENDING, member_rules.ACTIVE, member_rules.SUSPENDED)


def check_amount(value, currency: str) -> Decimal:
    """A typed or given amount, refused with a reason when it is not a positive amount of the
    currency (no more decimals than the currency has)."""
    parsed, code = rules.amount_errors(value, currency)
    if code is not None or parsed is None:
        raise reason_error(code or "amount.not_a_number")
    return parsed


@transaction.atomic
def record_payment(
    actor,
    household: Household,
    amount,
    method: str,
    received_on: date | None = None,
    *,
    reference: str = "",
    idempotency_key: uuid.UUID | str | None = None,
    collector=None,
    sheet=None,
) -> Payment:
    """Record money received for a household. A repeated submission (same idempotency key)
    or a transaction reference already recorded never records twice."""
    organization = household.organization
    require(actor, Perm.COLLECT_PAYMENTS, organization)
    if idempotency_key:
        existing = Payment.unscoped.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.household_id != household.pk:
                raise reason_error("payment.key_reused")
            return existing
    amount = check_amount(amount, organization.currency)
    reference = reference.strip()
    if reference and _reference_used(organization, method, reference):
        raise reason_error("payment.duplicate_reference")
    # One household, one payment at a time: the lock serializes two cashiers taking money for
    # the same household, so each sees the other's allocations and the balance stays right.
    Household.unscoped.select_for_update(of=("self",)).filter(pk=household.pk).order_by(
        "pk"
    ).first()
    dues = open_dues(household.pk)
    if not dues and not _has_members(household):
        raise reason_error("payment.household_left")
    received_on = received_on or timezone.localdate()
    allocations, credit = rules.allocate(
        amount, [rules.OpenDue(d.pk, d.period_start, d.outstanding) for d in dues]
    )
    payment = Payment.unscoped.create(
        organization=organization,
        household=household,
        amount=amount,
        unallocated=credit,
        method=method,
        received_on=received_on,
        reference=reference,
        idempotency_key=idempotency_key or None,
        cashier=actor,
        collector=collector,
        sheet=sheet,
    )
    apply_allocations(payment, allocations, received_on)
    # A matching programme owes its share of what was just paid (before the statuses move:
    # a due the match completes counts as paid).
    subsidies.match_payment(actor, payment, allocations)
    # A collector's payment takes the next number of the collector's own booklet.
    issue_receipt(collector or actor, payment)
    arrears.after_payment(actor, household, received_on)
    audit.record(
        actor,
        "payment.recorded",
        payment,
        organization=organization,
        amount=str(amount),
        method=method,
    )
    # Last: posting locks the journal row (gapless entry numbers) until the transaction
    # commits, and every cashier of the mutual posts in the same cash journal.
    _post(actor, payment, amount - credit, credit)
    return payment


def _reference_used(organization, method: str, reference: str) -> bool:
    return Payment.unscoped.filter(
        organization=organization, method=method, reference=reference
    ).exists()


def _has_members(household: Household) -> bool:
    return Membership.unscoped.filter(
        person__household=household, status__in=MEMBERS, organization=household.organization
    ).exists()


def apply_allocations(payment: Payment, allocations, on: date) -> None:
    """Write the allocations and raise each due's `paid` (the caller holds the household's
    lock). Conditional updates: a due is never paid beyond its amount."""
    Allocation.unscoped.bulk_create(
        Allocation(payment=payment, due_id=key, amount=value) for key, value in allocations
    )
    for key, value in allocations:
        touched = Due.unscoped.filter(pk=key, paid__lte=F("amount") - value).update(
            paid=F("paid") + value
        )
        if touched != 1:
            raise RuntimeError("a due would be overpaid")  # the household lock prevents it
    Due.unscoped.filter(
        pk__in=[key for key, _value in allocations], paid=F("amount"), paid_on__isnull=True
    ).update(paid_on=on)


def _post(actor, payment: Payment, allocated: Decimal, credit: Decimal) -> None:
    organization = payment.organization
    journal, cash_account, receivable = ledger.rule_for(
        organization, OPERATION_OF_METHOD[payment.method]
    )
    _j, _d, advance_account = ledger.rule_for(organization, ADVANCE)
    label = gettext("Contribution %(household)s") % {"household": payment.household.number}
    lines = [LineValue(cash_account, debit=payment.amount, label=label)]
    if allocated:
        lines.append(LineValue(receivable, credit=allocated, label=label))
    if credit:
        lines.append(LineValue(advance_account, credit=credit, label=label))
    ledger.post(
        organization, journal, payment.received_on, label, lines, source=payment, actor=actor
    )


def cashier_series(actor, organization) -> ReceiptSeries:
    """The series the actor numbers receipts in, locked for this transaction: their active
    booklet, or else their own cashier series (made on first use)."""
    # of=("self",) and no ordering: the model's ordering joins the organization, whose row
    # must not be locked (another cashier's commit checks its foreign keys to it).
    series = (
        ReceiptSeries.unscoped.select_for_update(of=("self",))
        .filter(organization=organization, holder=actor, is_active=True)
        .order_by("pk")
        .first()
    )
    if series is None:
        ReceiptSeries.unscoped.get_or_create(
            organization=organization,
            code=f"C{actor.pk:04d}",
            defaults={"kind": SeriesKind.CASHIER, "holder": actor},
        )
        series = ReceiptSeries.unscoped.select_for_update(of=("self",)).get(
            organization=organization, holder=actor, is_active=True
        )
    return series


def issue_receipt(actor, payment: Payment) -> Receipt:
    series = cashier_series(actor, payment.organization)
    number = series.next_number
    if series.last_number is not None and number > series.last_number:
        raise reason_error("receipt.booklet_full")
    ReceiptSeries.unscoped.filter(pk=series.pk).update(next_number=number + 1)
    return Receipt.unscoped.create(series=series, number=number, payment=payment)


@transaction.atomic
def open_booklet(actor, organization, code: str, first: int, last: int, holder=None):
    """A pre-numbered paper booklet handed to a cashier or collector: receipts are then
    numbered first..last without a gap; the holder's previous series is put away."""
    require(actor, Perm.COLLECT_PAYMENTS, organization)
    holder = holder or actor
    code = code.strip().upper()
    if last < first or first < 1:
        raise reason_error("receipt.bad_range")
    if ReceiptSeries.unscoped.filter(organization=organization, code=code).exists():
        raise reason_error("receipt.series_exists")
    ReceiptSeries.unscoped.filter(organization=organization, holder=holder, is_active=True).update(
        is_active=False
    )
    series = ReceiptSeries.unscoped.create(
        organization=organization,
        code=code,
        kind=SeriesKind.BOOKLET,
        holder=holder,
        first_number=first,
        last_number=last,
        next_number=first,
    )
    audit.record(actor, "receipt.booklet_opened", series, organization=organization, code=code)
    return series


def mark_printed(receipt: Receipt) -> bool:
    """Count a print; True when this print is a copy (the original was printed already)."""
    Receipt.unscoped.filter(pk=receipt.pk).update(prints=F("prints") + 1)
    return receipt.prints > 0
