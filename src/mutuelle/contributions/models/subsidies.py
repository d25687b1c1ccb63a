"""Subsidies: third-party payers (State, local authority, NGO, donor, employer), their
programmes, the households and beneficiaries enrolled in them (with evidence), what payers owe
(payer dues) and what they pay (payer payments allocated to their oldest dues).

Non-selection: a programme's list says who is *enrolled in the programme* (an indigent list, a
pregnant-women or under-five programme), with the document that proves it; nothing here
records a health attribute of anyone."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mutuelle.core.models import Organization
from mutuelle.members.models import Household, Person

from .dues import BillingRun, Due
from .payments import Payment

MONEY: dict[str, Any] = {"max_digits": 18, "decimal_places": 2}


class PayerKind(models.TextChoices):
    STATE = "state", _("State")
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    NGO = "ngo", _("NGO")
    DONOR = "donor", _("Donor")
    EMPLOYER = "employer", _("Employer")


class ThirdPartyPayer(models.Model):
    """Someone who pays contributions for households. Belongs to a mutual, or to a union whose
    mutuals may all use it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=PayerKind.choices)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("third-party payer")
        verbose_name_plural = _("third-party payers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="payer_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class SubsidyMode(models.TextChoices):
    ALL = "all", _("All of the contribution")
    PERCENT = "percent", _("A percentage of the contribution")
    PER_PERSON = "per_person", _("A fixed amount per person and period")
    PER_HOUSEHOLD = "per_household", _("A fixed amount per household and period")
    MATCH = "match", _("Matching the household's own payment")


class Eligibility(models.TextChoices):
    CATEGORY = "category", _("By ability-to-pay category")
    LIST = "list", _("By a list of enrolled households or beneficiaries")


class SubsidyProgramme(models.Model):
    """A payer's programme for a mutual, or for all mutuals of a union (`organization`).
    `is_permanent` tells the net-income indicator whether its money is a lasting resource."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("mutual or union"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    payer = models.ForeignKey(
        ThirdPartyPayer,
        verbose_name=_("payer"),
        on_delete=models.PROTECT,
        related_name="programmes",
    )
    code = models.SlugField(_("code"), max_length=24)  # the analytic code of its postings
    name = models.CharField(_("name"), max_length=120)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    budget = models.DecimalField(_("budget"), null=True, blank=True, **MONEY)
    is_permanent = models.BooleanField(_("permanent"), default=False)
    mode = models.CharField(_("pays"), max_length=16, choices=SubsidyMode.choices)
    rate = models.DecimalField(_("percentage"), max_digits=5, decimal_places=2, default=100)
    amount = models.DecimalField(_("fixed amount"), default=0, **MONEY)
    ratio = models.DecimalField(_("matching ratio"), max_digits=6, decimal_places=2, default=1)
    cap = models.DecimalField(_("at most per household and period"), null=True, blank=True, **MONEY)
    covers_fees = models.BooleanField(_("also pays the fees"), default=False)
    eligibility = models.CharField(_("eligibility"), max_length=10, choices=Eligibility.choices)
    # Ability-to-pay category codes (the same code across a union's mutuals).
    categories = models.JSONField(_("categories"), default=list, blank=True)
    # Whether the payer's contract allows names on its statements (numbers and counts otherwise).
    names_on_statement = models.BooleanField(_("names on the payer's statement"), default=False)
    priority = models.PositiveSmallIntegerField(_("order of application"), default=10)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("subsidy programme")
        verbose_name_plural = _("subsidy programmes")
        ordering = ["priority", "start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="programme_code_unique"),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__lte=models.F("end")),
                name="programme_dates",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0), name="programme_budget"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProgrammeEnrolment(models.Model):
    """A household (person empty) or one beneficiary enrolled in a list programme, with the
    evidence of it: a document's reference and date, and who issued it."""

    programme = models.ForeignKey(
        SubsidyProgramme, on_delete=models.PROTECT, related_name="enrolments"
    )
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    evidence_reference = models.CharField(_("document reference"), max_length=120)
    evidence_date = models.DateField(_("document date"))
    evidence_by = models.CharField(_("issued by"), max_length=120)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("programme enrolment")
        verbose_name_plural = _("programme enrolments")
        ordering = ["programme", "household", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "household"],
                condition=Q(person__isnull=True),
                name="enrolment_household_once",
            ),
            models.UniqueConstraint(
                fields=["programme", "person"],
                condition=Q(person__isnull=False),
                name="enrolment_person_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.household_id} {self.person_id or ''}"


class PayerDueKind(models.TextChoices):
    BILLED = "billed", _("Billed with the household's due")
    MATCHING = "matching", _("Matching a household's payment")


class PayerDue(models.Model):
    """What a payer owes under a programme for one household and period: billed with the
    household's due (its share of that due) or added when the household paid (matching)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        SubsidyProgramme, on_delete=models.PROTECT, related_name="payer_dues"
    )
    payer = models.ForeignKey(ThirdPartyPayer, on_delete=models.PROTECT, related_name="dues")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=PayerDueKind.choices)
    period = models.CharField(_("period"), max_length=16)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    amount = models.DecimalField(_("amount"), **MONEY)
    paid = models.DecimalField(_("paid"), default=0, **MONEY)
    paid_on = models.DateField(_("fully paid on"), null=True, blank=True)
    lines = models.JSONField(default=list)  # the due's lines the payer pays, as Due.lines
    run = models.ForeignKey(
        BillingRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due = models.ForeignKey(Due, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("payer due")
        verbose_name_plural = _("payer dues")
        ordering = ["period_start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "household", "period"],
                condition=Q(kind="billed"),
                name="payer_due_billed_once",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payer_due_positive"),
            models.CheckConstraint(condition=Q(paid__gte=0), name="payer_due_paid_positive"),
            models.CheckConstraint(
                condition=Q(paid__lte=models.F("amount")), name="payer_due_never_overpaid"
            ),
        ]
        indexes = [
            models.Index(fields=["payer", "organization", "period_start"]),
            models.Index(fields=["programme", "household", "period"]),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.household_id} {self.period}"

    @property
    def outstanding(self):
        return self.amount - self.paid


class PayerPayment(models.Model):
    """Money a payer sent to a mutual (a bank transfer), allocated to its oldest dues there.
    The bank reference is recorded once per mutual: entering it again records nothing."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    payer = models.ForeignKey(ThirdPartyPayer, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), **MONEY)
    unallocated = models.DecimalField(_("left unallocated"), default=0, **MONEY)
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("bank reference"), max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("payer payment")
        verbose_name_plural = _("payer payments")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference"], name="payer_payment_reference_once"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payer_payment_positive"),
            models.CheckConstraint(
                condition=Q(unallocated__gte=0) & Q(unallocated__lte=models.F("amount")),
                name="payer_payment_unallocated_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer_id} {self.reference}"


class PayerAllocation(models.Model):
    payment = models.ForeignKey(PayerPayment, on_delete=models.PROTECT, related_name="allocations")
    payer_due = models.ForeignKey(PayerDue, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount"), **MONEY)

    unscoped = models.Manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payer_allocation_positive")
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.payer_due_id}: {self.amount}"


class SubsidyDeferral(models.Model):
    """Subsidy revenue of months still to come, per mutual ({"CODE|2027-03": "1500.00"}):
    booked as deferred income when billed and recognised month by month, like contributions
    (actions.subsidies.recognise_subsidy_revenue)."""

    organization = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="+")
    deferred = models.JSONField(default=dict)

    unscoped = models.Manager()

    def __str__(self) -> str:
        return f"{self.organization_id}"
