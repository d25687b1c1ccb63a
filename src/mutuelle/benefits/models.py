"""The acts catalogue and benefit packages: packages, their versions, coverage lines."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mutuelle.core.models import Organization

from . import rules


class Category(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    HOSPITALIZATION = "hospitalization", _("Hospitalization")
    SURGERY = "surgery", _("Surgery")
    DELIVERY = "delivery", _("Delivery")
    ANTENATAL = "antenatal", _("Antenatal care")
    LABORATORY = "laboratory", _("Laboratory")
    IMAGING = "imaging", _("Imaging")
    MEDICINES = "medicines", _("Essential generic medicines")
    DENTAL = "dental", _("Dental care")
    OPTICAL = "optical", _("Optical care")
    EVACUATION = "evacuation", _("Evacuation and transport")
    OTHER = "other", _("Other")


class Unit(models.TextChoices):
    ACT = "act", _("act")
    DAY = "day", _("day")
    ITEM = "item", _("item")
    TREATMENT = "treatment", _("course of treatment")
    TRIP = "trip", _("trip")


class ActSex(models.TextChoices):
    ANY = rules.ANY, _("Anyone")
    FEMALE = "F", _("Women only")
    MALE = "M", _("Men only")


class CareLevel(models.TextChoices):
    POST = "post", _("Health post")
    CENTRE = "centre", _("Health centre")
    DISTRICT = "district", _("District hospital")
    REGIONAL = "regional", _("Regional hospital")
    NATIONAL = "national", _("National hospital")
    PHARMACY = "pharmacy", _("Pharmacy")


class AppliesTo(models.TextChoices):
    ALL = "all", _("All beneficiaries")
    HEAD = "head", _("Household heads")
    DEPENDANTS = "dependants", _("Dependants")
    CHILDREN = "children", _("Children under an age")


class LineKind(models.TextChoices):
    CARE = "care", _("Care")
    CASH = "cash", _("Cash benefit")


class CashBenefit(models.TextChoices):
    FUNERAL = "funeral", _("Funeral grant")
    MATERNITY = "maternity", _("Maternity allowance per birth")
    DAILY = "daily_allowance", _("Daily allowance for work incapacity")


class PackageKind(models.TextChoices):
    COMPULSORY = "compulsory", _("Compulsory")
    COMPLEMENTARY = "complementary", _("Complementary")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("Adopted")


class Act(models.Model):
    """An act or item of a catalogue. A network's or union's catalogue is read by the mutuals
    below it; a mutual adds its own acts (codes unique within what it sees)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("catalogue of"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("code"), max_length=32)
    name_fr = models.CharField(_("name (French)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    unit = models.CharField(_("unit"), max_length=12, choices=Unit.choices, default=Unit.ACT)
    sex = models.CharField(
        _("possible for"), max_length=3, choices=ActSex.choices, default=ActSex.ANY
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age (years)"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age (years)"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("act")
        verbose_name_plural = _("acts")
        ordering = ["category", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="act_code_unique"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="act_age_order",
            ),
        ]
        indexes = [models.Index(fields=["code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name_fr}"

    def facts(self) -> rules.ActFacts:
        return rules.ActFacts(self.code, self.category, self.sex, self.min_age, self.max_age)

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_fr


class Package(models.Model):
    """A benefit package of a mutual (or of a union, for its mutuals)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("code"), max_length=16)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    kind = models.CharField(
        _("kind"), max_length=16, choices=PackageKind.choices, default=PackageKind.COMPULSORY
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("benefit package")
        verbose_name_plural = _("benefit packages")
        ordering = ["organization", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="package_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_fr}"

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_fr


class PackageVersion(models.Model):
    """The terms of a package over a period. A draft is edited; an adopted version (in force
    from `effective_from`) never changes: a new version is made from it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=8, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    effective_from = models.DateField(_("in force from"), null=True, blank=True)
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    waiting_days = models.PositiveIntegerField(_("waiting period (days)"), default=90)
    ceiling_person = models.DecimalField(
        _("annual ceiling per beneficiary"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    ceiling_household = models.DecimalField(
        _("annual ceiling per household"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    deductible = models.DecimalField(
        _("deductible per episode"), max_digits=18, decimal_places=2, default=0
    )
    exclusions = models.TextField(_("exclusions (act codes or categories)"), blank=True)
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
        verbose_name = _("package version")
        verbose_name_plural = _("package versions")
        ordering = ["package", "number"]
        constraints = [
            models.UniqueConstraint(fields=["package", "number"], name="version_number_unique"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(effective_from__isnull=False),
                name="version_adopted_has_start",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__lte=models.F("effective_to")),
                name="version_dates_order",
            ),
        ]
        indexes = [models.Index(fields=["package", "status", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.package.code} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def in_force_on(self, on) -> bool:
        return (
            self.status == VersionStatus.ADOPTED
            and self.effective_from is not None
            and self.effective_from <= on
            and (self.effective_to is None or on <= self.effective_to)
        )

    @property
    def exclusion_codes(self) -> frozenset[str]:
        return rules.parse_codes(self.exclusions)


class CoverageLine(models.Model):
    """A line of a version: care (a category OR an act; a rate OR a fixed amount per unit),
    or a cash benefit (an amount)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(PackageVersion, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(
        _("kind"), max_length=4, choices=LineKind.choices, default=LineKind.CARE
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, blank=True)
    act = models.ForeignKey(
        Act, verbose_name=_("act"), null=True, blank=True, on_delete=models.PROTECT
    )
    cash_benefit = models.CharField(
        _("cash benefit"), max_length=16, choices=CashBenefit.choices, blank=True
    )
    rate = models.DecimalField(
        _("coverage rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(
        _("fixed amount per unit"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    per_act_ceiling = models.DecimalField(
        _("ceiling per act"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    quantity_limit = models.PositiveIntegerField(_("quantity allowed"), null=True, blank=True)
    period_days = models.PositiveIntegerField(_("per period of (days)"), null=True, blank=True)
    min_interval_days = models.PositiveIntegerField(
        _("minimum days between two acts"), null=True, blank=True
    )
    waiting_days = models.PositiveIntegerField(_("waiting period (days)"), null=True, blank=True)
    care_levels = models.CharField(_("allowed care levels"), max_length=80, blank=True)
    referral_required = models.BooleanField(_("referral required"), default=False)
    authorization_required = models.BooleanField(_("prior authorization required"), default=False)
    applies_to = models.CharField(
        _("applies to"), max_length=12, choices=AppliesTo.choices, default=AppliesTo.ALL
    )
    children_under = models.PositiveSmallIntegerField(
        _("children under (years)"), null=True, blank=True
    )
    max_days = models.PositiveIntegerField(_("maximum days"), null=True, blank=True)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("coverage line")
        verbose_name_plural = _("coverage lines")
        ordering = ["version", "kind", "category", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="care", cash_benefit="")
                    & (
                        (~Q(category="") & Q(act__isnull=True))
                        | (Q(category="") & Q(act__isnull=False))
                    )
                    & (
                        (Q(rate__isnull=False) & Q(amount__isnull=True))
                        | (Q(rate__isnull=True) & Q(amount__isnull=False))
                    )
                )
                | (
                    Q(kind="cash", category="", act__isnull=True, rate__isnull=True)
                    & ~Q(cash_benefit="")
                    & Q(amount__isnull=False)
                ),
                name="line_one_target_one_share",
            ),
            models.CheckConstraint(
                condition=Q(rate__isnull=True) | Q(rate__gt=0, rate__lte=100),
                name="line_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} · {self.act_id or self.category or self.cash_benefit}"

    def as_rule(self) -> rules.Line:
        """The line as the pure rules read it (the act must be loaded: select_related)."""
        return rules.Line(
            key=str(self.uuid),
            kind=self.kind,
            category=self.category,
            act_code=self.act.code if self.act is not None else "",
            rate=self.rate,
            amount=self.amount,
            per_act_ceiling=self.per_act_ceiling,
            quantity_limit=self.quantity_limit,
            period_days=self.period_days,
            min_interval_days=self.min_interval_days,
            waiting_days=self.waiting_days,
            care_levels=rules.unpack_levels(self.care_levels),
            referral_required=self.referral_required,
            authorization_required=self.authorization_required,
            applies_to=self.applies_to,
            children_under=self.children_under,
            cash_benefit=self.cash_benefit,
            max_days=self.max_days,
        )

    @property
    def care_level_labels(self) -> list[str]:
        chosen = rules.unpack_levels(self.care_levels)
        return [str(label) for value, label in CareLevel.choices if value in chosen]
