"""Eligibility at the point of care: typed numbers and scanned cards, covered or not and why,
who may see whom, forged / revoked / expired cards, and the log of every check."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mutuelle.cards import rules as card_rules
from mutuelle.cards.actions import issue_cards, revoke_card
from mutuelle.claims.eligibility import look_up
from mutuelle.claims.models import EligibilityCheck
from mutuelle.core.roles import Role
from mutuelle.members.models import Membership

from .helpers import active_household, covered_world

pytestmark = pytest.mark.django_db
COVERED_DAY = date(2026, 5, 4)  # past the 90 days' waiting period of the package
WAITING_DAY = date(2026, 2, 2)


def head_membership(home) -> Membership:
    return Membership.unscoped.select_related("person").get(person=home.head)


def post_check(client, user, text, day=COVERED_DAY, **extra):
    client.force_login(user)
    data = {"number": text, "care_date": day.isoformat(), **extra}
    return client.post(reverse("eligibility"), data)


def test_a_clerk_sees_a_covered_member_and_what_the_package_pays(world, client):
    home, version = covered_world(world)
    membership = head_membership(home)
    response = post_check(client, world.clerk, membership.number.lower().replace("-", " - "))
    page = response.content.decode()
    assert response.status_code == 200
    assert "COUVERT" in page and str(membership.person) in page
    assert "Paquet de base" in page and "80 %" in page and "20 %" in page
    assert re.search(r"200\W?000 / 200\W?000", page)  # nothing used of the ceiling yet
    check = EligibilityCheck.unscoped.get()
    assert (check.result, check.provider, check.checked_by) == (
        "covered",
        world.provider_a,
        world.clerk,
    )
    assert (check.membership, check.organization, check.care_date) == (
        membership,
        world.mutual_a,
        COVERED_DAY,
    )
    assert check.method == "typed"


def test_it_says_why_a_member_is_not_covered(world, client):
    home, _version = covered_world(world)
    membership = head_membership(home)
    response = post_check(client, world.clerk, membership.number, WAITING_DAY)
    page = response.content.decode()
    assert "NON COUVERT" in page and "10/04/2026" in page  # covered after 90 days
    check = EligibilityCheck.unscoped.get()
    assert (check.result, check.reason) == ("not_covered", "coverage.waiting")


def test_unknown_and_mistyped_numbers_are_told_apart(world, client):
    home, _version = covered_world(world)
    number = head_membership(home).number
    code, _, digits = number.rpartition("-")
    swapped = f"{code}-{digits[:-2]}{digits[-1]}{digits[-2]}"
    if swapped == number:  # two equal digits: change the check digit instead
        swapped = f"{code}-{digits[:-1]}{(int(digits[-1]) + 1) % 10}"
    answers = {
        text: look_up(world.clerk, text, COVERED_DAY, world.provider_a)
        for text in (swapped, "n'importe quoi", f"{code}-9999990")
    }
    assert answers[swapped].reason == "number.bad_check_digit"
    assert answers["n'importe quoi"].reason == "number.malformed"
    assert {a.result for a in answers.values()} == {"not_found"}
    page = post_check(client, world.clerk, swapped).content.decode()
    assert "INCONNU" in page and str(home.head) not in page


def test_a_provider_without_convention_learns_nothing_of_the_member(world, client):
    from mutuelle.providers.models import Convention

    home, _version = covered_world(world)
    Convention.unscoped.all().delete()
    membership = head_membership(home)
    response = post_check(client, world.clerk, membership.number)
    page = response.content.decode()
    assert "CONVENTION" in page and world.mutual_a.name in page
    assert str(membership.person) not in page and membership.number not in page.split("value=")[0]
    check = EligibilityCheck.unscoped.get()
    assert (check.result, check.membership, check.organization) == ("not_served", None, None)


def test_another_mutuals_staff_are_told_the_number_is_unknown(world, client):
    home, _version = covered_world(world)
    membership = head_membership(home)
    response = post_check(client, world.manager_b, membership.number)
    assert "INCONNU" in response.content.decode()
    assert str(membership.person) not in response.content.decode()
    own = post_check(client, world.persona(Role.CASHIER), membership.number)
    assert "COUVERT" in own.content.decode()
    assert EligibilityCheck.unscoped.filter(provider=None).count() == 2


def test_cards_forged_revoked_and_expired_are_flagged(world, client):
    home, _version = covered_world(world)
    membership = head_membership(home)
    card = issue_cards(world.admin, [membership])[0]
    genuine = look_up(world.clerk, card.payload, COVERED_DAY, world.provider_a)
    assert genuine.result == "covered" and genuine.card == card
    other = Membership.unscoped.exclude(pk=membership.pk).filter(person__household=home).first()
    tampered = card.payload.replace(membership.number, other.number)
    forged = look_up(world.clerk, tampered, COVERED_DAY, world.provider_a)
    assert (forged.result, forged.reason) == ("forged", card_rules.BAD_SIGNATURE)
    assert not forged.shows_member
    garbage = look_up(world.clerk, "MUT1|x|y", COVERED_DAY, world.provider_a)
    assert (garbage.result, garbage.reason) == ("forged", card_rules.MALFORMED)
    late = look_up(world.clerk, card.payload, card.expires_on.replace(year=2099), world.provider_a)
    assert (late.result, late.reason) == ("expired", card_rules.CARD_EXPIRED)
    revoke_card(world.admin, card, "stolen")
    revoked = look_up(world.clerk, card.payload, COVERED_DAY, world.provider_a)
    assert (revoked.result, revoked.reason) == ("revoked", card_rules.CARD_REVOKED)
    page = post_check(client, world.clerk, tampered).content.decode()
    assert "FALSIFI" in page and str(other.person) not in page
    assert EligibilityCheck.unscoped.get().result == "forged"


def test_the_photo_is_for_the_clerk_who_just_checked(world, client):
    from mutuelle.members.actions import edit_person

    from ..members.test_life_screens import jpeg_bytes

    home, _version = covered_world(world)
    edit_person(world.manager, home.head, photo=jpeg_bytes((300, 400)))
    post_check(client, world.clerk, head_membership(home).number)
    check = EligibilityCheck.unscoped.get()
    url = reverse("eligibility_photo", args=[check.uuid])
    assert client.get(url).status_code == 200
    client.force_login(world.persona(Role.CASHIER))
    assert client.get(url).status_code == 404


def test_bad_input_is_refused_with_a_message(world, client):
    covered_world(world)
    future = post_check(client, world.clerk, "MSKM-0000018", date(2099, 1, 1))
    assert "futur" in future.content.decode()
    empty = post_check(client, world.clerk, "   ")
    assert "photo" in empty.content.decode()
    assert not EligibilityCheck.unscoped.exists()
    client.force_login(world.persona(Role.ACCOUNTANT))
    assert client.get(reverse("eligibility")).status_code == 403


def test_a_check_takes_a_bounded_number_of_queries(world):
    home, _version = covered_world(world)
    active_household(world, family="Sarr")
    number = head_membership(home).number
    with CaptureQueriesContext(connection) as queries:
        answer = look_up(world.clerk, number, COVERED_DAY, world.provider_a)
    assert answer.result == "covered"
    assert len(queries) <= 20
