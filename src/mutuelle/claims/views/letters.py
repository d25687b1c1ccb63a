"""Guarantee letters and referral slips: the adviser's queue, the request form (a clerk types
the member's number), the letter's page (status, amounts, the claims citing it, what is
left), the decision form, the PDF; referrals: list, form, page, counter-referral.

Reads go through `claims.letters` (404 across tenants); writes through
`claims.actions.letters`. Medical details (reason, diagnoses, referral notes) are shown only
when `medical.may_see`, and each showing is logged with `medical.shown`.
(Isolation rules: tests/isolation/claims_letters.py.)"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from mutuelle.core.models import Organization, Scope
from mutuelle.core.permissions import can
from mutuelle.core.roles import PERMISSIONS, Perm
from mutuelle.core.rules import has_perm
from mutuelle.core.scoping import grants_of
from mutuelle.lib.pdf import render_pdf
from mutuelle.members.models import Membership
from mutuelle.providers.models import Convention
from mutuelle.providers.queries import mutuals_served, visible_providers

from .. import diagnoses as icd
from .. import letters as reads
from ..actions import letters as actions
from ..medical import may_see, shown
from ..models import GuaranteeLetter, LetterStatus, Referral, VisitType

LIST_LIMIT = 200


# --- Who is who ---------------------------------------------------------------------------------
def clerk_providers(user) -> list[Organization]:
    """The providers the user works for as a clerk (provider-scope grants to submit)."""
    ids = [
        g.org_id
        for g in grants_of(user)
        if g.scope == Scope.PROVIDER
        and g.org_id is not None
        and Perm.SUBMIT_CLAIMS in PERMISSIONS.get(g.role, frozenset())
    ]
    return list(Organization.unscoped.filter(pk__in=ids, kind="provider").order_by("name"))


def _is_staff(user) -> bool:
    """Staff of a mutual, a union or a country (not only a provider's clerk)."""
    return any(
        g.scope != Scope.PROVIDER
        and any(p in PERMISSIONS.get(g.role, frozenset()) for p in reads.MUTUAL_PERMS)
        for g in grants_of(user)
    )


def _require_any(user) -> None:
    if not _is_staff(user) and not clerk_providers(user):
        raise PermissionDenied(Perm.SUBMIT_CLAIMS)


def _require_asking(user) -> None:
    if not has_perm(grants_of(user), Perm.SUBMIT_CLAIMS):
        raise PermissionDenied(Perm.SUBMIT_CLAIMS)


def _asking_providers(user) -> QuerySet[Organization]:
    """Providers the user may ask or refer from: a clerk's own; the providers of the
    conventions a mutual's staff can see."""
    own = clerk_providers(user)
    if own:
        return Organization.unscoped.filter(pk__in=[p.pk for p in own]).order_by("name")
    return visible_providers(user).order_by("name")


def _receiving_providers(user) -> QuerySet[Organization]:
    """Where a referral may go: providers under convention with the mutuals the user works
    with (a clerk: the mutuals their provider serves)."""
    own = clerk_providers(user)
    if not own:
        return visible_providers(user).order_by("name")
    today = timezone.localdate()
    served: set[int] = set()
    for p in own:
        served |= mutuals_served(p.pk, today)
    lineage = {
        pk
        for org in Organization.unscoped.filter(pk__in=served)
        for pk in [*org.ancestor_ids(), org.pk]
    }
    ids = Convention.unscoped.filter(party_id__in=lineage).values("provider_id")
    return Organization.unscoped.filter(kind="provider", pk__in=ids).order_by("name")


def _refused(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _diagnoses(codes: str) -> list[dict]:
    language = "en" if (get_language() or "fr").startswith("en") else "fr"
    rows = []
    for code in codes.split():
        found = icd.describe(code, language)
        rows.append({"code": code, "label": found.label if found else ""})
    return rows


def _visit_type(value: str) -> str:
    return str(dict(VisitType.choices).get(value, value))


def _member_number(person_id: int, organization: Organization) -> str:
    return (
        Membership.unscoped.filter(person_id=person_id, organization=organization)
        .order_by("pk")
        .values_list("number", flat=True)
        .first()
        or ""
    )


# --- Forms --------------------------------------------------------------------------------------
class _ProviderChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def _date_widget():
    # A date input takes ISO dates only, whatever the language of the page.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LetterRequestForm(forms.Form):
    provider = _ProviderChoice(label=_("Provider"), queryset=Organization.unscoped.none())
    number = forms.CharField(
        label=_("Membership number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    planned_on = forms.DateField(label=_("Planned date of care"), widget=_date_widget())
    visit_type = forms.ChoiceField(
        label=_("Visit type"), choices=VisitType.choices, initial=VisitType.INPATIENT
    )
    estimated_amount = forms.DecimalField(
        label=_("Estimated amount"), required=False, min_value=0, max_digits=18, decimal_places=2
    )
    diagnoses = forms.CharField(
        label=_("Diagnoses (ICD-10 codes)"),
        required=False,
        max_length=200,
        help_text=_("One or more codes separated by spaces, e.g. O82 K35.8"),
    )
    reason = forms.CharField(
        label=_("Reason for the request"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        if providers.count() == 1:
            self.fields["provider"].initial = providers.first()
            self.fields["provider"].widget = forms.HiddenInput()

    def clean_diagnoses(self):
        try:
            return actions.clean_diagnoses(self.cleaned_data.get("diagnoses", ""))
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    max_amount = forms.DecimalField(
        label=_("Maximum amount"), required=False, min_value=0, max_digits=18, decimal_places=2
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=_date_widget())
    valid_to = forms.DateField(label=_("Valid until"), required=False, widget=_date_widget())
    note = forms.CharField(
        label=_("Note (the reason for a refusal)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelForm(forms.Form):
    note = forms.CharField(label=_("Why"), required=False, max_length=500)


class ReferralForm(forms.Form):
    from_provider = _ProviderChoice(
        label=_("Referring provider"), queryset=Organization.unscoped.none()
    )
    to_provider = _ProviderChoice(
        label=_("Receiving provider"), queryset=Organization.unscoped.none()
    )
    number = forms.CharField(
        label=_("Membership number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    referred_on = forms.DateField(label=_("Date of the referral"), widget=_date_widget())
    reason = forms.CharField(
        label=_("Reason for the referral"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, sources, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_provider"].queryset = sources
        self.fields["to_provider"].queryset = targets
        self.fields["referred_on"].initial = timezone.localdate()
        if sources.count() == 1:
            self.fields["from_provider"].initial = sources.first()
            self.fields["from_provider"].widget = forms.HiddenInput()


class CounterForm(forms.Form):
    counter_on = forms.DateField(label=_("Date of the counter-referral"), widget=_date_widget())
    note = forms.CharField(
        label=_("Counter-referral: care given and advice for the follow-up"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


# --- Letters ------------------------------------------------------------------------------------
@login_required
def letter_list(request):
    _require_any(request.user)
    status = request.GET.get("status", "")
    rows = reads.visible_letters(request.user).select_related("organization", "provider", "person")
    if status in LetterStatus.values:
        rows = rows.filter(status=status)
    found = (request.GET.get("q") or "").strip().upper()
    if found:
        rows = rows.filter(Q(number__icontains=found) | Q(person__last_name__icontains=found))
    rows = list(rows.order_by("-requested_at", "-pk")[:LIST_LIMIT])
    usage = reads.usage_of(rows)
    for x in rows:
        x.usage = usage[x.pk]
    is_adviser = has_perm(grants_of(request.user), Perm.REVIEW_CLAIMS)
    return render(
        request,
        "claims/letters/letter_list.html",
        {
            "letters": rows,
            "queue": list(reads.queue(request.user)[:LIST_LIMIT]) if is_adviser else [],
            "is_adviser": is_adviser,
            "statuses": LetterStatus.choices,
            "status": status,
            "q": found,
            "may_ask": has_perm(grants_of(request.user), Perm.SUBMIT_CLAIMS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def letter_request(request):
    _require_asking(request.user)
    providers = _asking_providers(request.user)
    form = LetterRequestForm(request.POST or None, providers=providers)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = actions.NewLetter(
            provider=d["provider"],
            number=d["number"],
            planned_on=d["planned_on"],
            visit_type=d["visit_type"],
            reason=d["reason"],
            diagnoses=d["diagnoses"],
            estimated_amount=d["estimated_amount"],
        )
        try:
            letter = actions.request_letter(request.user, data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Letter %(number)s requested.") % {"number": letter.number})
            return redirect("letter_detail", letter.uuid)
    return render(request, "claims/letters/letter_form.html", {"form": form})


def _letter_context(request, letter: GuaranteeLetter) -> dict:
    user = request.user
    medical = may_see(user, letter.organization, letter.provider)
    if medical and (letter.reason or letter.diagnoses):
        shown(user, letter, letter.organization)
    citing = reads.claims_citing(letter)
    if not _is_staff(user):  # a clerk sees their provider's claims only
        citing = citing.filter(provider__in=clerk_providers(user))
    usage = reads.usage_of([letter])[letter.pk]
    return {
        "letter": letter,
        "member_number": _member_number(letter.person_id, letter.organization),
        "currency": letter.organization.currency,
        "visit_type_label": _visit_type(letter.visit_type),
        "medical": medical,
        "diagnoses": _diagnoses(letter.diagnoses) if medical else [],
        "claims": list(citing[:LIST_LIMIT]),
        "usage": usage,
        "may_decide": letter.status == LetterStatus.REQUESTED
        and can(user, Perm.REVIEW_CLAIMS, letter.organization),
        "may_cancel": letter.status in (LetterStatus.REQUESTED, LetterStatus.APPROVED)
        and actions.may_cancel(user, letter),
        "cancel_form": CancelForm(),
    }


@login_required
def letter_detail(request, letter_uuid):
    letter = reads.get_letter(request.user, letter_uuid)
    return render(request, "claims/letters/letter_detail.html", _letter_context(request, letter))


@login_required
@require_http_methods(["GET", "POST"])
def letter_decide(request, letter_uuid):
    letter = reads.get_letter(request.user, letter_uuid)
    if not can(request.user, Perm.REVIEW_CLAIMS, letter.organization):
        raise PermissionDenied(Perm.REVIEW_CLAIMS)
    if letter.status != LetterStatus.REQUESTED:
        return redirect("letter_detail", letter.uuid)
    initial = {
        "max_amount": letter.estimated_amount,
        "valid_from": letter.planned_on,
        "valid_to": letter.planned_on + timedelta(days=30),
    }
    form = DecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        decision = actions.LetterDecision(
            approve=d["decision"] == "approve",
            max_amount=d["max_amount"],
            valid_from=d["valid_from"],
            valid_to=d["valid_to"],
            note=d["note"],
        )
        try:
            actions.decide_letter(request.user, letter, decision)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("letter_detail", letter.uuid)
    context = _letter_context(request, letter)
    context["form"] = form
    return render(request, "claims/letters/letter_decide.html", context)


@login_required
@require_POST
def letter_cancel(request, letter_uuid):
    letter = reads.get_letter(request.user, letter_uuid)
    if not actions.may_cancel(request.user, letter):
        raise PermissionDenied(Perm.SUBMIT_CLAIMS)
    form = CancelForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        actions.cancel_letter(request.user, letter, note)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Letter %(number)s cancelled.") % {"number": letter.number})
    return redirect("letter_detail", letter.uuid)


@login_required
def letter_pdf(request, letter_uuid):
    """The letter as the provider files it and the patient carries it: no medical detail."""
    letter = reads.get_letter(request.user, letter_uuid)
    context = {
        "letter": letter,
        "member_number": _member_number(letter.person_id, letter.organization),
        "currency": letter.organization.currency,
        "visit_type_label": _visit_type(letter.visit_type),
        "status_label": letter.get_status_display(),
        "printed_at": timezone.localtime(),
        "LANGUAGE_CODE": get_language(),
    }
    body = render_pdf(render_to_string("claims/letters/letter.pdf.html", context))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{letter.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Referrals ----------------------------------------------------------------------------------
@login_required
def referral_list(request):
    _require_any(request.user)
    rows = reads.visible_referrals(request.user).select_related(
        "organization", "from_provider", "to_provider", "person"
    )
    found = (request.GET.get("q") or "").strip().upper()
    if found:
        rows = rows.filter(Q(number__icontains=found) | Q(person__last_name__icontains=found))
    if request.GET.get("open"):
        rows = rows.filter(counter_on__isnull=True)
    return render(
        request,
        "claims/letters/referral_list.html",
        {
            "referrals": list(rows.order_by("-referred_on", "-pk")[:LIST_LIMIT]),
            "q": found,
            "open": bool(request.GET.get("open")),
            "may_refer": has_perm(grants_of(request.user), Perm.SUBMIT_CLAIMS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_create(request):
    _require_asking(request.user)
    form = ReferralForm(
        request.POST or None,
        sources=_asking_providers(request.user),
        targets=_receiving_providers(request.user),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = actions.NewReferral(
            from_provider=d["from_provider"],
            to_provider=d["to_provider"],
            number=d["number"],
            referred_on=d["referred_on"],
            reason=d["reason"],
        )
        try:
            referral = actions.create_referral(request.user, data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Referral %(number)s recorded.") % {"number": referral.number}
            )
            return redirect("referral_detail", referral.uuid)
    return render(request, "claims/letters/referral_form.html", {"form": form})


def _referral_medical(user, referral: Referral) -> bool:
    return may_see(user, referral.organization, referral.from_provider) or may_see(
        user, referral.organization, referral.to_provider
    )


def _referral_context(request, referral: Referral) -> dict:
    user = request.user
    medical = _referral_medical(user, referral)
    if medical and (referral.reason or referral.counter_note):
        shown(user, referral, referral.organization)
    claims = reads.referral_claims(referral)
    if not _is_staff(user):
        claims = claims.filter(provider__in=clerk_providers(user))
    return {
        "referral": referral,
        "member_number": _member_number(referral.person_id, referral.organization),
        "medical": medical,
        "claims": list(claims[:LIST_LIMIT]),
        "may_counter": referral.counter_on is None and actions.may_counter(user, referral),
    }


@login_required
def referral_detail(request, referral_uuid):
    referral = reads.get_referral(request.user, referral_uuid)
    return render(
        request, "claims/letters/referral_detail.html", _referral_context(request, referral)
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_counter(request, referral_uuid):
    referral = reads.get_referral(request.user, referral_uuid)
    if not actions.may_counter(request.user, referral):
        raise PermissionDenied(Perm.SUBMIT_CLAIMS)
    if referral.counter_on is not None:
        return redirect("referral_detail", referral.uuid)
    form = CounterForm(request.POST or None, initial={"counter_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.counter_refer(request.user, referral, d["note"], d["counter_on"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Counter-referral recorded."))
            return redirect("referral_detail", referral.uuid)
    context = _referral_context(request, referral)
    context["form"] = form
    return render(request, "claims/letters/referral_counter.html", context)


urlpatterns = [
    path("letters/", letter_list, name="letter_list"),
    path("letters/new/", letter_request, name="letter_request"),
    path("letters/<uuid:letter_uuid>/", letter_detail, name="letter_detail"),
    path("letters/<uuid:letter_uuid>/decide/", letter_decide, name="letter_decide"),
    path("letters/<uuid:letter_uuid>/cancel/", letter_cancel, name="letter_cancel"),
    path("letters/<uuid:letter_uuid>/pdf/", letter_pdf, name="letter_pdf"),
    path("referrals/", referral_list, name="referral_list"),
    path("referrals/new/", referral_create, name="referral_create"),
    path("referrals/<uuid:referral_uuid>/", referral_detail, name="referral_detail"),
    path("referrals/<uuid:referral_uuid>/counter/", referral_counter, name="referral_counter"),
]
