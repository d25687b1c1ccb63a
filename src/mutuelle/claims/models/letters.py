"""Guarantee letters (prior authorization, "lettre de garantie") and referral slips.

A letter is requested by a provider or the mutual for a hospital stay, surgery or referral,
and approved or refused by a medical adviser with a maximum amount and a validity; claims cite
it, and the engine caps what the mutual pays under it at its maximum."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core.models import Organization
from mutuelle.members.models import Person


class LetterStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


class GuaranteeLetter(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The beneficiary's mutual: it pays, so the number is in its series.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("letter number"), max_length=32, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    visit_type = models.CharField(_("visit type"), max_length=12)
    reason = models.TextField(_("reason for the request"), blank=True)  # medical
    diagnoses = models.CharField(_("diagnoses (ICD-10)"), max_length=200, blank=True)  # medical
    estimated_amount = models.DecimalField(
        _("estimated amount"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    planned_on = models.DateField(_("planned date"))
    status = models.CharField(
        _("status"), max_length=10, choices=LetterStatus.choices, default=LetterStatus.REQUESTED
    )
    max_amount = models.DecimalField(
        _("maximum amount"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("guarantee letter")
        verbose_name_plural = _("guarantee letters")
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["provider", "status"]),
        ]

    def __str__(self) -> str:
        return self.number


class Referral(models.Model):
    """A referral slip from one care level to another, and its counter-referral."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("referral number"), max_length=32, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    from_provider = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    to_provider = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    referred_on = models.DateField(_("referred on"))
    reason = models.TextField(_("reason for the referral"), blank=True)  # medical
    counter_note = models.TextField(_("counter-referral"), blank=True)  # medical
    counter_on = models.DateField(_("counter-referral date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["person", "referred_on"])]

    def __str__(self) -> str:
        return self.number
