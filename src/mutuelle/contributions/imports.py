"""Operators' and banks' statements: each transaction is matched to a household by the
reference the member gave (household or membership number) or by the phone it came from. The
dry run shows every match; committing it (the cashier's confirmation) records the payments. A
transaction id is never recorded twice however often the file is imported; lines no household
matches are kept for a cashier to assign — nothing is lost."""

from collections import defaultdict
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mutuelle.accounting.rules import parse_day
from mutuelle.core.imports.base import (
    ROW_REASONS,
    Column,
    Importer,
    StagedRow,
    first_lines,
    register,
)
from mutuelle.core.roles import Perm
from mutuelle.lib.phone import phone_tail
from mutuelle.members.models import Household, Membership, SearchKey

from . import rules
from .actions.errors import REASONS
from .actions.payments import record_payment
from .models import LineStatus, PaymentMethod, StatementLine, StatementSource

ROW_REASONS.update(
    {
        "statement_amount": _("%(value)s: %(reason)s"),
        "statement_already_imported": _(
            "Transaction %(value)s was imported before: it is left as it is."
        ),
        "statement_twice_in_file": _(
            "Transaction %(value)s already appears on line %(line)s: this line is skipped."
        ),
        "statement_matched": _("Household %(household)s (by %(by)s)."),
        "statement_unmatched": _(
            "No household found for this line: it will be kept for a cashier to assign."
        ),
        "statement_ambiguous_phone": _(
            "Several households have phone %(value)s: it will be kept for a cashier to assign."
        ),
    }
)


def match_households(organization, rows: list[dict]) -> None:
    """Set each row's household (and how it was found): by household or membership number in
    its reference, else by phone when exactly one household has it."""
    words: set[str] = set()
    for row in rows:
        words.update(w.strip(".,;:").upper() for w in row["reference"].split())
    by_number = dict(
        Household.unscoped.filter(organization=organization, number__in=words).values_list(
            "number", "pk"
        )
    )
    by_number.update(
        Membership.unscoped.filter(organization=organization, number__in=words).values_list(
            "number", "person__household_id"
        )
    )
    tails = {t for row in rows if (t := phone_tail(row["phone"]))}
    by_tail: dict[str, set[int]] = defaultdict(set)
    for key, household_id in SearchKey.unscoped.filter(
        organization=organization, key__in=[f"t:{t}" for t in tails]
    ).values_list("key", "person__household_id"):
        by_tail[key[2:]].add(household_id)
    for row in rows:
        typed = [w.strip(".,;:") for w in row["reference"].upper().split()]
        found = [by_number[w] for w in typed if w in by_number]
        row["household_id"], row["by"] = None, ""
        if found and found[0]:
            row["household_id"], row["by"] = found[0], "reference"
            continue
        tail = phone_tail(row["phone"])
        candidates = by_tail.get(tail or "", set()) - {None}
        if len(candidates) == 1:
            row["household_id"], row["by"] = next(iter(candidates)), "phone"
        elif len(candidates) > 1:
            row["by"] = "ambiguous"


class StatementImporter(Importer):
    perm = Perm.COLLECT_PAYMENTS
    source: str
    columns = [
        Column(
            "transaction",
            _("Transaction id"),
            required=True,
            max_length=64,
            example="MP261124.1532.A77",
        ),
        Column("date", _("Date"), required=True, max_length=20, example="24/11/2026"),
        Column("amount", _("Amount"), required=True, max_length=24, example="3000"),
        Column("phone", _("Phone"), max_length=32, example="77 123 45 67"),
        Column("reference", _("Reference"), max_length=120, example="MSKM-H0000123"),
        Column("name", _("Name"), max_length=120, example="DIOP MAMADOU"),
    ]

    def key(self, raw):
        return raw.get("transaction", "").strip()

    def check(self, rows: list[StagedRow], job) -> None:
        organization = job.organization
        known = set(
            StatementLine.unscoped.filter(
                organization=organization,
                source=self.source,
                transaction_id__in={r.key for r in rows},
            ).values_list("transaction_id", flat=True)
        )
        first_line = first_lines(job, {r.key for r in rows})
        clean = []
        for row in rows:
            self.check_basics(row)
            text = row.raw.get("amount", "").strip()
            amount, code = rules.amount_errors(text, organization.currency)
            if code:
                row.error(
                    "amount", "statement_amount", value=text, reason=str(REASONS.get(code, code))
                )
            on = None
            if day := row.raw.get("date", "").strip():
                try:
                    on = parse_day(day.split()[0])
                except ValueError:
                    row.error("date", "bad_date", value=day)
            skip = ""
            if row.key in known:
                row.warn("transaction", "statement_already_imported", value=row.key)
                skip = "imported"
            elif first_line.get(row.key, row.line) < row.line:
                row.warn(
                    "transaction",
                    "statement_twice_in_file",
                    value=row.key,
                    line=first_line[row.key],
                )
                skip = "twice"
            row.values = {
                "transaction": row.key,
                "on": on.isoformat() if on else "",
                "amount": str(amount) if amount is not None else "",
                "phone": row.raw.get("phone", "").strip(),
                "reference": row.raw.get("reference", "").strip(),
                "name": row.raw.get("name", "").strip(),
                "skip": skip,
            }
            clean.append(row)
        match_households(organization, [r.values for r in clean])
        numbers = dict(
            Household.unscoped.filter(
                pk__in={r.values["household_id"] for r in clean if r.values["household_id"]}
            ).values_list("pk", "number")
        )
        for row in clean:
            if row.values["skip"] or row.errors:
                continue
            if row.values["household_id"]:
                row.warn(
                    "reference",
                    "statement_matched",
                    household=numbers[row.values["household_id"]],
                    by=str(_("reference") if row.values["by"] == "reference" else _("phone")),
                )
            elif row.values["by"] == "ambiguous":
                row.warn("phone", "statement_ambiguous_phone", value=row.values["phone"])
            else:
                row.warn("reference", "statement_unmatched")

    def apply(self, values, job) -> dict[str, int]:
        organization = job.organization
        actor = job.created_by
        counts = {"recorded": 0, "unmatched": 0, "skipped": 0}
        households = Household.unscoped.in_bulk(
            {v["household_id"] for v in values if v.get("household_id")}
        )
        method = (
            PaymentMethod.MOBILE_MONEY
            if self.source == StatementSource.MOBILE_MONEY
            else PaymentMethod.BANK
        )
        for v in values:
            if (
                v["skip"]
                or StatementLine.unscoped.filter(
                    organization=organization, source=self.source, transaction_id=v["transaction"]
                ).exists()
            ):
                counts["skipped"] += 1
                continue
            line = StatementLine.unscoped.create(
                organization=organization,
                source=self.source,
                transaction_id=v["transaction"],
                on=date.fromisoformat(v["on"]),
                amount=v["amount"],
                phone=v["phone"][:32],
                reference=v["reference"][:120],
                name=v["name"][:120],
                household=households.get(v.get("household_id")),
                status=LineStatus.UNMATCHED,
            )
            household = households.get(v.get("household_id"))
            if household is None:
                counts["unmatched"] += 1
                continue
            try:
                payment = record_payment(
                    actor, household, v["amount"], method, line.on, reference=line.transaction_id
                )
            except ValidationError:
                counts["unmatched"] += 1  # e.g. a household that left: a cashier decides
                continue
            StatementLine.unscoped.filter(pk=line.pk).update(
                payment=payment, status=LineStatus.RECORDED
            )
            counts["recorded"] += 1
        return counts


@register
class MobileMoneyStatement(StatementImporter):
    slug = "mobile_money_statement"
    label = _("Mobile money statement (contributions)")
    source = StatementSource.MOBILE_MONEY


@register
class BankStatement(StatementImporter):
    slug = "bank_statement"
    label = _("Bank statement (contributions)")
    source = StatementSource.BANK
