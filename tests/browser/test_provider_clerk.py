"""The provider clerk's journey on a phone, in French: check a patient's eligibility by the
typed number and by a photo of the card, then submit a claim and read the decision and its
reasons. Asserts what was stored: the checks, the claim, its lines and their amounts."""

from datetime import date
from decimal import Decimal

import pypdfium2
import pytest

from mutuelle.cards import actions as cards
from mutuelle.cards import pdf
from mutuelle.claims.models import Claim, EligibilityCheck
from mutuelle.members.models import Membership

from ..cards.test_reading import photograph
from ..claims.helpers import claims_world
from .conftest import axe_violations, horizontal_overflow
from .test_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def card_photo(membership, tmp_path):
    issued = cards.issue_cards(None, [membership])
    document = pypdfium2.PdfDocument(pdf.render(issued, pdf.CR80, language="fr"))
    try:
        picture = document[0].render(scale=300 / 72).to_pil().convert("RGB")
    finally:
        document.close()
    path = tmp_path / "carte.jpg"
    path.write_bytes(photograph(picture, width=900, canvas=(1600, 1200), angle=-4, blur=0.5))
    return path


def test_a_clerk_checks_eligibility_and_submits_a_claim(
    real_hashers, world, app_server, phone, tmp_path
):
    home, _version = claims_world(world)
    head = Membership.unscoped.select_related("person").get(person=home.head)
    spouse = Membership.unscoped.select_related("person").get(
        person__household=home, person__relationship="spouse"
    )
    photo = card_photo(spouse, tmp_path)
    today = date.today()

    log_in(phone, app_server, world.clerk.username)
    with phone.expect_navigation():
        phone.click("main a[href='/claims/eligibility/']")
    # 1. The number as typed at the desk, lower case and without its dash.
    phone.fill("#id_number", head.number.lower().replace("-", ""))
    with phone.expect_navigation():
        phone.click("form.eligibility-form button[type=submit]")
    verdict = phone.locator("#eligibility-answer .verdict").inner_text()
    assert "COUVERT" in verdict and "NON" not in verdict
    assert str(head.person) in phone.locator("#eligibility-answer").inner_text()
    assert "80 %" in phone.locator("#eligibility-answer table").inner_text()
    assert horizontal_overflow(phone) <= 0
    assert axe_violations(phone) == []
    # 2. A photo of the spouse's card, taken with the phone.
    phone.click("details summary")
    phone.set_input_files("#id_photo", str(photo))
    # Decoding a photo takes a moment on a loaded machine: a generous guard, not a measure.
    with phone.expect_navigation(timeout=120_000):
        # The button, scrolled just under the sticky top bar: the clerk uses the keyboard.
        phone.focus("form.eligibility-form button[type=submit]")
        phone.keyboard.press("Enter")
    assert str(spouse.person) in phone.locator("#eligibility-answer").inner_text()
    checks = list(EligibilityCheck.unscoped.order_by("pk"))
    assert [(c.membership, c.method, c.result) for c in checks] == [
        (head, "typed", "covered"),
        (spouse, "photo", "covered"),
    ]
    assert {c.provider for c in checks} == {world.provider_a}

    # 3. The claim for the head's consultation: one line above the tariff, one not covered.
    phone.goto(f"{app_server}/claims/new/")
    phone.fill("#id_number", head.number)
    phone.fill("#id_care_from", today.isoformat())
    phone.fill("#id_lines-0-act_code", "CONS-MG")
    phone.fill("#id_lines-0-quantity", "1")
    phone.fill("#id_lines-0-unit_price", "2500")
    phone.fill("#id_lines-1-act_code", "NFS")
    phone.fill("#id_lines-1-quantity", "1")
    phone.fill("#id_lines-1-unit_price", "3000")
    assert horizontal_overflow(phone) <= 0
    with phone.expect_navigation():
        phone.click("form.claim-form button[type=submit]")
    page = phone.locator("main").inner_text()
    assert "Liquidée" in page or "En contrôle médical" in page
    assert "ramené au tarif" in page  # 2,500 asked, the tariff is 2,000
    assert "Aucun paquet du bénéficiaire ne couvre cet acte (NFS)" in page
    assert horizontal_overflow(phone) <= 0
    assert axe_violations(phone) == []

    claim = Claim.unscoped.get()
    assert (claim.person, claim.provider) == (head.person, world.provider_a)
    assert claim.status in ("adjudicated", "in_review")  # a random sample goes to review
    assert claim.eligibility_checked  # the check of step 1, the same day
    lines = {x.act_code: x for x in claim.lines.all()}
    assert (lines["CONS-MG"].covered, lines["CONS-MG"].copayment) == (Decimal(1600), Decimal(400))
    assert (lines["NFS"].decision, lines["NFS"].covered) == ("rejected", Decimal(0))
