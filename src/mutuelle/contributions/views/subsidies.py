"""Subsidy screens: payers, programmes and their lists, payers' statements and payments, the
solidarity report.

Permissions: MANAGE_BENEFITS defines payers, programmes and lists (they are part of what
members pay); BILL_DUES reads payers' statements and records payers' payments (money owed to
the mutual, like dues); VIEW_BENEFITS reads payers and programmes; VIEW_LEDGER reads the
solidarity report (financial aggregates of a mutual)."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutuelle.core.models import Organization
from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import visible_organizations
from mutuelle.lib.pdf import render_pdf
from mutuelle.lib.tabular import TableError, read_table, write_xlsx
from mutuelle.members.models import AbilityCategory, Household, Membership

from .. import subsidy_queries as q
from ..actions import subsidies as actions
from ..models import Eligibility, SubsidyProgramme, ThirdPartyPayer
from ..subsidy_forms import (
    EnrolForm,
    ListUploadForm,
    PayerForm,
    PayerPaymentForm,
    PeriodForm,
    ProgrammeForm,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _errors_to(form, exc: ValidationError) -> None:
    for error in exc.error_list:
        form.add_error(None, error.message % error.params if error.params else error.message)


def _managed(user, kinds=("mutual", "union"), under: Organization | None = None):
    qs = visible_organizations(user, Perm.MANAGE_BENEFITS).filter(kind__in=kinds)
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    return list(qs.order_by("path"))


@login_required
def subsidy_index(request):
    require(request.user, Perm.VIEW_BENEFITS)
    user = request.user
    return render(
        request,
        "contributions/subsidy_index.html",
        {
            "payers": q.payers(user).select_related("organization").order_by("name"),
            "programmes": q.programmes(user).order_by("payer__name", "priority", "start"),
            "can_manage": bool(_managed(user)),
            "report_mutuals": q.mutuals_for(user, Perm.VIEW_LEDGER),
        },
    )


@login_required
def payer_create(request):
    organizations = _managed(request.user)
    if not organizations:
        raise PermissionDenied
    form = PayerForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        org = next(o for o in organizations if o.pk == form.cleaned_data["organization"])
        try:
            payer = actions.save_payer(
                request.user,
                org,
                form.cleaned_data["name"],
                form.cleaned_data["kind"],
                form.cleaned_data["contact"],
            )
        except ValidationError as exc:
            _errors_to(form, exc)
        else:
            messages.success(request, _("Payer saved."))
            return redirect("payer_detail", payer_uuid=payer.uuid)
    return render(request, "contributions/payer_form.html", {"form": form, "payer": None})


@login_required
def payer_detail(request, payer_uuid):
    payer = q.payer(request.user, payer_uuid)
    can_manage = can(request.user, Perm.MANAGE_BENEFITS, payer.organization)
    form = None
    if can_manage:
        form = PayerForm(
            request.POST or None,
            organizations=[payer.organization],
            initial={
                "organization": payer.organization_id,
                "name": payer.name,
                "kind": payer.kind,
                "contact": payer.contact,
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                actions.save_payer(
                    request.user,
                    payer.organization,
                    form.cleaned_data["name"],
                    form.cleaned_data["kind"],
                    form.cleaned_data["contact"],
                    payer=payer,
                )
            except ValidationError as exc:
                _errors_to(form, exc)
            else:
                messages.success(request, _("Payer saved."))
                return redirect("payer_detail", payer_uuid=payer.uuid)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "contributions/payer_detail.html",
        {
            "payer": payer,
            "form": form,
            "programmes": q.programmes(request.user).filter(payer=payer),
            "owed": q.payer_owed_by_mutual(request.user, payer),
            "can_manage": can_manage,
            "can_bill": bool(q.mutuals_for(request.user, Perm.BILL_DUES, payer)),
            "can_add_programme": bool(_managed(request.user, under=payer.organization)),
        },
    )


def _category_choices(organizations) -> list[tuple[str, str]]:
    paths = [o.path for o in organizations]
    english = (get_language() or "fr").startswith("en")
    seen: dict[str, str] = {}
    for c in AbilityCategory.unscoped.select_related("organization").order_by("order", "code"):
        if any(c.organization.path.startswith(p) for p in paths):
            seen.setdefault(c.code, c.name_en if english else c.name_fr)
    return list(seen.items())


def _programme_values(form: ProgrammeForm, payer: ThirdPartyPayer) -> dict:
    data = dict(form.cleaned_data)
    data["payer"] = payer
    data.pop("organization", None)
    return data


@login_required
def subsidy_programme_create(request, payer_uuid):
    payer = q.payer(request.user, payer_uuid)
    organizations = _managed(request.user, under=payer.organization)
    if not organizations:
        raise PermissionDenied
    currency = organizations[0].currency
    form = ProgrammeForm(
        request.POST or None,
        organizations=organizations,
        categories=_category_choices(organizations),
        currency=currency,
        initial={"start": timezone.localdate(), "rate": 100, "ratio": 1, "priority": 10},
    )
    if request.method == "POST" and form.is_valid():
        org = next(o for o in organizations if o.pk == form.cleaned_data["organization"])
        try:
            programme = actions.save_programme(request.user, org, _programme_values(form, payer))
        except ValidationError as exc:
            _errors_to(form, exc)
        else:
            messages.success(request, _("Programme saved."))
            return redirect("subsidy_programme_edit", programme_uuid=programme.uuid)
    return render(
        request,
        "contributions/subsidy_programme_form.html",
        {"form": form, "payer": payer, "programme": None},
    )


def _list_mutuals(user, programme: SubsidyProgramme):
    return list(
        q.mutuals_for(user, Perm.MANAGE_BENEFITS).filter(
            path__startswith=programme.organization.path
        )
    )


@login_required
def subsidy_programme_edit(request, programme_uuid):
    programme = q.programme(request.user, programme_uuid)
    organization = programme.organization
    can_manage = can(request.user, Perm.MANAGE_BENEFITS, organization)
    form = None
    if can_manage:
        initial = {f: getattr(programme, f) for f in actions.PROGRAMME_FIELDS if f != "payer"}
        initial["organization"] = organization.pk
        form = ProgrammeForm(
            request.POST or None,
            organizations=[organization],
            categories=_category_choices([organization]),
            currency=organization.currency,
            initial=initial,
        )
        if request.method == "POST" and form.is_valid():
            try:
                actions.save_programme(
                    request.user,
                    organization,
                    _programme_values(form, programme.payer),
                    programme=programme,
                )
            except ValidationError as exc:
                _errors_to(form, exc)
            else:
                messages.success(request, _("Programme saved."))
                return redirect("subsidy_programme_edit", programme_uuid=programme.uuid)
    elif request.method == "POST":
        raise PermissionDenied
    mutuals = _list_mutuals(request.user, programme)
    is_list = programme.eligibility == Eligibility.LIST
    return render(
        request,
        "contributions/subsidy_programme_form.html",
        {
            "form": form,
            "payer": programme.payer,
            "programme": programme,
            "use": q.programme_use(programme),
            "enrolments": q.enrolments(request.user, programme)[:500] if is_list else [],
            "enrol_form": EnrolForm(initial={"start": programme.start})
            if is_list and mutuals
            else None,
            "upload_form": ListUploadForm(mutuals=mutuals, initial={"start": programme.start})
            if is_list and mutuals
            else None,
        },
    )


@login_required
@require_POST
def subsidy_enrol(request, programme_uuid):
    programme = q.programme(request.user, programme_uuid)
    mutuals = _list_mutuals(request.user, programme)
    if not mutuals:
        raise PermissionDenied
    form = EnrolForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Fill in the household number and the evidence."))
        return redirect("subsidy_programme_edit", programme_uuid=programme.uuid)
    data = form.cleaned_data
    home = (
        Household.unscoped.filter(
            organization__in=mutuals, number=data["household"].strip().upper()
        )
        .select_related("organization")
        .first()
    )
    if home is None:
        messages.error(request, _("No household with this number."))
        return redirect("subsidy_programme_edit", programme_uuid=programme.uuid)
    person = None
    if data["member"].strip():
        membership = (
            Membership.unscoped.filter(
                organization=home.organization,
                number=data["member"].strip().upper(),
                person__household=home,
            )
            .select_related("person")
            .first()
        )
        if membership is None:
            messages.error(request, _("No member with this number in the household."))
            return redirect("subsidy_programme_edit", programme_uuid=programme.uuid)
        person = membership.person
    try:
        _enrolment, created = actions.enrol(
            request.user,
            programme,
            home,
            start=data["start"],
            evidence_reference=data["evidence_reference"],
            evidence_date=data["evidence_date"],
            evidence_by=data["evidence_by"],
            person=person,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if created:
            messages.success(request, _("Enrolled in the programme."))
        else:
            messages.info(request, _("Already enrolled: nothing changed."))
    return redirect("subsidy_programme_edit", programme_uuid=programme.uuid)


def _date_of(text: str):
    text = (text or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@login_required
@require_POST
def subsidy_enrol_upload(request, programme_uuid):
    programme = q.programme(request.user, programme_uuid)
    mutuals = _list_mutuals(request.user, programme)
    if not mutuals:
        raise PermissionDenied
    form = ListUploadForm(request.POST, request.FILES, mutuals=mutuals)
    if not form.is_valid():
        messages.error(request, _("Choose the mutual, the date and the file."))
        return redirect("subsidy_programme_edit", programme_uuid=programme.uuid)
    mutual = next(m for m in mutuals if m.pk == form.cleaned_data["mutual"])
    upload = form.cleaned_data["file"]
    try:
        table = read_table(upload.read(), upload.name)
    except TableError:
        messages.error(request, _("This file cannot be read as a CSV or XLSX table."))
        return redirect("subsidy_programme_edit", programme_uuid=programme.uuid)
    rows = []
    for cells in table.rows:
        cells = [*cells, "", "", "", "", ""][:5]
        rows.append(actions.ListRow(cells[0], cells[1], cells[2], _date_of(cells[3]), cells[4]))
    try:
        created, errors = actions.enrol_list(
            request.user, programme, mutual, rows, form.cleaned_data["start"]
        )
    except ValidationError as exc:
        errors, created = [exc], 0
    if errors:
        for error in errors[:20]:
            messages.error(request, " ".join(error.messages))
        messages.error(request, _("Nothing was enrolled: correct the file and send it again."))
    else:
        messages.success(
            request, _("%(count)s enrolled (already enrolled ones unchanged).") % {"count": created}
        )
    return redirect("subsidy_programme_edit", programme_uuid=programme.uuid)


# --- Statements and payments ------------------------------------------------------------------
def _statement(request, payer_uuid):
    payer = q.payer(request.user, payer_uuid, Perm.BILL_DUES)
    if not q.mutuals_for(request.user, Perm.BILL_DUES, payer).exists():
        raise Http404
    form, start, end = PeriodForm.of(request, timezone.localdate())
    return form, q.statement(request.user, payer, start, end)


@login_required
def payer_statement(request, payer_uuid):
    form, statement = _statement(request, payer_uuid)
    return render(
        request,
        "contributions/payer_statement.html",
        {"form": form, "statement": statement, "query": request.GET.urlencode()},
    )


@login_required
def payer_statement_pdf(request, payer_uuid):
    _form, statement = _statement(request, payer_uuid)
    html = render_to_string(
        "contributions/payer_statement.pdf.html",
        {"statement": statement, "printed_at": timezone.localtime()},
        request=request,
    )
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statement-{statement.end}.pdf"'
    return response


@login_required
def payer_statement_xlsx(request, payer_uuid):
    _form, statement = _statement(request, payer_uuid)
    headers = [
        _("Mutual"),
        _("Programme"),
        _("Household"),
        _("Name"),
        _("Period"),
        _("Kind"),
        _("Amount"),
        _("Paid"),
        _("Outstanding"),
    ]
    rows = [
        [
            block.mutual,
            block.programme.name,
            r.household,
            r.name,
            r.period,
            r.kind,
            r.amount,
            r.paid,
            r.outstanding,
        ]
        for block in statement.blocks
        for r in block.rows
    ]
    response = HttpResponse(write_xlsx(headers, rows, title=_("Statement")), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="statement-{statement.end}.xlsx"'
    return response


@login_required
def payer_payment(request, payer_uuid):
    payer = q.payer(request.user, payer_uuid, Perm.BILL_DUES)
    mutuals = list(q.mutuals_for(request.user, Perm.BILL_DUES, payer))
    if not mutuals:
        raise Http404
    form = PayerPaymentForm(
        request.POST or None, mutuals=mutuals, initial={"received_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        mutual = next(m for m in mutuals if m.pk == form.cleaned_data["mutual"])
        try:
            payment = actions.record_payer_payment(
                request.user,
                mutual,
                payer,
                form.cleaned_data["amount"],
                form.cleaned_data["reference"],
                form.cleaned_data["received_on"],
            )
        except ValidationError as exc:
            _errors_to(form, exc)
        else:
            messages.success(
                request,
                _("Payment %(reference)s recorded.") % {"reference": payment.reference},
            )
            return redirect("payer_payment", payer_uuid=payer.uuid)
    return render(
        request,
        "contributions/payer_payment.html",
        {
            "payer": payer,
            "form": form,
            "balances": [(m, actions.payer_balance(m, payer)) for m in mutuals],
            "recent": q.statement(
                request.user,
                payer,
                timezone.localdate().replace(month=1, day=1),
                timezone.localdate(),
            ).payments[-20:],
        },
    )


# --- Solidarity report ------------------------------------------------------------------------
def _report(request, org_uuid):
    try:
        mutual = (
            visible_organizations(request.user, Perm.VIEW_LEDGER)
            .filter(kind="mutual")
            .get(uuid=org_uuid)
        )
    except (Organization.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    form, start, end = PeriodForm.of(request, timezone.localdate())
    return mutual, form, start, end, q.solidarity(mutual, start, end)


@login_required
def solidarity_report(request, org_uuid):
    mutual, form, start, end, rows = _report(request, org_uuid)
    totals = {
        "households": sum(r.households for r in rows),
        "contributed": sum((r.contributed for r in rows), 0),
        "received": sum((r.received for r in rows), 0),
    }
    return render(
        request,
        "contributions/subsidy_solidarity.html",
        {
            "mutual": mutual,
            "form": form,
            "rows": rows,
            "totals": totals,
            "query": request.GET.urlencode(),
        },
    )


@login_required
def solidarity_report_xlsx(request, org_uuid):
    mutual, _form, start, end, rows = _report(request, org_uuid)
    headers = [
        _("Ability-to-pay category"),
        _("Households"),
        _("Own payments"),
        _("Subsidies received"),
        _("Subsidised share (%)"),
    ]
    body = [
        [r.name or _("No category"), r.households, r.contributed, r.received, r.subsidised_share]
        for r in rows
    ]
    response = HttpResponse(write_xlsx(headers, body, title=_("Solidarity")), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="solidarity-{start}-{end}.xlsx"'
    return response
