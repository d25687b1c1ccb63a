"""Household life screens: split, transfer, edit. Thin: validate, call an action, redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import actions, queries
from ..models import Person, Relationship
from .households import _household_for_change, _report

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
