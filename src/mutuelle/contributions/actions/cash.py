"""Cash control: a cashier's daily till closing, and corrections of payments approved by a
second person (maker-checker)."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from mutuelle.accounting import actions as ledger
from mutuelle.accounting.models import Entry
from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm
from mutuelle.members.models import Household

from ..models import (
    Correction,
    CorrectionStatus,
    Due,
    Payment,
    PaymentMethod,
    PaymentStatus,
    TillClosing,
)
from . import subsidies
from .collection import till_adjustment
from .errors import reason_error
from .payments import check_amount

TILL_METHODS = (PaymentMethod.CASH, PaymentMethod.COLLECTOR)


def till_payments(organization: Organization, cashier, day: date):
    """The cash a cashier took and has not yet counted in a closing, up to `day`."""
    return Payment.unscoped.filter(
        organization=organization,
        cashier=cashier,
        method__in=TILL_METHODS,
        status=PaymentStatus.RECORDED,
        till_closing__isnull=True,
        received_on__lte=day,
    )


def expected_in_till(organization: Organization, cashier, day: date) -> Decimal:
    payments = till_payments(organization, cashier, day)
    total = payments.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    return total - till_adjustment(payments.values_list("pk", flat=True))


@transaction.atomic
def close_till(actor, organization: Organization, counted, day: date | None = None, note=""):
    """Count the till: the cash payments since the last closing are expected; a shortage or
    a surplus is booked (posting rules cash_shortage / cash_surplus)."""
    require(actor, Perm.COLLECT_PAYMENTS, organization)
    day = day or timezone.localdate()
    try:
        counted = check_amount(counted, organization.currency) if counted not in (0, "0") else 0
    except Exception as exc:
        raise reason_error("till.bad_count") from exc
    counted = Decimal(counted)
    if TillClosing.unscoped.filter(organization=organization, cashier=actor, day=day).exists():
        raise reason_error("till.already_closed")
    payments = till_payments(organization, actor, day).select_for_update()
    ids = list(payments.values_list("pk", flat=True))
    expected = Payment.unscoped.filter(pk__in=ids).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    expected -= till_adjustment(ids)
    closing = TillClosing.unscoped.create(
        organization=organization,
        cashier=actor,
        day=day,
        expected=expected,
        counted=counted,
        note=note[:200],
    )
    Payment.unscoped.filter(pk__in=ids).update(till_closing=closing)
    difference = counted - expected
    if difference:
        operation = "cash_surplus" if difference > 0 else "cash_shortage"
        ledger.post_operation(
            organization,
            operation,
            day,
            abs(difference),
            f"{closing._meta.verbose_name} {actor.get_username()} {day:%Y-%m-%d}",
            source=closing,
            actor=actor,
        )
    audit.record(
        actor,
        "till.closed",
        closing,
        organization=organization,
        expected=str(expected),
        counted=str(counted),
    )
    return closing


@transaction.atomic
def request_correction(actor, payment: Payment, reason: str) -> Correction:
    require(actor, Perm.COLLECT_PAYMENTS, payment.organization)
    if not reason.strip():
        raise reason_error("correction.reason_required")
    if payment.status == PaymentStatus.REVERSED:
        raise reason_error("correction.already_reversed")
    if Correction.unscoped.filter(payment=payment, status=CorrectionStatus.PENDING).exists():
        raise reason_error("correction.pending")
    correction = Correction.unscoped.create(
        payment=payment, reason=reason.strip()[:200], requested_by=actor
    )
    audit.record(
        actor,
        "correction.requested",
        correction,
        organization=payment.organization,
        reason=correction.reason,
    )
    return correction


@transaction.atomic
def decide_correction(actor, correction: Correction, approve: bool) -> Correction:
    """A second person approves (the payment is reversed: its allocations are released and
    its entry reversed) or rejects."""
    payment = correction.payment
    require(actor, Perm.APPROVE_CORRECTIONS, payment.organization)
    if actor.pk == correction.requested_by_id:
        raise reason_error("correction.same_person")
    status = CorrectionStatus.APPROVED if approve else CorrectionStatus.REJECTED
    decided = Correction.unscoped.filter(pk=correction.pk, status=CorrectionStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=timezone.now()
    )
    if decided != 1:
        raise reason_error("correction.already_decided")
    if approve:
        _reverse_payment(actor, payment, correction.reason)
    audit.record(
        actor,
        "correction.approved" if approve else "correction.rejected",
        correction,
        organization=payment.organization,
    )
    correction.refresh_from_db()
    return correction


def _reverse_payment(actor, payment: Payment, reason: str) -> None:
    list(Household.unscoped.select_for_update().filter(pk=payment.household_id).values("pk"))
    if (
        Payment.unscoped.filter(pk=payment.pk, status=PaymentStatus.RECORDED).update(
            status=PaymentStatus.REVERSED
        )
        != 1
    ):
        raise reason_error("correction.already_reversed")
    for due_id, amount in payment.allocations.values_list("due_id", "amount"):
        Due.unscoped.filter(pk=due_id).update(paid=F("paid") - amount, paid_on=None)
    today = timezone.localdate()
    for entry in Entry.unscoped.filter(
        source_type=payment._meta.label_lower,
        source_id=str(payment.pk),
        reverses__isnull=True,
        reversed_by__isnull=True,
    ):
        ledger.reverse(entry, today, reason, actor=actor)
    subsidies.reverse_matching(actor, payment, reason)
