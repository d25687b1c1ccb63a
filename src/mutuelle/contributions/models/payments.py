"""Payments, their allocation to dues, gapless receipts, till closings and corrections."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core.models import Organization
from mutuelle.members.models import Household

from .dues import Due


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash at the office")
    COLLECTOR = "collector", _("Collector's round")
    MOBILE_MONEY = "mobile_money", _("Mobile money")
    BANK = "bank", _("Bank transfer")
    PAYROLL = "payroll", _("Payroll deduction")
    OPENING = "opening", _("Brought forward from the former books")


class PaymentStatus(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    REVERSED = "reversed", _("Reversed")


class Payment(models.Model):
    """Money received for a household. Allocated to its oldest dues first; what is left is
    the household's credit (`unallocated`), used by the next billing."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    unallocated = models.DecimalField(_("credit left"), default=0, max_digits=18, decimal_places=2)
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    received_on = models.DateField(_("received on"))
    # The operator's or bank's transaction id: never recorded twice for a mutual and method.
    reference = models.CharField(_("transaction reference"), max_length=64, blank=True)
    # A form's one-time key: a repeated submission returns the payment already recorded.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True)
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sheet = models.ForeignKey(
        "CollectorSheet", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    till_closing = models.ForeignKey(
        "TillClosing", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.RECORDED
    )
    created_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=Q(unallocated__gte=0) & Q(unallocated__lte=models.F("amount")),
                name="payment_unallocated_within_amount",
            ),
            models.UniqueConstraint(
                fields=["organization", "method", "reference"],
                condition=~Q(reference=""),
                name="payment_reference_once",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "cashier", "received_on"]),
            models.Index(fields=["household", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.amount}"


class Allocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    due = models.ForeignKey(Due, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive")
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.due_id}: {self.amount}"


class SeriesKind(models.TextChoices):
    BOOKLET = "booklet", _("Pre-numbered booklet")
    CASHIER = "cashier", _("Cashier's series")


class ReceiptSeries(models.Model):
    """A gapless series of receipt numbers: a pre-numbered paper booklet (first..last) or a
    cashier's own series. The next number is taken under a row lock in the payment's
    transaction, so two cashiers never share a number and a rolled-back payment leaves no
    gap."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("series"), max_length=24)
    kind = models.CharField(_("kind"), max_length=8, choices=SeriesKind.choices)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("held by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_number = models.PositiveIntegerField(_("first number"), default=1)
    last_number = models.PositiveIntegerField(_("last number"), null=True, blank=True)
    next_number = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("receipt series")
        verbose_name_plural = _("receipt series")
        ordering = ["organization", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="receipt_series_unique"),
            models.UniqueConstraint(
                fields=["organization", "holder"],
                condition=Q(is_active=True),
                name="receipt_series_one_active_per_holder",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Receipt(models.Model):
    series = models.ForeignKey(ReceiptSeries, on_delete=models.PROTECT, related_name="receipts")
    number = models.PositiveIntegerField(_("number"))
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    issued_at = models.DateTimeField(default=timezone.now)
    prints = models.PositiveIntegerField(default=0)  # the second print on is marked "copy"

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="receipt_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.series.code}-{self.number:06d}"


class TillClosing(models.Model):
    """A cashier's till counted at the end of a day: expected (the cash payments recorded since
    the last closing) against counted; the difference is booked as a shortage or surplus."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    expected = models.DecimalField(_("expected"), max_digits=18, decimal_places=2)
    counted = models.DecimalField(_("counted"), max_digits=18, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    closed_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("till closing")
        verbose_name_plural = _("till closings")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "cashier", "day"], name="till_closing_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cashier_id} {self.day}"

    @property
    def difference(self):
        return self.counted - self.expected


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Correction(models.Model):
    """A payment's reversal asked by one person and approved by another (maker-checker)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="corrections")
    reason = models.CharField(_("reason"), max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CorrectionStatus.choices,
        default=CorrectionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(status="pending"),
                name="correction_one_pending_per_payment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.status}"
