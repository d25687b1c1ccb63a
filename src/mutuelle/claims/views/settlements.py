"""Settlements screens: the list by status, a statement prepared for a provider (or a member)
and a period, the statement page (claims paginated, other lines, totals, maker and checker),
the payment order's steps (prepare, approve, pay, cancel), the PDF and XLSX statements; the
advances and overpayments of providers. Reads are scoped to the mutuals where the user
adjudicates claims or approves settlements (404 across tenants); writes go through
`claims.actions.settlements`, which checks each permission."""

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutuelle.accounting.actions import local_today
from mutuelle.core.models import Organization
from mutuelle.core.permissions import can
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import scope, visible_organizations
from mutuelle.members.models import Membership
from mutuelle.providers.models import Convention

from .. import statements
from ..actions import settlements as actions
from ..models import Advance, AdvanceKind, PayeeKind, Settlement, SettlementStatus
from ..queries import provider_ids

READ_PERMS = (Perm.ADJUDICATE_CLAIMS, Perm.APPROVE_SETTLEMENTS)


def _visible(qs: QuerySet, user) -> QuerySet:
    """Rows of the mutuals where the user adjudicates claims or approves settlements, and a
    provider clerk's own provider's statements (read only: what the mutual will pay it)."""
    first, second = (scope(qs, user, perm) for perm in READ_PERMS)
    own = qs.filter(provider_id__in=provider_ids(user, Perm.SUBMIT_CLAIMS))
    return qs.filter(pk__in=first.values("pk")) | qs.filter(pk__in=second.values("pk")) | own


def _mutuals(user, perm: str) -> QuerySet[Organization]:
    return visible_organizations(user, perm).filter(kind="mutual").order_by("name")


def _may_read(user) -> None:
    if provider_ids(user, Perm.SUBMIT_CLAIMS):
        return
    if not any(_mutuals(user, perm).exists() for perm in READ_PERMS):
        raise PermissionDenied(Perm.ADJUDICATE_CLAIMS)


def _settlement(user, settlement_uuid) -> Settlement:
    try:
        return (
            _visible(Settlement.unscoped.all(), user)
            .select_related(
                "organization", "provider", "member", "convention", "prepared_by", "approved_by"
            )
            .get(uuid=settlement_uuid)
        )
    except (Settlement.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


def _refused(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# --- Forms -----------------------------------------------------------------------------------


def _last_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


class PrepareForm(forms.Form):
    mutual = forms.ModelChoiceField(label=gettext_lazy("Mutual"), queryset=Organization.unscoped)
    payee_kind = forms.ChoiceField(
        label=gettext_lazy("Payee"),
        choices=PayeeKind.choices,
        initial=PayeeKind.PROVIDER,
        widget=forms.RadioSelect,
    )
    provider = forms.ModelChoiceField(
        label=gettext_lazy("Health care provider"), queryset=Organization.unscoped, required=False
    )
    member = forms.CharField(
        label=gettext_lazy("Member's membership number"), max_length=40, required=False
    )
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, mutuals, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mutual"].queryset = mutuals
        self.fields["provider"].queryset = providers
        if mutuals.count() == 1:
            self.fields["mutual"].initial = mutuals.first()
            self.fields["mutual"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        if data.get("payee_kind") == PayeeKind.PROVIDER and not data.get("provider"):
            self.add_error("provider", _("Choose a health care provider."))
        if data.get("payee_kind") == PayeeKind.MEMBER:
            number = "".join((data.get("member") or "").split()).upper()
            membership = (
                Membership.unscoped.select_related("person")
                .filter(number=number, organization=data.get("mutual"))
                .first()
                if number and data.get("mutual")
                else None
            )
            if membership is None:
                self.add_error("member", _("No member of this mutual has this number."))
            else:
                data["person"] = membership.person
        return data


class PayForm(forms.Form):
    paid_on = forms.DateField(
        label=gettext_lazy("Paid on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(
        label=gettext_lazy("Payment reference (transfer or cheque)"), max_length=80
    )


class AdvanceForm(forms.Form):
    mutual = forms.ModelChoiceField(label=gettext_lazy("Mutual"), queryset=Organization.unscoped)
    provider = forms.ModelChoiceField(
        label=gettext_lazy("Health care provider"), queryset=Organization.unscoped
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=AdvanceKind.choices, widget=forms.RadioSelect
    )
    amount = forms.DecimalField(label=gettext_lazy("Amount"), min_value=1, decimal_places=2)
    granted_on = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(label=gettext_lazy("Reference"), max_length=80, required=False)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, mutuals, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mutual"].queryset = mutuals
        self.fields["provider"].queryset = providers
        if mutuals.count() == 1:
            self.fields["mutual"].initial = mutuals.first()
            self.fields["mutual"].widget = forms.HiddenInput()


def _providers_for(mutuals) -> QuerySet[Organization]:
    """Providers with a convention (in force or not: late claims are settled too) with one of
    these mutuals or their ancestors (a union's convention serves its mutuals)."""
    lineage = {pk for m in mutuals for pk in (*m.ancestor_ids(), m.pk)}
    named = Convention.unscoped.filter(party_id__in=lineage).values("provider_id")
    return Organization.unscoped.filter(pk__in=named, kind="provider").order_by("name")


# --- Views -----------------------------------------------------------------------------------


@login_required
def settlement_list(request):
    _may_read(request.user)
    status = request.GET.get("status", "")
    qs = _visible(Settlement.unscoped.all(), request.user).select_related(
        "organization", "provider", "member"
    )
    if status in SettlementStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "claims/settlements/list.html",
        {
            "page": page,
            "status": status,
            "statuses": SettlementStatus.choices,
            "can_prepare": _mutuals(request.user, Perm.ADJUDICATE_CLAIMS).exists(),
        },
    )


@login_required
def settlement_new(request):
    mine = _mutuals(request.user, Perm.ADJUDICATE_CLAIMS)
    mutuals = list(mine)
    if not mutuals:
        raise PermissionDenied(Perm.ADJUDICATE_CLAIMS)
    today = local_today(mutuals[0])
    providers = _providers_for(mutuals)
    start, end = _last_month(today)
    form = PrepareForm(
        request.POST or None,
        initial={"start": start, "end": end},
        mutuals=mine,
        providers=providers,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        payee = (
            actions.Payee(provider=d["provider"])
            if d["payee_kind"] == PayeeKind.PROVIDER
            else actions.Payee(member=d["person"])
        )
        try:
            settlement = actions.prepare_statement(
                request.user, d["mutual"], payee, d["start"], d["end"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Statement %(number)s prepared.") % {"number": settlement})
            return redirect("settlement_detail", settlement_uuid=settlement.uuid)
    return render(request, "claims/settlements/new.html", {"form": form})


@login_required
def settlement_detail(request, settlement_uuid):
    s = _settlement(request.user, settlement_uuid)
    page = Paginator(
        statements.claims_of(s).only(
            "pk",
            "external_reference",
            "care_from",
            "visit_type",
            "asked",
            "tariff_adjusted",
            "copayment",
            "covered",
            "status",
            "person__given_names",
            "person__family_name",
            "membership__number",
        ),
        50,
    ).get_page(request.GET.get("page"))
    mutual = s.organization
    maker = can(request.user, Perm.ADJUDICATE_CLAIMS, mutual)
    checker = can(request.user, Perm.APPROVE_SETTLEMENTS, mutual)
    context = statements.summary(s)
    context.update(
        page=page,
        may_order=maker and s.status == SettlementStatus.DRAFT,
        may_cancel=maker and s.status in (SettlementStatus.DRAFT, SettlementStatus.PREPARED),
        may_approve=checker
        and s.status == SettlementStatus.PREPARED
        and s.prepared_by_id != request.user.pk,
        maker_waits=checker
        and s.status == SettlementStatus.PREPARED
        and s.prepared_by_id == request.user.pk,
        may_pay=(checker or can(request.user, Perm.KEEP_ACCOUNTS, mutual))
        and s.status == SettlementStatus.APPROVED,
        pay_form=PayForm(initial={"paid_on": local_today(mutual)}),
    )
    return render(request, "claims/settlements/detail.html", context)


def _step(request, settlement_uuid, action, done: str):
    s = _settlement(request.user, settlement_uuid)
    try:
        action(request.user, s)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, done)
    return redirect("settlement_detail", settlement_uuid=s.uuid)


@login_required
@require_POST
def settlement_order(request, settlement_uuid):
    return _step(
        request,
        settlement_uuid,
        actions.prepare_order,
        _("Payment order prepared: a manager must now approve it."),
    )


@login_required
@require_POST
def settlement_approve(request, settlement_uuid):
    return _step(request, settlement_uuid, actions.approve_order, _("Payment order approved."))


@login_required
@require_POST
def settlement_cancel(request, settlement_uuid):
    return _step(
        request,
        settlement_uuid,
        actions.cancel,
        _("Statement cancelled: its claims can be settled again."),
    )


@login_required
@require_POST
def settlement_pay(request, settlement_uuid):
    s = _settlement(request.user, settlement_uuid)
    form = PayForm(request.POST)
    if form.is_valid():
        try:
            actions.pay(
                request.user, s, form.cleaned_data["paid_on"], form.cleaned_data["reference"]
            )
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Payment recorded."))
    else:
        messages.error(request, _("Give the payment's date and reference."))
    return redirect("settlement_detail", settlement_uuid=s.uuid)


@login_required
def settlement_pdf(request, settlement_uuid):
    s = _settlement(request.user, settlement_uuid)
    body = statements.render_pdf(s, get_language())
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{s.number}.pdf"'
    return response


@login_required
def settlement_xlsx(request, settlement_uuid):
    s = _settlement(request.user, settlement_uuid)
    body = statements.render_xlsx(s, get_language())
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{s.number}.xlsx"'
    return response


@login_required
def advance_list(request):
    _may_read(request.user)
    advances = (
        _visible(Advance.unscoped.all(), request.user)
        .select_related("organization", "provider")
        .order_by("-granted_on", "-pk")
    )
    page = Paginator(advances, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "claims/settlements/advances.html",
        {"page": page, "can_grant": _mutuals(request.user, Perm.APPROVE_SETTLEMENTS).exists()},
    )


@login_required
def advance_new(request):
    mine = _mutuals(request.user, Perm.APPROVE_SETTLEMENTS)
    mutuals = list(mine)
    if not mutuals:
        raise PermissionDenied(Perm.APPROVE_SETTLEMENTS)
    today = local_today(mutuals[0])
    form = AdvanceForm(
        request.POST or None,
        initial={"granted_on": today, "kind": AdvanceKind.ADVANCE},
        mutuals=mine,
        providers=_providers_for(mutuals),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.grant_advance(
                request.user,
                d["mutual"],
                d["provider"],
                d["kind"],
                d["amount"],
                d["granted_on"],
                reference=d["reference"],
                note=d["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Recorded: it will be recovered on the next statements."))
            return redirect("advance_list")
    return render(request, "claims/settlements/advance_form.html", {"form": form})


urlpatterns = [
    path("settlements/", settlement_list, name="settlement_list"),
    path("settlements/new/", settlement_new, name="settlement_new"),
    path("settlements/<uuid:settlement_uuid>/", settlement_detail, name="settlement_detail"),
    path("settlements/<uuid:settlement_uuid>/order/", settlement_order, name="settlement_order"),
    path(
        "settlements/<uuid:settlement_uuid>/approve/",
        settlement_approve,
        name="settlement_approve",
    ),
    path("settlements/<uuid:settlement_uuid>/pay/", settlement_pay, name="settlement_pay"),
    path("settlements/<uuid:settlement_uuid>/cancel/", settlement_cancel, name="settlement_cancel"),
    path("settlements/<uuid:settlement_uuid>/statement.pdf", settlement_pdf, name="settlement_pdf"),
    path(
        "settlements/<uuid:settlement_uuid>/statement.xlsx", settlement_xlsx, name="settlement_xlsx"
    ),
    path("advances/", advance_list, name="advance_list"),
    path("advances/new/", advance_new, name="advance_new"),
]
