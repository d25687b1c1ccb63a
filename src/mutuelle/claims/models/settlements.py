"""Settlements: per convention (or member) and period, a statement (bordereau) of approved
claims with its totals, flat-rate and capitation amounts, advances recovered; a payment order
prepared by the claims officer and approved by the manager (never the same person); the
payment with its reference. Advances to hospitals are recovered against later settlements."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core.models import Organization
from mutuelle.members.models import Person


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PREPARED = "prepared", _("Payment order prepared")
    APPROVED = "approved", _("Payment order approved")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class PayeeKind(models.TextChoices):
    PROVIDER = "provider", _("Health care provider")
    MEMBER = "member", _("Member")


class Settlement(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("statement number"), max_length=32, unique=True)
    payee_kind = models.CharField(max_length=10, choices=PayeeKind.choices)
    provider = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    convention = models.ForeignKey(
        "providers.Convention", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    status = models.CharField(
        _("status"), max_length=10, choices=SettlementStatus.choices, default="draft"
    )
    claims_count = models.PositiveIntegerField(default=0)
    claims_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    # Flat rates, capitation, recoveries: the settlement's other lines (SettlementLine).
    other_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    net_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-period_end", "number"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["provider", "period_end"]),
        ]

    def __str__(self) -> str:
        return self.number


class SettlementLineKind(models.TextChoices):
    FLAT_RATE = "flat_rate", _("Flat rate per episode")
    CAPITATION = "capitation", _("Capitation")
    ADVANCE_RECOVERY = "advance_recovery", _("Advance recovered")
    OVERPAYMENT_RECOVERY = "overpayment_recovery", _("Overpayment recovered")
    DISPUTE = "dispute", _("Dispute outcome")


class SettlementLine(models.Model):
    """An amount of a settlement other than its claims (negative for a recovery)."""

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=24, choices=SettlementLineKind.choices)
    label = models.CharField(max_length=200)
    quantity = models.IntegerField(default=1)
    unit_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    advance = models.ForeignKey(
        "Advance", null=True, blank=True, on_delete=models.PROTECT, related_name="recoveries"
    )

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("settlement line")
        verbose_name_plural = _("settlement lines")

    def __str__(self) -> str:
        return f"{self.settlement_id} {self.kind} {self.amount}"


class AdvanceKind(models.TextChoices):
    ADVANCE = "advance", _("Advance to the provider")
    OVERPAYMENT = "overpayment", _("Overpayment to recover")


class Advance(models.Model):
    """Money the provider owes back: an advance paid to a hospital, or an overpayment found
    later; recovered against later settlements."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=AdvanceKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    recovered = models.DecimalField(_("recovered"), max_digits=18, decimal_places=2, default=0)
    granted_on = models.DateField(_("date"))
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("advance or overpayment")
        verbose_name_plural = _("advances and overpayments")
        indexes = [models.Index(fields=["provider", "organization"])]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.amount}"
