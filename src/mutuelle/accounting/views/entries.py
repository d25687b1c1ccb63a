"""Journals, their entries, an entry (with its source record and its reversal), and the general
ledger of an account."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mutuelle.core.permissions import can
from mutuelle.core.roles import Perm

from .. import actions, queries
from ..forms import ReverseForm
from ..models import Account, Entry, Journal
from .common import day, ledger


@login_required
def journal_list(request, org_uuid):
    organization = ledger(request.user, org_uuid)
    return render(
        request,
        "accounting/journal_list.html",
        {"organization": organization, "journals": queries.journals(organization)},
    )


@login_required
def journal_entries(request, org_uuid, code):
    """A journal's entries, newest first, between two dates (both optional), by pages."""
    organization = ledger(request.user, org_uuid)
    journal = Journal.unscoped.filter(organization=organization, code=code).first()
    if journal is None:
        raise Http404
    since, until = day(request.GET, "since"), day(request.GET, "until")
    page = Paginator(queries.journal_entries(journal, since, until), 25).get_page(
        request.GET.get("page")
    )
    query = "&".join(
        f"{name}={value.isoformat()}"
        for name, value in (("since", since), ("until", until))
        if value
    )
    return render(
        request,
        "accounting/journal_entries.html",
        {
            "organization": organization,
            "journal": journal,
            "page": page,
            "since": since,
            "until": until,
            "query": query,
        },
    )


def _entry(user, org_uuid, code, number) -> Entry:
    organization = ledger(user, org_uuid)
    entry = (
        Entry.unscoped.filter(organization=organization, journal__code=code, number=number)
        .select_related("journal", "organization", "actor", "reverses__journal")
        .first()
    )
    if entry is None:
        raise Http404
    return entry


@login_required
def entry_detail(request, org_uuid, code, number):
    """An entry: its lines, what it books, who posted it, and its reversal (a form for it, to
    those who keep the accounts)."""
    entry = _entry(request.user, org_uuid, code, number)
    organization = entry.organization
    reversed_by = Entry.unscoped.filter(reverses=entry).select_related("journal", "actor").first()
    can_keep = can(request.user, Perm.KEEP_ACCOUNTS, organization)
    form = ReverseForm(request.POST or None, initial={"on": actions.local_today(organization)})
    if request.method == "POST":
        if not can_keep:
            raise PermissionDenied(Perm.KEEP_ACCOUNTS)
        if form.is_valid():
            try:
                reversal = actions.reverse_entry(
                    request.user, entry, form.cleaned_data["on"], form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The entry is reversed."))
                return redirect(reversal.get_absolute_url())
    lines = queries.entry_lines(entry)
    return render(
        request,
        "accounting/entry_detail.html",
        {
            "organization": organization,
            "entry": entry,
            "lines": lines,
            "total_debit": sum(x.debit for x in lines),
            "total_credit": sum(x.credit for x in lines),
            "source": queries.source_of(entry),
            "reversed_by": reversed_by,
            "form": form,
            "can_reverse": can_keep and reversed_by is None and actions.reversible_here(entry),
        },
    )


@login_required
def account_ledger(request, org_uuid, number):
    """The general ledger of one account: its movements between two dates of a fiscal year
    (the year so far by default) with the running balance."""
    organization = ledger(request.user, org_uuid)
    account = Account.unscoped.filter(organization=organization, number=number).first()
    if account is None:
        raise Http404
    until = day(request.GET, "until") or actions.local_today(organization)
    since = day(request.GET, "since") or queries.year_start(organization, until)
    if since > until:
        since, until = until, since
    last = queries.year_end(organization, since)
    if until > last:
        messages.info(request, _("A general ledger covers one fiscal year: it stops at its end."))
        until = last
    forward, rows, total_debit, total_credit = queries.general_ledger(account, since, until)
    return render(
        request,
        "accounting/account_ledger.html",
        {
            "organization": organization,
            "account": account,
            "since": since,
            "until": until,
            "forward": forward,
            "rows": rows,
            "total_debit": total_debit,
            "total_credit": total_credit,
            "closing": rows[-1].balance if rows else forward,
        },
    )
