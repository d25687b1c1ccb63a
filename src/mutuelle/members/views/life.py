"""Household life screens: split, transfer, corrections, photos. Thin: validate, call an
action, redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutuelle.core.roles import Perm
from mutuelle.core.scoping import get_for_user

from .. import actions, queries
from ..forms import HouseholdEditForm, PersonEditForm
from ..models import Person, Relationship
from .households import _household_for_change, _person_for_change, _report

MOVER_RELATIONSHIPS = {value for value, _label in Relationship.choices} - {"head"}


@login_required
@require_POST
def household_split(request, household_uuid):
    """Some members found a household of their own; one of them is its head."""
    household = _household_for_change(request, household_uuid)
    members = {str(p.uuid): p for p in Person.unscoped.filter(household=household)}
    movers = [members[u] for u in request.POST.getlist("movers") if u in members]
    new_head = members.get(request.POST.get("new_head", ""))
    if new_head is None or new_head not in movers:
        messages.error(request, _("Choose the head of the new household among those who move."))
        return redirect("household_detail", household_uuid=household.uuid)
    relationships = {}
    for person in movers:
        wanted = request.POST.get(f"relationship-{person.uuid}", "other")
        relationships[person.pk] = wanted if wanted in MOVER_RELATIONSHIPS else "other"
    try:
        founded = actions.split_household(
            request.user,
            household,
            movers,
            new_head,
            on=timezone.localdate(),
            relationships=relationships,
        )
    except ValidationError as exc:
        _report(request, exc)
        return redirect("household_detail", household_uuid=household.uuid)
    messages.success(
        request,
        _("Household %(number)s founded by %(name)s.")
        % {"number": founded.number, "name": new_head},
    )
    return redirect("household_detail", household_uuid=founded.uuid)


@login_required
@require_POST
def household_transfer(request, household_uuid):
    """The household moves to another mutual of the union."""
    household = _household_for_change(request, household_uuid)
    targets = {str(m.uuid): m for m in queries.transfer_targets(request.user, household)}
    target = targets.get(request.POST.get("mutual", ""))
    if target is None:
        messages.error(request, _("Choose one of the union's other mutuals."))
        return redirect("household_detail", household_uuid=household.uuid)
    try:
        actions.transfer_household(request.user, household, target, on=timezone.localdate())
    except (ValidationError, PermissionDenied) as exc:
        if isinstance(exc, PermissionDenied):
            raise
        _report(request, exc)
        return redirect("household_detail", household_uuid=household.uuid)
    messages.success(
        request,
        _("The household now belongs to %(mutual)s, as %(number)s.")
        % {"mutual": target.name, "number": household.number},
    )
    return redirect("household_detail", household_uuid=household.uuid)


@login_required
def household_edit(request, household_uuid):
    household = _household_for_change(request, household_uuid)
    form = HouseholdEditForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.edit_household(
            request.user,
            household,
            place_id=data["place"].pk if data["place"] else None,
            address=data["address"],
            phone=data["phone"],
            ability_id=data["ability"].pk if data["ability"] else None,
            notes=data["notes"],
        )
        messages.success(request, _("Household updated."))
        return redirect("household_detail", household_uuid=household.uuid)
    return render(request, "members/household_edit.html", {"household": household, "form": form})


@login_required
def person_edit(request, person_uuid):
    person = _person_for_change(request, person_uuid)
    initial = {f: getattr(person, f) for f in actions.PERSON_FIELDS}
    form = PersonEditForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in actions.PERSON_FIELDS}
        upload = form.cleaned_data.get("photo")
        try:
            actions.edit_person(
                request.user, person, photo=upload.read() if upload else None, **data
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, _("Person updated."))
            return redirect("household_detail", household_uuid=person.household.uuid)
    return render(request, "members/person_edit.html", {"person": person, "form": form})


def _attach_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def person_photo(request, person_uuid):
    """A member's photo, for those who may see the register (never a public media URL)."""
    person = get_for_user(Person.unscoped.all(), request.user, Perm.VIEW_REGISTER, uuid=person_uuid)
    if not person.photo:
        raise Http404
    response = FileResponse(person.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
