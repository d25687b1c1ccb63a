"""Card screens: a household's cards (print, revoke, reissue), a village's cards on A4 sheets,
and the public keys that providers' devices verify cards with."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import get_for_user, visible_organizations

from . import actions, jobs, pdf, queries, rules
from .forms import DesignForm, LayoutForm, RevokeForm, VillageForm
from .models import CardDesign

# About 0.1 s a card: up to this many, a village prints inside the request; larger places
# are printed by a background job (cards.jobs.PrintPlace). A setting for tests and big servers.
MAX_CARDS_PER_PDF = 150


def _direct_max() -> int:
    return int(getattr(settings, "MUTUELLE_CARDS_DIRECT_MAX", MAX_CARDS_PER_PDF))


def _pdf_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _layout(data) -> str:
    form = LayoutForm(data)
    if not form.is_valid():
        raise Http404
    return form.cleaned_data["layout"]


@login_required
@require_GET
def household_cards(request, household_uuid):
    household = queries.household(request.user, household_uuid)
    today = timezone.localdate()
    rows = []
    for m in queries.household_memberships(household):
        cards = list(m.cards.all())
        current = next((c for c in cards if c.state(today) == rules.VALID), None)
        rows.append(
            {
                "membership": m,
                "person": m.person,
                "current": current,
                "older": [(c, c.state(today)) for c in cards if c is not current],
                "cardable": m.status in rules.CARDABLE_STATUSES,
            }
        )
    return render(
        request,
        "cards/household_cards.html",
        {
            "household": household,
            "rows": rows,
            "missing": sum(1 for r in rows if r["cardable"] and r["current"] is None),
            "printable": sum(1 for r in rows if r["current"] is not None),
            "can_edit": can(request.user, Perm.ENROL_MEMBERS, household.organization),
            "reasons": RevokeForm.base_fields["reason"].choices,
            "layout_form": LayoutForm(),
        },
    )


@login_required
@require_GET
def household_cards_pdf(request, household_uuid):
    """The household's valid cards as they are (nothing is issued here)."""
    household = queries.household(request.user, household_uuid)
    layout = _layout(request.GET or {"layout": pdf.CR80})
    memberships = queries.household_memberships(household)
    cards = queries.current_cards(memberships, timezone.localdate())
    if not cards:
        messages.warning(request, _("No valid card to print: issue the cards first."))
        return redirect("household_cards", household_uuid=household.uuid)
    audit.record(
        request.user,
        "cards.printed",
        household,
        organization=household.organization,
        cards=len(cards),
        layout=layout,
    )
    return _pdf_response(pdf.render(cards, layout), f"cards-{household.number}-{layout}.pdf")


@login_required
@require_POST
def household_cards_print(request, household_uuid):
    """Issue the household's missing cards (idempotent), then print them all."""
    household = queries.household(request.user, household_uuid)
    require(request.user, Perm.ENROL_MEMBERS, household.organization)
    layout = _layout(request.POST)
    cards = actions.issue_cards(request.user, queries.household_memberships(household))
    if not cards:
        messages.warning(request, _("No member of this household may hold a card."))
        return redirect("household_cards", household_uuid=household.uuid)
    return _pdf_response(pdf.render(cards, layout), f"cards-{household.number}-{layout}.pdf")


def _card_for_change(request, card_uuid):
    card = queries.card(request.user, card_uuid)
    require(request.user, Perm.ENROL_MEMBERS, card.organization)
    return card


def _back_to(card):
    household = card.membership.person.household
    if household is None:
        return redirect("household_list")
    return redirect("household_cards", household_uuid=household.uuid)


@login_required
@require_POST
def card_revoke(request, card_uuid):
    card = _card_for_change(request, card_uuid)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reason."))
        return _back_to(card)
    try:
        actions.revoke_card(request.user, card, form.cleaned_data["reason"])
        messages.success(request, _("Card %(serial)s revoked.") % {"serial": card.serial})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back_to(card)


@login_required
@require_POST
def card_reissue(request, card_uuid):
    card = _card_for_change(request, card_uuid)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reason."))
        return _back_to(card)
    try:
        new = actions.reissue_card(request.user, card, form.cleaned_data["reason"])
        messages.success(
            request,
            _("New card %(new)s issued; card %(old)s is revoked.")
            % {"new": new.serial, "old": card.serial},
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back_to(card)


@login_required
def village_cards(request):
    """The cards of every member of a village (or any place and below), issued where missing,
    printed on A4 sheets or for a card printer: inside the request for a small place, by a
    background job with a progress bar for a large one."""
    require(request.user, Perm.ENROL_MEMBERS)
    places = queries.village_places(request.user, Perm.ENROL_MEMBERS)
    form = VillageForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        place, layout = form.cleaned_data["place"], form.cleaned_data["layout"]
        limit = _direct_max()
        memberships = queries.place_memberships(
            request.user, place, Perm.ENROL_MEMBERS, limit=limit + 1
        )
        if len(memberships) > limit:
            mutual_ids = queries.place_mutual_ids(request.user, place, Perm.ENROL_MEMBERS)
            with transaction.atomic():
                job = jobs.start_print_place(request.user, place, layout, mutual_ids)
            return redirect("village_cards_job", job_uuid=job.uuid)
        if not memberships:
            form.add_error("place", _("No member to print a card for in this place."))
        else:
            cards = actions.issue_cards(request.user, memberships)
            return _pdf_response(pdf.render(cards, layout), f"cards-{place.code}-{layout}.pdf")
    return render(request, "cards/village_cards.html", {"form": form})


def _may_download(user, job) -> bool:
    """Only those who may see the register of every mutual whose cards the PDF holds."""
    mutual_ids = (job.result or {}).get("mutuals") or []
    mutuals = Organization.unscoped.filter(pk__in=mutual_ids)
    return bool(mutual_ids) and all(can(user, Perm.VIEW_REGISTER, m) for m in mutuals)


@login_required
@require_GET
def village_cards_job(request, job_uuid):
    """A place's print job: its progress bar (polled by htmx), then the link to the PDF."""
    job = queries.print_job(request.user, job_uuid)
    context = {
        "job": job,
        "done": job.is_finished and job.state == job.State.SUCCEEDED,
        "may_download": job.state == job.State.SUCCEEDED and _may_download(request.user, job),
        "cards": (job.result or {}).get("cards"),
        "gone": job.state == job.State.SUCCEEDED and not (job.result or {}).get("file"),
    }
    template = "cards/_print_status.html" if request.headers.get("HX-Request") else None
    return render(request, template or "cards/village_cards_job.html", context)


@login_required
@require_GET
def village_cards_job_pdf(request, job_uuid):
    job = queries.print_job(request.user, job_uuid)
    if job.state != job.State.SUCCEEDED or not _may_download(request.user, job):
        raise Http404
    name = (job.result or {}).get("file") or ""
    if not name.startswith(f"{jobs.STORAGE_DIR}/") or not default_storage.exists(name):
        raise Http404
    audit.record(
        request.user,
        "cards.printed",
        None,
        organization=job.organization,
        cards=(job.result or {}).get("cards"),
        layout=job.params.get("layout"),
        job=str(job.uuid),
    )
    response = FileResponse(default_storage.open(name, "rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="cards-{job.uuid}.pdf"'
    return response


def _designable(user):
    """Mutuals whose card design the user may set (see actions.may_set_design)."""
    candidates = visible_organizations(user, Perm.VIEW_ORGANIZATIONS).filter(kind="mutual")
    return [m for m in candidates.order_by("name") if actions.may_set_design(user, m)]


@login_required
@require_GET
def card_design_list(request):
    mutuals = _designable(request.user)
    if not mutuals:
        raise PermissionDenied
    if len(mutuals) == 1:
        return redirect("card_design", org_uuid=mutuals[0].uuid)
    return render(request, "cards/design_list.html", {"mutuals": mutuals})


@login_required
def card_design(request, org_uuid):
    """A mutual's card design: logo, validity, footer line."""
    mutual = get_for_user(
        Organization.unscoped.filter(kind="mutual"),
        request.user,
        Perm.VIEW_ORGANIZATIONS,
        field="",
        uuid=org_uuid,
    )
    if not actions.may_set_design(request.user, mutual):
        raise PermissionDenied
    design = CardDesign.unscoped.filter(organization=mutual).first()
    initial = {
        "validity_months": design.validity_months if design else None,
        "footer": design.footer if design else "",
    }
    form = DesignForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("logo")
        try:
            actions.set_design(
                request.user,
                mutual,
                validity_months=form.cleaned_data["validity_months"],
                footer=form.cleaned_data["footer"],
                logo=upload.read() if upload else None,
                remove_logo=form.cleaned_data["remove_logo"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("logo", message)
        else:
            messages.success(request, _("The card design is saved."))
            return redirect("card_design", org_uuid=mutual.uuid)
    return render(
        request,
        "cards/design.html",
        {
            "mutual": mutual,
            "form": form,
            "logo": pdf.image_uri(design.logo) if design else "",
            "default_months": settings.MUTUELLE_CARD_VALIDITY_MONTHS,
        },
    )


@login_required
@require_GET
def public_keys(request):
    """Public keys for checking cards offline (JSON). Public keys are not secrets; a provider's
    device downloads them all (docs/decisions/0005-card-signatures.md)."""
    return JsonResponse(
        {
            "format": "MUT1|number|serial|expiry yyyymmdd|key id|Ed25519 signature (base64url)",
            "keys": queries.public_keys(),
        }
    )
