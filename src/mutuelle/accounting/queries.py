"""Reads of the ledger: the trial balance (the proof that postings balance)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from mutuelle.core.models import Organization

from .models import Account, Line


@dataclass(frozen=True)
class BalanceRow:
    number: str
    name_fr: str
    name_en: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


def trial_balance(organization: Organization, until: date | None = None) -> list[BalanceRow]:
    """Debit and credit totals per account, in account order (accounts with movements)."""
    lines = Line.unscoped.filter(entry__organization=organization)
    if until is not None:
        lines = lines.filter(entry__date__lte=until)
    totals = {
        row["account"]: (row["debit"], row["credit"])
        for row in lines.values("account").annotate(debit=Sum("debit"), credit=Sum("credit"))
    }
    accounts = Account.unscoped.filter(pk__in=totals).order_by("number")
    return [BalanceRow(a.number, a.name_fr, a.name_en, *totals[a.pk]) for a in accounts]
