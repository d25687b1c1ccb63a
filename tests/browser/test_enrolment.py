"""The enrolment officer's journey on a phone: enrol a household of five, then find it."""

import pytest

from mutuelle.members.models import Household, Membership
from mutuelle.members.rules import number_error

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

    # Found again from the list, by a name typed without its accent.
    phone.goto(f"{app_server}/households/")
    phone.fill("input[name=q]", "aissatou")
    with phone.expect_navigation():
        phone.press("input[name=q]", "Enter")
    assert household.number in phone.locator("table").inner_text()
