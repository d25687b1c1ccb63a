"""Health care providers' profiles, conventions with mutuals and unions, attachments for
capitation, and tariff schedules (versioned by date like benefit package versions)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mutuelle.benefits.models import Act, CareLevel, Package
from mutuelle.core.models import Organization, Place

from . import rules


class ProviderType(models.TextChoices):
    POST = "health_post", _("Health post")
    CENTRE = "health_centre", _("Health centre")
    DISTRICT = "district_hospital", _("District hospital")
    REGIONAL = "regional_hospital", _("Regional hospital")
    NATIONAL = "national_hospital", _("National hospital")
    PHARMACY = "pharmacy", _("Pharmacy")
    LABORATORY = "laboratory", _("Laboratory")
    IMAGING = "imaging", _("Imaging centre")


class Ownership(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private for-profit")
    FAITH = "faith_based", _("Faith-based")
    COMMUNITY = "community", _("Community")
    MUTUAL = "mutual_owned", _("Owned by a mutual")


class PaymentMode(models.TextChoices):
    FEE_FOR_SERVICE = "fee_for_service", _("Fee for service")
    FLAT_RATE = "flat_rate", _("Flat rate per episode")
    CAPITATION = "capitation", _("Capitation per attached beneficiary")


class EpisodeType(models.TextChoices):
    OUTPATIENT = "outpatient", _("Outpatient visit")
    INPATIENT = "inpatient", _("Hospital stay")
    EMERGENCY = "emergency", _("Emergency")
    REFERRAL = "referral", _("Referral")
    DELIVERY = "delivery", _("Delivery")


class ScheduleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("Adopted")


class ProviderProfile(models.Model):
    """What a provider organization is: type, ownership, care level, contact. Phone, email and
    place stay on the Organization."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.OneToOneField(
        Organization,
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="provider_profile",
    )
    type = models.CharField(_("type"), max_length=20, choices=ProviderType.choices)
    ownership = models.CharField(_("ownership"), max_length=16, choices=Ownership.choices)
    care_level = models.CharField(_("care level"), max_length=12, choices=CareLevel.choices)
    contact_person = models.CharField(_("contact person"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("provider profile")
        verbose_name_plural = _("provider profiles")
        ordering = ["organization__name"]
        indexes = [models.Index(fields=["type"]), models.Index(fields=["care_level"])]

    def __str__(self) -> str:
        return str(self.organization)


class Convention(models.Model):
    """An agreement between a mutual or a union (whose conventions serve all its mutuals) and a
    provider: period, packages accepted, payment mode and deadlines; tariffs are schedules."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    party = models.ForeignKey(
        Organization,
        verbose_name=_("mutual or union"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    provider = models.ForeignKey(
        Organization, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(_("reference"), max_length=64)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    packages = models.ManyToManyField(
        Package, verbose_name=_("packages accepted"), blank=True, related_name="+"
    )
    payment_mode = models.CharField(
        _("payment mode"),
        max_length=16,
        choices=PaymentMode.choices,
        default=PaymentMode.FEE_FOR_SERVICE,
    )
    submission_days = models.PositiveIntegerField(
        _("submission deadline (days after care)"), default=30
    )
    payment_days = models.PositiveIntegerField(_("payment deadline (days)"), default=30)
    diagnosis_required = models.BooleanField(_("diagnosis required"), default=False)
    capitation_amount = models.DecimalField(
        _("capitation per beneficiary per month"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        ordering = ["-start", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["party", "reference"], name="convention_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__lte=models.F("end")),
                name="convention_dates_order",
            ),
            models.CheckConstraint(
                condition=Q(capitation_amount__isnull=True) | Q(capitation_amount__gt=0),
                name="convention_capitation_positive",
            ),
        ]
        indexes = [models.Index(fields=["provider", "start"])]

    def __str__(self) -> str:
        return self.reference

    def in_force_on(self, on) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)

    def terms(self) -> rules.ConventionTerms:
        return rules.ConventionTerms(
            start=self.start,
            end=self.end,
            payment_mode=self.payment_mode,
            submission_days=self.submission_days,
            payment_days=self.payment_days,
            capitation_amount=self.capitation_amount,
            flat_rates={r.episode_type: r.amount for r in self.flat_rates.all()},
        )


class FlatRate(models.Model):
    """The amount a convention pays per episode of a type (flat-rate payment)."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="flat_rates")
    episode_type = models.CharField(_("episode type"), max_length=12, choices=EpisodeType.choices)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)

    history = HistoricalRecords()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("flat rate")
        verbose_name_plural = _("flat rates")
        ordering = ["convention", "episode_type"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "episode_type"], name="flat_rate_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="flat_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.convention} · {self.episode_type}"


class Attachment(models.Model):
    """A beneficiary attached to a provider (capitation) from a date, until a date."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        Organization, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "members.Person",
        verbose_name=_("beneficiary"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The person's mutual, denormalized so that scoping reads one column.
    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["provider", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__lte=models.F("valid_to")),
                name="attachment_dates_order",
            )
        ]
        indexes = [models.Index(fields=["provider", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.provider_id}"


class TariffSchedule(models.Model):
    """The negotiated prices of a convention over a period. A draft is edited; an adopted
    schedule never changes: a new draft is copied from it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="schedules")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=8, choices=ScheduleStatus.choices, default=ScheduleStatus.DRAFT
    )
    effective_from = models.DateField(_("in force from"), null=True, blank=True)
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    adopted_at = models.DateTimeField(null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("tariff schedule")
        verbose_name_plural = _("tariff schedules")
        ordering = ["convention", "number"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "number"], name="schedule_number_unique"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(effective_from__isnull=False),
                name="schedule_adopted_has_start",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__lte=models.F("effective_to")),
                name="schedule_dates_order",
            ),
        ]
        indexes = [models.Index(fields=["convention", "status", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.convention.reference} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == ScheduleStatus.DRAFT

    def in_force_on(self, on) -> bool:
        return (
            self.status == ScheduleStatus.ADOPTED
            and self.effective_from is not None
            and self.effective_from <= on
            and (self.effective_to is None or on <= self.effective_to)
        )


class TariffLine(models.Model):
    """The price of an act in a schedule, optionally for one package and/or for beneficiaries
    living in one place (the household's place or below it: in / out of catchment area)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    schedule = models.ForeignKey(TariffSchedule, on_delete=models.CASCADE, related_name="lines")
    act = models.ForeignKey(Act, verbose_name=_("act"), on_delete=models.PROTECT, related_name="+")
    package = models.ForeignKey(
        Package,
        verbose_name=_("package"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.ForeignKey(
        Place,
        verbose_name=_("beneficiary's place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    price = models.DecimalField(_("price"), max_digits=18, decimal_places=2)

    history = HistoricalRecords()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("tariff line")
        verbose_name_plural = _("tariff lines")
        ordering = ["schedule", "act__code", "pk"]
        constraints = [
            # Nulls compare equal here (one "any package" line per act and place).
            models.UniqueConstraint(
                "schedule",
                "act",
                Coalesce("package", Value(0)),
                Coalesce("place", Value(0)),
                name="tariff_line_unique",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="tariff_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule} · {self.act_id}"
