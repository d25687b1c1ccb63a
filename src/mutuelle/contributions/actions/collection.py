"""Money collected outside the office: a collector's round (the sheet of a village, then the
remittance: what each household paid, the cash handed over, the collector's commission), and
statement lines a cashier assigns by hand."""

import uuid
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext

from mutuelle.accounting import actions as ledger
from mutuelle.core import audit
from mutuelle.core.models import Organization, Place
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm
from mutuelle.lib.money import quantize
from mutuelle.members.models import Household

from ..models import (
    CollectorSheet,
    Due,
    LineStatus,
    PaymentMethod,
    StatementLine,
    StatementSource,
)
from .errors import reason_error
from .payments import check_amount, record_payment


@transaction.atomic
def create_sheet(
    actor, organization: Organization, collector, place: Place, rate
) -> CollectorSheet:
    require(actor, Perm.COLLECT_PAYMENTS, organization)
    require(collector, Perm.COLLECT_PAYMENTS, organization)
    sheet = CollectorSheet.unscoped.create(
        organization=organization,
        collector=collector,
        place=place,
        commission_rate=Decimal(rate or 0),
        created_by=actor,
    )
    audit.record(actor, "collection.sheet_created", sheet, organization=organization)
    return sheet


def sheet_rows(sheet: CollectorSheet) -> list[dict]:
    """The households of the village with what each still owes (at the sheet's date)."""
    owed = dict(
        Due.unscoped.filter(
            organization=sheet.organization,
            household__place=sheet.place,
            paid__lt=F("amount"),
        )
        .values("household_id")
        .annotate(owed=Sum(F("amount") - F("paid")))
        .values_list("household_id", "owed")
    )
    households = (
        Household.unscoped.filter(organization=sheet.organization, place=sheet.place)
        .select_related("head")
        .order_by("number")
    )
    return [{"household": h, "owed": owed.get(h.pk, Decimal(0))} for h in households]


def sheet_key(sheet: CollectorSheet, household_id: int) -> uuid.UUID:
    """One payment per household and sheet, whatever is submitted twice."""
    return uuid.uuid5(sheet.uuid, str(household_id))


@transaction.atomic
def remit_sheet(
    actor, sheet: CollectorSheet, amounts: dict[int, object], counted
) -> CollectorSheet:
    """The collector is back: each household's payment is recorded (a receipt numbered in the
    collector's series — their booklet), the cash handed over is counted, the difference and
    the commission are booked. Once per sheet."""
    organization = sheet.organization
    require(actor, Perm.COLLECT_PAYMENTS, organization)
    locked = CollectorSheet.unscoped.select_for_update().get(pk=sheet.pk)
    if locked.remitted_at is not None:
        raise reason_error("collection.already_remitted")
    currency = organization.currency
    counted = check_amount(counted, currency) if str(counted).strip() not in ("", "0") else 0
    households = Household.unscoped.in_bulk(list(amounts))
    total = Decimal(0)
    for household_id, amount in amounts.items():
        if not str(amount).strip() or str(amount).strip() == "0":
            continue
        household = households[household_id]
        if household.organization_id != organization.pk or household.place_id != sheet.place_id:
            raise reason_error("collection.not_on_sheet")
        payment = record_payment(
            actor,
            household,
            amount,
            PaymentMethod.COLLECTOR,
            reference="",
            idempotency_key=sheet_key(sheet, household_id),
            collector=sheet.collector,
            sheet=sheet,
        )
        total += payment.amount
    commission = quantize(total * sheet.commission_rate / 100, currency)
    day = timezone.localdate()
    label = gettext("Collector %(name)s, %(place)s") % {
        "name": sheet.collector.get_username(),
        "place": sheet.place.name,
    }
    difference = Decimal(counted) - total
    if difference:
        operation = "cash_surplus" if difference > 0 else "cash_shortage"
        ledger.post_operation(
            organization, operation, day, abs(difference), label, source=sheet, actor=actor
        )
    if commission:
        ledger.post_operation(
            organization,
            "collector_commission_cash",
            day,
            commission,
            label,
            source=sheet,
            actor=actor,
        )
    CollectorSheet.unscoped.filter(pk=sheet.pk, remitted_at__isnull=True).update(
        remitted_at=timezone.now(), expected=total, counted=counted, commission=commission
    )
    audit.record(
        actor,
        "collection.remitted",
        sheet,
        organization=organization,
        collected=str(total),
        counted=str(counted),
        commission=str(commission),
    )
    sheet.refresh_from_db()
    return sheet


def till_adjustment(payment_ids) -> Decimal:
    """What the till holds less than the collectors' payments it recorded: shortages and
    commissions paid out at their remittances (a surplus adds)."""
    sheets = CollectorSheet.unscoped.filter(
        payments__pk__in=list(payment_ids), remitted_at__isnull=False
    ).distinct()
    adjustment = Decimal(0)
    for sheet in sheets:
        adjustment += (sheet.expected or 0) - (sheet.counted or 0) + (sheet.commission or 0)
    return adjustment


@transaction.atomic
def assign_line(actor, line: StatementLine, household: Household):
    """A cashier assigns a statement line no household matched."""
    require(actor, Perm.COLLECT_PAYMENTS, line.organization)
    if household.organization_id != line.organization_id:
        raise reason_error("collection.not_on_sheet")
    locked = StatementLine.unscoped.select_for_update().get(pk=line.pk)
    if locked.status != LineStatus.UNMATCHED:
        raise reason_error("statement.already_done")
    method = (
        PaymentMethod.MOBILE_MONEY
        if line.source == StatementSource.MOBILE_MONEY
        else PaymentMethod.BANK
    )
    payment = record_payment(
        actor, household, line.amount, method, line.on, reference=line.transaction_id
    )
    StatementLine.unscoped.filter(pk=line.pk).update(
        household=household, payment=payment, status=LineStatus.RECORDED
    )
    return payment


@transaction.atomic
def ignore_line(actor, line: StatementLine) -> None:
    require(actor, Perm.COLLECT_PAYMENTS, line.organization)
    StatementLine.unscoped.filter(pk=line.pk, status=LineStatus.UNMATCHED).update(
        status=LineStatus.IGNORED
    )
    audit.record(actor, "statement.line_ignored", line, organization=line.organization)
