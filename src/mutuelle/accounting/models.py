"""The ledger: charts of accounts, journals, fiscal years, and entries that never change
(a mistake is corrected by a reversing entry)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core.models import Organization


class Account(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("account number"), max_length=12)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["organization", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="account_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name_fr}"


class JournalKind(models.TextChoices):
    CASH = "cash", _("Cash")
    BANK = "bank", _("Bank")
    MOBILE_MONEY = "mobile_money", _("Mobile money")
    CONTRIBUTIONS = "contributions", _("Contributions")
    CLAIMS = "claims", _("Claims")
    GENERAL = "general", _("General")


class Journal(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=8)
    kind = models.CharField(_("kind"), max_length=16, choices=JournalKind.choices)
    name_fr = models.CharField(_("name (French)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    next_number = models.PositiveIntegerField(default=1)  # entry numbers; row-locked

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("journal")
        verbose_name_plural = _("journals")
        ordering = ["organization", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="journal_unique")
        ]

    def __str__(self) -> str:
        return self.code


class FiscalYear(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")
        ordering = ["organization", "start"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "start"], name="fiscal_year_unique"),
            models.CheckConstraint(condition=models.Q(start__lt=models.F("end")), name="fy_order"),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("period_list", args=[self.organization.uuid])


class Period(models.Model):
    """An accounting period (a month) of a fiscal year: once closed, nothing is posted in it."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="periods")
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("accounting period")
        verbose_name_plural = _("accounting periods")
        ordering = ["organization", "start"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "start"], name="period_unique"),
            models.CheckConstraint(
                condition=models.Q(start__lte=models.F("end")), name="period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m}"


class Immutable(models.Model):
    """Written once: an update or a deletion is a programming error (reverse instead)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError(f"{type(self).__name__} rows are never changed: post a reversal")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__} rows are never deleted: post a reversal")


class Entry(Immutable):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="entries")
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("number"))  # gapless within the journal
    date = models.DateField(_("date"))
    label = models.CharField(_("label"), max_length=200)
    # What the entry books (a payment, a claim...): "app_label.model" and its key.
    source_type = models.CharField(max_length=64, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["journal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["journal", "number"], name="entry_number_unique")
        ]
        indexes = [
            models.Index(fields=["organization", "date"]),
            models.Index(fields=["source_type", "source_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.journal.code}-{self.number}"

    def get_absolute_url(self) -> str:
        return reverse(
            "entry_detail", args=[self.organization.uuid, self.journal.code, self.number]
        )


class Line(Immutable):
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    debit = models.DecimalField(_("debit"), max_digits=18, decimal_places=2, default=0)
    credit = models.DecimalField(_("credit"), max_digits=18, decimal_places=2, default=0)
    analytic = models.CharField(_("fund, programme or donor"), max_length=32, blank=True)
    label = models.CharField(_("label"), max_length=200, blank=True)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("entry line")
        verbose_name_plural = _("entry lines")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(debit__gt=0, credit=0) | models.Q(credit__gt=0, debit=0)),
                name="line_one_side",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.debit}/{self.credit}"


class PostingRule(models.Model):
    """A mutual's choice of journal and accounts for one operation (chart.DEFAULT_POSTING_RULES
    holds the defaults)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(_("operation"), max_length=40)
    journal = models.CharField(_("journal"), max_length=8)
    debit = models.CharField(_("debit account"), max_length=12)
    credit = models.CharField(_("credit account"), max_length=12)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("posting rule")
        verbose_name_plural = _("posting rules")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "operation"], name="posting_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation}: {self.debit} / {self.credit}"
