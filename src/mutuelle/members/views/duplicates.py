"""Duplicate suspects: the list an officer works through, the decisions, the register scan."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import visible_organizations

from .. import actions, jobs, queries
from ..models import Decision


@login_required
def duplicate_list(request):
    """Open suspect pairs touching the user's mutuals. A record of another mutual shows only
    that mutual and whom to contact, unless the user may see that mutual's register too."""
    require(request.user, Perm.VIEW_REGISTER)
    pairs = queries.duplicate_pairs(request.user, decision=request.GET.get("decision") or "open")
    page = Paginator(pairs, 20).get_page(request.GET.get("page"))
    rows = [queries.pair_view(request.user, pair) for pair in page]
    mutuals = visible_organizations(request.user, Perm.ENROL_MEMBERS).filter(kind="mutual")
    return render(
        request,
        "members/duplicate_list.html",
        {
            "page": page,
            "rows": rows,
            "decisions": Decision.choices,
            "current": request.GET.get("decision") or "open",
            "mutuals": mutuals.order_by("name"),
        },
    )


@login_required
@require_POST
def duplicate_decide(request, pair_id):
    pair = queries.duplicate_pair(request.user, pair_id)
    decision = request.POST.get("decision", "")
    if decision not in (Decision.DISTINCT, Decision.MERGED, Decision.CONFIRMED):
        messages.error(request, _("Choose a decision."))
        return redirect("duplicate_list")
    keep = {pair.first.uuid.hex: pair.first, pair.second.uuid.hex: pair.second}.get(
        request.POST.get("keep", "").replace("-", "")
    )
    try:
        actions.decide_pair(request.user, pair, decision, keep=keep)
        messages.success(request, _("Decision recorded: this pair will not come back."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("duplicate_list")


@login_required
@require_POST
def duplicate_scan(request):
    """Start the scan of a mutual's register (a job with a progress bar)."""
    mutual = (
        visible_organizations(request.user, Perm.ENROL_MEMBERS)
        .filter(kind="mutual", uuid=request.POST.get("mutual") or None)
        .first()
    )
    if mutual is None or not can(request.user, Perm.ENROL_MEMBERS, mutual):
        messages.error(request, _("Choose one of your mutuals."))
        return redirect("duplicate_list")
    job = jobs.start_scan(request.user, mutual)
    return redirect("job_detail", job_uuid=job.uuid)
