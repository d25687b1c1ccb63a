"""The bulk billing path (households priced once per shape, dues written as plain rows, credits
applied set-based) bills exactly what the pure rules decide for each household."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from mutuelle.contributions import actions, rules
from mutuelle.contributions.models import Allocation, BillingRun, Due, Payment
from mutuelle.core import jobs
from mutuelle.lib import periods
from mutuelle.members.models import Membership

from .helpers import PER_PERSON, household, rule_in_force

pytestmark = pytest.mark.django_db
BEFORE = date(2025, 6, 1)
ENDED = ("withdrawn", "deceased", "excluded")


def set_members(h, **changes):
    Membership.unscoped.filter(person__household=h).update(**changes)


def set_member(h, relationship, **changes):
    Membership.unscoped.filter(person__household=h, person__relationship=relationship).update(
        **changes
    )


def expected_lines(h, version, period):
    """The household's lines as the pure rules decide them, from the ORM, member by member."""
    rule = rules.rule_from_config(version.config)
    members, new = [], set()
    for m in Membership.unscoped.filter(person__household=h).select_related("person"):
        members.append(
            rules.member_facts_from(
                m.person,
                rule.child_age,
                period.start,
                key=m.pk,
                covered_from=m.enrolled_on,
                covered_to=m.status_since - timedelta(days=1) if m.status in ENDED else None,
                salary=None,
            )
        )
        if period.start <= m.enrolled_on <= period.end:
            new.add(m.pk)
    due = rules.bill(
        rule,
        rules.HouseholdFacts(h.pk, tuple(members)),
        period,
        new_members=frozenset(new),
        assembly_due=True,
    )
    return [[x.code, x.member_key, x.quantity, str(x.unit), str(x.amount)] for x in due.lines]


@time_machine.travel(date(2026, 3, 15), tick=False)
def test_it_bills_every_shape_as_the_pure_rules_do_with_each_households_own_members(world):
    version = rule_in_force(world, {**PER_PERSON, "dependant_amount": "5000"})
    new = household(world, family="Diop")  # enrolled 10 January: prorated, entry fees
    full = household(world, family="Fall")
    same = household(world, family="Sow")  # the same shape as `full`: priced once
    partial = household(world, family="Ba")
    gone = household(world, family="Sy")
    grown = household(world, family="Faye")
    for h in (full, same, partial, gone, grown):
        set_members(h, enrolled_on=BEFORE, status="active", status_since=BEFORE)
    set_member(partial, "spouse", status="withdrawn", status_since=date(2026, 5, 1))
    set_member(partial, "head", status="deceased", status_since=date(2025, 12, 1))
    set_members(gone, status="withdrawn", status_since=date(2026, 1, 1))
    Membership.unscoped.filter(person__household=grown, person__relationship="child").update(
        enrolled_on=BEFORE
    )
    grown.persons.filter(relationship="child").update(birth_date=date(2000, 1, 1))

    run = actions.start_billing(world.manager, world.mutual_a, "2026")
    jobs.run(run.job.pk)
    run.refresh_from_db()

    period = periods.parse("2026")
    dues = {d.household_id: d for d in Due.unscoped.filter(run=run)}
    assert set(dues) == {new.pk, full.pk, same.pk, partial.pk, grown.pk}  # `gone` owes nothing
    for h in (new, full, same, partial, grown):
        lines = expected_lines(h, version, period)
        assert dues[h.pk].lines == lines
        assert dues[h.pk].amount == sum(Decimal(x[4]) for x in lines)
        assert dues[h.pk].uuid and dues[h.pk].paid == 0 and dues[h.pk].paid_on is None
    keys = {x[1] for x in dues[full.pk].lines} | {x[1] for x in dues[same.pk].lines}
    assert len(keys) == 6  # each household's lines name its own members
    assert any(x[0] == rules.ENTRY_FEE for x in dues[new.pk].lines)
    assert run.households == 5 and run.total == sum(d.amount for d in dues.values())


@time_machine.travel(date(2026, 3, 15), tick=False)
def test_credit_paid_in_advance_pays_the_new_dues_oldest_payment_first(world):
    rule_in_force(world)
    h = household(world, family="Fall")
    other = household(world, family="Sow")
    small = actions.record_payment(world.cashier, h, "4000", "cash", date(2025, 12, 1))
    large = actions.record_payment(world.cashier, h, "100000", "cash", date(2025, 12, 20))
    partial = actions.record_payment(world.cashier, other, "1000", "cash", date(2025, 12, 5))

    run = actions.start_billing(world.manager, world.mutual_a, "2026")
    jobs.run(run.job.pk)

    due = Due.unscoped.get(run=run, household=h)
    assert due.paid == due.amount and due.paid_on == date(2026, 3, 15)
    small.refresh_from_db()
    large.refresh_from_db()
    assert small.unallocated == 0  # the oldest payment is used first
    assert large.unallocated == Decimal(104000) - due.amount
    assert [a.amount for a in Allocation.unscoped.filter(payment=small)] == [Decimal(4000)]
    assert sum(a.amount for a in Allocation.unscoped.filter(payment=large)) == due.amount - 4000
    other_due = Due.unscoped.get(run=run, household=other)
    partial.refresh_from_db()
    assert other_due.paid == 1000 and other_due.paid_on is None and partial.unallocated == 0
    assert BillingRun.unscoped.get(pk=run.pk).households == 2
    assert Payment.unscoped.filter(unallocated__gt=0).count() == 1
