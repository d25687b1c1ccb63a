"""Importing the opening balances of a mutual going live: CSV from Excel, XLSX, bad rows."""

import html
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutuelle.accounting import actions, queries
from mutuelle.accounting.models import Entry
from mutuelle.core import jobs
from mutuelle.core.models import Job
from mutuelle.lib.tabular import write_xlsx

pytestmark = pytest.mark.django_db

HEADERS = ["Account number", "Debit", "Credit", "Fund, programme or donor", "Label", "Date"]
GOOD = [
    ["571", "150 000", "", "", "Caisse du siège, Thiès", "01/01/2026"],
    ["521", "2 350 000", "", "", "Dépôt à la banque", ""],
    ["521", "500000", "", "FONDS-PALU", "Don réservé au paludisme", ""],
    ["411", "75000", "", "", "Arriérés des adhérents", ""],
    ["101", "", "2 575 000", "", "Fonds associatifs", ""],
    ["16", "", "500000", "FONDS-PALU", "Fonds dédiés", ""],
]


def as_csv(rows) -> bytes:
    text = ";".join(HEADERS) + "\r\n" + "".join(";".join(r) + "\r\n" for r in rows)
    return text.encode("cp1252")


def upload(client, world, name: str, content: bytes) -> Job:
    response = client.post(
        reverse("import_upload", args=["opening_balances"]),
        {"organization": world.mutual_a.pk, "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 302, response.content[-2000:]
    job = Job.unscoped.get(uuid=response.url.rstrip("/").split("/")[-1])
    jobs.run(job.pk)
    job.refresh_from_db()
    return job


def commit(client, job) -> Job:
    url = client.post(reverse("import_commit", args=[job.uuid])).url
    done = Job.unscoped.get(uuid=url.rstrip("/").split("/")[-1])
    jobs.run(done.pk)
    done.refresh_from_db()
    return done


def report(client, job) -> str:
    return html.unescape(client.get(reverse("import_report", args=[job.uuid])).content.decode())


@pytest.fixture
def keeper(client, world):
    actions.install_chart(world.mutual_a)
    actions.set_account_active(None, _account(world.mutual_a, "4192"), False)
    client.force_login(world.accountant)
    return client


def _account(mutual, number):
    from mutuelle.accounting.models import Account

    return Account.unscoped.get(organization=mutual, number=number)


def test_a_windows_1252_file_posts_one_entry_once(keeper, world):
    job = upload(keeper, world, "ouverture.csv", as_csv(GOOD))
    assert job.result["ready"], report(keeper, job)
    done = commit(keeper, job)
    assert done.state == Job.State.SUCCEEDED and done.result["created"] == 6
    entry = Entry.unscoped.get(organization=world.mutual_a)
    assert entry.source_type == actions.OPENING and entry.date.isoformat() == "2026-01-01"
    assert entry.actor == world.accountant
    labels = set(entry.lines.values_list("label", flat=True))
    assert "Dépôt à la banque" in labels and "Caisse du siège, Thiès" in labels
    rows = {r.number: r.balance for r in queries.trial_balance(world.mutual_a)}
    assert rows["521"] == Decimal(2850000) and rows["101"] == Decimal(-2575000)
    assert entry.lines.get(account__number="16").analytic == "FONDS-PALU"
    # Again: the mutual already has its opening balances.
    again = upload(keeper, world, "ouverture.csv", as_csv(GOOD))
    assert not again.result["ready"]
    assert "already posted" in report(keeper, again) or "déjà" in report(keeper, again)
    assert Entry.unscoped.count() == 1


def test_an_xlsx_file_with_numbers_imports_too(keeper, world):
    rows = [
        ["571", 150000, None, None, "Caisse", None],
        ["101", None, 150000, None, "Fonds", None],
    ]
    job = upload(keeper, world, "ouverture.xlsx", write_xlsx(HEADERS, rows))
    assert job.result["ready"], report(keeper, job)
    commit(keeper, job)
    rows = {r.number: r.balance for r in queries.trial_balance(world.mutual_a)}
    assert rows == {"101": Decimal(-150000), "571": Decimal(150000)}


def test_bad_rows_are_named_and_nothing_is_posted(keeper, world):
    bad = [
        ["571", "150 000", "", "", "Caisse", ""],  # line 2: fine
        ["5799", "10", "", "", "Inconnu", ""],  # line 3: unknown account
        ["4192", "10", "", "", "Inactif", ""],  # line 4: inactive account
        ["521", "-5", "", "", "Négatif", ""],  # line 5
        ["521", "12,5", "", "", "Centimes", ""],  # line 6: XOF has no decimals
        ["411", "abc", "", "", "Texte", ""],  # line 7
        ["411", "5", "5", "", "Deux côtés", ""],  # line 8
        ["101", "", "150000", "", "Fonds", ""],  # line 9
    ]
    job = upload(keeper, world, "ouverture.csv", as_csv(bad))
    assert job.result["rows_with_errors"] == 6
    shown = report(keeper, job)
    for text in ("5799", "4192", "-5", "12,5", "abc", "XOF"):
        assert text in shown, text
    assert not commit_refused(keeper, job) and not Entry.unscoped.exists()


def test_totals_that_do_not_balance_are_reported_on_the_last_row(keeper, world):
    rows = [["571", "150000", "", "", "Caisse", ""], ["101", "", "140000", "", "Fonds", ""]]
    job = upload(keeper, world, "ouverture.csv", as_csv(rows))
    assert job.result["rows_with_errors"] == 1 and not job.result["ready"]
    shown = report(keeper, job)
    assert "150000" in shown and "140000" in shown and "10000" in shown
    assert not commit_refused(keeper, job) and not Entry.unscoped.exists()


def commit_refused(client, job) -> bool:
    client.post(reverse("import_commit", args=[job.uuid]))
    return Job.unscoped.filter(params__check_job=job.pk).exists()


def test_only_those_who_keep_the_accounts_import_them(client, world):
    client.force_login(world.cashier)
    response = client.get(reverse("import_upload", args=["opening_balances"]))
    assert response.status_code == 403
