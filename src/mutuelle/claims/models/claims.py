"""Claims, their lines, their episodes of care, and the events of their lives.

A claim is a request to pay for care: by a provider (third-party payment) or by a member who
paid (reimbursement). Its lines carry what was asked and, once adjudicated, every amount and
the reasons (`claims.rules`). Every change of status is an event row (the bulk path writes
them too); what a line consumed of ceilings and quantities is stored on it, so the engine's
`Usage` is reloaded from the lines themselves."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.benefits.models import Act
from mutuelle.core.models import Organization
from mutuelle.members.models import Household, Membership, Person

from .letters import GuaranteeLetter, Referral


class ClaimKind(models.TextChoices):
    THIRD_PARTY = "third_party", _("Provider's claim (third-party payment)")
    REIMBURSEMENT = "reimbursement", _("Member's reimbursement")
    CASH_BENEFIT = "cash_benefit", _("Cash benefit (death, birth, incapacity)")


class VisitType(models.TextChoices):
    OUTPATIENT = "outpatient", _("Outpatient")
    INPATIENT = "inpatient", _("Inpatient")
    EMERGENCY = "emergency", _("Emergency")
    REFERRAL = "referral", _("Referral")


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ADJUDICATED = "adjudicated", _("Adjudicated")
    IN_REVIEW = "in_review", _("In medical review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    IN_SETTLEMENT = "in_settlement", _("In a settlement")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


# Claims whose lines count against ceilings and quantities: decided and not rejected. A claim
# counts from its adjudication (before approval), so that two claims never share one ceiling.
CONSUMING = (
    ClaimStatus.ADJUDICATED,
    ClaimStatus.IN_REVIEW,
    ClaimStatus.APPROVED,
    ClaimStatus.IN_SETTLEMENT,
    ClaimStatus.PAID,
)


class Decision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    PARTIAL = "partial", _("Partly approved")
    REDUCED = "reduced", _("Reduced")
    REJECTED = "rejected", _("Rejected")


def _money(label):
    return models.DecimalField(label, max_digits=18, decimal_places=2, default=0)


class Episode(models.Model):
    """The claims of one illness or stay: utilization and cost per case count episodes."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    visit_type = models.CharField(_("visit type"), max_length=12, choices=VisitType.choices)
    started_on = models.DateField(_("started on"))
    created_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("episode of care")
        verbose_name_plural = _("episodes of care")
        indexes = [models.Index(fields=["person", "started_on"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.started_on}"


class Claim(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The beneficiary's mutual, which pays.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=ClaimKind.choices)
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    visit_type = models.CharField(_("visit type"), max_length=12, choices=VisitType.choices)
    care_from = models.DateField(_("first day of care"))
    care_to = models.DateField(_("last day of care"), null=True, blank=True)
    # Medical: shown only to medical roles and the treating provider (ICD-10 codes).
    diagnoses = models.CharField(_("diagnoses (ICD-10)"), max_length=200, blank=True)
    letter = models.ForeignKey(
        GuaranteeLetter, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    # The provider's own invoice number: a second submission with it is the same claim.
    external_reference = models.CharField(_("invoice number"), max_length=64, blank=True)
    # A client's retry key (API, import row): repeating a request never records twice.
    idempotency_key = models.CharField(max_length=80, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    # A reimbursement's receipt, or a cash benefit's evidence (death or birth certificate...).
    receipt = models.FileField(_("receipt or evidence"), upload_to="receipts/%Y/%m/", blank=True)
    # Cash benefits: which one (benefits.rules.CASH_BENEFITS) and how many units (births, days).
    cash_benefit = models.CharField(_("cash benefit"), max_length=20, blank=True)
    units = models.PositiveIntegerField(_("units"), default=1)
    settlement = models.ForeignKey(
        "Settlement", null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    status = models.CharField(
        _("status"), max_length=14, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    asked = _money(_("asked"))
    tariff_adjusted = _money(_("at the tariff"))
    covered = _money(_("paid by the mutual"))
    copayment = _money(_("co-payment"))
    excess = _money(_("above a ceiling"))
    rejected = _money(_("rejected"))
    # Whether an eligibility check was logged for the beneficiary on the first day of care.
    eligibility_checked = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    adjudicated_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_reference"],
                condition=~Q(external_reference="") & ~Q(status="cancelled"),
                name="claim_invoice_once",
            ),
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="claim_idempotency_once",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["provider", "status"]),
            models.Index(fields=["household", "status"]),
            models.Index(fields=["person", "care_from"]),
            models.Index(fields=["provider", "status", "care_from"]),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"FS-{self.pk:07d}" if self.pk else "FS-…"


class ClaimLine(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    # The code as asked: an unknown code is kept (and rejected with its reason), never dropped.
    act_code = models.CharField(_("act"), max_length=32)
    act = models.ForeignKey(Act, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("date of the act"), null=True, blank=True)
    quantity = models.IntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price asked"), max_digits=18, decimal_places=2)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    asked = _money(_("asked"))
    tariff_adjusted = _money(_("at the tariff"))
    covered = _money(_("paid by the mutual"))
    copayment = _money(_("co-payment"))
    excess = _money(_("above a ceiling"))
    rejected = _money(_("rejected"))
    reasons = models.JSONField(default=list, blank=True)
    trail = models.JSONField(default=list, blank=True)
    # What the line consumed (reloaded into the engine's Usage).
    package_id_used = models.IntegerField(null=True, blank=True)
    version_id_used = models.IntegerField(null=True, blank=True)
    target = models.CharField(max_length=48, blank=True)
    covered_quantity = models.IntegerField(default=0)
    deductible = _money(_("deductible"))

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        ordering = ["claim", "position"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "position"], name="claim_line_position")
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}/{self.position} {self.act_code}"


class ClaimEvent(models.Model):
    """One change in a claim's life: a transition, an adjustment by the adviser, a dispute."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("claim event")
        verbose_name_plural = _("claim events")
        ordering = ["claim", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.from_status} → {self.to_status}"
