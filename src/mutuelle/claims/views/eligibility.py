"""Eligibility at the point of care: a clerk types or scans the number (USB scanners type the
card's QR code), scans with the camera, or sends a photo of the card, and sees at once who it
is, covered or not and why, and what the packages pay. Every check is logged."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext
from django.views.decorators.http import require_http_methods

from mutuelle.benefits.models import Category
from mutuelle.core.roles import Perm
from mutuelle.core.rules import has_perm
from mutuelle.core.scoping import grants_of

from .. import actions, eligibility
from ..explain import eligibility_reason
from ..forms import EligibilityForm
from ..models import CheckMethod, EligibilityCheck

# How long after a check the clerk may still load the member's photo.
PHOTO_WINDOW = timedelta(hours=2)


def _require_check(user) -> None:
    if not has_perm(grants_of(user), Perm.CHECK_ELIGIBILITY):
        raise PermissionDenied(Perm.CHECK_ELIGIBILITY)


def _text_and_method(request, form) -> tuple[str, str, str]:
    """(what to look up, how it was read, an error code) — a photo is decoded here."""
    photo = form.cleaned_data.get("photo")
    if photo:
        from mutuelle.cards import reading

        payload, error = reading.read_photo(photo.read())
        return payload or "", CheckMethod.PHOTO, error or ""
    method = form.cleaned_data.get("method")
    if method not in (CheckMethod.TYPED, CheckMethod.CAMERA):
        method = CheckMethod.TYPED
    return form.cleaned_data["number"], method, ""


def entitlement_rows(answer) -> list[dict]:
    """The answer's packages as rows a template shows without logic."""
    labels = dict(Category.choices)
    packages = []
    for item in answer.versions:
        rows = []
        for e in item.summary.entitlements:
            notes = []
            if e.waiting_left:
                notes.append(
                    ngettext(
                        "waiting period: %(days)s day left",
                        "waiting period: %(days)s days left",
                        e.waiting_left,
                    )
                    % {"days": e.waiting_left}
                )
            if e.letter_needed:
                notes.append(gettext("guarantee letter needed"))
            if e.referral_needed:
                notes.append(gettext("referral needed"))
            if e.level_allowed is False:
                notes.append(gettext("not at this care level"))
            if e.quantity_limit:
                notes.append(
                    gettext("at most %(limit)s per %(days)s days")
                    % {"limit": e.quantity_limit, "days": e.period_days}
                )
            rows.append(
                {
                    "label": f"{labels.get(e.category, e.category)}"
                    + (f" · {e.act_code}" if e.act_code else ""),
                    "rate": e.rate,
                    "amount": e.amount,
                    "copayment": e.copayment_rate,
                    "ceiling": e.per_act_ceiling,
                    "notes": notes,
                    "blocked": bool(e.waiting_left) or e.level_allowed is False,
                }
            )
        packages.append(
            {
                "version": item.version,
                "name": item.version.package.name(get_language() or "fr"),
                "rows": rows,
                "ceilings": item.summary.ceilings,
                "letters": [labels.get(c, c) for c in item.summary.letter_categories],
                "deductible": item.summary.deductible,
            }
        )
    return packages


@login_required
@require_http_methods(["GET", "POST"])
def check(request):
    _require_check(request.user)
    providers = eligibility.providers_of(request.user)
    context: dict = {"providers": providers}
    if request.method == "POST":
        form = EligibilityForm(request.POST, request.FILES, providers=providers)
        if form.is_valid():
            text, method, error = _text_and_method(request, form)
            care_date = form.cleaned_data["care_date"]
            # A clerk of one provider always checks for it (the field is hidden).
            provider = form.cleaned_data.get("provider") or (
                providers[0] if len(providers) == 1 else None
            )
            if error:
                context["photo_error"] = eligibility_reason(error)
            else:
                answer = eligibility.look_up(request.user, text, care_date, provider)
                logged = actions.record_check(
                    request.user,
                    answer,
                    query=text,
                    method=method,
                    care_date=care_date,
                    provider=provider,
                )
                context.update(
                    answer=answer,
                    logged=logged,
                    care_date=care_date,
                    why=eligibility_reason(answer.reason, answer.params),
                    packages=entitlement_rows(answer),
                )
            # A fresh form for the next patient, keeping the date and provider.
            form = EligibilityForm(
                initial={"care_date": care_date, "provider": provider}, providers=providers
            )
    else:
        form = EligibilityForm(providers=providers)
    context["form"] = form
    return render(request, "claims/eligibility.html", context)


@login_required
def check_photo(request, check_uuid):
    """The member's photo, for the clerk who just checked them (never a public media URL)."""
    try:
        logged = EligibilityCheck.unscoped.select_related("person").get(
            uuid=check_uuid, checked_by=request.user
        )
    except (EligibilityCheck.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    person = logged.person
    if person is None or not person.photo or timezone.now() - logged.checked_at > PHOTO_WINDOW:
        raise Http404
    response = FileResponse(person.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=600"
    return response


urlpatterns = [
    path("eligibility/", check, name="eligibility"),
    path("eligibility/<uuid:check_uuid>/photo.jpg", check_photo, name="eligibility_photo"),
]
