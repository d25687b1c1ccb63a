"""Billing runs on the database: every household's dues, prorated, posted, idempotent."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from mutuelle.accounting.models import Entry
from mutuelle.accounting.queries import trial_balance
from mutuelle.contributions import actions
from mutuelle.contributions.actions.billing import recognise_revenue
from mutuelle.contributions.models import BillingRun, Due
from mutuelle.core import jobs

from .helpers import household, rule_in_force

pytestmark = pytest.mark.django_db


def run_billing(world, period="2026", actor=None):
    run = actions.start_billing(actor or world.manager, world.mutual_a, period)
    jobs.run(run.job.pk)
    run.refresh_from_db()
    return run


def balances(mutual, until=date(2026, 12, 31)):
    return {r.number: r.balance for r in trial_balance(mutual, until)}


@time_machine.travel(date(2026, 3, 15), tick=False)
def test_a_billing_run_bills_every_household_once_and_posts_it(world):
    rule_in_force(world)
    first, second = household(world), household(world, family="Fall")
    run = run_billing(world)
    dues = {d.household_id: d for d in Due.unscoped.filter(run=run)}
    # Two adults at 6,000 and a child at 3,000, joined 10 January: prorated from that day,
    # plus the entry fee of three new members.
    assert set(dues) == {first.pk, second.pk}
    due = dues[first.pk]
    assert due.period == "2026" and due.due_on == date(2026, 1, 1)
    days = (date(2026, 12, 31) - date(2026, 1, 10)).days + 1
    share = [Decimal(6000 * days / 365), Decimal(6000 * days / 365), Decimal(3000 * days / 365)]
    assert abs(due.amount - (sum(share) + 3000)) <= 3
    assert run.households == 2 and run.total == sum(d.amount for d in dues.values())
    # The receivable is booked; months already begun are revenue, the rest deferred.
    book = balances(world.mutual_a)
    assert book["411"] == run.total
    assert -book["7561"] == 2 * 3 * 1000  # entry fees: revenue at once
    assert -(book["7562"] + book["477"] + book["7561"]) == run.total
    assert -book["7562"] > 0 and -book["477"] > -book["7562"]  # 3 months earned, 9 to come
    assert Entry.unscoped.filter(source_type="contributions.billingrun").count() == 1

    # Re-running changes nothing.
    again = run_billing(world)
    assert again.households == 0 and Due.unscoped.count() == 2
    assert balances(world.mutual_a)["411"] == run.total


@time_machine.travel(date(2026, 3, 15), tick=False)
def test_deferred_months_are_recognised_once_when_they_begin(world):
    rule_in_force(world)
    household(world)
    run = run_billing(world)
    assert "2026-12" in run.deferred and "2026-03" not in run.deferred
    deferred = sum(Decimal(v) for v in run.deferred.values())
    assert balances(world.mutual_a)["477"] == -deferred
    assert recognise_revenue(date(2026, 6, 1)) == 3  # April, May, June
    assert recognise_revenue(date(2026, 6, 1)) == 0
    assert recognise_revenue(date(2027, 1, 1)) == 6
    book = balances(world.mutual_a, date(2027, 1, 31))
    assert book["477"] == 0
    assert -book["7562"] == run.total - 3000  # the whole year earned; fees apart


def test_billing_needs_a_rule_in_force_and_the_right(world):
    household(world)
    with pytest.raises(ValidationError) as exc:
        actions.start_billing(world.manager, world.mutual_a, "2026")
    assert exc.value.code == "billing.no_rule"
    rule_in_force(world)
    with pytest.raises(PermissionDenied):
        actions.start_billing(world.cashier, world.mutual_a, "2026")
    with pytest.raises(PermissionDenied):
        actions.start_billing(world.manager, world.mutual_b, "2026")
    assert not BillingRun.unscoped.exists()


def test_an_adopted_rule_is_never_edited_and_a_new_version_closes_it(world):
    version = rule_in_force(world)
    with pytest.raises(ValidationError) as exc:
        actions.save_draft(world.manager, world.mutual_a, "x", {}, version=version)
    assert exc.value.code == "rule.in_force"
    draft = actions.copy_as_draft(world.manager, version)
    draft = actions.save_draft(
        world.manager, world.mutual_a, "2027", {**draft.config, "amount": "7000"}, version=draft
    )
    actions.adopt(world.manager, draft, date(2027, 1, 1))
    version.refresh_from_db()
    assert version.effective_to == date(2026, 12, 31)
    assert actions.rule_in_force(world.mutual_a, date(2026, 6, 1)) == version
    assert actions.rule_in_force(world.mutual_a, date(2027, 6, 1)) == draft


def test_a_rule_that_selects_risks_is_refused(world):
    config = {"basis": "person", "periodicity_kind": "year", "currency": "XOF", "amount": "6000"}
    with pytest.raises(ValidationError) as exc:
        actions.save_draft(world.manager, world.mutual_a, "x", {**config, "sex": "F"})
    assert "rule.selection_forbidden" in [e.code for e in exc.value.error_list]
