"""Pure rules of the ledger: an entry balances, a reversal mirrors it, an account's class.

Plain values in, reason codes out; no Django, no database. Amounts are Decimal."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

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


# Year-end closing: the income-statement classes are brought to zero into the result, the
# balance-sheet classes are carried forward.
RESULT_CLASSES = frozenset("678")
BALANCE_SHEET_CLASSES = frozenset("12345")


def month_periods(start: date, end: date) -> list[tuple[date, date]]:
    """The monthly periods of a fiscal year: calendar months, the first and last clipped to the
    year's bounds."""
    periods = []
    first = start
    while first <= end:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        last = min(following - timedelta(days=1), end)
        periods.append((first, last))
        first = following
    return periods


def next_year_bounds(start: date, end: date) -> tuple[date, date]:
    """The fiscal year after [start, end]: the same length in months (usually a calendar
    year)."""
    following = end + timedelta(days=1)
    try:
        later = following.replace(year=following.year + 1)
    except ValueError:  # 29 February
        later = following.replace(year=following.year + 1, day=28)
    return following, later - timedelta(days=1)


def net_lines(balances: Mapping[tuple[str, str], Decimal], label: str = "") -> list[LineValue]:
    """One line per (account, analytic) that books its net balance (debit minus credit): a
    positive net on the debit side, a negative one on the credit side, zero left out."""
    lines = []
    for (account, analytic), net in sorted(balances.items()):
        if net > ZERO:
            lines.append(LineValue(account, debit=net, analytic=analytic, label=label))
        elif net < ZERO:
            lines.append(LineValue(account, credit=-net, analytic=analytic, label=label))
    return lines


def closing_lines(
    balances: Mapping[tuple[str, str], Decimal],
    surplus_account: str,
    deficit_account: str,
    label: str = "",
) -> tuple[list[LineValue], Decimal]:
    """The year-end closing entry: each income-statement balance (debit minus credit, per
    account and analytic code) brought to zero, and the difference to the result account.
    Returns the lines (empty when there is nothing to close) and the result (positive: a
    surplus)."""
    lines = reversal(net_lines(balances, label))
    result = -sum(balances.values(), ZERO)
    if result > ZERO:
        lines.append(LineValue(surplus_account, credit=result, label=label))
    elif result < ZERO:
        lines.append(LineValue(deficit_account, debit=-result, label=label))
    return lines, result


def parse_amount(text: str) -> Decimal | None:
    """An amount as the field writes it: "150 000", "1 250,50", "1250.5"; None if it is not a
    number. Thousands separators are spaces (also no-break ones); the decimal mark a comma or a
    point."""
    cleaned = "".join(ch for ch in text.strip() if ch not in " \u00a0\u202f'")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(",", "")  # 1,250.50
    cleaned = cleaned.replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def has_more_decimals(amount: Decimal, places: int) -> bool:
    """True when the amount has more decimal places than the currency allows."""
    return amount != amount.quantize(Decimal(1).scaleb(-places)) if places >= 0 else False


def parse_day(text: str) -> date:
    """A date as ISO (2026-01-01) or as the field writes it (01/01/2026); ValueError if not."""
    text = text.strip()
    parts = text.replace(".", "/").replace("-", "/").split("/")
    if len(parts) == 3 and len(parts[2]) == 4 and all(p.isdigit() for p in parts):
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    return date.fromisoformat(text[:10])
