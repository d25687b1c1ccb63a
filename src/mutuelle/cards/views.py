"""Card screens: a household's cards (print, revoke, reissue), a village's cards on A4 sheets,
and the public keys that providers' devices verify cards with."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mutuelle.core import audit
from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm

from . import actions, pdf, queries, rules
from .forms import LayoutForm, RevokeForm, VillageForm

MAX_CARDS_PER_PDF = 150  # about 0.1 s a card: larger villages are printed place by place


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
    printed on A4 sheets or for a card printer."""
    require(request.user, Perm.ENROL_MEMBERS)
    places = queries.village_places(request.user, Perm.ENROL_MEMBERS)
    form = VillageForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        place, layout = form.cleaned_data["place"], form.cleaned_data["layout"]
        memberships = queries.place_memberships(
            request.user, place, Perm.ENROL_MEMBERS, limit=MAX_CARDS_PER_PDF + 1
        )
        if len(memberships) > MAX_CARDS_PER_PDF:
            form.add_error(
                "place",
                _("More than %(n)s members live there: choose a smaller place.")
                % {"n": MAX_CARDS_PER_PDF},
            )
        elif not memberships:
            form.add_error("place", _("No member to print a card for in this place."))
        else:
            cards = actions.issue_cards(request.user, memberships)
            return _pdf_response(pdf.render(cards, layout), f"cards-{place.code}-{layout}.pdf")
    return render(request, "cards/village_cards.html", {"form": form})


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
