"""Fiscal years and their monthly periods: close, reopen with a reason, close the year."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm

from .. import actions
from ..forms import ReasonForm
from ..models import FiscalYear, Period
from .common import ledger


def _start(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise Http404 from exc


@login_required
def period_list(request, org_uuid) -> HttpResponse:
    """The fiscal years, newest first, each with its months (open or closed)."""
    organization = ledger(request.user, org_uuid)
    years = list(FiscalYear.unscoped.filter(organization=organization).order_by("-start"))
    periods: dict[int, list[Period]] = {}
    for period in (
        Period.unscoped.filter(organization=organization)
        .select_related("closed_by")
        .order_by("start")
    ):
        periods.setdefault(period.fiscal_year_id, []).append(period)
    return render(
        request,
        "accounting/period_list.html",
        {
            "organization": organization,
            "years": [(year, periods.get(year.pk, [])) for year in years],
            "today": actions.local_today(organization),
            "can_keep": can(request.user, Perm.KEEP_ACCOUNTS, organization),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def year_open(request, org_uuid):
    """Create the fiscal year of today (and its periods) before anything is posted in it."""
    organization = ledger(request.user, org_uuid)
    require(request.user, Perm.KEEP_ACCOUNTS, organization)
    actions.open_year(organization, actions.local_today(organization))
    return redirect("period_list", org_uuid=organization.uuid)


def _period(request, org_uuid, start) -> Period:
    organization = ledger(request.user, org_uuid)
    require(request.user, Perm.KEEP_ACCOUNTS, organization)
    period = Period.unscoped.filter(organization=organization, start=_start(start)).first()
    if period is None:
        raise Http404
    return period


@login_required
@require_POST
def period_close(request, org_uuid, start):
    period = _period(request, org_uuid, start)
    try:
        actions.close_period(request.user, period)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Period %(period)s closed.") % {"period": period})
    return redirect("period_list", org_uuid=period.organization.uuid)


@login_required
@require_POST
def period_reopen(request, org_uuid, start):
    period = _period(request, org_uuid, start)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise actions.reason_error("period.reason_required")
        actions.reopen_period(request.user, period, form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Period %(period)s reopened.") % {"period": period})
    return redirect("period_list", org_uuid=period.organization.uuid)


@login_required
@require_POST
def year_close(request, org_uuid, start):
    organization = ledger(request.user, org_uuid)
    require(request.user, Perm.KEEP_ACCOUNTS, organization)
    year = FiscalYear.unscoped.filter(organization=organization, start=_start(start)).first()
    if year is None:
        raise Http404
    try:
        closing, opening = actions.close_year(request.user, year)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Fiscal year %(year)s closed; its balances are carried to the next year.")
            % {"year": year},
        )
    return redirect("period_list", org_uuid=organization.uuid)
