"""Import a mutual's opening balances when it goes live: one row per account (and analytic
code), a debit or a credit. The check names every bad row (unknown or inactive account,
negative or malformed amount, too many decimals for the currency) and the row where the totals
fail to balance; the apply posts everything in one entry through `actions.open_balances`."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from mutuelle.core.imports.base import (
    ROW_REASONS,
    Column,
    Importer,
    StagedRow,
    first_lines,
    register,
)
from mutuelle.core.models import ImportRow
from mutuelle.core.roles import Perm
from mutuelle.lib.money import exponent

from . import actions, rules
from .models import Account, Entry
from .rules import LineValue

# Row reasons of this import, translated at the edge with the framework's.
ROW_REASONS.update(
    {
        "ledger_unknown_account": _("Account %(value)s is not in this mutual's chart of accounts."),
        "ledger_inactive_account": _("Account %(value)s is inactive."),
        "ledger_bad_amount": _("%(value)s is not an amount."),
        "ledger_negative": _("Amounts are never negative: put %(value)s in the other column."),
        "ledger_decimals": _("%(value)s has more decimals than %(currency)s allows (%(places)s)."),
        "ledger_one_side": _("Give either a debit or a credit on each row."),
        "ledger_unbalanced": _(
            "The totals do not balance: debit %(debit)s, credit %(credit)s (difference "
            "%(difference)s)."
        ),
        "ledger_already_opened": _(
            "The opening balances of this mutual are already posted: reverse them first."
        ),
        "ledger_duplicate": _(
            "The same account and analytic code already appear on line %(line)s."
        ),
        "ledger_dates_differ": _("All rows take the same date (%(value)s on an earlier row)."),
    }
)


@register
class OpeningBalancesImporter(Importer):
    slug = "opening_balances"
    label = _("Ledger opening balances")
    perm = Perm.KEEP_ACCOUNTS
    columns = [
        Column("account", _("Account number"), required=True, max_length=12, example="571"),
        Column("debit", _("Debit"), max_length=24, example="150000"),
        Column("credit", _("Credit"), max_length=24, example=""),
        Column("analytic", _("Fund, programme or donor"), max_length=32, example=""),
        Column("label", _("Label"), max_length=200, example="Caisse au 1er janvier"),
        Column("date", _("Date"), max_length=10, example="2026-01-01"),
    ]

    def key(self, raw):
        return f"{raw.get('account', '').strip()}:{raw.get('analytic', '').strip()}"

    def check(self, rows: list[StagedRow], job) -> None:
        organization = job.organization
        places = exponent(organization.currency) if organization else 0
        accounts = dict(
            Account.unscoped.filter(
                organization=organization, number__in={r.raw.get("account", "") for r in rows}
            ).values_list("number", "is_active")
        )
        first_line = first_lines(job, {r.key for r in rows})
        for row in rows:
            number = row.raw.get("account", "").strip()
            if number and number not in accounts:
                row.error("account", "ledger_unknown_account", value=number)
            elif number and not accounts[number]:
                row.error("account", "ledger_inactive_account", value=number)
            if first_line.get(row.key, row.line) < row.line:
                row.error("account", "ledger_duplicate", line=first_line[row.key])
            sides = {}
            for column in ("debit", "credit"):
                text = row.raw.get(column, "").strip()
                if not text:
                    continue
                amount = rules.parse_amount(text)
                if amount is None or abs(amount) >= Decimal("1e16"):
                    row.error(column, "ledger_bad_amount", value=text)
                elif amount < 0:
                    row.error(column, "ledger_negative", value=text)
                elif rules.has_more_decimals(amount, places):
                    row.error(
                        column,
                        "ledger_decimals",
                        value=text,
                        currency=organization.currency,
                        places=places,
                    )
                elif amount > 0:
                    sides[column] = amount
            if len(sides) != 1 and not row.errors:
                row.error("debit", "ledger_one_side")
            on = None
            if text := row.raw.get("date", "").strip():
                try:
                    on = rules.parse_day(text)
                except ValueError:
                    row.error("date", "bad_date", value=text)
            row.values = {
                "account": number,
                "debit": str(sides.get("debit", "")),
                "credit": str(sides.get("credit", "")),
                "analytic": row.raw.get("analytic", "").strip(),
                "label": row.raw.get("label", "").strip(),
                "date": on.isoformat() if on else "",
            }

    def check_all(self, job) -> None:
        """Whole-file checks: the totals balance (else the last row says by how much), one
        date for all rows, and the mutual has no opening balances yet."""
        rows = list(ImportRow.unscoped.filter(job=job).order_by("line"))
        if not rows or any(r.errors for r in rows):
            return
        debit = credit = Decimal(0)
        dates: dict[str, int] = {}
        for r in rows:
            clean = r.values.get("clean") or {}
            debit += Decimal(clean.get("debit") or 0)
            credit += Decimal(clean.get("credit") or 0)
            if clean.get("date"):
                if dates and clean["date"] not in dates:
                    value = next(iter(dates))
                    r.errors = [_error("date", "ledger_dates_differ", value=value)]
                dates.setdefault(clean["date"], r.line)
        if debit != credit:
            rows[-1].errors = [
                _error(
                    "debit",
                    "ledger_unbalanced",
                    debit=str(debit),
                    credit=str(credit),
                    difference=str(abs(debit - credit)),
                )
            ]
        opened = Entry.unscoped.filter(
            organization=job.organization,
            source_type=actions.OPENING,
            reversed_by__isnull=True,
        )
        if opened.exists():
            rows[0].errors = [*rows[0].errors, _error("account", "ledger_already_opened")]
        ImportRow.unscoped.bulk_update([r for r in rows if r.errors], ["errors"])

    def apply(self, values, job) -> dict[str, int]:
        """One entry for the whole file, dated as the file says or today."""
        from datetime import date

        values = list(values)
        organization = job.organization
        dated = [v["date"] for v in values if v.get("date")]
        on = date.fromisoformat(dated[0]) if dated else actions.local_today(organization)
        lines = [_line(v) for v in values]
        actions.open_balances(job.created_by, organization, on, lines)
        return {"created": len(lines), "updated": 0, "unchanged": 0}


def _error(column: str, code: str, **params: Any) -> dict:
    return {"column": column, "code": code, "params": params}


def _line(values: dict[str, Any]) -> LineValue:
    return LineValue(
        values["account"],
        debit=Decimal(values["debit"] or 0),
        credit=Decimal(values["credit"] or 0),
        analytic=values["analytic"],
        label=values["label"],
    )
