"""Money that arrives outside the office: collectors' rounds (a sheet per village, then the
collector's remittance) and operators' or banks' statements."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core.models import Organization, Place
from mutuelle.members.models import Household


class CollectorSheet(models.Model):
    """A collector's round in one village: the households and what they owe, printed; then
    what was collected from each is entered, and the collector remits the cash."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collector"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.ForeignKey(Place, verbose_name=_("village"), on_delete=models.PROTECT)
    commission_rate = models.DecimalField(
        _("commission (% of what is collected)"), max_digits=5, decimal_places=2, default=0
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Filled by the remittance (the collector hands over the cash).
    remitted_at = models.DateTimeField(_("remitted at"), null=True, blank=True)
    expected = models.DecimalField(
        _("collected (entered)"), null=True, blank=True, max_digits=18, decimal_places=2
    )
    counted = models.DecimalField(
        _("cash handed over"), null=True, blank=True, max_digits=18, decimal_places=2
    )
    commission = models.DecimalField(
        _("commission"), null=True, blank=True, max_digits=18, decimal_places=2
    )

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("collector's sheet")
        verbose_name_plural = _("collectors' sheets")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.place_id} {self.created_at:%Y-%m-%d}"


class StatementSource(models.TextChoices):
    MOBILE_MONEY = "mobile_money", _("Mobile money operator")
    BANK = "bank", _("Bank")


class LineStatus(models.TextChoices):
    RECORDED = "recorded", _("Recorded as a payment")
    UNMATCHED = "unmatched", _("To be assigned to a household")
    IGNORED = "ignored", _("Not a contribution")


class StatementLine(models.Model):
    """One transaction of an imported operator or bank statement. Kept whether it was matched
    or not (nothing is lost); its transaction id is unique for the mutual and source, so
    importing the same file again records nothing twice."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=16, choices=StatementSource.choices)
    transaction_id = models.CharField(_("transaction id"), max_length=64)
    on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment = models.OneToOneField(
        "Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="statement_line"
    )
    status = models.CharField(_("status"), max_length=10, choices=LineStatus.choices)
    imported_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["-on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source", "transaction_id"],
                name="statement_transaction_once",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="statement_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.transaction_id
