"""The provider statement (bordereau) of a settlement as PDF and XLSX, in French or English.

A statement may list tens of thousands of claims: the PDF is laid out in chunks of claims
(each chunk a WeasyPrint document, their pages joined into one PDF at the end), so no single
layout holds the whole table; the XLSX is written in openpyxl's write-only mode, row by row
from an iterator over the claims (`.iterator()`), never the whole list in memory.

The claims' medical details (diagnoses) are never on a statement: it goes to the payee and to
the accountants."""

import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from mutuelle.providers.models import EpisodeType

from . import settlement_rules as rules
from .models import Claim, Settlement, SettlementLine

CHUNK = 400  # claims per laid-out part of the PDF


def language_of(settlement: Settlement, requested: str | None = None) -> str:
    """The user's language when given (fr / en), else the mutual's."""
    lang = (requested or settlement.organization.language or "fr")[:2]
    return lang if lang in ("fr", "en") else "fr"


def line_label(line: SettlementLine) -> str:
    """A settlement line's label (stored as a code) in the active language."""
    code = line.label
    if code == rules.LABEL_REPLACED_BY_FLAT_RATE:
        return _("Claims paid by the flat rate instead")
    if code == rules.LABEL_REPLACED_BY_CAPITATION:
        return _("Claims paid by the capitation instead")
    if code.startswith("flat_rate."):
        kind = code.split(".", 1)[1]
        label = dict(EpisodeType.choices).get(kind, kind)
        return _("Flat rate per episode: %(type)s") % {"type": label}
    if code.startswith("capitation."):
        year, month = code.split(".", 1)[1].split("-")
        when = formats.date_format(date(int(year), int(month), 1), "YEAR_MONTH_FORMAT")
        return _("Capitation for %(month)s") % {"month": when}
    advance = line.advance if line.advance_id else None
    on = formats.date_format(advance.granted_on, "SHORT_DATE_FORMAT") if advance else ""
    if code == rules.LINE_ADVANCE:
        return _("Advance of %(date)s recovered") % {"date": on}
    if code == rules.LINE_OVERPAYMENT:
        return _("Overpayment of %(date)s recovered") % {"date": on}
    return code


def payee_name(settlement: Settlement) -> str:
    if settlement.provider is not None:
        return settlement.provider.name
    member = settlement.member
    return f"{member.given_names} {member.family_name}" if member else ""


def claims_of(settlement: Settlement):
    return (
        Claim.unscoped.filter(settlement=settlement)
        .select_related("person", "membership")
        .order_by("care_from", "pk")
    )


def _row(c: Claim) -> dict:
    return {
        "number": c.display_number,
        "invoice": c.external_reference,
        "member": c.membership.number,
        "name": f"{c.person.given_names} {c.person.family_name}",
        "care_from": c.care_from,
        "visit": c.get_visit_type_display(),
        "asked": c.asked,
        "tariff": c.tariff_adjusted,
        "copayment": c.copayment,
        "covered": c.covered,
    }


def summary(settlement: Settlement) -> dict:
    """What the statement's first page and the screen show."""
    lines = list(settlement.lines.select_related("advance").order_by("pk"))
    rows = [{"line": x, "label": line_label(x)} for x in lines]
    gross = settlement.claims_amount + sum(
        (x.amount for x in lines if x.advance_id is None), Decimal(0)
    )
    return {
        "settlement": settlement,
        "organization": settlement.organization,
        "payee": payee_name(settlement),
        "lines": rows,
        "gross": gross,
        "recovered": gross - settlement.net_amount,
        "currency": settlement.organization.currency,
    }


def _chunks(settlement: Settlement) -> Iterator[list[dict]]:
    part: list[dict] = []
    for c in claims_of(settlement).iterator(chunk_size=CHUNK):
        part.append(_row(c))
        if len(part) == CHUNK:
            yield part
            part = []
    if part:
        yield part


def render_pdf(settlement: Settlement, language: str | None = None) -> bytes:
    """The statement as one PDF: a summary page, then the claims, laid out chunk by chunk."""
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    lang = language_of(settlement, language)
    with translation.override(lang):
        context = summary(settlement)
        context["printed_at"] = timezone.localtime()
        context["LANGUAGE_CODE"] = lang
        documents = []
        html = render_to_string("claims/settlements/statement.pdf.html", {**context, "part": 0})
        documents.append(HTML(string=html, url_fetcher=fetcher).render())
        for i, rows in enumerate(_chunks(settlement), start=1):
            html = render_to_string(
                "claims/settlements/statement.pdf.html",
                {**context, "part": i, "rows": rows, "first": (i - 1) * CHUNK + 1},
            )
            documents.append(HTML(string=html, url_fetcher=fetcher).render())
    pages = [page for doc in documents for page in doc.pages]
    return documents[0].copy(pages).write_pdf()


def render_xlsx(settlement: Settlement, language: str | None = None) -> bytes:
    """The statement as a workbook: a summary sheet and a sheet of claims (write-only)."""
    lang = language_of(settlement, language)
    book = Workbook(write_only=True)
    with translation.override(lang):
        context = summary(settlement)
        sheet = book.create_sheet(pgettext("provider statement", "Statement")[:31])
        s = settlement
        sheet.append([pgettext("provider statement", "Statement"), s.number])
        sheet.append([_("Mutual"), s.organization.name])
        sheet.append([_("Payee"), context["payee"]])
        sheet.append([_("From"), s.period_start])
        sheet.append([_("To"), s.period_end])
        sheet.append([_("Status"), s.get_status_display()])
        sheet.append([_("Currency"), context["currency"]])
        sheet.append([])
        sheet.append([_("Claims"), s.claims_count, s.claims_amount])
        for row in context["lines"]:
            x = row["line"]
            sheet.append([row["label"], x.quantity or None, x.amount])
        sheet.append([_("Net to pay"), None, s.net_amount])
        if s.payment_reference:
            sheet.append([_("Payment reference"), s.payment_reference, s.paid_on])
        claims = book.create_sheet(_("Claims")[:31])
        claims.append(
            [
                _("Claim"),
                _("Invoice number"),
                _("Membership number"),
                _("Beneficiary"),
                _("First day of care"),
                _("Visit type"),
                _("Asked"),
                _("At the tariff"),
                _("Co-payment"),
                _("Paid by the mutual"),
            ]
        )
        for c in claims_of(settlement).iterator(chunk_size=2000):
            r = _row(c)
            claims.append(
                [
                    r["number"],
                    r["invoice"],
                    r["member"],
                    r["name"],
                    r["care_from"],
                    r["visit"],
                    r["asked"],
                    r["tariff"],
                    r["copayment"],
                    r["covered"],
                ]
            )
        claims.append([_("Total"), None, None, None, None, None, None, None, None, s.claims_amount])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
