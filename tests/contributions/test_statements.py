"""Operators' statements: matched by reference or phone, confirmed by the cashier (the
commit of the dry run), never recorded twice, unknown references kept for assignment."""

import html
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutuelle.contributions import actions
from mutuelle.contributions.models import Payment, StatementLine
from mutuelle.core import jobs
from mutuelle.core.models import Job

from .helpers import household, rule_in_force

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 15)
HEADERS = ["Transaction id", "Date", "Amount", "Phone", "Reference", "Name"]


def as_csv(rows) -> bytes:
    text = ";".join(HEADERS) + "\r\n" + "".join(";".join(r) + "\r\n" for r in rows)
    return text.encode("cp1252")


def upload(client, world, content: bytes) -> Job:
    response = client.post(
        reverse("import_upload", args=["mobile_money_statement"]),
        {"organization": world.mutual_a.pk, "file": SimpleUploadedFile("releve.csv", content)},
    )
    assert response.status_code == 302, response.content[-2000:]
    job = Job.unscoped.get(uuid=response.url.rstrip("/").split("/")[-1])
    jobs.run(job.pk)
    job.refresh_from_db()
    return job


def commit(client, job) -> Job:
    url = client.post(reverse("import_commit", args=[job.uuid]), {"warnings_read": "1"}).url
    done = Job.unscoped.get(uuid=url.rstrip("/").split("/")[-1])
    jobs.run(done.pk)
    done.refresh_from_db()
    return done


@time_machine.travel(TODAY, tick=False)
def test_a_statement_is_matched_confirmed_and_never_recorded_twice(client, world):
    rule_in_force(world)
    first, second = household(world), household(world, family="Fall")
    jobs.run(actions.start_billing(world.manager, world.mutual_a, "2026").job.pk)
    member = second.head.memberships.get().number
    rows = [
        ["MP1", "14/03/2026", "3 000", "", f"cotisation {first.number}", "DIOP"],
        ["MP2", "14/03/2026", "2000", "", member.lower(), "FALL"],
        ["MP3", "15/03/2026", "1500", "+221 70 999 99 99", "???", "INCONNU"],
        ["MP1", "14/03/2026", "3 000", "", first.number, "DIOP"],  # twice in the file
    ]
    client.force_login(world.cashier)
    check = upload(client, world, as_csv(rows))
    text = html.unescape(client.get(reverse("import_report", args=[check.uuid])).content.decode())
    assert first.number in text and second.number in text
    done = commit(client, check)
    assert done.state == Job.State.SUCCEEDED, done.messages
    payments = {p.reference: p for p in Payment.unscoped.all()}
    assert set(payments) == {"MP1", "MP2"}
    assert payments["MP1"].household == first and payments["MP1"].amount == 3000
    assert payments["MP2"].household == second and payments["MP2"].method == "mobile_money"
    unmatched = StatementLine.unscoped.get(transaction_id="MP3")
    assert unmatched.status == "unmatched" and unmatched.payment is None
    # The operator's next file repeats yesterday's lines: nothing is recorded twice.
    again = commit(client, upload(client, world, as_csv(rows[:2])))
    assert again.state == Job.State.SUCCEEDED
    assert Payment.unscoped.count() == 2 and StatementLine.unscoped.count() == 3


@time_machine.travel(TODAY, tick=False)
def test_bad_lines_are_named_and_nothing_is_imported(client, world):
    rule_in_force(world)
    household(world)
    client.force_login(world.cashier)
    check = upload(client, world, as_csv([["MP9", "hier", "-500", "", "", ""]]))
    assert not (check.result or {}).get("ready")
    text = html.unescape(client.get(reverse("import_report", args=[check.uuid])).content.decode())
    assert "hier" in text and "-500" in text
    assert not StatementLine.unscoped.exists()
