"""Every eligibility check is logged: the provider, who asked, what was typed or scanned, what
was answered. Review triage reads it ("no eligibility check on the day of care")."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mutuelle.core.models import Organization
from mutuelle.members.models import Membership, Person


class CheckMethod(models.TextChoices):
    TYPED = "typed", _("Number typed or scanned with a USB reader")
    CAMERA = "camera", _("Card scanned with the camera")
    PHOTO = "photo", _("Photo of the card")
    API = "api", _("Through the API")


class CheckResult(models.TextChoices):
    COVERED = "covered", _("Covered")
    NOT_COVERED = "not_covered", _("Not covered")
    NOT_FOUND = "not_found", _("Unknown number")
    FORGED = "forged", _("Forged card")
    REVOKED = "revoked", _("Revoked card")
    EXPIRED = "expired", _("Expired card")
    NOT_SERVED = "not_served", _("No convention with this member's mutual")


class EligibilityCheck(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The beneficiary's mutual, when the number was found: its staff see the check too.
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The provider where the care is given; empty when the mutual's own staff check.
    provider = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(auto_now_add=True)
    care_date = models.DateField(_("date of care"))
    method = models.CharField(max_length=8, choices=CheckMethod.choices)
    # What was typed or read from the card, cut short: never a whole photo.
    query = models.CharField(max_length=200, blank=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(max_length=12, choices=CheckResult.choices)
    reason = models.CharField(max_length=48, blank=True)
    params = models.JSONField(default=dict, blank=True)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("eligibility check")
        verbose_name_plural = _("eligibility checks")
        indexes = [
            models.Index(fields=["person", "care_date"]),
            models.Index(fields=["provider", "checked_at"]),
            models.Index(fields=["organization", "checked_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.query} → {self.result}"
