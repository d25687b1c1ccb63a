"""A provider's monthly invoice file (CSV in any of the field's encodings, or XLSX), one row
per line of care; the rows of one invoice number make one claim. Run by the provider's clerk
(the import's organization is the provider) or by the mutual's claims officer (the file names
the provider on each row).

Bad rows are reported with their line, column and reason, and nothing is imported until the
file is clean: unknown member numbers, unknown providers, unreadable dates, quantities or
prices, an invoice whose rows disagree on the member or the dates. Unknown act codes and zero
or negative quantities are NOT refused here: the claim is stored and adjudication rejects the
line with its reason (nothing is silently dropped). Importing the same file twice records
nothing twice (each invoice carries an idempotency key)."""

from collections import defaultdict
from typing import Any

from django.utils.translation import gettext_lazy as _

from mutuelle.accounting.rules import parse_amount, parse_day
from mutuelle.core import jobs
from mutuelle.core.imports.base import ROW_REASONS, Column, Importer, StagedRow, fold, register
from mutuelle.core.models import ImportRow, Organization
from mutuelle.core.roles import Perm
from mutuelle.members.models import Membership
from mutuelle.providers.queries import mutuals_served

from .models import GuaranteeLetter, VisitType

ROW_REASONS.update(
    {
        "claims_unknown_member": _("No member has the number %(value)s."),
        "claims_unknown_provider": _("No health care provider has the code %(value)s."),
        "claims_not_served": _(
            "Your provider has no convention in force with the mutual of member %(value)s."
        ),
        "claims_not_yours": _("Member %(value)s is not a member of your mutuals."),
        "claims_bad_amount": _("%(value)s is not an amount."),
        "claims_invoice_mixed": _(
            "Invoice %(value)s: this row's member, provider or dates differ from line %(line)s."
        ),
        "claims_unknown_letter": _("No guarantee letter %(value)s for this member."),
        "claims_end_before_start": _("The last day of care is before the first."),
    }
)

VISIT_WORDS = {
    "ambulatoire": "outpatient",
    "consultation externe": "outpatient",
    "externe": "outpatient",
    "hospitalisation": "inpatient",
    "hospitalise": "inpatient",
    "urgence": "emergency",
    "urgences": "emergency",
    "reference": "referral",
    "evacuation": "referral",
}
HEADER = ("member", "provider", "care_from", "care_to", "visit_type", "letter")


@register
class ClaimsImporter(Importer):
    slug = "claims"
    label = _("Provider invoices (claims)")
    perm = Perm.SUBMIT_CLAIMS
    columns = [
        Column("invoice", _("Invoice number"), required=True, max_length=64, example="F-2026-0117"),
        Column(
            "member", _("Membership number"), required=True, max_length=32, example="MA-0000023"
        ),
        Column("care_from", _("Date of care"), required=True, max_length=10, example="04/05/2026"),
        Column("care_to", _("Last day of care"), max_length=10, example=""),
        Column("visit_type", _("Visit type"), max_length=30, example="ambulatoire"),
        Column("act", _("Act code"), required=True, max_length=32, example="CONS-MG"),
        Column("quantity", _("Quantity"), required=True, max_length=6, example="1"),
        Column("unit_price", _("Unit price"), required=True, max_length=20, example="2000"),
        Column("diagnoses", _("Diagnoses (ICD-10)"), max_length=200, example="B50.9"),
        Column("letter", _("Guarantee letter"), max_length=32, example=""),
        Column("provider", _("Provider code"), max_length=16, example=""),
    ]

    def key(self, raw):
        return f"{raw.get('provider', '').strip().upper()}|{raw.get('invoice', '').strip()}"

    def _visit_types(self) -> dict[str, str]:
        from django.utils import translation

        accepted = {fold(k): v for k, v in VISIT_WORDS.items()}
        for value, label in VisitType.choices:
            accepted[fold(value)] = value
            for lang in ("fr", "en"):
                with translation.override(lang):
                    accepted[fold(str(label))] = value
        return accepted

    def check(self, rows: list[StagedRow], job) -> None:
        importer_org = job.organization
        numbers = {"".join(r.raw.get("member", "").split()).upper() for r in rows}
        members = {
            m["number"]: m
            for m in Membership.unscoped.filter(number__in=numbers).values(
                "number", "organization_id", "person_id"
            )
        }
        codes = {r.raw.get("provider", "").strip().upper() for r in rows} - {""}
        providers = dict(
            Organization.unscoped.filter(code__in=codes, kind="provider").values_list("code", "pk")
        )
        letters = set(
            GuaranteeLetter.unscoped.filter(
                number__in={r.raw.get("letter", "").strip().upper() for r in rows} - {""}
            ).values_list("number", "person_id")
        )
        own_scope: set[int] | None = None
        if importer_org is not None and importer_org.kind != "provider":
            own_scope = set(
                Organization.unscoped.filter(path__startswith=importer_org.path).values_list(
                    "pk", flat=True
                )
            )
        served: dict[tuple[int, str], set[int]] = {}
        visit_types = self._visit_types()
        for row in rows:
            self.check_basics(row)
            raw = row.raw
            values: dict[str, Any] = {"invoice": raw.get("invoice", "").strip()}
            number = "".join(raw.get("member", "").split()).upper()
            member = members.get(number)
            if number and member is None:
                row.error("member", "claims_unknown_member", value=number)
            values["member"] = number
            if importer_org is not None and importer_org.kind == "provider":
                provider_id = importer_org.pk
            else:
                code = raw.get("provider", "").strip().upper()
                provider_id = providers.get(code)
                if provider_id is None:
                    row.error("provider", "claims_unknown_provider", value=code)
            values["provider_id"] = provider_id
            for column in ("care_from", "care_to"):
                text = raw.get(column, "").strip()
                if not text:
                    values[column] = None
                    continue
                try:
                    values[column] = parse_day(text).isoformat()
                except ValueError:
                    row.error(column, "bad_date", value=text)
            if (
                values.get("care_to")
                and values.get("care_from")
                and (values["care_to"] < values["care_from"])
            ):
                row.error("care_to", "claims_end_before_start")
            visit = fold(raw.get("visit_type", "")) or "outpatient"
            if visit not in visit_types:
                row.error("visit_type", "bad_choice", value=raw.get("visit_type", ""))
            values["visit_type"] = visit_types.get(visit, "outpatient")
            values["act"] = raw.get("act", "").strip().upper()
            quantity = raw.get("quantity", "").strip()
            try:
                values["quantity"] = int(quantity)
            except ValueError:
                if quantity:
                    row.error("quantity", "bad_integer", value=quantity)
            price_text = raw.get("unit_price", "")
            price = parse_amount(price_text) if price_text else None
            if price is None and price_text:
                row.error("unit_price", "claims_bad_amount", value=price_text)
            values["unit_price"] = str(price) if price is not None else None
            values["diagnoses"] = raw.get("diagnoses", "").strip()
            letter = raw.get("letter", "").strip().upper()
            if letter and member and (letter, member["person_id"]) not in letters:
                row.error("letter", "claims_unknown_letter", value=letter)
            values["letter"] = letter
            if member and provider_id and values.get("care_from"):
                mutual = member["organization_id"]
                if own_scope is not None and mutual not in own_scope:
                    row.error("member", "claims_not_yours", value=number)
                elif own_scope is None:
                    key = (provider_id, values["care_from"])
                    if key not in served:
                        served[key] = mutuals_served(provider_id, parse_day(values["care_from"]))
                    if mutual not in served[key]:
                        row.error("member", "claims_not_served", value=number)
            row.values = values

    def check_all(self, job) -> None:
        """The rows of one invoice agree on its member, provider, dates, visit and letter."""
        first: dict[str, tuple[int, tuple]] = {}
        faulty: dict[int, tuple[str, int]] = {}
        for line, key, values in (
            ImportRow.unscoped.filter(job=job).order_by("line").values_list("line", "key", "values")
        ):
            clean = values.get("clean", values)
            header = tuple(clean.get(k) for k in HEADER if k != "provider") + (
                clean.get("provider_id"),
            )
            if key not in first:
                first[key] = (line, header)
            elif first[key][1] != header:
                faulty[line] = (clean.get("invoice", key), first[key][0])
        for row in ImportRow.unscoped.filter(job=job, line__in=list(faulty)):
            invoice, line = faulty[row.line]
            row.errors = [
                *row.errors,
                {
                    "column": "invoice",
                    "code": "claims_invoice_mixed",
                    "params": {"value": invoice, "line": line},
                },
            ]
            row.save(update_fields=["errors"])

    def apply(self, values, job) -> dict[str, int]:
        """One claim per invoice, submitted then adjudicated by a background job."""
        from datetime import date

        from .actions import NewClaim, NewLine, submit_claim

        invoices: dict[tuple, list[dict]] = defaultdict(list)
        for v in values:
            invoices[(v["provider_id"], v["invoice"])].append(v)
        providers = Organization.unscoped.in_bulk({k[0] for k in invoices})
        actor = job.created_by
        created = []
        for (provider_id, invoice), rows in invoices.items():
            head = rows[0]
            claim = submit_claim(
                actor,
                NewClaim(
                    provider=providers[provider_id],
                    number=head["member"],
                    care_from=date.fromisoformat(head["care_from"]),
                    care_to=date.fromisoformat(head["care_to"]) if head.get("care_to") else None,
                    visit_type=head["visit_type"],
                    diagnoses=" ".join(r["diagnoses"] for r in rows if r.get("diagnoses")),
                    letter_number=head.get("letter", ""),
                    external_reference=invoice,
                    idempotency_key=f"import:{provider_id}:{invoice}",
                    lines=[NewLine(r["act"], r["quantity"], r["unit_price"]) for r in rows],
                ),
            )
            created.append(claim.pk)
        if created:
            jobs.start(
                "claims.adjudicate",
                actor=actor,
                organization=job.organization,
                params={"claims": created},
            )
        return {"claims": len(invoices), "lines": sum(len(r) for r in invoices.values())}
