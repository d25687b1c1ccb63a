"""The whole ledger balances, whatever path wrote it; a reversal restores every balance."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from mutuelle.accounting import actions, queries
from mutuelle.accounting.chart import DEFAULT_POSTING_RULES
from mutuelle.accounting.models import Entry, FiscalYear, Journal, Line
from mutuelle.accounting.rules import LineValue

from ..conftest import World

pytestmark = pytest.mark.django_db


def test_every_public_path_leaves_no_unbalanced_entry(world):
    for mutual, keeper in ((world.mutual_a, world.accountant), (world.mutual_b, world.manager_b)):
        actions.install_chart(mutual)
        actions.open_balances(
            keeper,
            mutual,
            date(2025, 1, 1),
            [
                LineValue("571", debit=Decimal(100000)),
                LineValue("521", debit=Decimal(900000), analytic="DON-1"),
                LineValue("101", credit=Decimal(1000000)),
            ],
        )
        for n, operation in enumerate(DEFAULT_POSTING_RULES, start=1):
            actions.post_operation(
                mutual, operation, date(2025, 1 + n % 12, 3), Decimal(1000 * n), operation
            )
        entry = actions.post(
            mutual,
            "OD",
            date(2025, 5, 5),
            "Répartition",
            [
                LineValue("604", debit=Decimal(700)),
                LineValue("622", debit=Decimal(300)),
                LineValue("571", credit=Decimal(1000)),
            ],
        )
        actions.reverse(entry, date(2025, 5, 6), "Erreur de compte")
        actions.close_year(
            keeper, FiscalYear.unscoped.get(organization=mutual, start=date(2025, 1, 1))
        )
        actions.post_operation(mutual, "contribution_paid_cash", date(2026, 1, 9), 500, "2026")

    assert queries.unbalanced_entries() == []
    assert queries.unbalanced_entries(world.mutual_a) == []
    totals = queries.totals_by_organization()
    assert set(totals) == {world.mutual_a.pk, world.mutual_b.pk}
    assert all(debit == credit for debit, credit in totals.values())
    assert (
        Entry.unscoped.filter(organization=world.mutual_a).count() == len(DEFAULT_POSTING_RULES) + 6
    )  # opening, manual, reversal, closing, "à nouveau", 2026


def test_the_check_finds_an_entry_that_does_not_balance(world):
    """Only a bug could write one (post() refuses them): written here behind its back."""
    actions.install_chart(world.mutual_a)
    good = actions.post(
        world.mutual_a,
        "CA",
        date(2026, 2, 2),
        "Cotisation",
        [LineValue("571", debit=Decimal(10)), LineValue("7562", credit=Decimal(10))],
    )
    journal = Journal.unscoped.get(organization=world.mutual_a, code="OD")
    bad = Entry.unscoped.create(
        organization=world.mutual_a,
        journal=journal,
        fiscal_year=good.fiscal_year,
        number=99,
        date=date(2026, 2, 2),
        label="?",
    )
    cash = good.lines.get(debit__gt=0).account
    Line.unscoped.create(entry=bad, account=cash, debit=Decimal(5))
    found = queries.unbalanced_entries()
    assert [(row["pk"], row["debit"], row["count"]) for row in found] == [(bad.pk, 5, 1)]
    Line.unscoped.create(entry=bad, account=cash, credit=Decimal(4))
    found = queries.unbalanced_entries(world.mutual_a)
    assert [(row["pk"], row["debit"], row["credit"]) for row in found] == [(bad.pk, 5, 4)]
    assert queries.unbalanced_entries(world.mutual_b) == []


class ReversalRestoresBalances(TestCase):
    """Hypothesis against the database: any set of balanced entries, each reversed, leaves
    every account exactly as it was before."""

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.lists(
                st.tuples(
                    st.sampled_from(["571", "521", "411", "6581", "604"]),
                    st.decimals(min_value=Decimal(1), max_value=Decimal(10**9), places=0),
                ),
                min_size=1,
                max_size=4,
            ),
            min_size=1,
            max_size=4,
        )
    )
    def test_it(self, entries):
        world = World()
        mutual = world.mutual_a
        actions.install_chart(mutual)
        actions.post(
            mutual,
            "OD",
            date(2026, 1, 2),
            "Départ",
            [LineValue("571", debit=Decimal(77)), LineValue("101", credit=Decimal(77))],
        )
        before = {r.number: r.balance for r in queries.trial_balance(mutual)}
        posted = []
        for debits in entries:
            lines = [LineValue(account, debit=amount) for account, amount in debits]
            lines.append(LineValue("7562", credit=sum((a for _n, a in debits), Decimal(0))))
            posted.append(actions.post(mutual, "OD", date(2026, 3, 1), "Essai", lines))
        for entry in posted:
            actions.reverse(entry, date(2026, 3, 2), "Essai")
        after = {r.number: r.balance for r in queries.trial_balance(mutual) if r.balance}
        assert after == {n: b for n, b in before.items() if b}
        assert queries.unbalanced_entries(mutual) == []
