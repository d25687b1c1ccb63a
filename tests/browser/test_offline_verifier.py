"""The provider clerk's offline card check, on a phone, in French: download the data while
connected, lose the link, open the page again (the service worker serves it) and check a
genuine card, a tampered one, a revoked one and a suspended member's."""

from datetime import date, timedelta

import pytest
from django.db import transaction

from mutuelle.cards.actions import issue_cards, revoke_card
from mutuelle.members.actions import move_statuses
from mutuelle.members.models import Membership

from ..claims.helpers import convention
from ..contributions.helpers import household
from .conftest import axe_violations, horizontal_overflow
from .test_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def members_of(home):
    return list(Membership.unscoped.filter(person__household=home).order_by("number"))


def check(phone, payload) -> str:
    """Type the card's code as a USB scanner does (then Enter); the outcome shown."""
    phone.fill("#offline-payload", payload)
    phone.press("#offline-payload", "Enter")
    result = phone.locator("#offline-result")
    result.wait_for(state="visible")
    return result.get_attribute("data-outcome")


def tampered(payload: str) -> str:
    """The same card with another membership number (the last digit changed)."""
    prefix, number, rest = payload.split("|", 2)
    last = "1" if number[-1] != "1" else "2"
    return "|".join([prefix, number[:-1] + last, rest])


def test_a_clerk_checks_cards_offline_with_the_data_downloaded_before(
    real_hashers, world, app_server, phone
):
    convention(world)  # provider A serves mutual A
    today = date.today()
    home = household(world, family="Diop", on=today)
    head, spouse, child = members_of(home)
    with transaction.atomic():  # row locks: the jobs that call it run in their transaction
        move_statuses(world.mutual_a, [head.pk, spouse.pk], ["pending"], "active", today, "paid")
    head, spouse, child = members_of(home)
    genuine, stolen, of_child = issue_cards(world.enrolment, [head, spouse, child], on=today)
    revoke_card(world.enrolment, stolen, "stolen")
    with transaction.atomic():
        move_statuses(world.mutual_a, [child.pk], ["pending"], "suspended", today, "arrears")
    old_home = household(world, family="Fall", on=today - timedelta(days=800))
    expired = issue_cards(world.enrolment, members_of(old_home)[:1], on=today - timedelta(days=800))
    elsewhere = household(world, family="Bafut", on=today, mutual=world.mutual_b)  # not served
    of_b = issue_cards(world.manager_b, members_of(elsewhere)[:1], on=today)[0]

    log_in(phone, app_server, world.clerk.username)
    phone.goto(f"{app_server}/claims/offline/")
    assert phone.locator("html").get_attribute("lang") == "fr"
    # The service worker installs (keeping the page and its files) and takes the page over.
    phone.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller")
    assert phone.locator("#offline-data-date").inner_text()  # "no data yet"
    phone.click("#offline-refresh")
    phone.wait_for_function("document.documentElement.dataset.offlineRefreshed")
    assert phone.locator("#offline-data-message").get_attribute("data-code") == "refreshed"
    stored = phone.evaluate(
        """() => Object.keys(localStorage).filter((k) => k.startsWith('mutuelle.offline.'))"""
    )
    assert len(stored) == 2
    assert phone.locator("#offline-data-warning").is_hidden()  # fresh data
    assert "Mutuelle de Keur Massar" in phone.locator("#offline-mutuals").inner_text()
    assert horizontal_overflow(phone) <= 0
    assert axe_violations(phone) == []

    # The link goes down. The page still opens: the service worker serves its copy.
    phone.context.set_offline(True)
    phone.reload()
    assert phone.evaluate("navigator.onLine") is False
    assert phone.locator("#offline-link").is_visible()
    assert phone.locator("html").get_attribute("lang") == "fr"
    date_shown = phone.locator("#offline-data-date").inner_text()
    assert today.strftime("%Y") in date_shown

    assert check(phone, genuine.payload) == "valid"
    facts = phone.locator("#offline-result-facts").inner_text()
    assert head.number in facts and "Mutuelle de Keur Massar" in facts
    assert horizontal_overflow(phone) <= 0
    assert axe_violations(phone) == []
    assert check(phone, tampered(genuine.payload)) == "bad_signature"
    assert head.number[:-1] not in phone.locator("#offline-result").inner_text()  # not shown
    assert check(phone, genuine.payload[:-3] + "AAA") == "bad_signature"
    assert check(phone, "MUT1|garbage") == "malformed"
    assert check(phone, stolen.payload) == "revoked"
    assert check(phone, of_child.payload) == "suspended"
    assert phone.locator("#offline-result").get_attribute("class").endswith("bad")
    assert check(phone, expired[0].payload) == "expired"
    assert check(phone, of_b.payload) == "unknown_mutual"  # genuine, but not in the data
    assert horizontal_overflow(phone) <= 0

    # Offline, a refresh cannot reach the server: the card revoked meanwhile still reads as
    # the data of the morning say, and the page says the data were not refreshed.
    revoke_card(world.enrolment, genuine, "lost")
    phone.evaluate("() => { delete document.documentElement.dataset.offlineRefreshed; }")
    phone.click("#offline-refresh")
    phone.wait_for_function("document.documentElement.dataset.offlineRefreshed")
    assert phone.locator("#offline-data-date").inner_text() == date_shown
    assert phone.locator("#offline-data-message").get_attribute("data-code") == "not_refreshed"
    assert check(phone, genuine.payload) == "valid"

    # Back online, the refresh brings the revocation.
    phone.context.set_offline(False)
    phone.evaluate("() => { delete document.documentElement.dataset.offlineRefreshed; }")
    phone.click("#offline-refresh")
    phone.wait_for_function("document.documentElement.dataset.offlineRefreshed")
    assert phone.locator("#offline-data-message").get_attribute("data-code") == "refreshed"
    assert check(phone, genuine.payload) == "revoked"

    # Data older than a week: the page warns.
    phone.evaluate(
        """() => {
          const key = Object.keys(localStorage).find((k) => k.endsWith('.snapshot'));
          const data = JSON.parse(localStorage.getItem(key));
          data.at = new Date(Date.now() - 8 * 86400000).toISOString();
          localStorage.setItem(key, JSON.stringify(data));
        }"""
    )
    phone.reload()
    assert phone.locator("#offline-data-warning").is_visible()
    assert horizontal_overflow(phone) <= 0

    # The session ends: the page asks to log in again and keeps the data it has.
    phone.context.clear_cookies()
    phone.evaluate("() => { delete document.documentElement.dataset.offlineRefreshed; }")
    phone.click("#offline-refresh")
    phone.wait_for_function("document.documentElement.dataset.offlineRefreshed")
    assert phone.locator("#offline-data-message").get_attribute("data-code") == "login_needed"
    assert check(phone, genuine.payload) == "revoked"
