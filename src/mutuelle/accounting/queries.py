"""Reads of the ledger: the trial balance (the proof that postings balance), journals and
their entries, the general ledger of an account, posting rules, the entries a record posted,
and the whole-ledger balance check."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.db.models import Count, F, Max, Q, QuerySet, Sum

from mutuelle.core.models import Organization
from mutuelle.core.permissions import can
from mutuelle.core.roles import Perm

from .chart import DEFAULT_POSTING_RULES, OPERATION_LABELS
from .models import Account, Entry, FiscalYear, Journal, Line, PostingRule

ZERO = Decimal(0)


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


def trial_balance(
    organization: Organization, until: date | None = None, *, start: date | None = None
) -> list[BalanceRow]:
    """Debit and credit totals per account, in account order (accounts with movements), of
    the entries dated from `start` (a fiscal year's first day: its "à nouveau" carries the
    earlier years) until `until`."""
    lines = Line.unscoped.filter(entry__organization=organization)
    if until is not None:
        lines = lines.filter(entry__date__lte=until)
    if start is not None:
        lines = lines.filter(entry__date__gte=start)
    totals = {
        row["account"]: (row["debit"], row["credit"])
        for row in lines.values("account").annotate(debit=Sum("debit"), credit=Sum("credit"))
    }
    accounts = Account.unscoped.filter(pk__in=totals).order_by("number")
    return [BalanceRow(a.number, a.name_fr, a.name_en, *totals[a.pk]) for a in accounts]


def fiscal_year_of(organization: Organization, on: date) -> FiscalYear | None:
    return FiscalYear.unscoped.filter(organization=organization, start__lte=on, end__gte=on).first()


def year_start(organization: Organization, on: date) -> date:
    """The first day of the fiscal year holding `on` (the calendar year when none is defined)."""
    year = fiscal_year_of(organization, on)
    return year.start if year is not None else date(on.year, 1, 1)


def year_end(organization: Organization, on: date) -> date:
    year = fiscal_year_of(organization, on)
    return year.end if year is not None else date(on.year, 12, 31)


# Journals and entries -----------------------------------------------------------------------


def journals(organization: Organization) -> QuerySet[Journal]:
    """The organization's journals with their number of entries and latest entry date."""
    return (
        Journal.unscoped.filter(organization=organization)
        .annotate(entry_count=Count("entries"), last_date=Max("entries__date"))
        .order_by("code")
    )


def journal_entries(
    journal: Journal, since: date | None = None, until: date | None = None
) -> QuerySet[Entry]:
    """A journal's entries, newest first, with their amount (total of the debits)."""
    entries = Entry.unscoped.filter(journal=journal)
    if since is not None:
        entries = entries.filter(date__gte=since)
    if until is not None:
        entries = entries.filter(date__lte=until)
    return (
        entries.annotate(amount=Sum("lines__debit"))
        .select_related("reversed_by")
        .order_by("-date", "-number")
    )


def entry_lines(entry: Entry) -> list[Line]:
    return list(entry.lines.select_related("account").order_by("pk"))


@dataclass(frozen=True)
class SourceRef:
    """What an entry books: a label (the model's name or the raw type), the id, and a link
    when the record has a page."""

    label: str
    id: str
    url: str | None


def source_of(entry: Entry) -> SourceRef | None:
    """The record an entry books, found from its (type, id); a link when the record has a
    `get_absolute_url` (its own page checks who may read it)."""
    if not entry.source_type:
        return None
    try:
        model = apps.get_model(entry.source_type)
    except (LookupError, ValueError):
        return SourceRef(entry.source_type, entry.source_id, None)
    manager = getattr(model, "unscoped", model._base_manager)
    record = manager.filter(pk=entry.source_id).first() if entry.source_id.isdigit() else None
    url = None
    if record is not None and hasattr(record, "get_absolute_url"):
        try:
            url = record.get_absolute_url()
        except Exception:  # noqa: BLE001  a page that cannot be built is shown without a link
            url = None
    return SourceRef(str(model._meta.verbose_name), entry.source_id, url)


def entries_for(source, user=None) -> list[Entry]:
    """The entries a record posted (a payment, a claim...), oldest first, for the include
    `accounting/_entries_for.html`. Given `user`, empty unless they may read the ledger."""
    if source is None or source.pk is None:
        return []
    if user is not None and not can(user, Perm.VIEW_LEDGER, _organization_of(source)):
        return []
    return list(
        Entry.unscoped.filter(source_type=source._meta.label_lower, source_id=str(source.pk))
        .select_related("journal", "organization", "reverses", "reversed_by")
        .annotate(amount=Sum("lines__debit"))
        .order_by("at", "pk")
    )


def _organization_of(source) -> Organization | None:
    if isinstance(source, Organization):
        return source
    return getattr(source, "organization", None)


# The general ledger ----------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    date: date
    journal: str
    number: int
    label: str
    analytic: str
    debit: Decimal
    credit: Decimal
    balance: Decimal  # running, debit minus credit


def general_ledger(
    account: Account, since: date, until: date
) -> tuple[Decimal, list[LedgerRow], Decimal, Decimal]:
    """An account's movements between two dates of one fiscal year, each with the running
    balance. Returns (balance brought forward from the year's start, rows, total debit, total
    credit)."""
    start = year_start(account.organization, since)
    lines = Line.unscoped.filter(account=account)
    before = lines.filter(entry__date__gte=start, entry__date__lt=since).aggregate(
        debit=Sum("debit"), credit=Sum("credit")
    )
    forward = (before["debit"] or ZERO) - (before["credit"] or ZERO)
    rows, balance = [], forward
    total_debit = total_credit = ZERO
    movements = (
        lines.filter(entry__date__gte=since, entry__date__lte=until)
        .order_by("entry__date", "entry__journal__code", "entry__number", "pk")
        .values_list(
            "entry__date",
            "entry__journal__code",
            "entry__number",
            "entry__label",
            "label",
            "analytic",
            "debit",
            "credit",
        )
    )
    for on, journal, number, entry_label, label, analytic, debit, credit in movements:
        balance += debit - credit
        total_debit += debit
        total_credit += credit
        rows.append(
            LedgerRow(on, journal, number, label or entry_label, analytic, debit, credit, balance)
        )
    return forward, rows, total_debit, total_credit


# Posting rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleRow:
    operation: str
    label: str
    journal: str
    debit: str
    credit: str
    default: tuple[str, str, str]

    @property
    def is_default(self) -> bool:
        return (self.journal, self.debit, self.credit) == self.default


def posting_rules(organization: Organization) -> list[RuleRow]:
    """Every operation with the journal and accounts it books for this organization (its own
    rule or the default), in the order of the defaults."""
    own = {
        r.operation: (r.journal, r.debit, r.credit)
        for r in PostingRule.unscoped.filter(organization=organization)
    }
    return [
        RuleRow(
            operation,
            str(OPERATION_LABELS.get(operation, operation)),
            *own.get(operation, default),
            default=default,
        )
        for operation, default in DEFAULT_POSTING_RULES.items()
    ]


# The whole-ledger balance check ---------------------------------------------------------


def unbalanced_entries(organization: Organization | None = None) -> list[dict]:
    """Entries whose debits and credits differ, or that have fewer than two lines: one
    aggregate query (GROUP BY entry HAVING ...) over the whole ledger or one organization's.
    Empty when the ledger is sound."""
    entries = Entry.unscoped.all()
    if organization is not None:
        entries = entries.filter(organization=organization)
    rows = (
        entries.annotate(
            debit=Sum("lines__debit"), credit=Sum("lines__credit"), count=Count("lines")
        )
        .filter(~Q(debit=F("credit")) | Q(count__lt=2))
        .values("pk", "organization", "journal__code", "number", "debit", "credit", "count")
        .order_by("pk")
    )
    return [dict(row) for row in rows]


def totals_by_organization() -> dict[int, tuple[Decimal, Decimal]]:
    """(total debit, total credit) of every organization's ledger: one aggregate query."""
    return {
        row["entry__organization"]: (row["debit"], row["credit"])
        for row in Line.unscoped.values("entry__organization").annotate(
            debit=Sum("debit"), credit=Sum("credit")
        )
    }
