"""The cashier's screens through HTTP: find (scanned QR, number, name), record, print, close."""

from datetime import date

import pypdfium2
import pytest
import time_machine
from django.urls import reverse

from mutuelle.cards.actions import issue_cards
from mutuelle.contributions import actions
from mutuelle.contributions.models import Correction, Due, Payment, TillClosing
from mutuelle.core import jobs

from .helpers import household, rule_in_force

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 15)


def pdf_text(body: bytes) -> str:
    document = pypdfium2.PdfDocument(body)
    try:
        text = "\n".join(page.get_textpage().get_text_range() for page in document)
        return text.replace("\xa0", " ").replace("\u202f", " ")
    finally:
        document.close()


@pytest.fixture
def billed_home(world):
    with time_machine.travel(TODAY, tick=False):
        rule_in_force(world)
        home = household(world)
        run = actions.start_billing(world.manager, world.mutual_a, "2026")
        jobs.run(run.job.pk)
    return home


@time_machine.travel(TODAY, tick=False)
def test_a_cashier_scans_a_card_records_and_prints_the_receipt(client, world, billed_home):
    client.force_login(world.cashier)
    head = billed_home.head.memberships.get()
    card = issue_cards(world.enrolment, [head], on=TODAY)[0]
    # A USB scanner types the QR code's content into the search box: straight to the household.
    response = client.get(reverse("cashier"), {"q": card.payload})
    assert response.status_code == 302
    page = client.get(response["Location"])
    due = Due.unscoped.get(household=billed_home)
    assert page.status_code == 200
    assert f'value="{int(due.amount)}"'.encode() in page.content  # the whole due, ready to take
    key = page.context["form"]["key"].value()
    data = {"amount": "5000", "method": "cash", "reference": "", "key": key}
    done = client.post(response["Location"], data)
    payment = Payment.unscoped.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "receipt_detail", args=[payment.uuid]
    )
    # The same form posted again (a double click, a flaky link) records nothing more.
    assert client.post(response["Location"], data).status_code == 302
    assert Payment.unscoped.count() == 1
    receipt = client.get(done["Location"])
    assert str(payment.receipt).encode() in receipt.content
    assert not receipt.context["ledger_entries"]  # a cashier does not read the ledger
    client.force_login(world.manager)  # takes money and reads the ledger
    entries = client.get(done["Location"]).context["ledger_entries"]
    assert [e.journal.code for e in entries] == ["CA"] and entries[0].amount == 5000
    client.force_login(world.cashier)
    original = client.get(reverse("receipt_pdf", args=[payment.uuid]), {"layout": "58mm"})
    assert original["Content-Type"] == "application/pdf"
    text = pdf_text(original.content)
    assert "Total reçu 5 000 XOF" in text and str(payment.receipt) in text
    assert "DUPLICATA" not in text
    copy = client.get(reverse("receipt_pdf", args=[payment.uuid]), {"layout": "a6"})
    assert "DUPLICATA" in pdf_text(copy.content)


@time_machine.travel(TODAY, tick=False)
def test_the_cashier_finds_by_number_or_name_and_sees_clear_errors(client, world, billed_home):
    client.force_login(world.cashier)
    by_number = client.get(reverse("cashier"), {"q": billed_home.number})
    assert by_number.status_code == 302
    by_name = client.get(reverse("cashier"), {"q": "Diop Mamadu"})
    assert by_name.status_code in (200, 302)
    url = reverse("cashier_household", args=[billed_home.uuid])
    page = client.get(url)
    key = page.context["form"]["key"].value()
    bad = client.post(url, {"amount": "-20", "method": "cash", "key": key})
    assert bad.status_code == 200 and bad.context["form"].errors["amount"]
    mobile = client.post(url, {"amount": "2000", "method": "mobile_money", "key": key})
    assert mobile.status_code == 200 and not Payment.unscoped.exists()


@time_machine.travel(TODAY, tick=False)
def test_closing_the_till_and_a_correction_approved_by_the_accountant(client, world, billed_home):
    client.force_login(world.cashier)
    url = reverse("cashier_household", args=[billed_home.uuid])
    key = client.get(url).context["form"]["key"].value()
    client.post(url, {"amount": "3000", "method": "cash", "key": key})
    payment = Payment.unscoped.get()
    till = client.get(reverse("till"))
    assert till.status_code == 200 and b"3" in till.content
    assert client.post(reverse("till"), {"counted": "3000"}).status_code == 302
    assert TillClosing.unscoped.get().difference == 0
    client.post(reverse("correction_request", args=[payment.uuid]), {"reason": "Erreur"})
    correction = Correction.unscoped.get()
    assert client.get(reverse("correction_list")).status_code == 403
    client.force_login(world.accountant)
    listed = client.get(reverse("correction_list"))
    assert b"Erreur" in listed.content
    client.post(reverse("correction_decide", args=[correction.pk]), {"decision": "approve"})
    payment.refresh_from_db()
    assert payment.status == "reversed"
