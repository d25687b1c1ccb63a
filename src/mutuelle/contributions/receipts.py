"""Receipts as PDF: an A6 page for an office printer, or a 58 mm strip for the thermal
printers cashiers carry. The first print is the original; every later print says COPY."""

from django.template.loader import render_to_string
from django.utils import timezone

from mutuelle.lib.pdf import render_pdf

from .actions.payments import mark_printed
from .models import Payment

A6 = "a6"
THERMAL = "58mm"
LAYOUTS = (A6, THERMAL)


def view_of(payment: Payment) -> dict:
    receipt = getattr(payment, "receipt", None)
    allocations = list(payment.allocations.select_related("due").order_by("due__period_start"))
    return {
        "payment": payment,
        "receipt": receipt,
        "number": str(receipt) if receipt else "",
        "household": payment.household,
        "organization": payment.organization,
        "allocations": allocations,
        "credit": payment.unallocated,
        "is_copy": bool(receipt and receipt.prints > 0),
    }


def render(payment: Payment, layout: str) -> bytes:
    context = view_of(payment)
    context["layout"] = layout
    # A thermal roll has no page length: as long as the receipt's lines need.
    context["page_mm"] = 62 + 6 * (len(context["allocations"]) + bool(context["credit"]))
    context["printed_at"] = timezone.localtime()
    html = render_to_string("contributions/receipt.pdf.html", context)
    body = render_pdf(html)
    if context["receipt"] is not None:
        mark_printed(context["receipt"])
    return body
