"""Arrears through time (time-machine): activation on payment, suspension after unpaid
periods and grace, reinstatement on payment with or without a new waiting period, and the
dated history that answers coverage at any past date."""

from datetime import date

import pytest
import time_machine

from mutuelle.contributions import actions
from mutuelle.contributions.actions.arrears import suspend_for_arrears
from mutuelle.contributions.models import ArrearsSettings, Due
from mutuelle.core import jobs
from mutuelle.members.models import Membership, StatusEvent

from .helpers import household, rule_in_force

pytestmark = pytest.mark.django_db
MONTHLY = {
    "basis": "household",
    "periodicity_kind": "month",
    "currency": "XOF",
    "amount": "1000",
}


def bill(world, period):
    run = actions.start_billing(world.manager, world.mutual_a, period)
    jobs.run(run.job.pk)


def statuses(home):
    return set(Membership.unscoped.filter(person__household=home).values_list("status", flat=True))


def test_paying_activates_not_paying_suspends_paying_again_reinstates(world):
    ArrearsSettings.unscoped.create(
        organization=world.mutual_a,
        grace_days=10,
        suspend_after=2,
        new_waiting_on_reinstatement=True,
    )
    with time_machine.travel(date(2026, 1, 2), tick=False):
        rule_in_force(world, MONTHLY)
        home = household(world, on=date(2026, 1, 2))
        bill(world, "2026-01")
        assert statuses(home) == {"pending"}
        actions.record_payment(world.cashier, home, "500", "cash")
        assert statuses(home) == {"pending"}  # not everything due is paid yet
        actions.record_payment(world.cashier, home, "500", "cash")
        assert statuses(home) == {"active"}
    for month in ("2026-02", "2026-03"):
        with time_machine.travel(date.fromisoformat(f"{month}-01"), tick=False):
            bill(world, month)
    with time_machine.travel(date(2026, 3, 10), tick=False):
        assert suspend_for_arrears(date(2026, 3, 10)) == 0  # March is still in its grace
    with time_machine.travel(date(2026, 3, 12), tick=False):
        assert suspend_for_arrears(date(2026, 3, 12)) == 3
        assert statuses(home) == {"suspended"}
        # Since the day March's grace ended: 1 March + 10 days.
        assert set(
            Membership.unscoped.filter(person__household=home).values_list(
                "status_since", flat=True
            )
        ) == {date(2026, 3, 11)}
        assert suspend_for_arrears(date(2026, 3, 12)) == 0  # idempotent
    with time_machine.travel(date(2026, 3, 20), tick=False):
        actions.record_payment(world.cashier, home, "1000", "cash")  # pays February only
        assert statuses(home) == {"active"}  # one unpaid period left: under the threshold
        waiting = set(
            Membership.unscoped.filter(person__household=home).values_list(
                "waiting_from", flat=True
            )
        )
        assert waiting == {date(2026, 3, 20)}  # the statutes ask for a new waiting period
    events = list(
        StatusEvent.unscoped.filter(
            membership__person__household=home, membership__person__relationship="head"
        )
        .order_by("at")
        .values_list("to_status", "on", "reason")
    )
    assert events[-3:] == [
        ("active", date(2026, 1, 2), "paid"),
        ("suspended", date(2026, 3, 11), "arrears"),
        ("active", date(2026, 3, 20), "paid"),
    ]
    assert Due.unscoped.filter(household=home, paid_on__isnull=True).count() == 1
