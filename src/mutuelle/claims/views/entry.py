"""Claims on screen: the list, the entry form (fast, keyboard-friendly: the act codes come as
a list, a line is three fields, Tab goes through them), and the claim page with every line's
decision, amounts, reasons and the rules applied. A submitted claim is adjudicated at once
(by the system, not by the person who typed it), so the clerk reads the outcome right away."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from mutuelle.benefits.models import Act, CashBenefit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import can
from mutuelle.core.roles import Perm
from mutuelle.core.rules import has_perm
from mutuelle.core.scoping import grants_of
from mutuelle.providers.models import TariffLine
from mutuelle.providers.queries import visible_providers

from .. import actions, medical
from ..actions.claims import CORRECTABLE
from ..explain import stored_reasons, stored_trail
from ..forms import ClaimForm, ClaimLineFormSet
from ..intake import submit_and_decide
from ..models import ClaimEvent, ClaimKind, ClaimStatus
from ..queries import claim_for, may_record_cash, provider_ids, visible_claims

READ_PERMS = (Perm.SUBMIT_CLAIMS, Perm.ADJUDICATE_CLAIMS, Perm.REVIEW_CLAIMS)


def _readable(user):
    """The claims the user may read, with whichever claims permission they hold."""
    qs = None
    for perm in READ_PERMS:
        part = visible_claims(user, perm)
        qs = part if qs is None else qs | part
    return qs.distinct()


def _may_read(user) -> None:
    grants = grants_of(user)
    if not any(has_perm(grants, p) for p in READ_PERMS):
        raise PermissionDenied


def _claim(user, uuid):
    for perm in READ_PERMS:
        try:
            return claim_for(user, perm, uuid)
        except Http404:
            continue
    raise Http404


@login_required
def claim_list(request):
    _may_read(request.user)
    qs = _readable(request.user).select_related("provider", "person").order_by("-created_at")
    status = request.GET.get("status", "")
    if status in ClaimStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "claims/entry/list.html",
        {
            "page": page,
            "status": status,
            "statuses": ClaimStatus.choices,
            "may_submit": has_perm(grants_of(request.user), Perm.SUBMIT_CLAIMS),
            "may_record_cash": may_record_cash(request.user),
        },
    )


def _providers(user):
    clerk_of = provider_ids(user, Perm.SUBMIT_CLAIMS)
    if clerk_of:
        return list(Organization.unscoped.filter(pk__in=clerk_of).order_by("name"))
    return list(visible_providers(user, Perm.VIEW_PROVIDERS).order_by("name"))


def _acts(providers) -> list[tuple[str, str]]:
    """The act codes in the tariffs of these providers' conventions, for the code list."""
    codes = set(
        TariffLine.unscoped.filter(
            schedule__convention__provider__in=providers, schedule__status="adopted"
        ).values_list("act__code", flat=True)
    )
    english = (get_language() or "fr").startswith("en")
    rows = Act.unscoped.filter(code__in=codes).values_list("code", "name_en", "name_fr")
    return sorted({(code, en if english else fr) for code, en, fr in rows})


def _new_claim(form, formset) -> actions.NewClaim:
    data = form.cleaned_data
    lines = [
        actions.NewLine(x["act_code"], x["quantity"], x["unit_price"])
        for x in formset.cleaned_data
        if x and x.get("act_code")
    ]
    return actions.NewClaim(
        provider=data["provider"],
        number=data["number"],
        care_from=data["care_from"],
        care_to=data["care_to"],
        kind=data["kind"],
        visit_type=data["visit_type"],
        diagnoses=data["diagnoses"],
        letter_number=data["letter_number"],
        external_reference=data["external_reference"],
        idempotency_key=data["idempotency_key"],
        lines=lines,
        receipt=data.get("receipt") or None,
    )


@login_required
def claim_new(request):
    if not has_perm(grants_of(request.user), Perm.SUBMIT_CLAIMS):
        raise PermissionDenied
    providers = _providers(request.user)
    if request.method == "POST":
        form = ClaimForm(request.POST, request.FILES, providers=providers)
        formset = ClaimLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            try:
                claim = submit_and_decide(request.user, _new_claim(form, formset))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("claim_detail", claim.uuid)
    else:
        form = ClaimForm(providers=providers, initial={"idempotency_key": uuid.uuid4().hex})
        formset = ClaimLineFormSet(prefix="lines")
    return render(
        request,
        "claims/entry/new.html",
        {"form": form, "formset": formset, "acts": _acts(providers)},
    )


def _lines(claim) -> list[dict]:
    return [
        {
            "line": x,
            "reasons": stored_reasons(x.reasons),
            "trail": stored_trail(x.trail),
        }
        for x in claim.lines.all()
    ]


@login_required
def claim_detail(request, claim_uuid):
    claim = _claim(request.user, claim_uuid)
    show_medical = bool(claim.diagnoses) and medical.may_see(
        request.user, claim.organization, claim.provider
    )
    if show_medical:
        medical.shown(request.user, claim, claim.organization)
    may_submit = can(
        request.user, Perm.SUBMIT_CLAIMS, claim.organization
    ) or claim.provider_id in provider_ids(request.user, Perm.SUBMIT_CLAIMS)
    labels = dict(ClaimStatus.choices)
    events = list(ClaimEvent.unscoped.filter(claim=claim).select_related("actor"))
    for event in events:
        event.status_label = labels.get(event.to_status, event.to_status)  # type: ignore[attr-defined]
    return render(
        request,
        "claims/entry/detail.html",
        {
            "claim": claim,
            "lines": _lines(claim),
            "reasons": stored_reasons(claim.reasons),
            "events": events,
            "show_medical": show_medical,
            "cash_label": CashBenefit(claim.cash_benefit).label if claim.cash_benefit else "",
            "may_adjudicate": can(request.user, Perm.ADJUDICATE_CLAIMS, claim.organization),
            "may_dispute": may_submit
            and claim.status in (ClaimStatus.APPROVED, ClaimStatus.REJECTED),
            "may_correct": may_submit
            and claim.status in CORRECTABLE
            and claim.kind != ClaimKind.CASH_BENEFIT,
            "corrected_by": claim.corrections.order_by("pk").last(),
        },
    )


@login_required
@require_POST
def claim_adjudicate(request, claim_uuid):
    claim = claim_for(request.user, Perm.ADJUDICATE_CLAIMS, claim_uuid)
    try:
        actions.adjudicate(request.user, [claim])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("claim_detail", claim.uuid)


@login_required
@require_POST
def claim_approve(request, claim_uuid):
    claim = claim_for(request.user, Perm.ADJUDICATE_CLAIMS, claim_uuid)
    try:
        actions.approve(request.user, claim, request.POST.get("note", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("claim_detail", claim.uuid)


def _initial(claim) -> tuple[dict, list[dict]]:
    """The claim's head and lines as the entry form shows them (a correction starts there)."""
    head = {
        "number": claim.membership.number,
        "kind": claim.kind,
        "visit_type": claim.visit_type,
        "care_from": claim.care_from,
        "care_to": claim.care_to,
        "diagnoses": claim.diagnoses,
        "letter_number": claim.letter.number if claim.letter else "",
        "external_reference": claim.external_reference,
        "idempotency_key": uuid.uuid4().hex,
    }
    lines = [
        {"act_code": x.act_code, "quantity": x.quantity, "unit_price": x.unit_price}
        for x in claim.lines.all()
    ]
    return head, lines


@login_required
def claim_correct(request, claim_uuid):
    """Correct a refused (or not yet closed) claim: the entry form, filled with it; sending it
    cancels the original and submits the correction, linked to it."""
    original = claim_for(request.user, Perm.SUBMIT_CLAIMS, claim_uuid)
    if original.kind == ClaimKind.CASH_BENEFIT:
        raise Http404
    if original.status not in CORRECTABLE:
        messages.error(request, str(actions.claims.ERRORS["claim.not_correctable"]))
        return redirect("claim_detail", original.uuid)
    providers = [original.provider]
    if request.method == "POST":
        form = ClaimForm(request.POST, request.FILES, providers=providers)
        formset = ClaimLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            try:
                claim = submit_and_decide(
                    request.user, _new_claim(form, formset), corrects=original
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("claim_detail", claim.uuid)
    else:
        head, lines = _initial(original)
        if not medical.may_see(request.user, original.organization, original.provider):
            head["diagnoses"] = ""  # not shown to this user: typed again if needed
        form = ClaimForm(providers=providers, initial=head)
        formset = ClaimLineFormSet(prefix="lines", initial=lines)
    return render(
        request,
        "claims/entry/new.html",
        {"form": form, "formset": formset, "acts": _acts(providers), "corrects": original},
    )


urlpatterns = [
    path("", claim_list, name="claim_list"),
    path("new/", claim_new, name="claim_new"),
    path("<uuid:claim_uuid>/", claim_detail, name="claim_detail"),
    path("<uuid:claim_uuid>/adjudicate/", claim_adjudicate, name="claim_adjudicate"),
    path("<uuid:claim_uuid>/approve/", claim_approve, name="claim_approve"),
    path("<uuid:claim_uuid>/correct/", claim_correct, name="claim_correct"),
]
