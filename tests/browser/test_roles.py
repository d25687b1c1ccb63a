"""One journey per role: log in (in French), see the role's home page, switch to English, and
keep the field rules: no horizontal scroll at 360 px, under 150 KB per page, no serious or
critical accessibility violation."""

import re

import pytest
from django.utils import translation
from django_otp.oath import totp

from mutuelle.core.models import User
from mutuelle.core.roles import Role

from ..conftest import PASSWORD
from .conftest import axe_violations, horizontal_overflow, page_weight

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_PAGE_BYTES = 150 * 1024


def log_in(page, url, username):
    page.goto(f"{url}/login/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page_weight(page) < MAX_PAGE_BYTES
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def pass_two_factor_setup(page):
    """The platform administrator's first login: scan (read) the key, type the code."""
    assert "/two-factor/" in page.url
    key = bytes.fromhex(page.locator("code.secret").inner_text().strip())
    page.fill("#id_token", f"{totp(key):06d}")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("role", list(Role))
def test_each_role_logs_in_and_finds_its_home(real_hashers, world, app_server, phone, role):
    user = world.persona(role)
    log_in(phone, app_server, user.username)
    if role == Role.PLATFORM_ADMIN:
        pass_two_factor_setup(phone)
    assert phone.url.rstrip("/") == app_server, phone.url
    section = phone.locator(f'section[data-role="{role}"]')
    assert section.count() == 1
    assert "Bienvenue" in phone.locator("h1").inner_text()
    assert horizontal_overflow(phone) <= 0
    assert page_weight(phone) < MAX_PAGE_BYTES
    assert axe_violations(phone) == []

    phone.click("button[name=language][value=en]")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.locator("h1").inner_text().startswith("Welcome")
    with translation.override("en"):
        assert str(Role(role).label) in section.inner_text()
    assert horizontal_overflow(phone) <= 0
    # Every link of the home page opens without error and without horizontal scroll.
    for href in phone.locator("section .tasks a").evaluate_all("els => els.map(e => e.href)"):
        response = phone.goto(href)
        assert response.status == 200, href
        assert horizontal_overflow(phone) <= 0, href
    User.objects.get(pk=user.pk)  # still there, untouched


def test_a_manager_creates_a_cashier_on_a_phone(real_hashers, world, app_server, phone):
    log_in(phone, app_server, "manager")
    phone.goto(f"{app_server}/users/new/")
    phone.fill("#id_full_name", "Ndèye Coumba Sarr")
    phone.fill("#id_username", "ndeye.sarr")
    phone.fill("#id_phone", "+221 78 555 44 33")
    phone.select_option("#id_home_organization", label=str(world.mutual_a))
    phone.click("main button[type=submit]")
    password = phone.locator("[data-testid=temporary-password]").inner_text().strip()
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
    phone.click("text=Retour")
    phone.select_option("#id_role", "cashier")
    phone.select_option("#id_scope", "organization")
    phone.select_option("#id_organization", label=str(world.mutual_a))
    phone.click("form[action$='/grant/'] button[type=submit]")
    phone.wait_for_load_state("networkidle")
    assert horizontal_overflow(phone) <= 0
    assert axe_violations(phone) == []
    created = User.objects.get(username="ndeye.sarr")
    assert created.phone == "+221785554433" and created.must_change_password
    assert created.roles() == {"cashier"}
    assert created.grants.get().organization == world.mutual_a
