"""Review triage and disputes: why a claim went to the medical adviser, what the adviser
changed and why, and a provider's contest of a decision."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .claims import Claim, ClaimLine


class FlagOutcome(models.TextChoices):
    OPEN = "open", _("To review")
    CONFIRMED = "confirmed", _("Confirmed as decided")
    ADJUSTED = "adjusted", _("Adjusted")


class ReviewFlag(models.Model):
    """One reason a claim goes to the adviser's queue (a claim may have several)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="flags")
    code = models.CharField(max_length=48)  # triage.* codes, translated at the edge
    params = models.JSONField(default=dict, blank=True)
    score = models.DecimalField(max_digits=9, decimal_places=2, default=0)  # queue order
    created_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=FlagOutcome.choices, default="open")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("review flag")
        verbose_name_plural = _("review flags")
        indexes = [models.Index(fields=["outcome", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["claim", "code"], name="review_flag_once_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.code}"


class LineAdjustment(models.Model):
    """What the adviser changed on a line (quantity, price, decision), with the justification;
    the line keeps the new figures, this row keeps the old ones."""

    line = models.ForeignKey(ClaimLine, on_delete=models.CASCADE, related_name="adjustments")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    justification = models.TextField(_("justification"))

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("line adjustment")
        verbose_name_plural = _("line adjustments")
        ordering = ["line", "at"]

    def __str__(self) -> str:
        return f"{self.line_id} {self.at:%Y-%m-%d}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld: the decision is changed")
    DISMISSED = "dismissed", _("Dismissed: the decision stands")


class Dispute(models.Model):
    """A provider (or a member) contests a claim's decision; a medical adviser re-examines."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="disputes")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    grounds = models.TextField(_("grounds"))
    status = models.CharField(
        _("status"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    examined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(_("outcome"), blank=True)
    # What the outcome added to (or took from) the mutual's payment.
    amount_change = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        indexes = [models.Index(fields=["status", "opened_at"])]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.status}"
