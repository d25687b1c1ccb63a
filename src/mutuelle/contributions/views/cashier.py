"""The cashier's screen, the fastest in the product: find a household (number, scanned QR,
name, phone), see what is due, record, print — three actions."""

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from mutuelle.accounting.queries import entries_for
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm
from mutuelle.lib.money import quantize

from .. import actions, queries, receipts
from ..forms import PaymentForm
from .coverage import member_coverage


@login_required
def cashier(request):
    require(request.user, Perm.COLLECT_PAYMENTS)
    q = request.GET.get("q", "").strip()
    found = queries.find_households(request.user, q) if q else []
    if q and len(found) == 1:
        return redirect("cashier_household", household_uuid=found[0].uuid)
    return render(request, "contributions/cashier.html", {"q": q, "found": found})


@login_required
def cashier_household(request, household_uuid):
    household = queries.cashier_household(request.user, household_uuid)
    dues = queries.open_dues(household.pk)
    outstanding = sum((d.outstanding for d in dues), 0)
    form = PaymentForm(
        request.POST or None,
        initial={
            "amount": quantize(outstanding, household.organization.currency) if outstanding else "",
            "key": uuid.uuid4(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            payment = actions.record_payment(
                request.user,
                household,
                form.cleaned_data["amount"],
                form.cleaned_data["method"],
                reference=form.cleaned_data["reference"],
                idempotency_key=form.cleaned_data["key"],
            )
        except ValidationError as exc:
            form.add_error("amount" if exc.code.startswith("amount") else None, exc)
        else:
            return redirect("receipt_detail", payment_uuid=payment.uuid)
    return render(
        request,
        "contributions/cashier_household.html",
        {
            "household": household,
            "dues": dues,
            "outstanding": outstanding,
            "credit": queries.credit_of(household),
            "recent": queries.recent_payments(household),
            "form": form,
            "coverage": member_coverage(household, timezone.localdate()),
        },
    )


@login_required
def receipt_detail(request, payment_uuid):
    payment = queries.payment(request.user, payment_uuid)
    return render(
        request,
        "contributions/receipt_detail.html",
        {
            "payment": payment,
            "receipt": receipts.view_of(payment),
            "ledger_entries": entries_for(payment, user=request.user),
        },
    )


@login_required
def receipt_pdf(request, payment_uuid):
    payment = queries.payment(request.user, payment_uuid)
    layout = request.GET.get("layout", receipts.A6)
    if layout not in receipts.LAYOUTS:
        layout = receipts.A6
    body = receipts.render(payment, layout)
    response = HttpResponse(body, content_type="application/pdf")
    name = f"receipt-{payment.receipt}.pdf" if hasattr(payment, "receipt") else "receipt.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
