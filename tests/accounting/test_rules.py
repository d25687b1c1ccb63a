"""The ledger's pure rules, without a database."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutuelle.accounting import rules
from mutuelle.accounting.chart import DEFAULT_ACCOUNTS
from mutuelle.accounting.rules import LineValue

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2)


@given(st.lists(amounts, min_size=1, max_size=8))
def test_lines_that_balance_pass_and_their_reversal_too(debits):
    lines = [LineValue("571", debit=d) for d in debits] + [
        LineValue("7562", credit=sum(debits, Decimal(0)))
    ]
    assert rules.entry_errors(lines) == []
    assert rules.entry_errors(rules.reversal(lines)) == []
    assert rules.reversal(rules.reversal(lines)) == lines


@given(st.lists(amounts, min_size=1, max_size=8), amounts)
def test_any_imbalance_is_refused(debits, off):
    lines = [LineValue("571", debit=d) for d in debits] + [
        LineValue("7562", credit=sum(debits, Decimal(0)) + off)
    ]
    assert "entry.unbalanced" in rules.entry_errors(lines)


def test_malformed_lines_are_refused():
    assert "entry.too_few_lines" in rules.entry_errors([LineValue("571", debit=Decimal(5))])
    both = [LineValue("571", debit=Decimal(5), credit=Decimal(5)), LineValue("7562")]
    assert "entry.line_needs_one_side" in rules.entry_errors(both)
    negative = [LineValue("571", debit=Decimal(-5)), LineValue("7562", credit=Decimal(-5))]
    assert "entry.negative_amount" in rules.entry_errors(negative)


def test_the_default_chart_is_ohada_numbered_and_unique():
    numbers = [number for number, _fr, _en in DEFAULT_ACCOUNTS]
    assert len(numbers) == len(set(numbers))
    assert all(rules.account_class(n) for n in numbers)
    assert rules.account_class("9x") is None and rules.account_class("") is None
    assert {rules.account_class(n) for n in numbers} >= {"equity", "treasury", "income"}


@pytest.mark.parametrize("chart", ["DEFAULT_ACCOUNTS", "GENERIC_ACCOUNTS"])
def test_each_chart_holds_every_account_the_posting_rules_and_the_closing_name(chart):
    from mutuelle.accounting import chart as charts

    numbers = {number for number, _fr, _en in getattr(charts, chart)}
    named = {
        a
        for _journal, debit, credit in charts.DEFAULT_POSTING_RULES.values()
        for a in (debit, credit)
    }
    named |= {charts.RESULT_SURPLUS_ACCOUNT, charts.RESULT_DEFICIT_ACCOUNT, "477"}
    assert named <= numbers
    assert all(rules.account_class(n) for n in numbers)
    assert len(numbers) == len(getattr(charts, chart))


def test_mutuals_outside_ohada_start_with_the_generic_english_chart():
    from mutuelle.accounting import chart as charts

    assert charts.accounts_for("SN") is charts.DEFAULT_ACCOUNTS
    assert charts.accounts_for("gh") is charts.GENERIC_ACCOUNTS
    english = dict((n, en) for n, _fr, en in charts.GENERIC_ACCOUNTS)
    assert english["411"] == "Contributions receivable" and english["571"] == "Cash on hand"
