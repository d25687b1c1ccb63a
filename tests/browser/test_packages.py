"""The manager's package journey, in English on a phone: make a new version of the package in
force, add a coverage line, adopt it, and preview what the mutual pays for an act.

Each step is a function taking the page, so that later journeys (a subsidy programme...) reuse
them and add their own steps."""

from datetime import date
from decimal import Decimal

import pytest

from mutuelle.benefits.models import Act, CoverageLine, PackageVersion

from ..benefits.helpers import adopted_package
from .conftest import axe_violations, horizontal_overflow
from .test_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_START = date(2027, 1, 1)


def check_page(page) -> None:
    """The field rules on every screen of the journey: no horizontal scroll, no serious or
    critical accessibility violation."""
    assert horizontal_overflow(page) <= 0, page.url
    assert axe_violations(page) == [], page.url


def in_english(page) -> None:
    page.click("button[name=language][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"


def open_package(page, server: str, code: str) -> None:
    page.goto(f"{server}/benefits/")
    check_page(page)
    with page.expect_navigation():
        page.locator("table a", has_text=code).first.click()
    check_page(page)


def new_version_from_the_one_in_force(page) -> None:
    with page.expect_navigation():
        page.locator("table a", has_text="Version 1").click()
    assert "never changed" in page.locator("main").inner_text()
    with page.expect_navigation():
        page.click("#new-version")
    assert "Version 2" in page.locator("h1").inner_text()
    check_page(page)


def add_line(page, act_code: str, rate: str, levels: list[str]) -> None:
    with page.expect_navigation():
        page.click("#add-line")
    check_page(page)
    page.select_option("#id_kind", "care")
    act = page.locator("#id_act option", has_text=act_code).first.get_attribute("value")
    page.select_option("#id_act", act)
    page.fill("#id_rate", rate)
    for level in levels:
        page.check(f"input[name=care_levels][value={level}]")
    page.check("#id_authorization_required")
    with page.expect_navigation():
        page.click("#line button[type=submit]")
    assert "Coverage line added" in page.locator(".flash").first.inner_text()


def adopt(page, start: date) -> None:
    page.fill("#id_effective_from", start.isoformat())
    with page.expect_navigation():
        page.click("#adopt button[type=submit]")
    assert "is adopted" in page.locator(".flash").first.inner_text()
    check_page(page)


def preview(page, act_code: str, tariff: str, **beneficiary) -> str:
    with page.expect_navigation():
        page.click("text=Preview coverage of an act")
    act = page.locator("#id_act option", has_text=act_code).first.get_attribute("value")
    page.select_option("#id_act", act)
    page.fill("#id_tariff", tariff)
    page.select_option("#id_relationship", beneficiary.get("relationship", "head"))
    page.select_option("#id_sex", beneficiary.get("sex", "F"))
    page.fill("#id_age", str(beneficiary.get("age", 30)))
    page.fill("#id_days_since_enrolment", str(beneficiary.get("days", 365)))
    if level := beneficiary.get("care_level"):
        page.select_option("#id_care_level", level)
    if beneficiary.get("authorization"):
        page.check("#id_authorization")
    with page.expect_navigation():
        page.click("#preview button[type=submit]")
    check_page(page)
    return page.locator("#assessment").inner_text()


def test_a_manager_makes_adopts_and_previews_a_package_version(
    real_hashers, world, app_server, phone
):
    package, v1 = adopted_package(world)
    log_in(phone, app_server, world.manager.username)
    in_english(phone)
    open_package(phone, app_server, package.code)
    new_version_from_the_one_in_force(phone)
    add_line(phone, "RX-THX", "75", ["district", "regional"])
    adopt(phone, NEW_START)
    said = preview(phone, "RX-THX", "12000", care_level="district", authorization=True, days=400)
    assert "The mutual pays 9,000 XOF" in said and "The member pays 3,000 XOF" in said
    assert "75% of the tariff" in said

    # What was stored: version 2 adopted with the copied lines and the new one; version 1
    # closed the day before.
    v1.refresh_from_db()
    v2 = PackageVersion.unscoped.get(package=package, number=2)
    assert (v2.status, v2.effective_from, v2.based_on_id) == ("adopted", NEW_START, v1.pk)
    assert v2.adopted_by_id == world.manager.pk
    assert v1.effective_to == date(2026, 12, 31)
    line = CoverageLine.unscoped.get(version=v2, act=Act.unscoped.get(code="RX-THX"))
    assert line.rate == Decimal(75) and line.care_levels == "district,regional"
    assert line.authorization_required and line.amount is None
    assert v2.lines.count() == v1.lines.count() + 1


def create_payer(page, server: str, name: str, kind: str) -> None:
    page.goto(f"{server}/contributions/subsidies/")
    check_page(page)
    with page.expect_navigation():
        page.click("a[href$='/subsidies/payers/new/']")
    page.fill("#id_name", name)
    page.select_option("#id_kind", kind)
    page.fill("#id_contact", "Agence CMU, Thiès")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "Payer saved" in page.locator(".flash").first.inner_text()
    check_page(page)


def create_programme(page, code: str, name: str, start: date, category: str) -> None:
    with page.expect_navigation():
        page.click("a[href$='/programmes/new/']")
    check_page(page)
    page.fill("#id_code", code)
    page.fill("#id_name", name)
    page.fill("#id_start", start.isoformat())
    page.fill("#id_budget", "2 000 000")
    page.check("#id_is_permanent")
    page.select_option("#id_mode", "all")
    page.select_option("#id_eligibility", "category")
    page.check(f"input[name=categories][value={category}]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "Programme saved" in page.locator(".flash").first.inner_text()
    check_page(page)


def test_a_manager_creates_a_subsidy_programme_in_english(real_hashers, world, app_server, phone):
    from mutuelle.contributions.models import SubsidyProgramme, ThirdPartyPayer
    from mutuelle.members.models import AbilityCategory

    AbilityCategory.unscoped.create(
        organization=world.mutual_a, code="indigent", name_fr="Indigent", name_en="Indigent",
        is_indigent=True,
    )  # fmt: skip
    log_in(phone, app_server, world.manager.username)
    in_english(phone)
    create_payer(phone, app_server, "State — Universal health coverage agency", "state")
    create_programme(
        phone, "cmu-indigents", "Indigents paid by the State", date(2027, 1, 1), "indigent"
    )
    payer = ThirdPartyPayer.unscoped.get()
    assert (payer.kind, payer.organization_id) == ("state", world.mutual_a.pk)
    programme = SubsidyProgramme.unscoped.get(payer=payer)
    assert (programme.code, programme.mode, programme.eligibility) == (
        "CMU-INDIGENTS",
        "all",
        "category",
    )
    assert programme.budget == Decimal(2_000_000) and programme.is_permanent
    assert programme.start == date(2027, 1, 1) and programme.organization_id == world.mutual_a.pk
