"""The medical adviser's journey in English: the review queue shows a claim flagged by triage
with the reason in words; the adviser lowers a line's quantity with a justification, reads the
re-decided amounts and finishes the review, which approves the claim with its entry."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from mutuelle.accounting.models import Entry
from mutuelle.claims import actions, triage
from mutuelle.claims.models import Claim, LineAdjustment
from mutuelle.members.models import Membership

from ..claims.helpers import claims_world
from .conftest import axe_violations, horizontal_overflow
from .test_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_adviser_works_the_review_queue(real_hashers, world, app_server, browser):
    with transaction.atomic():
        home, _version = claims_world(world)
    number = Membership.unscoped.get(person=home.head).number
    data = actions.NewClaim(
        provider=world.provider_a,
        number=number,
        care_from=date.today(),
        visit_type="inpatient",
        lines=[actions.NewLine("HOSP-J", 6, "5000"), actions.NewLine("CONS-MG", 1, "2000")],
    )
    claim = actions.submit_claim(world.clerk, data)
    actions.adjudicate(None, [claim])
    triage.flag_claims(None, [claim])  # no eligibility check at the desk: flagged
    claim.refresh_from_db()
    assert claim.status == "in_review" and claim.covered == Decimal(21000 + 1600)

    context = browser.new_context(
        viewport={"width": 1024, "height": 768}, locale="fr-FR", bypass_csp=True
    )
    page = context.new_page()
    world.adviser.language = "en"
    world.adviser.save(update_fields=["language"])
    log_in(page, app_server, world.adviser.username)  # then the pages speak their English
    page.goto(f"{app_server}/claims/review/")
    queue = page.locator("main").inner_text()
    assert str(claim) in queue
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.click(f"main a:has-text('{claim}')")
    assert "eligibility" in page.locator("main").inner_text().lower()  # why it was flagged
    assert horizontal_overflow(page) <= 0
    # Six days in hospital for this case: the adviser allows four.
    page.click("#line-1 details summary >> nth=-1")
    page.fill("#q-1", "4")
    page.fill("#j-1", "Four days are enough for this diagnosis (discharge note).")
    with page.expect_navigation():
        page.click("#line-1 form button[type=submit]")
    claim.refresh_from_db()
    assert claim.covered == Decimal(14000 + 1600)  # 70 % of 4 × 5,000, and the consultation
    adjustment = LineAdjustment.unscoped.get()
    assert adjustment.after.get("quantity") in (4, "4")
    assert "Four days" in adjustment.justification
    with page.expect_navigation():
        page.click("form[action$='/finish/'] button[type=submit]")
    context.close()
    claim = Claim.unscoped.get(pk=claim.pk)
    assert claim.status == "approved"
    entry = Entry.unscoped.get(organization=world.mutual_a, journal__code="PR")
    assert sum(x.debit for x in entry.lines.all()) == Decimal(15600)
