"""The enrolment officer's journey on a phone: enrol a household of five, find it again by a
misspelled name, print its cards."""

import base64

import pytest
from django.utils import timezone

from mutuelle.cards import rules as card_rules
from mutuelle.cards.models import Card
from mutuelle.members.models import Household, Membership
from mutuelle.members.rules import number_error

from ..cards.test_cards import decode_pdf
from .conftest import axe_violations, horizontal_overflow
from .test_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAMILY = [
    ("Mamadou", "Diop", "M", "head", "1978"),
    ("Aïssatou", "Ndiaye", "F", "spouse", "1985"),
    ("Awa", "Diop", "F", "spouse", "1990"),
    ("Moussa", "Diop", "M", "child", "2012"),
    ("Fatou", "Diop", "F", "child", "2020"),
]


def test_an_officer_enrols_a_household_of_five_on_a_phone(real_hashers, world, app_server, phone):
    log_in(phone, app_server, world.enrolment.username)
    phone.click("text=Enrôler un ménage")
    phone.fill("#id_phone", "77 123 45 67")
    for i, (given, family, sex, relationship, year) in enumerate(FAMILY):
        if i:
            phone.click("#add-person")
            phone.wait_for_selector(f"#id_persons-{i}-given_names")
        phone.fill(f"#id_persons-{i}-given_names", given)
        phone.fill(f"#id_persons-{i}-family_name", family)
        phone.select_option(f"#id_persons-{i}-sex", sex)
        phone.select_option(f"#id_persons-{i}-relationship", relationship)
        phone.fill(f"#id_persons-{i}-birth_year", year)
    assert horizontal_overflow(phone) <= 0
    assert axe_violations(phone) == []
    with phone.expect_navigation():
        phone.locator("#enrol > button[type=submit]:not(#add-person)").click()
    assert "enrôlé" in phone.locator(".flash").inner_text()
    household = Household.unscoped.get()
    assert household.phone == "771234567" and household.agent_id == world.enrolment.pk
    memberships = Membership.unscoped.filter(person__household=household)
    assert memberships.count() == 5
    assert all(number_error(m.number, {"MA"}) is None for m in memberships)
    assert horizontal_overflow(phone) <= 0

    # Found again from the list, by a name typed without its accent...
    phone.goto(f"{app_server}/households/")
    phone.fill("input[name=q]", "aissatou")
    with phone.expect_navigation():
        phone.press("input[name=q]", "Enter")
    assert household.number in phone.locator("table").inner_text()
    # ... and by a misspelled one, family name first.
    phone.fill("input[name=q]", "Diop Mamadu")
    with phone.expect_navigation():
        phone.press("input[name=q]", "Enter")
    with phone.expect_navigation():
        phone.locator(".found a", has_text="Mamadou Diop").first.click()
    assert household.number in phone.locator("h1").inner_text()

    # The cards: printed from the household page; the PDF holds five valid, signed QR codes.
    print_form = phone.locator("form[action$='/print/']")
    print_form.evaluate("form => form.removeAttribute('target')")  # open in this tab
    printed: list[bytes] = []

    def keep_the_pdf(route):  # the browser shows the PDF in its viewer: keep the bytes too
        response = route.fetch()
        printed.append(response.body())
        route.fulfill(response=response)

    phone.route("**/print/", keep_the_pdf)
    with phone.expect_response(lambda r: r.url.endswith("/print/")) as answer:
        print_form.locator("button[value=cr80]").click()
    assert answer.value.headers["content-type"] == "application/pdf"
    pdf = printed[0]
    codes = [code for page in decode_pdf(pdf) for code in page]
    keys = published_keys(phone, app_server)
    results = [card_rules.verify(code, keys, today=timezone.localdate()) for code in codes]
    assert len(codes) == 5 and all(r.ok for r in results), [r.reasons for r in results]
    assert {r.claims.number for r in results} == {m.number for m in memberships}
    assert Card.unscoped.filter(status="issued").count() == 5


def published_keys(page, server: str) -> dict[str, bytes]:
    """The public keys as a provider's device fetches them, with the officer's session."""
    body = page.context.request.get(f"{server}/cards/keys.json").json()
    return {
        k["key_id"]: base64.urlsafe_b64decode(k["public_key"] + "=" * (-len(k["public_key"]) % 4))
        for k in body["keys"]
    }
