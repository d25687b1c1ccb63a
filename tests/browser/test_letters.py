"""Guarantee letters on a phone, in French: a provider's clerk requests a letter by the
member's number, the medical adviser decides it, the clerk opens the letter and its PDF."""

from datetime import date, timedelta

import pytest

from mutuelle.claims.models import GuaranteeLetter
from mutuelle.members.models import Membership

from ..claims.helpers import claims_world
from .conftest import axe_violations, horizontal_overflow
from .test_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_requests_a_letter_and_the_adviser_approves_it(
    real_hashers, world, app_server, browser, phone
):
    from django.db import transaction

    with transaction.atomic():
        home, _version = claims_world(world)
    number = Membership.unscoped.get(person=home.head).number
    planned = date.today() + timedelta(days=3)

    log_in(phone, app_server, world.clerk.username)
    phone.goto(f"{app_server}/claims/letters/new/")
    phone.fill("#id_number", number)
    phone.fill("#id_planned_on", planned.isoformat())
    phone.select_option("#id_visit_type", "inpatient")
    phone.fill("#id_estimated_amount", "60000")
    phone.fill("#id_diagnoses", "o82")
    phone.fill("#id_reason", "Césarienne programmée")
    assert horizontal_overflow(phone) <= 0
    assert axe_violations(phone) == []
    with phone.expect_navigation():
        phone.click("#letter-request button[type=submit]")
    letter = GuaranteeLetter.unscoped.get()
    assert letter.number in phone.locator("h1").inner_text()
    assert (letter.status, letter.diagnoses) == ("requested", "O82")
    assert horizontal_overflow(phone) <= 0
    assert axe_violations(phone) == []

    adviser = browser.new_context(
        viewport={"width": 360, "height": 640}, bypass_csp=True, locale="fr-FR"
    )
    page = adviser.new_page()
    log_in(page, app_server, world.adviser.username)
    page.goto(f"{app_server}/claims/letters/")
    assert horizontal_overflow(page) <= 0
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.click(f"#queue a:has-text('{letter.number}')")
    assert "Césarienne" in page.content()
    page.check("input[name=decision][value=approve]")
    page.fill("#id_max_amount", "50000")
    assert horizontal_overflow(page) <= 0
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.click("#letter-decision button[type=submit]")
    errors = page.locator(".errors, .errorlist").all_inner_texts()
    adviser.close()
    letter.refresh_from_db()
    assert errors == []
    assert (letter.status, letter.max_amount) == ("approved", 50000)
    assert letter.valid_from == planned

    phone.goto(f"{app_server}/claims/letters/{letter.uuid}/")
    assert "50" in phone.locator("#letter-max").inner_text()
    assert horizontal_overflow(phone) <= 0
    assert axe_violations(phone) == []
    response = phone.request.get(f"{app_server}/claims/letters/{letter.uuid}/pdf/")
    assert response.ok and response.body().startswith(b"%PDF")
