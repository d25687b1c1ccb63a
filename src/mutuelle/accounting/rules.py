"""Pure rules of the ledger: an entry balances, a reversal mirrors it, an account's class.

Plain values in, reason codes out; no Django, no database. Amounts are Decimal."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class LineValue:
    account: str  # account number, e.g. "5711"
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    analytic: str = ""  # fund, programme or donor code, for restricted funds
    label: str = ""


def entry_errors(lines: Iterable[LineValue]) -> list[str]:
    """Why a set of lines cannot be posted (empty when it can)."""
    lines = list(lines)
    errors = []
    if len(lines) < 2:
        errors.append("entry.too_few_lines")
    for line in lines:
        if line.debit < ZERO or line.credit < ZERO:
            errors.append("entry.negative_amount")
            break
    for line in lines:
        if (line.debit > ZERO) == (line.credit > ZERO):
            errors.append("entry.line_needs_one_side")  # both sides, or neither
            break
    if sum(x.debit for x in lines) != sum(x.credit for x in lines):
        errors.append("entry.unbalanced")
    return errors


def reversal(lines: Iterable[LineValue]) -> list[LineValue]:
    """The lines that cancel an entry: each debit becomes a credit and the reverse."""
    return [
        LineValue(x.account, debit=x.credit, credit=x.debit, analytic=x.analytic, label=x.label)
        for x in lines
    ]


# OHADA classes: 1 equity and long-term liabilities, 2 fixed assets, 3 stocks, 4 third parties,
# 5 treasury, 6 expenses, 7 income, 8 other expenses and income (and, in SYCEBNL, voluntary
# contributions in kind).
CLASSES = {
    "1": "equity",
    "2": "fixed_assets",
    "3": "stocks",
    "4": "third_parties",
    "5": "treasury",
    "6": "expenses",
    "7": "income",
    "8": "other",
}


def account_class(number: str) -> str | None:
    """The OHADA class of an account number, or None when the number is not one."""
    if not number.isdigit() or not 2 <= len(number) <= 12:
        return None
    return CLASSES.get(number[0])
