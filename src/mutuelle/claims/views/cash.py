"""Cash benefits on screen: the mutual's claims officer records a death, a birth or days of
work incapacity with the evidence; the system decides it at once (the package's amount per
unit) and the claim page shows the outcome. Provider clerks do not record cash benefits."""

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path

from mutuelle.core.roles import Perm

from .. import actions
from ..forms import CashBenefitForm
from ..intake import submit_and_decide
from ..models import ClaimKind
from ..queries import may_record_cash


@login_required
def cash_benefit_new(request):
    if not may_record_cash(request.user):
        raise PermissionDenied(Perm.SUBMIT_CLAIMS)
    if request.method == "POST":
        form = CashBenefitForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            new = actions.NewClaim(
                provider=None,
                number=data["number"],
                care_from=data["on"],
                lines=[actions.NewLine(data["benefit"], data["units"], "0")],
                kind=ClaimKind.CASH_BENEFIT,
                receipt=data["evidence"],
                idempotency_key=data["idempotency_key"],
            )
            try:
                claim = submit_and_decide(request.user, new)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("claim_detail", claim.uuid)
    else:
        form = CashBenefitForm(initial={"idempotency_key": uuid.uuid4().hex})
    return render(request, "claims/entry/cash_new.html", {"form": form})


urlpatterns = [
    path("cash/new/", cash_benefit_new, name="cash_benefit_new"),
]
