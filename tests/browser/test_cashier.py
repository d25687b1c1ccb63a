"""The cashier's journey on a phone, in French: collect for three households (found by
number, by scanned card, by name), print, and close the till."""

from datetime import date

import pytest

from mutuelle.cards.actions import issue_cards
from mutuelle.contributions import actions
from mutuelle.contributions.models import Due, Payment, TillClosing
from mutuelle.core import jobs

from ..contributions.helpers import household, rule_in_force
from .conftest import axe_violations, horizontal_overflow
from .test_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def find(phone, text):
    phone.fill("#find-q", text)
    with phone.expect_navigation():
        phone.press("#find-q", "Enter")


def pay(phone, amount=None, method=None, reference=None):
    if amount is not None:
        phone.fill("#id_amount", amount)
    if method:
        phone.select_option("#id_method", method)
    if reference:
        phone.fill("#id_reference", reference)
    with phone.expect_navigation():
        phone.click("form.pay button[type=submit]")
    return phone.locator("#receipt-number").inner_text().strip()


def test_a_cashier_collects_for_three_households_and_closes_the_till(
    real_hashers, world, app_server, phone
):
    rule_in_force(world, start=date(date.today().year, 1, 1))
    diop, fall, sow = (household(world, family=f, on=date.today()) for f in ("Diop", "Fall", "Sow"))
    year = str(date.today().year)
    jobs.run(actions.start_billing(world.manager, world.mutual_a, year).job.pk)
    card = issue_cards(world.enrolment, [fall.head.memberships.get()])[0]
    owed = {h.pk: Due.unscoped.get(household=h).amount for h in (diop, fall, sow)}

    log_in(phone, app_server, world.cashier.username)
    with phone.expect_navigation():
        phone.click("main a[href='/contributions/cashier/']")
    # 1. By household number: the whole due is proposed; one click records and numbers it.
    find(phone, diop.number)
    assert phone.locator("#id_amount").input_value() == str(int(owed[diop.pk]))
    assert horizontal_overflow(phone) <= 0
    assert axe_violations(phone) == []
    first = pay(phone)
    # 2. By the card's QR code, as a USB scanner types it: part of the due, in cash.
    find(phone, card.payload)
    second = pay(phone, amount="2 000")
    # 3. By name: a mobile-money payment with the operator's reference.
    find(phone, "Sow Mamadou")
    if "/cashier/?" in phone.url:  # several namesakes: pick the household
        with phone.expect_navigation():
            phone.locator("ul.results a", has_text=sow.number).click()
    third = pay(phone, amount="1500", method="mobile_money", reference="OM26.1234.X")
    assert horizontal_overflow(phone) <= 0

    payments = {p.household_id: p for p in Payment.unscoped.all()}
    assert payments[diop.pk].amount == owed[diop.pk] and str(payments[diop.pk].receipt) == first
    assert payments[fall.pk].amount == 2000 and str(payments[fall.pk].receipt) == second
    assert payments[sow.pk].method == "mobile_money" and payments[sow.pk].reference == "OM26.1234.X"
    assert str(payments[sow.pk].receipt) == third
    numbers = sorted(p.receipt.number for p in payments.values())
    assert numbers == [1, 2, 3]  # the cashier's series, without a gap

    # The till: the cash taken is expected; the count matches.
    with phone.expect_navigation():
        phone.click("a[href='/contributions/till/']")
    cash = owed[diop.pk] + 2000
    shown = phone.locator("#expected").inner_text().replace("\xa0", "").replace("\u202f", "")
    assert shown == f"{int(cash)} XOF"
    assert axe_violations(phone) == []
    phone.fill("#id_counted", str(int(cash)))
    with phone.expect_navigation():
        phone.click("main form button[type=submit]")
    closing = TillClosing.unscoped.get()
    assert closing.expected == cash and closing.counted == cash and closing.difference == 0
    assert horizontal_overflow(phone) <= 0
