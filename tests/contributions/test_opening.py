"""Going live: households' arrears, credits, waiting already served and ceilings consumed,
checked against the ledger's opening balances, then usable like any due or advance."""

import html
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutuelle.accounting import actions as ledger
from mutuelle.accounting.models import Entry
from mutuelle.accounting.rules import LineValue
from mutuelle.contributions import actions
from mutuelle.contributions.models import Due, OpeningConsumption, Payment
from mutuelle.core import jobs
from mutuelle.core.models import Job
from mutuelle.members.models import Membership

from .helpers import household, rule_in_force

pytestmark = pytest.mark.django_db
LIVE = date(2026, 1, 1)
HEADERS = ["Household number", "Arrears", "Credit", "Waiting period started on",
           "Ceilings consumed this year", "Going-live date"]  # fmt: skip


def as_csv(rows) -> bytes:
    lines = [";".join(HEADERS)] + [";".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def run_import(client, world, rows, commit=True) -> Job:
    response = client.post(
        reverse("import_upload", args=["opening_position"]),
        {
            "organization": world.mutual_a.pk,
            "file": SimpleUploadedFile("ouverture.csv", as_csv(rows)),
        },
    )
    check = Job.unscoped.get(uuid=response.url.rstrip("/").split("/")[-1])
    jobs.run(check.pk)
    check.refresh_from_db()
    if not commit or not (check.result or {}).get("ready"):
        return check
    url = client.post(reverse("import_commit", args=[check.uuid]), {"warnings_read": "1"}).url
    done = Job.unscoped.get(uuid=url.rstrip("/").split("/")[-1])
    jobs.run(done.pk)
    done.refresh_from_db()
    return done


def open_ledger(world, arrears, credits):
    ledger.install_chart(world.mutual_a)
    lines = [
        LineValue("411", debit=Decimal(arrears)),
        LineValue("571", debit=Decimal(50000)),
        LineValue("4191", credit=Decimal(credits)),
        LineValue("101", credit=Decimal(50000 + arrears - credits)),
    ]
    ledger.open_balances(world.manager, world.mutual_a, LIVE, lines)


@time_machine.travel(date(2026, 1, 5), tick=False)
def test_an_opening_position_is_checked_against_the_ledger_then_used(client, world):
    diop, fall = (
        household(world, on=date(2024, 6, 1)),
        household(world, family="Fall", on=date(2025, 3, 1)),
    )
    client.force_login(world.manager)
    rows = [
        [diop.number, "7000", "", "01/06/2024", "12 500", "01/01/2026"],
        [fall.number, "", "3000", "", "", "01/01/2026"],
    ]
    # Before the ledger is opened: refused, nothing written.
    refused = run_import(client, world, rows, commit=False)
    assert not refused.result["ready"]
    text = html.unescape(client.get(reverse("import_report", args=[refused.uuid])).content.decode())
    assert "opening_ledger_not_opened" not in text  # a sentence, not a code
    open_ledger(world, arrears=8000, credits=3000)
    differs = run_import(client, world, rows, commit=False)
    assert not differs.result["ready"]
    text = html.unescape(client.get(reverse("import_report", args=[differs.uuid])).content.decode())
    assert "7000" in text and "8000" in text
    # The ledger says 7,000 of arrears: the file agrees, it is imported.
    ledger.reverse(
        Entry.unscoped.get(source_type=ledger.OPENING), LIVE, "Wrong arrears", actor=world.manager
    )
    open_ledger(world, arrears=7000, credits=3000)
    done = run_import(client, world, rows)
    assert done.state == Job.State.SUCCEEDED, done.messages
    arrears = Due.unscoped.get(household=diop)
    assert arrears.amount == 7000 and arrears.due_on == date(2025, 12, 31)
    credit = Payment.unscoped.get(household=fall)
    assert (
        credit.method == "opening" and credit.unallocated == 3000 and not hasattr(credit, "receipt")
    )
    waiting = set(
        Membership.unscoped.filter(person__household=diop).values_list("waiting_from", flat=True)
    )
    assert waiting == {date(2024, 6, 1)}
    assert OpeningConsumption.unscoped.get(household=diop).amount == Decimal("12500")
    # Imported again: nothing more.
    again = run_import(client, world, rows)
    assert again.state == Job.State.SUCCEEDED
    assert Due.unscoped.count() == 1 and Payment.unscoped.count() == 1
    # From now on: the arrears are paid at the cashier's, the credit pays the first billing.
    rule_in_force(world)
    actions.record_payment(world.cashier, diop, "7000", "cash")
    arrears.refresh_from_db()
    assert arrears.paid == 7000
    jobs.run(actions.start_billing(world.manager, world.mutual_a, "2026").job.pk)
    assert Due.unscoped.get(household=fall, period="2026").paid == 3000
