"""Tenant-scoped reads of contributions: the cashier's search, a household's account, payments,
till and corrections."""

from decimal import Decimal

from django.db.models import F, QuerySet, Sum

from mutuelle.cards import rules as card_rules
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import get_for_user, scope
from mutuelle.members import queries as member_queries
from mutuelle.members.models import Household, Membership

from .models import (
    BillingRun,
    Correction,
    CorrectionStatus,
    Due,
    Payment,
    PaymentStatus,
    RuleVersion,
    TillClosing,
)


def cashier_households(user) -> QuerySet[Household]:
    return scope(Household.unscoped.all(), user, Perm.COLLECT_PAYMENTS)


def find_households(user, text: str, limit: int = 10) -> list[Household]:
    """What a cashier typed or scanned: a card's QR code (a USB scanner types it), a
    membership or household number, a phone or a name. Households in rank order."""
    text = text.strip()
    if not text:
        return []
    base = cashier_households(user).select_related("head", "place")
    parsed = card_rules.parse(text) if text.startswith("MUT") else None
    number = parsed[0].number if parsed else text.upper().replace(" ", "")
    exact = list(base.filter(number=number)[:1]) or list(
        base.filter(
            pk__in=Membership.unscoped.filter(number=number).values("person__household_id")
        )[:1]
    )
    if exact or parsed:
        return exact
    persons = member_queries.search_persons(user, text, limit=limit * 2)
    order = list(dict.fromkeys(p.household_id for p in persons if p.household_id))
    by_id = base.in_bulk(order)
    return [by_id[pk] for pk in order if pk in by_id][:limit]


def cashier_household(user, uuid) -> Household:
    return get_for_user(
        Household.unscoped.select_related("organization", "head", "place"),
        user,
        Perm.COLLECT_PAYMENTS,
        uuid=uuid,
    )


def open_dues(household_id: int) -> list[Due]:
    """A household's dues still owed, oldest first (the order payments are allocated in)."""
    return list(
        Due.unscoped.filter(household_id=household_id, paid__lt=F("amount")).order_by(
            "period_start", "pk"
        )
    )


def credit_of(household: Household) -> Decimal:
    total = Payment.unscoped.filter(
        household=household, status=PaymentStatus.RECORDED, unallocated__gt=0
    ).aggregate(s=Sum("unallocated"))["s"]
    return total or Decimal(0)


def recent_payments(household: Household, limit: int = 5) -> list[Payment]:
    return list(
        Payment.unscoped.filter(household=household)
        .select_related("receipt__series")
        .order_by("-created_at")[:limit]
    )


def payments(user) -> QuerySet[Payment]:
    return scope(Payment.unscoped.all(), user, Perm.COLLECT_PAYMENTS)


def payment(user, uuid) -> Payment:
    return get_for_user(
        Payment.unscoped.select_related("organization", "household", "cashier", "receipt__series"),
        user,
        Perm.COLLECT_PAYMENTS,
        uuid=uuid,
    )


def todays_payments(user, organization, day) -> QuerySet[Payment]:
    return (
        Payment.unscoped.filter(organization=organization, cashier=user, received_on=day)
        .select_related("household", "receipt__series")
        .order_by("-created_at")
    )


def till_closings(user) -> QuerySet[TillClosing]:
    return scope(TillClosing.unscoped.all(), user, Perm.COLLECT_PAYMENTS).select_related(
        "cashier", "organization"
    )


def pending_corrections(user) -> QuerySet[Correction]:
    return scope(
        Correction.unscoped.filter(status=CorrectionStatus.PENDING),
        user,
        Perm.APPROVE_CORRECTIONS,
        field="payment__organization",
    ).select_related("payment__household", "requested_by", "payment__receipt__series")


def correction(user, pk: int) -> Correction:
    return get_for_user(
        Correction.unscoped.select_related("payment__organization", "payment__household"),
        user,
        Perm.APPROVE_CORRECTIONS,
        field="payment__organization",
        pk=pk,
    )


def rule_versions(user) -> QuerySet[RuleVersion]:
    return scope(RuleVersion.unscoped.all(), user, Perm.VIEW_BENEFITS).select_related(
        "organization"
    )


def rule_version(user, pk: int) -> RuleVersion:
    return get_for_user(
        RuleVersion.unscoped.select_related("organization"), user, Perm.VIEW_BENEFITS, pk=pk
    )


def billing_runs(user) -> QuerySet[BillingRun]:
    return scope(BillingRun.unscoped.all(), user, Perm.BILL_DUES).select_related(
        "organization", "job"
    )
