"""Till closing and corrections (maker-checker)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import visible_organizations

from .. import actions, queries
from ..actions.cash import expected_in_till
from ..forms import CorrectionForm, TillForm


def _cashier_mutuals(user):
    return visible_organizations(user, Perm.COLLECT_PAYMENTS).filter(kind="mutual")


@login_required
def till(request):
    """Today's takings of the cashier, per mutual, and the closing form."""
    require(request.user, Perm.COLLECT_PAYMENTS)
    day = timezone.localdate()
    mutuals = list(_cashier_mutuals(request.user))
    chosen = request.POST.get("mutual") or request.GET.get("mutual")
    mutual = next((m for m in mutuals if str(m.uuid) == chosen), mutuals[0] if mutuals else None)
    form = TillForm(request.POST or None)
    if mutual is not None and request.method == "POST" and form.is_valid():
        try:
            closing = actions.close_till(
                request.user,
                mutual,
                form.cleaned_data["counted"],
                day,
                form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error("counted", exc)
        else:
            if closing.difference:
                messages.warning(
                    request,
                    _("Till closed with a difference of %(diff)s %(currency)s (booked).")
                    % {"diff": closing.difference, "currency": mutual.currency},
                )
            else:
                messages.success(request, _("Till closed: the count matches."))
            return redirect("till")
    payments = queries.todays_payments(request.user, mutual, day) if mutual else []
    return render(
        request,
        "contributions/till.html",
        {
            "mutuals": mutuals,
            "mutual": mutual,
            "day": day,
            "payments": payments,
            "taken": payments.aggregate(s=Sum("amount"))["s"] if mutual else 0,
            "expected": expected_in_till(mutual, request.user, day) if mutual else 0,
            "closings": queries.till_closings(request.user).filter(cashier=request.user)[:10],
            "form": form,
        },
    )


@login_required
@require_POST
def correction_request(request, payment_uuid):
    payment = queries.payment(request.user, payment_uuid)
    form = CorrectionForm(request.POST)
    try:
        if not form.is_valid():
            raise actions.reason_error("correction.reason_required")
        actions.request_correction(request.user, payment, form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Correction sent: a second person must approve it."))
    return redirect("receipt_detail", payment_uuid=payment.uuid)


@login_required
def correction_list(request):
    require(request.user, Perm.APPROVE_CORRECTIONS)
    return render(
        request,
        "contributions/correction_list.html",
        {"corrections": queries.pending_corrections(request.user)[:100]},
    )


@login_required
@require_POST
def correction_decide(request, correction_id):
    correction = queries.correction(request.user, correction_id)
    approve = request.POST.get("decision") == "approve"
    try:
        actions.decide_correction(request.user, correction, approve)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Payment reversed.") if approve else _("Correction rejected."))
    return redirect("correction_list")
