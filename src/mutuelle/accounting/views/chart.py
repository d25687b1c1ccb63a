"""The ledger's home (the trial balance: proof that the postings balance) and the chart."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm

from .. import actions, queries
from ..forms import AccountForm
from ..models import Account
from .common import day, ledger, ledgers


@login_required
def ledger_list(request):
    organizations = list(ledgers(request.user).order_by("name"))
    if not organizations:
        raise PermissionDenied(Perm.VIEW_LEDGER)
    if len(organizations) == 1:
        return redirect("trial_balance", org_uuid=organizations[0].uuid)
    return render(request, "accounting/ledger_list.html", {"organizations": organizations})


@login_required
def trial_balance(request, org_uuid):
    """The balance of every account from the fiscal year's first day until a date (today by
    default): the ledger's home page."""
    organization = ledger(request.user, org_uuid)
    until = day(request.GET, "until")
    if request.GET.get("until") and until is None:
        messages.error(request, _("Give the date as YYYY-MM-DD."))
    until = until or actions.local_today(organization)
    start = queries.year_start(organization, until)
    rows = queries.trial_balance(organization, until, start=start)
    return render(
        request,
        "accounting/trial_balance.html",
        {
            "organization": organization,
            "rows": rows,
            "until": until,
            "start": start,
            "total_debit": sum(r.debit for r in rows),
            "total_credit": sum(r.credit for r in rows),
            "has_chart": Account.unscoped.filter(organization=organization).exists(),
            "can_keep": can(request.user, Perm.KEEP_ACCOUNTS, organization),
        },
    )


@login_required
@require_POST
def install_chart(request, org_uuid):
    organization = ledger(request.user, org_uuid)
    require(request.user, Perm.KEEP_ACCOUNTS, organization)
    added = actions.install_chart(organization)
    messages.success(request, _("%(n)s accounts and the journals installed.") % {"n": added})
    return redirect("trial_balance", org_uuid=organization.uuid)


@login_required
def chart(request, org_uuid):
    """The chart of accounts; those who keep the accounts add and deactivate accounts."""
    organization = ledger(request.user, org_uuid)
    can_keep = can(request.user, Perm.KEEP_ACCOUNTS, organization)
    form = AccountForm(request.POST or None)
    if request.method == "POST":
        require(request.user, Perm.KEEP_ACCOUNTS, organization)
        if form.is_valid():
            try:
                actions.add_account(request.user, organization, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error("number", exc)
            else:
                messages.success(request, _("Account added."))
                return redirect("chart", org_uuid=organization.uuid)
    accounts = Account.unscoped.filter(organization=organization).order_by("number")
    return render(
        request,
        "accounting/chart.html",
        {"organization": organization, "accounts": accounts, "form": form, "can_keep": can_keep},
    )


@login_required
@require_POST
def account_active(request, org_uuid, number):
    organization = ledger(request.user, org_uuid)
    require(request.user, Perm.KEEP_ACCOUNTS, organization)
    account = Account.unscoped.filter(organization=organization, number=number).first()
    if account is None:
        raise Http404
    actions.set_account_active(request.user, account, request.POST.get("active") == "1")
    return redirect("chart", org_uuid=organization.uuid)
