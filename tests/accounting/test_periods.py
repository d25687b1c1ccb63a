"""Accounting periods and the year-end closing, on the database."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mutuelle.accounting import actions, queries
from mutuelle.accounting.models import Account, Entry, FiscalYear, Line, Period
from mutuelle.accounting.rules import LineValue
from mutuelle.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def lines(debit: str, credit: str, amount: str, analytic: str = "") -> list[LineValue]:
    return [
        LineValue(debit, debit=Decimal(amount), analytic=analytic),
        LineValue(credit, credit=Decimal(amount), analytic=analytic),
    ]


@pytest.fixture
def mutual(world):
    actions.install_chart(world.mutual_a)
    return world.mutual_a


def period(mutual, start: date) -> Period:
    return Period.unscoped.get(organization=mutual, start=start)


def test_the_first_entry_opens_its_calendar_year_in_twelve_months(mutual):
    actions.post(mutual, "CA", date(2026, 3, 5), "Cotisation", lines("571", "7562", "100"))
    year = FiscalYear.unscoped.get(organization=mutual)
    months = list(Period.unscoped.filter(fiscal_year=year).order_by("start"))
    assert (year.start, year.end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert len(months) == 12 and months[1].end == date(2026, 2, 28)
    assert months[-1].start == date(2026, 12, 1) and months[-1].end == date(2026, 12, 31)


def test_a_closed_period_refuses_postings_and_nothing_is_written(mutual, world):
    actions.open_year(mutual, date(2026, 3, 1))
    march = period(mutual, date(2026, 3, 1))
    actions.close_period(world.accountant, march)
    with pytest.raises(ValidationError) as refused:
        actions.post(mutual, "CA", date(2026, 3, 31), "Tard", lines("571", "7562", "100"))
    assert refused.value.code == "entry.closed_period"
    with pytest.raises(ValidationError) as by_rule:
        actions.post_operation(mutual, "contribution_paid_cash", date(2026, 3, 2), 100, "Tard")
    assert by_rule.value.code == "entry.closed_period"
    assert not Entry.unscoped.exists() and not Line.unscoped.exists()
    actions.post(mutual, "CA", date(2026, 4, 1), "À l'heure", lines("571", "7562", "100"))
    with pytest.raises(ValidationError):
        actions.close_period(world.accountant, march)  # already closed


def test_reopening_a_period_needs_a_reason_and_is_audited(mutual, world):
    actions.open_year(mutual, date(2026, 3, 1))
    march = period(mutual, date(2026, 3, 1))
    with pytest.raises(PermissionDenied):
        actions.close_period(world.cashier, march)
    actions.close_period(world.accountant, march)
    with pytest.raises(ValidationError):
        actions.reopen_period(world.accountant, march, "  ")
    with pytest.raises(PermissionDenied):
        actions.reopen_period(world.auditor, march, "Facture oubliée")
    actions.reopen_period(world.accountant, march, "Facture oubliée")
    assert period(mutual, date(2026, 3, 1)).closed_at is None
    event = AuditEvent.unscoped.get(action="period.reopened")
    assert event.data["reason"] == "Facture oubliée" and event.actor == world.accountant
    actions.post(mutual, "CA", date(2026, 3, 31), "Facture", lines("571", "7562", "100"))
    with pytest.raises(ValidationError):
        actions.reopen_period(world.accountant, march, "encore")  # it is open


def balance_sheet(mutual, start: date, until: date) -> dict[str, Decimal]:
    return {
        r.number: r.balance
        for r in queries.trial_balance(mutual, until, start=start)
        if r.number[0] in "12345" and r.balance
    }


def test_closing_a_year_books_the_result_and_opens_the_next_with_the_same_balances(mutual, world):
    actions.open_balances(
        world.accountant,
        mutual,
        date(2025, 1, 1),
        [
            LineValue("571", debit=Decimal(50000)),
            LineValue("521", debit=Decimal(450000), analytic="FONDS-PALU"),
            LineValue("101", credit=Decimal(500000)),
        ],
    )
    actions.post(mutual, "CO", date(2025, 2, 1), "Appel", lines("411", "7562", "300000"))
    actions.post(mutual, "CA", date(2025, 2, 9), "Encaissement", lines("571", "411", "250000"))
    actions.post(mutual, "PR", date(2025, 6, 3), "Soins", lines("6581", "402", "120000"))
    actions.post(
        mutual, "BQ", date(2025, 7, 3), "Subvention", lines("521", "718", "80000", "FONDS-PALU")
    )
    actions.post(mutual, "OD", date(2025, 8, 1), "Bénévolat", lines("860", "870", "15000"))
    actions.post(mutual, "CA", date(2026, 1, 15), "Cotisation 2026", lines("571", "7562", "1000"))
    year = FiscalYear.unscoped.get(organization=mutual, start=date(2025, 1, 1))
    before = balance_sheet(mutual, date(2025, 1, 1), date(2025, 12, 31))
    actions.close_period(world.accountant, period(mutual, date(2025, 12, 1)))

    closing, opening = actions.close_year(world.accountant, year)

    # The result: 300,000 + 80,000 income - 120,000 expenses = 260,000 surplus in 131.
    after = {r.number: r.balance for r in queries.trial_balance(mutual, date(2025, 12, 31))}
    assert all(b == 0 for n, b in after.items() if n[0] in "678")
    assert after["131"] == Decimal(-260000)
    assert closing.date == date(2025, 12, 31) and closing.fiscal_year == year
    closed = balance_sheet(mutual, date(2025, 1, 1), date(2025, 12, 31))
    assert closed == {**before, "131": Decimal(-260000)}
    # The next year opens on its first day with exactly the same balance-sheet balances.
    assert opening.date == date(2026, 1, 1) and opening.fiscal_year.start == date(2026, 1, 1)
    assert balance_sheet(mutual, date(2026, 1, 1), date(2026, 1, 1)) == closed
    assert balance_sheet(mutual, date(2026, 1, 1), date(2026, 12, 31))["571"] == (
        closed["571"] + 1000
    )
    # Restricted funds keep their analytic code across the year end.
    carried = {(x.account.number, x.analytic): x.debit for x in opening.lines.all()}
    assert carried[("521", "FONDS-PALU")] == Decimal(530000)
    year.refresh_from_db()
    assert year.closed_at is not None and year.closed_by == world.accountant
    assert not Period.unscoped.filter(fiscal_year=year, closed_at__isnull=True).exists()
    assert AuditEvent.unscoped.filter(action="fiscal_year.closed").count() == 1
    assert queries.unbalanced_entries(mutual) == []

    with pytest.raises(ValidationError) as kept:
        actions.reverse_entry(world.accountant, opening, date(2026, 1, 2), "Erreur")
    assert kept.value.code == "entry.closing_entry"
    with pytest.raises(ValidationError) as again:
        actions.close_year(world.accountant, year)
    assert again.value.code == "year.already_closed"
    with pytest.raises(ValidationError) as late:
        actions.post(mutual, "CA", date(2025, 6, 1), "Tard", lines("571", "7562", "10"))
    assert late.value.code == "entry.closed_year"
    with pytest.raises(ValidationError):
        actions.reopen_period(world.accountant, period(mutual, date(2025, 12, 1)), "erreur")


def test_a_deficit_goes_to_139_and_years_close_in_order(mutual, world):
    actions.post(mutual, "CA", date(2025, 3, 1), "Loyer", lines("622", "571", "40000"))
    actions.post(mutual, "CA", date(2025, 3, 2), "Cotisation", lines("571", "7562", "10000"))
    actions.open_year(mutual, date(2026, 1, 1))
    y2025 = FiscalYear.unscoped.get(organization=mutual, start=date(2025, 1, 1))
    y2026 = FiscalYear.unscoped.get(organization=mutual, start=date(2026, 1, 1))
    with pytest.raises(ValidationError) as order:
        actions.close_year(world.accountant, y2026)
    assert order.value.code == "year.previous_open"
    with pytest.raises(PermissionDenied):
        actions.close_year(world.auditor, y2025)
    actions.close_year(world.accountant, y2025)
    rows = {r.number: r.balance for r in queries.trial_balance(mutual, date(2025, 12, 31))}
    assert rows["139"] == Decimal(30000) and rows["622"] == 0 and rows["7562"] == 0
    _closing, opening = actions.close_year(world.accountant, y2026)
    assert _closing is None  # nothing in classes 6 to 8 in 2026
    assert {(x.account.number, x.debit, x.credit) for x in opening.lines.all()} == {
        ("571", Decimal(0), Decimal(30000)),
        ("139", Decimal(30000), Decimal(0)),
    }


def test_a_mutual_outside_ohada_books_and_closes_its_year_on_the_generic_chart(world):
    from mutuelle.core.actions import create_organization

    ghana = create_organization(
        None, parent=world.network, kind="mutual", code="GHM", name="Tamale Mutual",
        country="GH", currency="GHS", time_zone="Africa/Accra",
    )  # fmt: skip
    actions.install_chart(ghana)
    names = dict(Account.unscoped.filter(organization=ghana).values_list("number", "name_en"))
    assert names["571"] == "Cash on hand" and "860" not in names  # no SYCEBNL class 8
    actions.post(ghana, "CO", date(2025, 2, 1), "Dues", lines("411", "7562", "3000.50"))
    actions.post(ghana, "PR", date(2025, 6, 3), "Care", lines("6581", "402", "1200"))
    actions.close_year(world.admin, FiscalYear.unscoped.get(organization=ghana))
    after = {r.number: r.balance for r in queries.trial_balance(ghana, date(2025, 12, 31))}
    assert after["131"] == Decimal("-1800.50") and after["7562"] == 0 and after["6581"] == 0
