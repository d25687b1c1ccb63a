"""A claims officer and a manager settle a month for a hospital, in English: the officer
prepares the month's statement and its payment order, the manager approves it and records
the payment. What is stored is checked: statuses, the maker and the checker, the entries."""

import calendar
from datetime import date, timedelta
from decimal import Decimal

import pytest

from mutuelle.accounting.models import Line
from mutuelle.claims import actions
from mutuelle.claims.models import Claim, Settlement
from mutuelle.members.models import Membership

from ..claims.helpers import claims_world
from .conftest import axe_violations, horizontal_overflow
from .test_packages import in_english
from .test_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser):
    """An office computer (claims officer, manager)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, bypass_csp=True, locale="fr-FR"
    )
    page = context.new_page()
    yield page
    context.close()


def check_page(page) -> None:
    assert horizontal_overflow(page) <= 0, page.url
    assert axe_violations(page) == [], page.url


def approved_claim(world, home, care, lines, **extra):
    claim = actions.submit_claim(
        world.clerk,
        actions.NewClaim(
            provider=world.provider_a,
            number=Membership.unscoped.get(person=home.head).number,
            care_from=care,
            lines=[actions.NewLine(*x) for x in lines],
            **extra,
        ),
    )
    actions.adjudicate(world.claims, [claim])
    return actions.approve(world.claims, claim)


def test_a_claims_officer_and_a_manager_settle_a_month_for_a_hospital(
    real_hashers, world, app_server, browser, desk
):
    home, _version = claims_world(world)
    care = date.today() - timedelta(days=2)
    first = approved_claim(world, home, care, [("CONS-MG", 1, "2000")])  # 80 %: 1,600
    second = approved_claim(
        world, home, care, [("HOSP-J", 2, "5000")], visit_type="inpatient"
    )  # 70 %: 7,000
    start = care.replace(day=1)
    end = care.replace(day=calendar.monthrange(care.year, care.month)[1])

    # The claims officer prepares the month's statement and the payment order.
    log_in(desk, app_server, world.claims.username)
    in_english(desk)
    desk.goto(f"{app_server}/claims/settlements/")
    check_page(desk)
    with desk.expect_navigation():
        desk.click("#new-statement")
    check_page(desk)
    desk.select_option("#id_provider", value=str(world.provider_a.pk))
    desk.fill("#id_start", start.isoformat())
    desk.fill("#id_end", end.isoformat())
    with desk.expect_navigation():
        desk.click("#prepare-form button[type=submit]")
    assert "8,600" in desk.locator("#net-amount").inner_text()
    assert desk.locator("table.stack tbody tr").count() == 2
    check_page(desk)
    with desk.expect_navigation():
        desk.click("#prepare-order")
    assert desk.locator("#settlement-status").inner_text() == "Payment order prepared"
    assert desk.locator("#approve-order").count() == 0  # not the maker's to approve
    settlement = Settlement.unscoped.get()
    assert (settlement.status, settlement.prepared_by_id) == ("prepared", world.claims.pk)
    pdf = desk.request.get(f"{app_server}/claims/settlements/{settlement.uuid}/statement.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    desk.context.clear_cookies()

    # The manager approves the order and records the bank transfer.
    manager = browser.new_context(
        viewport={"width": 1280, "height": 800}, bypass_csp=True, locale="fr-FR"
    ).new_page()
    log_in(manager, app_server, world.manager.username)
    in_english(manager)
    manager.goto(f"{app_server}/claims/settlements/?status=prepared")
    check_page(manager)
    with manager.expect_navigation():
        manager.locator("table a", has_text=settlement.number).click()
    check_page(manager)
    with manager.expect_navigation():
        manager.click("#approve-order")
    assert manager.locator("#settlement-status").inner_text() == "Payment order approved"
    manager.fill("#id_reference", "TRF 2026-118")
    with manager.expect_navigation():
        manager.click("#record-payment")
    assert manager.locator("#settlement-status").inner_text() == "Paid"
    assert "TRF 2026-118" in manager.locator("#trail").inner_text()
    check_page(manager)
    manager.context.close()

    settlement.refresh_from_db()
    assert (settlement.status, settlement.approved_by_id, settlement.payment_reference) == (
        "paid",
        world.manager.pk,
        "TRF 2026-118",
    )
    assert settlement.net_amount == Decimal(8600)
    assert set(
        Claim.unscoped.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    ) == {"paid"}
    paid = Line.unscoped.filter(
        entry__source_type="claims.settlement", entry__source_id=str(settlement.pk)
    )
    assert {(x.account.number, x.debit, x.credit) for x in paid.select_related("account")} == {
        ("402", Decimal(8600), Decimal(0)),
        ("521", Decimal(0), Decimal(8600)),
    }
