"""What members pay: a mutual's contribution rule, in versions with effective dates, and its
arrears policy."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mutuelle.core.models import Organization


class RuleVersion(models.Model):
    """One version of a mutual's contribution rule. The configuration is the plain mapping that
    `contributions.rules.rule_errors` validates and `rule_from_config` reads: it has no field for
    sex or health, and a configuration naming one is refused. An adopted version is never
    edited: a new version is made, and adopting it closes the previous one."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField(_("label"), max_length=120)
    config = models.JSONField(_("configuration"), default=dict)
    effective_from = models.DateField(_("in force from"), null=True, blank=True)
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("contribution rule version")
        verbose_name_plural = _("contribution rule versions")
        ordering = ["organization", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__lte=models.F("effective_to")),
                name="rule_version_dates",
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_adopted(self) -> bool:
        return self.adopted_at is not None


class ArrearsSettings(models.Model):
    """A mutual's arrears policy (contributions.rules.ArrearsPolicy)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="arrears_settings"
    )
    grace_days = models.PositiveSmallIntegerField(_("grace period (days)"), default=30)
    suspend_after = models.PositiveSmallIntegerField(
        _("unpaid periods before suspension"), default=2
    )
    new_waiting_on_reinstatement = models.BooleanField(
        _("a new waiting period after reinstatement"), default=False
    )

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("arrears policy")
        verbose_name_plural = _("arrears policies")

    def __str__(self) -> str:
        return f"{self.organization_id}"


class Subscription(models.Model):
    """A household's subscription to a complementary package (compulsory packages are held by
    every household of the mutual without a row)."""

    household = models.ForeignKey(
        "members.Household", on_delete=models.PROTECT, related_name="subscriptions"
    )
    package = models.ForeignKey("benefits.Package", on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("package subscription")
        verbose_name_plural = _("package subscriptions")
        ordering = ["household", "start"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.package_id}"


class OpeningConsumption(models.Model):
    """What a household had already consumed of its annual ceilings when the mutual went live
    (imported with its opening position); the claims engine adds it to what it counts."""

    household = models.ForeignKey(
        "members.Household", on_delete=models.PROTECT, related_name="opening_consumption"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount consumed"), max_digits=18, decimal_places=2)
    imported_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("ceiling consumed before going live")
        verbose_name_plural = _("ceilings consumed before going live")
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="opening_consumption_once")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}: {self.amount}"
