"""Dues: what each household owes for each period, created by billing runs."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core.models import Job, Organization
from mutuelle.members.models import Household

from .plans import RuleVersion


class BillingRun(models.Model):
    """One billing of a period for a mutual. Running it again bills only the households that
    have no due for the period yet: re-running changes nothing."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    rule_version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=16)  # lib.periods.Period.code
    period_start = models.DateField()
    period_end = models.DateField()
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    households = models.PositiveIntegerField(_("households billed"), default=0)
    total = models.DecimalField(_("total billed"), max_digits=18, decimal_places=2, default=0)
    # Revenue of months still to come ({"2027-03": "1500.00"}): booked as deferred income at
    # billing and recognised month by month (actions.billing.recognise_revenue).
    deferred = models.JSONField(default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")
        ordering = ["-period_start", "-created_at"]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.period}"


class Due(models.Model):
    """A household's due for one period (or a one-off fee). `paid` is the sum of its
    allocations, kept on the row (updated under the household's lock) so that arrears and the
    cashier's screen read one row, not a sum."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="dues")
    run = models.ForeignKey(
        BillingRun, null=True, blank=True, on_delete=models.PROTECT, related_name="dues"
    )
    period = models.CharField(_("period"), max_length=16)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    paid = models.DecimalField(_("paid"), max_digits=18, decimal_places=2, default=0)
    paid_on = models.DateField(_("fully paid on"), null=True, blank=True)
    lines = models.JSONField(default=list)  # [code, member key, quantity, unit, amount]
    created_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("due")
        verbose_name_plural = _("dues")
        ordering = ["household", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["household", "period"], name="due_once_per_period"),
            models.CheckConstraint(condition=Q(paid__gte=0), name="due_paid_positive"),
            models.CheckConstraint(
                condition=Q(paid__lte=models.F("amount")), name="due_never_overpaid"
            ),
        ]
        indexes = [models.Index(fields=["organization", "period_start"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.period}"

    @property
    def outstanding(self):
        return self.amount - self.paid
