"""The posting API: every operation that moves money calls `post()` inside its own
transaction, so that the operation and its entry are written together or not at all."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm

from . import rules
from .chart import DEFAULT_ACCOUNTS, DEFAULT_JOURNALS, DEFAULT_POSTING_RULES
from .models import Account, Entry, FiscalYear, Journal, Line, PostingRule
from .rules import LineValue

REASONS = {
    "entry.too_few_lines": _("An entry has at least two lines."),
    "entry.negative_amount": _("Amounts are never negative: use the other side."),
    "entry.line_needs_one_side": _("Each line is either a debit or a credit."),
    "entry.unbalanced": _("The debits and the credits of an entry must be equal."),
    "entry.unknown_account": _("This account is not in the mutual's chart of accounts."),
    "entry.unknown_journal": _("This journal does not exist for the mutual."),
    "entry.closed_year": _("The fiscal year of this date is closed."),
    "entry.already_reversed": _("This entry has already been reversed."),
    "entry.reason_required": _("A reversal needs a reason."),
    "entry.unknown_operation": _("No posting rule for this operation."),
    "account.bad_number": _("An account number has 2 to 12 digits and starts with 1 to 8."),
    "account.exists": _("This account number is already in the chart."),
    "entry.already_opened": _("The opening balances are already posted: reverse them first."),
}


def reason_error(code: str) -> ValidationError:
    return ValidationError(REASONS[code], code=code)


@transaction.atomic
def install_chart(organization: Organization) -> int:
    """The default chart of accounts and journals (idempotent). Returns the accounts added."""
    have = set(Account.unscoped.filter(organization=organization).values_list("number", flat=True))
    added = [
        Account(organization=organization, number=number, name_fr=fr, name_en=en)
        for number, fr, en in DEFAULT_ACCOUNTS
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


def _fiscal_year(organization: Organization, on: date) -> FiscalYear:
    """The fiscal year holding `on`: the calendar year (OHADA's rule) unless one is defined."""
    year = FiscalYear.unscoped.filter(organization=organization, start__lte=on, end__gte=on).first()
    if year is None:
        year, _created = FiscalYear.unscoped.get_or_create(
            organization=organization,
            start=date(on.year, 1, 1),
            defaults={"end": date(on.year, 12, 31)},
        )
    if year.closed_at is not None:
        raise reason_error("entry.closed_year")
    return year


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
    account or journal the organization does not have, or falls in a closed fiscal year. The
    number is the journal's next one, under a row lock: gapless, even with many cashiers."""
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
        book = Journal.unscoped.select_for_update().get(organization=organization, code=journal)
    except Journal.DoesNotExist as exc:
        raise reason_error("entry.unknown_journal") from exc
    year = _fiscal_year(organization, on)
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
