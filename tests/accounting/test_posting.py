"""The posting API on the database (SQLite and PostgreSQL)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from mutuelle.accounting import actions, queries
from mutuelle.accounting.models import Entry, FiscalYear, Line
from mutuelle.accounting.rules import LineValue

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 24)


def contribution(amount: str) -> list[LineValue]:
    return [LineValue("571", debit=Decimal(amount)), LineValue("7562", credit=Decimal(amount))]


@pytest.fixture
def mutual(world):
    actions.install_chart(world.mutual_a)
    return world.mutual_a


def test_the_default_chart_installs_once(world):
    first = actions.install_chart(world.mutual_a)
    assert first > 40 and actions.install_chart(world.mutual_a) == 0


def test_a_balanced_entry_is_numbered_in_its_journal_and_the_trial_balance_shows_it(mutual):
    one = actions.post(mutual, "CA", ON, "Cotisation Diop", contribution("3500"))
    two = actions.post(mutual, "CA", ON, "Cotisation Fall", contribution("1500"))
    other = actions.post(mutual, "OD", ON, "Ajustement", contribution("100"))
    assert (one.number, two.number, other.number) == (1, 2, 1)
    rows = {r.number: r for r in queries.trial_balance(mutual)}
    assert rows["571"].balance == Decimal(5100) and rows["7562"].balance == Decimal(-5100)
    assert FiscalYear.unscoped.get(organization=mutual).start == date(2026, 1, 1)


def test_refused_entries_write_nothing(mutual, world):
    bad = [
        ("CA", contribution("10")[:1]),
        ("CA", [LineValue("571", debit=Decimal(10)), LineValue("7562", credit=Decimal(9))]),
        ("CA", [LineValue("999999", debit=Decimal(1)), LineValue("7562", credit=Decimal(1))]),
        ("ZZ", contribution("10")),
    ]
    for journal, lines in bad:
        with pytest.raises(ValidationError):
            actions.post(mutual, journal, ON, "?", lines)
    with pytest.raises(ValidationError):  # another mutual's chart is not this one's
        actions.post(world.mutual_b, "CA", ON, "?", contribution("10"))
    assert not Entry.unscoped.exists() and not Line.unscoped.exists()


def test_an_entry_never_changes_and_is_corrected_by_a_reversal(mutual, world):
    entry = actions.post(mutual, "CA", ON, "Cotisation", contribution("2000"))
    with pytest.raises(RuntimeError):
        entry.label = "changed"
        entry.save()
    with pytest.raises(RuntimeError):
        entry.lines.first().delete()
    with pytest.raises(ValidationError):
        actions.reverse(entry, ON, reason="")
    reversal = actions.reverse(entry, ON, reason="Saisie en double", actor=world.cashier)
    assert reversal.reverses == entry and reversal.number == 2
    assert all(r.balance == 0 for r in queries.trial_balance(mutual))
    with pytest.raises(ValidationError):
        actions.reverse(entry, ON, reason="encore")


def test_the_operation_and_its_entry_commit_or_roll_back_together(mutual):
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.post(mutual, "CA", ON, "Cotisation", contribution("700"))
        raise RuntimeError("the operation fails after posting")
    assert not Entry.unscoped.exists()
    actions.post(mutual, "CA", ON, "Cotisation", contribution("700"))
    assert Entry.unscoped.get().number == 1  # the failed attempt consumed no number


def test_a_closed_fiscal_year_refuses_postings(mutual):
    from django.utils import timezone

    FiscalYear.unscoped.create(
        organization=mutual,
        start=date(2025, 1, 1),
        end=date(2025, 12, 31),
        closed_at=timezone.now(),
    )
    with pytest.raises(ValidationError):
        actions.post(mutual, "CA", date(2025, 6, 1), "Tard", contribution("10"))


def test_every_journal_balances(mutual):
    for amount in ("100", "250", "3000"):
        actions.post(mutual, "CA", ON, "Cotisation", contribution(amount))
    entry = actions.post(mutual, "CO", ON, "Cotisation", contribution("90"))
    actions.reverse(entry, ON, reason="Erreur")
    totals = Line.unscoped.values("entry__journal").annotate(d=Sum("debit"), c=Sum("credit"))
    assert totals and all(row["d"] == row["c"] for row in totals)


def test_operations_post_by_their_rule_and_a_mutual_may_change_it(mutual):
    from mutuelle.accounting.models import PostingRule

    entry = actions.post_operation(mutual, "contribution_paid_mobile", ON, Decimal(2000), "Diop")
    booked = {(x.account.number, x.debit, x.credit) for x in entry.lines.select_related("account")}
    assert entry.journal.code == "MM"
    assert booked == {("555", Decimal(2000), Decimal(0)), ("411", Decimal(0), Decimal(2000))}
    PostingRule.unscoped.create(
        organization=mutual,
        operation="contribution_paid_mobile",
        journal="BQ",
        debit="521",
        credit="411",
    )
    again = actions.post_operation(mutual, "contribution_paid_mobile", ON, Decimal(10), "Fall")
    assert again.journal.code == "BQ"
    with pytest.raises(ValidationError):
        actions.post_operation(mutual, "no_such_operation", ON, Decimal(1), "?")


def test_opening_balances_are_posted_once(mutual, world):
    balances = [
        LineValue("571", debit=Decimal(150000)),
        LineValue("521", debit=Decimal(2350000)),
        LineValue("101", credit=Decimal(2500000)),
    ]
    entry = actions.open_balances(world.accountant, mutual, date(2026, 1, 1), balances)
    assert entry.source_type == "accounting.opening" and entry.journal.code == "OD"
    with pytest.raises(ValidationError):
        actions.open_balances(world.accountant, mutual, date(2026, 1, 1), balances)
    actions.reverse(entry, date(2026, 1, 2), reason="Solde bancaire erroné")
    balances[1] = LineValue("521", debit=Decimal(2300000))
    balances[2] = LineValue("101", credit=Decimal(2450000))
    actions.open_balances(world.accountant, mutual, date(2026, 1, 2), balances)
    rows = {r.number: r.balance for r in queries.trial_balance(mutual)}
    assert rows["521"] == Decimal(2300000) and rows["101"] == Decimal(-2450000)
