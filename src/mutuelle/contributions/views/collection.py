"""Collectors' rounds (sheet, PDF, remittance) and statement lines to assign."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutuelle.core.models import Place, RoleGrant, User
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm, Role
from mutuelle.core.scoping import get_for_user, scope, visible_organizations
from mutuelle.lib.pdf import render_pdf
from mutuelle.members.models import Household

from ..actions import collection
from ..models import CollectorSheet, LineStatus, StatementLine

COLLECTING_ROLES = (Role.CASHIER, Role.MUTUAL_MANAGER)


def _mutuals(user):
    return visible_organizations(user, Perm.COLLECT_PAYMENTS).filter(kind="mutual")


def _collectors(mutual):
    ids = RoleGrant.objects.filter(
        role__in=COLLECTING_ROLES,
        revoked_at__isnull=True,
        organization_id__in=[*mutual.ancestor_ids(), mutual.pk],
    ).values_list("user_id", flat=True)
    return User.objects.filter(pk__in=ids, is_active=True).order_by("full_name")


def _places(mutual):
    households = Household.unscoped.filter(organization=mutual).values("place_id")
    return Place.unscoped.filter(pk__in=households).order_by("name")


def _int(text) -> int:
    return int(text) if str(text or "").isdigit() else 0


def _is_rate(text: str) -> bool:
    try:
        return 0 <= float(text) <= 100
    except ValueError:
        return False


@login_required
def collection_list(request):
    require(request.user, Perm.COLLECT_PAYMENTS)
    mutuals = list(_mutuals(request.user))
    if request.method == "POST":
        mutual = next((m for m in mutuals if str(m.uuid) == request.POST.get("mutual")), None)
        collector = place = None
        if mutual is not None:
            collector = _collectors(mutual).filter(pk=_int(request.POST.get("collector"))).first()
            place = _places(mutual).filter(pk=_int(request.POST.get("place"))).first()
        rate = request.POST.get("rate", "").strip().replace(",", ".") or "0"
        if mutual is None or collector is None or place is None or not _is_rate(rate):
            messages.error(request, _("Choose a collector, a village and a commission rate."))
        else:
            sheet = collection.create_sheet(request.user, mutual, collector, place, rate)
            return redirect("collection_sheet", sheet_uuid=sheet.uuid)
    sheets = scope(CollectorSheet.unscoped.all(), request.user, Perm.COLLECT_PAYMENTS)
    choices = [
        {
            "mutual": m,
            "collectors": _collectors(m),
            "places": _places(m),
        }
        for m in mutuals
    ]
    return render(
        request,
        "contributions/collection_list.html",
        {
            "choices": choices,
            "sheets": sheets.select_related("collector", "place", "organization")[:30],
        },
    )


def _sheet(user, sheet_uuid) -> CollectorSheet:
    return get_for_user(
        CollectorSheet.unscoped.select_related("organization", "collector", "place"),
        user,
        Perm.COLLECT_PAYMENTS,
        uuid=sheet_uuid,
    )


@login_required
def collection_sheet(request, sheet_uuid):
    sheet = _sheet(request.user, sheet_uuid)
    rows = collection.sheet_rows(sheet)
    if request.method == "POST" and sheet.remitted_at is None:
        amounts = {r["household"].pk: request.POST.get(f"h{r['household'].pk}", "") for r in rows}
        try:
            collection.remit_sheet(request.user, sheet, amounts, request.POST.get("counted", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Remittance recorded: the receipts are numbered."))
            return redirect("collection_sheet", sheet_uuid=sheet.uuid)
    paid = {}
    if sheet.remitted_at:
        paid = {p.household_id: p for p in sheet.payments.select_related("receipt__series")}
    return render(
        request,
        "contributions/collection_sheet.html",
        {"sheet": sheet, "rows": rows, "paid": paid, "posted": request.POST},
    )


@login_required
def collection_sheet_pdf(request, sheet_uuid):
    sheet = _sheet(request.user, sheet_uuid)
    html = render_to_string(
        "contributions/collection_sheet.pdf.html",
        {"sheet": sheet, "rows": collection.sheet_rows(sheet), "today": timezone.localdate()},
    )
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="collecte-{sheet.place.code}.pdf"'
    return response


@login_required
def statement_lines(request):
    require(request.user, Perm.COLLECT_PAYMENTS)
    lines = scope(
        StatementLine.unscoped.filter(status=LineStatus.UNMATCHED),
        request.user,
        Perm.COLLECT_PAYMENTS,
    ).select_related("organization")
    return render(request, "contributions/statement_lines.html", {"lines": lines[:200]})


def _line(user, line_id) -> StatementLine:
    return get_for_user(
        StatementLine.unscoped.select_related("organization"),
        user,
        Perm.COLLECT_PAYMENTS,
        pk=line_id,
    )


@login_required
@require_POST
def statement_assign(request, line_id):
    line = _line(request.user, line_id)
    number = request.POST.get("household", "").strip().upper()
    household = Household.unscoped.filter(organization=line.organization, number=number).first()
    if household is None:
        messages.error(request, _("No household %(number)s in this mutual.") % {"number": number})
        return redirect("statement_lines")
    try:
        collection.assign_line(request.user, line, household)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Payment recorded for %(number)s.") % {"number": number})
    return redirect("statement_lines")


@login_required
@require_POST
def statement_ignore(request, line_id):
    line = _line(request.user, line_id)
    collection.ignore_line(request.user, line)
    return redirect("statement_lines")
