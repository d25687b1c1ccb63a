"""Coverage status read from the database at any date (time-machine): not yet a member, in
waiting period, covered, suspended for arrears, and the screens that show it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from mutuelle.benefits import actions as benefits
from mutuelle.benefits.models import PackageVersion
from mutuelle.contributions import actions
from mutuelle.contributions.actions.arrears import suspend_for_arrears
from mutuelle.contributions.coverage_reads import coverage_of, coverage_report
from mutuelle.core import jobs
from mutuelle.members.models import Membership

from .helpers import household, rule_in_force

pytestmark = pytest.mark.django_db
ENROLLED = date(2026, 1, 5)
MONTHLY = {"basis": "household", "periodicity_kind": "month", "currency": "XOF", "amount": "1000"}


def compulsory_package(world, waiting=60):
    package = benefits.create_package(
        world.manager, world.mutual_a, "BASE", "Paquet de base", "Basic package", "compulsory"
    )
    version = package.versions.get()
    PackageVersion.unscoped.filter(pk=version.pk).update(waiting_days=waiting)
    version.refresh_from_db()
    line = benefits.LineSpec(category="consultation", rate=Decimal(80))
    benefits.add_line(world.manager, version, line)
    return benefits.adopt(world.manager, version, date(2026, 1, 1)) or version


def reasons(home, on):
    memberships = list(Membership.unscoped.filter(person__household=home))
    return {(c.covered, c.reason) for c in coverage_of(memberships, on).values()}


def test_coverage_follows_enrolment_payment_waiting_and_arrears(world, client):
    version = compulsory_package(world)
    with time_machine.travel(ENROLLED, tick=False):
        rule_in_force(world, MONTHLY)
        home = household(world, on=ENROLLED)
        jobs.run(actions.start_billing(world.manager, world.mutual_a, "2026-01").job.pk)
        assert reasons(home, ENROLLED) == {(False, "coverage.not_member")}
        actions.record_payment(world.cashier, home, "1000", "cash")
    memberships = list(Membership.unscoped.filter(person__household=home))
    waiting = coverage_of(memberships, date(2026, 2, 1))
    assert {c.reason for c in waiting.values()} == {"coverage.waiting"}
    assert {c.params["until"] for c in waiting.values()} == {ENROLLED + timedelta(days=60)}
    covered = coverage_of(memberships, ENROLLED + timedelta(days=60))
    assert all(c.covered and c.versions == (version.pk,) for c in covered.values())
    for month in ("2026-02", "2026-03", "2026-04"):
        with time_machine.travel(date.fromisoformat(f"{month}-01"), tick=False):
            jobs.run(actions.start_billing(world.manager, world.mutual_a, month).job.pk)
    with time_machine.travel(date(2026, 4, 5), tick=False):
        suspend_for_arrears(date(2026, 4, 5))
    # February and March unpaid, 30 days of grace each: suspended from 31 March.
    assert reasons(home, date(2026, 4, 5)) == {(False, "coverage.suspended")}
    # The past is answered exactly from the dated history.
    assert reasons(home, date(2026, 3, 20)) == {(True, None)}
    report = coverage_report(world.mutual_a, date(2026, 4, 5))
    assert report == {"coverage.suspended": 3}
    client.force_login(world.enrolment)
    page = client.get(reverse("household_coverage", args=[home.uuid]), {"on": "2026-02-01"})
    assert page.status_code == 200 and b"06/03/2026" in page.content
    client.force_login(world.manager_b)
    assert client.get(reverse("household_coverage", args=[home.uuid])).status_code == 404
