"""Going live: a mutual's opening position per household — arrears, credits, the date its
waiting period started in the former system, what it had consumed of this year's ceilings.
Checked against the ledger's opening balances (the arrears must equal the members' receivable
account, the credits the advances account) before anything is written, with a report."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from mutuelle.accounting import actions as ledger
from mutuelle.accounting.models import Entry, Line
from mutuelle.accounting.rules import parse_day
from mutuelle.core.imports.base import (
    ROW_REASONS,
    Column,
    Importer,
    RowError,
    StagedRow,
    first_lines,
    register,
)
from mutuelle.core.models import ImportRow
from mutuelle.core.roles import Perm
from mutuelle.members.models import Household, Membership

from . import rules
from .actions.errors import REASONS
from .models import Due, OpeningConsumption, Payment, PaymentMethod

ROW_REASONS.update(
    {
        "opening_unknown_household": _("No household %(value)s in this mutual."),
        "opening_amount": _("%(value)s: %(reason)s"),
        "opening_done": _("Household %(value)s already has its opening position: left as it is."),
        "opening_ledger_not_opened": _(
            "Import the ledger's opening balances first: the arrears are checked against them."
        ),
        "opening_arrears_differ": _(
            "The arrears add up to %(total)s but the members' receivable account (%(account)s) "
            "opens at %(ledger)s."
        ),
        "opening_credits_differ": _(
            "The credits add up to %(total)s but the advances account (%(account)s) opens at "
            "%(ledger)s."
        ),
        "opening_twice_in_file": _("Household %(value)s already appears on line %(line)s."),
    }
)


def _amount(row: StagedRow, column: str, currency: str) -> Decimal:
    text = row.raw.get(column, "").strip()
    if not text or text == "0":
        return Decimal(0)
    value, code = rules.amount_errors(text, currency)
    if code or value is None:
        reason = REASONS.get(code or "", code)
        row.error(column, "opening_amount", value=text, reason=str(reason))
        return Decimal(0)
    return value


def _opening_entries(organization):
    return Entry.unscoped.filter(
        organization=organization, source_type=ledger.OPENING, reversed_by__isnull=True
    ).exclude(reverses__isnull=False)


def _ledger_balance(organization, number: str) -> Decimal:
    totals = Line.unscoped.filter(
        entry__in=_opening_entries(organization), account__number=number
    ).aggregate(d=Sum("debit"), c=Sum("credit"))
    return (totals["d"] or Decimal(0)) - (totals["c"] or Decimal(0))


@register
class OpeningPosition(Importer):
    slug = "opening_position"
    label = _("Opening position of households (arrears, credits, waiting, ceilings)")
    perm = Perm.BILL_DUES
    columns = [
        Column(
            "household",
            _("Household number"),
            required=True,
            max_length=32,
            example="MSKM-H0001234",
        ),
        Column("arrears", _("Arrears"), max_length=24, example="7000"),
        Column("credit", _("Credit"), max_length=24, example=""),
        Column("waiting_from", _("Waiting period started on"), max_length=20, example="01/03/2025"),
        Column("consumed", _("Ceilings consumed this year"), max_length=24, example="12500"),
        Column("date", _("Going-live date"), required=True, max_length=20, example="01/01/2026"),
    ]

    def key(self, raw):
        return raw.get("household", "").strip().upper()

    def check(self, rows: list[StagedRow], job) -> None:
        organization = job.organization
        currency = organization.currency
        households = dict(
            Household.unscoped.filter(
                organization=organization, number__in={r.key for r in rows}
            ).values_list("number", "pk")
        )
        done = set(
            Payment.unscoped.filter(
                organization=organization,
                method=PaymentMethod.OPENING,
                household_id__in=households.values(),
            ).values_list("household_id", flat=True)
        ) | set(
            Due.unscoped.filter(
                household_id__in=households.values(), lines__0__0="opening.arrears"
            ).values_list("household_id", flat=True)
        )
        first_line = first_lines(job, {r.key for r in rows})
        for row in rows:
            self.check_basics(row)
            if row.key and row.key not in households:
                row.error("household", "opening_unknown_household", value=row.key)
            elif households.get(row.key) in done:
                row.warn("household", "opening_done", value=row.key)
            if first_line.get(row.key, row.line) < row.line:
                row.error(
                    "household", "opening_twice_in_file", value=row.key, line=first_line[row.key]
                )
            arrears = _amount(row, "arrears", currency)
            credit = _amount(row, "credit", currency)
            consumed = _amount(row, "consumed", currency)
            dates = {}
            for column in ("waiting_from", "date"):
                if text := row.raw.get(column, "").strip():
                    try:
                        dates[column] = parse_day(text)
                    except ValueError:
                        row.error(column, "bad_date", value=text)
            row.values = {
                "household_id": households.get(row.key),
                "skip": households.get(row.key) in done,
                "arrears": str(arrears),
                "credit": str(credit),
                "consumed": str(consumed),
                "waiting_from": dates["waiting_from"].isoformat()
                if "waiting_from" in dates
                else "",
                "date": dates["date"].isoformat() if "date" in dates else "",
            }

    def check_all(self, job) -> None:
        """The file's totals against the ledger's opening balances."""
        rows = list(ImportRow.unscoped.filter(job=job).order_by("line"))
        if not rows or any(r.errors for r in rows):
            return
        organization = job.organization
        last = rows[-1]
        if not _opening_entries(organization).exists():
            last.errors = [RowError("arrears", "opening_ledger_not_opened").as_json()]
            last.save(update_fields=["errors"])
            return
        clean = [r.values.get("clean") or {} for r in rows]
        arrears = sum((Decimal(c.get("arrears") or 0) for c in clean), Decimal(0))
        credits = sum((Decimal(c.get("credit") or 0) for c in clean), Decimal(0))
        _j, _cash, receivable = ledger.rule_for(organization, "contribution_paid_cash")
        _j, _cash, advances = ledger.rule_for(organization, "contribution_advance_cash")
        errors = []
        if (opened := _ledger_balance(organization, receivable)) != arrears:
            errors.append(
                RowError(
                    "arrears",
                    "opening_arrears_differ",
                    {"total": str(arrears), "account": receivable, "ledger": str(opened)},
                )
            )
        if (opened := -_ledger_balance(organization, advances)) != credits:
            errors.append(
                RowError(
                    "credit",
                    "opening_credits_differ",
                    {"total": str(credits), "account": advances, "ledger": str(opened)},
                )
            )
        if errors:
            last.errors = [e.as_json() for e in errors]
            last.save(update_fields=["errors"])

    def apply(self, values, job) -> dict[str, int]:
        organization = job.organization
        counts = {"arrears": 0, "credits": 0, "waiting": 0, "consumed": 0, "skipped": 0}
        for v in values:
            if v["skip"] or v["household_id"] is None:
                counts["skipped"] += 1
                continue
            household_id = v["household_id"]
            live = date.fromisoformat(v["date"])
            before = live - timedelta(days=1)
            if (arrears := Decimal(v["arrears"])) > 0:
                Due.unscoped.create(
                    organization=organization,
                    household_id=household_id,
                    period=str(before.year),
                    period_start=date(before.year, 1, 1),
                    period_end=before,
                    due_on=before,
                    amount=arrears,
                    lines=[["opening.arrears", None, 1, str(arrears), str(arrears)]],
                )
                counts["arrears"] += 1
            if (credit := Decimal(v["credit"])) > 0:
                Payment.unscoped.create(
                    organization=organization,
                    household_id=household_id,
                    amount=credit,
                    unallocated=credit,
                    method=PaymentMethod.OPENING,
                    received_on=before,
                    reference=f"OPENING:{household_id}",
                    cashier=job.created_by,
                )
                counts["credits"] += 1
            if v["waiting_from"]:
                Membership.unscoped.filter(
                    organization=organization, person__household_id=household_id
                ).update(waiting_from=date.fromisoformat(v["waiting_from"]))
                counts["waiting"] += 1
            if (consumed := Decimal(v["consumed"])) > 0:
                OpeningConsumption.unscoped.create(
                    household_id=household_id, year=live.year, amount=consumed
                )
                counts["consumed"] += 1
        return counts
