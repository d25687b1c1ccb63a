"""Arrears follow-up by village and collector, reminders, and the renewal of yearly schemes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutuelle.core.roles import Perm

from .. import followup
from ..actions.followup import send_reminders
from .plans import _mutual


@login_required
def arrears(request, org_uuid):
    mutual = _mutual(request.user, org_uuid, Perm.BILL_DUES)
    today = timezone.localdate()
    place = request.GET.get("place", "")
    place_id = int(place) if place.isdigit() else None
    return render(
        request,
        "contributions/arrears.html",
        {
            "mutual": mutual,
            "today": today,
            "villages": followup.arrears_by_village(mutual, today),
            "place_id": place_id,
            "households": followup.households_in_arrears(mutual, today, place_id)[:300]
            if place_id
            else [],
            "renewal": followup.renewal(mutual, today),
        },
    )


@login_required
@require_POST
def arrears_remind(request, org_uuid):
    mutual = _mutual(request.user, org_uuid, Perm.BILL_DUES)
    today = timezone.localdate()
    place = request.POST.get("place", "")
    rows = followup.households_in_arrears(mutual, today, int(place) if place.isdigit() else None)
    sent = send_reminders(request.user, mutual, {r["household"].pk: r["owed"] for r in rows}, today)
    messages.success(request, _("%(count)s reminders sent by SMS.") % {"count": sent})
    return redirect(f"{request.path.rsplit('remind/', 1)[0]}?place={place}")
