"""The posting API: every operation that moves money calls `post()` inside its own
transaction, so that the operation and its entry are written together or not at all.

Also the accountant's writes: periods closed and reopened, the fiscal year closed (closing
entry and "à nouveau"), posting rules, reversals from the ledger screens."""

import zoneinfo
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm

from . import rules
from .chart import (
    CLOSING_JOURNAL,
    DEFAULT_JOURNALS,
    DEFAULT_POSTING_RULES,
    RESULT_DEFICIT_ACCOUNT,
    RESULT_SURPLUS_ACCOUNT,
    accounts_for,
)
from .models import Account, Entry, FiscalYear, Journal, Line, Period, PostingRule
from .rules import LineValue

REASONS = {
    "entry.too_few_lines": _("An entry has at least two lines."),
    "entry.negative_amount": _("Amounts are never negative: use the other side."),
    "entry.line_needs_one_side": _("Each line is either a debit or a credit."),
    "entry.unbalanced": _("The debits and the credits of an entry must be equal."),
    "entry.unknown_account": _("This account is not in the mutual's chart of accounts."),
    "entry.unknown_journal": _("This journal does not exist for the mutual."),
    "entry.closed_year": _("The fiscal year of this date is closed."),
    "entry.closed_period": _("The accounting period of this date is closed."),
    "entry.already_reversed": _("This entry has already been reversed."),
    "entry.reason_required": _("A reversal needs a reason."),
    "entry.unknown_operation": _("No posting rule for this operation."),
    "entry.reverse_at_source": _(
        "This entry books a record of another module (a payment, a claim...): correct that "
        "record, and its entry is reversed with it."
    ),
    "account.bad_number": _("An account number has 2 to 12 digits and starts with 1 to 8."),
    "account.exists": _("This account number is already in the chart."),
    "entry.already_opened": _("The opening balances are already posted: reverse them first."),
    "entry.closing_entry": _(
        "The year-end closing and carried-forward entries are never reversed."
    ),
    "period.already_closed": _("This period is already closed."),
    "period.not_closed": _("This period is open."),
    "period.reason_required": _("Reopening a period needs a reason."),
    "period.year_closed": _("The fiscal year of this period is closed: it cannot be reopened."),
    "year.already_closed": _("This fiscal year is already closed."),
    "year.previous_open": _("Close the earlier fiscal years first."),
    "rule.unknown_journal": _("Journal %(journal)s does not exist for this mutual."),
    "rule.unknown_account": _("Account %(number)s is not an active account of this chart."),
    "rule.same_account": _("The debit and the credit accounts must differ."),
}


def reason_error(code: str, **params) -> ValidationError:
    return ValidationError(REASONS[code], code=code, params=params or None)


def local_today(organization: Organization) -> date:
    """Today's business date in the organization's time zone."""
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(organization.time_zone)).date()


@transaction.atomic
def install_chart(organization: Organization) -> int:
    """The default chart of accounts and journals (idempotent): SYCEBNL in OHADA countries,
    the generic chart elsewhere (decision 0007). Returns the accounts added."""
    have = set(Account.unscoped.filter(organization=organization).values_list("number", flat=True))
    added = [
        Account(organization=organization, number=number, name_fr=fr, name_en=en)
        for number, fr, en in accounts_for(organization.country or "")
        if number not in have
    ]
    Account.unscoped.bulk_create(added)
    codes = set(Journal.unscoped.filter(organization=organization).values_list("code", flat=True))
    Journal.unscoped.bulk_create(
        Journal(organization=organization, code=code, kind=kind, name_fr=fr, name_en=en)
        for code, kind, fr, en in DEFAULT_JOURNALS
        if code not in codes
    )
    return len(added)


def _year_for(organization: Organization, on: date) -> FiscalYear:
    """The fiscal year holding `on`, created with its monthly periods when missing: the
    calendar year (OHADA's rule) unless one is defined."""
    year = FiscalYear.unscoped.filter(organization=organization, start__lte=on, end__gte=on).first()
    if year is None:
        year, _created = FiscalYear.unscoped.get_or_create(
            organization=organization,
            start=date(on.year, 1, 1),
            defaults={"end": date(on.year, 12, 31)},
        )
    if not Period.unscoped.filter(fiscal_year=year).exists():
        # A new year, or one written before periods existed: its months, once (a concurrent
        # creator's rows are left as they are).
        Period.unscoped.bulk_create(
            [
                Period(organization=organization, fiscal_year=year, start=first, end=last)
                for first, last in rules.month_periods(year.start, year.end)
            ],
            ignore_conflicts=True,
        )
    return year


def _fiscal_year(organization: Organization, on: date) -> FiscalYear:
    year = _year_for(organization, on)
    if year.closed_at is not None:
        raise reason_error("entry.closed_year")
    return year


def _refuse_closed_period(organization: Organization, on: date) -> None:
    closed = Period.unscoped.filter(
        organization=organization, start__lte=on, end__gte=on, closed_at__isnull=False
    )
    if closed.exists():
        raise reason_error("entry.closed_period")


def check_open(organization: Organization, on: date) -> None:
    """Refuse (ValidationError) a date in a closed fiscal year or period: for bulk paths that
    write entries in their own way and must obey the same calendar as `post()`."""
    year = FiscalYear.unscoped.filter(organization=organization, start__lte=on, end__gte=on).first()
    if year is not None and year.closed_at is not None:
        raise reason_error("entry.closed_year")
    _refuse_closed_period(organization, on)


@transaction.atomic
def post(
    organization: Organization,
    journal: str,
    on: date,
    label: str,
    lines: Iterable[LineValue],
    *,
    source=None,
    actor=None,
    reverses: Entry | None = None,
    reason: str = "",
    source_key: tuple[str, str] | None = None,
) -> Entry:
    """Book one balanced entry. Refused (nothing written) when it does not balance, names an
    account or journal the organization does not have, or falls in a closed fiscal year or
    period. The number is the journal's next one, under a row lock: gapless, even with many
    cashiers."""
    return _book(
        organization,
        journal,
        on,
        label,
        lines,
        source=source,
        actor=actor,
        reverses=reverses,
        reason=reason,
        source_key=source_key,
    )


def _book(
    organization: Organization,
    journal: str,
    on: date,
    label: str,
    lines: Iterable[LineValue],
    *,
    source=None,
    actor=None,
    reverses: Entry | None = None,
    reason: str = "",
    source_key: tuple[str, str] | None = None,
    closing: bool = False,
) -> Entry:
    """`post()`, and for the year-end closing also into a closed period (`closing`)."""
    lines = list(lines)
    if errors := rules.entry_errors(lines):
        raise reason_error(errors[0])
    accounts = dict(
        Account.unscoped.filter(
            organization=organization, number__in={x.account for x in lines}, is_active=True
        ).values_list("number", "pk")
    )
    if len(accounts) != len({x.account for x in lines}):
        raise reason_error("entry.unknown_account")
    try:
        # The journal's row lock also orders this posting against a period being closed
        # (closing locks every journal of the organization first).
        book = Journal.unscoped.select_for_update().get(organization=organization, code=journal)
    except Journal.DoesNotExist as exc:
        raise reason_error("entry.unknown_journal") from exc
    year = _fiscal_year(organization, on)
    if not closing:
        _refuse_closed_period(organization, on)
    Journal.unscoped.filter(pk=book.pk).update(next_number=book.next_number + 1)
    entry = Entry.unscoped.create(
        organization=organization,
        journal=book,
        fiscal_year=year,
        number=book.next_number,
        date=on,
        label=label[:200],
        source_type=source_key[0] if source_key else _source_type(source),
        source_id=source_key[1] if source_key else (str(source.pk) if source is not None else ""),
        reverses=reverses,
        reason=reason[:200],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    Line.unscoped.bulk_create(
        Line(
            entry=entry,
            account_id=accounts[x.account],
            debit=x.debit,
            credit=x.credit,
            analytic=x.analytic,
            label=x.label[:200],
        )
        for x in lines
    )
    return entry


def _source_type(source) -> str:
    return source._meta.label_lower if source is not None else ""


@transaction.atomic
def reverse(entry: Entry, on: date, reason: str, actor=None) -> Entry:
    """Correct an entry the only way the ledger allows: a new entry that cancels it, in the
    same journal, linked to it, with a reason."""
    if not reason.strip():
        raise reason_error("entry.reason_required")
    if Entry.unscoped.filter(reverses=entry).exists():
        raise reason_error("entry.already_reversed")
    original = [
        LineValue(x.account.number, x.debit, x.credit, x.analytic, x.label)
        for x in entry.lines.select_related("account")
    ]
    reversal = post(
        entry.organization,
        entry.journal.code,
        on,
        str(_("Reversal of %(entry)s: %(label)s"))
        % {"entry": f"{entry.journal.code}-{entry.number}", "label": entry.label},
        rules.reversal(original),
        actor=actor,
        reverses=entry,
        reason=reason,
    )
    audit.record(actor, "entry.reversed", reversal, organization=entry.organization, reason=reason)
    return reversal


def rule_for(organization: Organization, operation: str) -> tuple[str, str, str]:
    """(journal, debit account, credit account) of an operation for this organization."""
    rule = PostingRule.unscoped.filter(organization=organization, operation=operation).first()
    if rule is not None:
        return rule.journal, rule.debit, rule.credit
    if operation not in DEFAULT_POSTING_RULES:
        raise reason_error("entry.unknown_operation")
    return DEFAULT_POSTING_RULES[operation]


def post_operation(
    organization: Organization,
    operation: str,
    on: date,
    amount,
    label: str,
    *,
    source=None,
    actor=None,
    analytic: str = "",
) -> Entry:
    """Book an operation by its name with the organization's posting rule: what payments,
    subsidies and claims call, inside their own transaction."""
    journal, debit, credit = rule_for(organization, operation)
    lines = [
        LineValue(debit, debit=amount, analytic=analytic, label=label),
        LineValue(credit, credit=amount, analytic=analytic, label=label),
    ]
    return post(organization, journal, on, label, lines, source=source, actor=actor)


OPENING = "accounting.opening"
YEAR_END = "accounting.fiscalyear"  # the closing entry and the next year's "à nouveau"


@transaction.atomic
def open_balances(actor, organization: Organization, on: date, balances: list[LineValue]) -> Entry:
    """Going live: the balances carried over from the former books, in one entry of the general
    journal (they balance, as any balance sheet does). Once: to correct, reverse and post again."""
    opened = Entry.unscoped.filter(organization=organization, source_type=OPENING)
    if opened.filter(reversed_by__isnull=True).exists():
        raise reason_error("entry.already_opened")
    entry = post(
        organization,
        "OD",
        on,
        str(_("Opening balances")),
        balances,
        actor=actor,
        source_key=(OPENING, str(organization.pk)),
    )
    audit.record(actor, "ledger.opened", entry, organization=organization, on=on.isoformat())
    return entry


@transaction.atomic
def add_account(actor, organization: Organization, number: str, name_fr: str, name_en: str):
    """A new account in the organization's chart (OHADA numbering: 2 to 12 digits, class 1–8)."""
    if actor is not None:
        require(actor, Perm.KEEP_ACCOUNTS, organization)
    number = number.strip()
    if rules.account_class(number) is None:
        raise reason_error("account.bad_number")
    if Account.unscoped.filter(organization=organization, number=number).exists():
        raise reason_error("account.exists")
    account = Account.unscoped.create(
        organization=organization, number=number, name_fr=name_fr.strip(), name_en=name_en.strip()
    )
    audit.record(actor, "account.added", account, organization=organization, number=number)
    return account


@transaction.atomic
def set_account_active(actor, account: Account, active: bool) -> None:
    """An account is never deleted (entries may name it); an inactive one takes no posting."""
    if actor is not None:
        require(actor, Perm.KEEP_ACCOUNTS, account.organization)
    Account.unscoped.filter(pk=account.pk).update(is_active=active)
    audit.record(
        actor,
        "account.activated" if active else "account.deactivated",
        account,
        organization=account.organization,
    )


@transaction.atomic
def reverse_entry(actor, entry: Entry, on: date, reason: str) -> Entry:
    """The ledger screen's reversal, by those who keep the accounts. An entry booking another
    module's record (a payment, a claim) is corrected from that record, never from here: the
    record and its entry must not part."""
    require(actor, Perm.KEEP_ACCOUNTS, entry.organization)
    if entry.source_type == YEAR_END:
        raise reason_error("entry.closing_entry")
    if entry.source_type and not entry.source_type.startswith("accounting."):
        raise reason_error("entry.reverse_at_source")
    return reverse(entry, on, reason, actor=actor)


def reversible_here(entry: Entry) -> bool:
    """Whether the ledger screen offers to reverse this entry (see `reverse_entry`)."""
    return entry.source_type in ("", OPENING)


# Posting rules ------------------------------------------------------------------------------


@transaction.atomic
def set_posting_rule(
    actor, organization: Organization, operation: str, journal: str, debit: str, credit: str
) -> None:
    """A mutual's own journal and accounts for an operation. They must exist (and the accounts
    be active) in its chart; the defaults are kept as no row at all."""
    require(actor, Perm.KEEP_ACCOUNTS, organization)
    if operation not in DEFAULT_POSTING_RULES:
        raise reason_error("entry.unknown_operation")
    journal, debit, credit = journal.strip().upper(), debit.strip(), credit.strip()
    if not Journal.unscoped.filter(organization=organization, code=journal).exists():
        raise reason_error("rule.unknown_journal", journal=journal)
    if debit == credit:
        raise reason_error("rule.same_account")
    active = set(
        Account.unscoped.filter(
            organization=organization, number__in=[debit, credit], is_active=True
        ).values_list("number", flat=True)
    )
    for number in (debit, credit):
        if number not in active:
            raise reason_error("rule.unknown_account", number=number)
    before = rule_for(organization, operation)
    PostingRule.unscoped.filter(organization=organization, operation=operation).delete()
    if (journal, debit, credit) != DEFAULT_POSTING_RULES[operation]:
        PostingRule.unscoped.create(
            organization=organization,
            operation=operation,
            journal=journal,
            debit=debit,
            credit=credit,
        )
    audit.record(
        actor,
        "posting_rule.changed",
        None,
        organization=organization,
        operation=operation,
        before=list(before),
        after=[journal, debit, credit],
    )


# Periods and the fiscal year ---------------------------------------------------------------


def _lock_journals(organization: Organization) -> None:
    """Wait for the postings in progress in every journal of the organization (their
    transactions hold the journal's row lock) and hold new ones back until this transaction
    ends: a period closes between postings, never during one. Locked in key order."""
    list(
        Journal.unscoped.select_for_update()
        .filter(organization=organization)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def open_year(organization: Organization, on: date) -> FiscalYear:
    """The fiscal year holding `on`, created with its periods if needed (no permission: it
    writes nothing an accountant decides)."""
    with transaction.atomic():
        return _year_for(organization, on)


@transaction.atomic
def close_period(actor, period: Period) -> None:
    """No entry may be dated in the period any more (until it is reopened)."""
    require(actor, Perm.KEEP_ACCOUNTS, period.organization)
    _lock_journals(period.organization)
    closed = Period.unscoped.filter(pk=period.pk, closed_at__isnull=True).update(
        closed_at=timezone.now(),
        closed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if closed != 1:
        raise reason_error("period.already_closed")
    audit.record(
        actor,
        "period.closed",
        period,
        organization=period.organization,
        start=period.start.isoformat(),
    )


@transaction.atomic
def reopen_period(actor, period: Period, reason: str) -> None:
    """A closed period of an open fiscal year takes postings again: with a reason, audited."""
    require(actor, Perm.KEEP_ACCOUNTS, period.organization)
    if not reason.strip():
        raise reason_error("period.reason_required")
    year = FiscalYear.unscoped.select_for_update().get(pk=period.fiscal_year_id)
    if year.closed_at is not None:
        raise reason_error("period.year_closed")
    reopened = Period.unscoped.filter(pk=period.pk, closed_at__isnull=False).update(
        closed_at=None, closed_by=None
    )
    if reopened != 1:
        raise reason_error("period.not_closed")
    audit.record(
        actor,
        "period.reopened",
        period,
        organization=period.organization,
        start=period.start.isoformat(),
        reason=reason.strip()[:200],
    )


def _balances(year: FiscalYear, classes: frozenset[str]) -> dict[tuple[str, str], Decimal]:
    """Debit minus credit per (account number, analytic code) of a fiscal year's entries, for
    the accounts of the given classes: one aggregate query."""
    rows = (
        Line.unscoped.filter(entry__fiscal_year=year)
        .values_list("account__number", "analytic")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
    )
    return {
        (number, analytic): debit - credit
        for number, analytic, debit, credit in rows
        if number[:1] in classes and debit != credit
    }


@transaction.atomic
def close_year(actor, year: FiscalYear) -> tuple[Entry | None, Entry | None]:
    """Close a fiscal year for good: the closing entry brings the income-statement accounts
    (classes 6 to 8) to zero into the net result (131 surplus, 139 deficit), the opening entry
    ("à nouveau") carries every balance-sheet account (classes 1 to 5) into the next year on
    its first day, then the year and all its periods are closed. Returns (closing, opening),
    either None when there was nothing to book."""
    organization = year.organization
    require(actor, Perm.KEEP_ACCOUNTS, organization)
    _lock_journals(organization)
    year = FiscalYear.unscoped.select_for_update().get(pk=year.pk)
    if year.closed_at is not None:
        raise reason_error("year.already_closed")
    earlier = FiscalYear.unscoped.filter(
        organization=organization, start__lt=year.start, closed_at__isnull=True
    )
    if earlier.exists():
        raise reason_error("year.previous_open")
    label = str(_("Closing of the fiscal year %(year)s")) % {"year": year.start.year}
    lines, result = rules.closing_lines(
        _balances(year, rules.RESULT_CLASSES),
        RESULT_SURPLUS_ACCOUNT,
        RESULT_DEFICIT_ACCOUNT,
        label,
    )
    closing = None
    if lines:
        closing = _book(
            organization,
            CLOSING_JOURNAL,
            year.end,
            label,
            lines,
            source=year,
            actor=actor,
            closing=True,
        )
    start, end = rules.next_year_bounds(year.start, year.end)
    following = FiscalYear.unscoped.filter(organization=organization, start=start).first()
    if following is None:
        following = FiscalYear.unscoped.create(organization=organization, start=start, end=end)
    _year_for(organization, following.start)  # its periods
    carried = rules.net_lines(
        _balances(year, rules.BALANCE_SHEET_CLASSES), str(_("Balance brought forward"))
    )
    opening = None
    if carried:
        opening = _book(
            organization,
            CLOSING_JOURNAL,
            following.start,
            str(_("Balances brought forward from %(year)s")) % {"year": year.start.year},
            carried,
            source=following,
            actor=actor,
            closing=True,
        )
    now = timezone.now()
    who = actor if getattr(actor, "is_authenticated", False) else None
    Period.unscoped.filter(fiscal_year=year, closed_at__isnull=True).update(
        closed_at=now, closed_by=who
    )
    FiscalYear.unscoped.filter(pk=year.pk).update(closed_at=now, closed_by=who)
    audit.record(
        actor,
        "fiscal_year.closed",
        year,
        organization=organization,
        start=year.start.isoformat(),
        result=str(result),
    )
    return closing, opening
