"""A mutual's register settings through its screen: statutes and ability-to-pay categories."""

import pytest
from django.urls import reverse

from mutuelle.core.models import AuditEvent
from mutuelle.members import actions
from mutuelle.members.models import AbilityCategory, Household, RegisterSettings
from tests.members.test_enrolment import ON, family

pytestmark = pytest.mark.django_db


def post(world, rows, **statutes):
    data = {
        "dependant_age_limit": statutes.get("age", "18"),
        "categories-TOTAL_FORMS": str(len(rows)),
        "categories-INITIAL_FORMS": "0",
        "categories-MIN_NUM_FORMS": "0",
        "categories-MAX_NUM_FORMS": "1000",
    }
    if statutes.get("whole"):
        data["whole_household"] = "on"
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"categories-{i}-{key}"] = value
    return data


CATEGORIES = [
    {"code": "indigent", "name_fr": "Indigent", "name_en": "Indigent", "is_indigent": "on"},
    {"code": "faible", "name_fr": "Revenu faible", "name_en": "Low income"},
]


def test_a_manager_sets_the_statutes_and_the_categories(client, world):
    client.force_login(world.manager)
    response = client.get(reverse("register_settings_list"))
    url = reverse("register_settings", args=[world.mutual_a.uuid])
    assert response.url == url
    client.post(url, post(world, CATEGORIES, age="18", whole=True))
    settings = RegisterSettings.unscoped.get(organization=world.mutual_a)
    assert settings.dependant_age_limit == 18 and settings.whole_household
    stored = AbilityCategory.unscoped.filter(organization=world.mutual_a).order_by("order")
    assert [(c.code, c.is_indigent) for c in stored] == [("indigent", True), ("faible", False)]
    assert AuditEvent.unscoped.filter(action="register.configured").count() == 1
    page = client.get(reverse("household_enrol")).content.decode()
    assert "all_members_listed" in page and "Revenu faible" in page


def test_a_category_in_use_is_renamed_never_deleted(client, world):
    category = AbilityCategory.unscoped.create(
        organization=world.mutual_a, code="moyen", name_fr="Moyen", name_en="Middle"
    )
    actions.enrol_household(world.enrolment, world.mutual_a, family(ability_id=category.pk), ON)
    client.force_login(world.manager)
    url = reverse("register_settings", args=[world.mutual_a.uuid])
    row = {"id": str(category.pk), "code": "moyen", "name_fr": "Moyen", "name_en": "Middle"}
    page = client.post(url, post(world, [{**row, "DELETE": "on"}]))
    assert page.status_code == 200 and "renommez" in page.content.decode().lower()
    assert AbilityCategory.unscoped.filter(pk=category.pk).exists()
    client.post(url, post(world, [{**row, "name_fr": "Revenu moyen"}]))
    category.refresh_from_db()
    assert category.name_fr == "Revenu moyen"
    assert Household.unscoped.get().ability_id == category.pk


def test_officers_and_other_tenants_cannot_change_the_settings(client, world):
    url = reverse("register_settings", args=[world.mutual_a.uuid])
    for user in (world.enrolment, world.auditor, world.cashier, world.manager_b):
        client.force_login(user)
        response = client.post(url, post(world, CATEGORIES, age="5"))
        assert response.status_code in (403, 404), user
    assert not RegisterSettings.unscoped.filter(dependant_age_limit=5).exists()
    assert not AbilityCategory.unscoped.filter(organization=world.mutual_a).exists()


def test_two_categories_with_one_code_are_refused(client, world):
    client.force_login(world.manager)
    url = reverse("register_settings", args=[world.mutual_a.uuid])
    page = client.post(url, post(world, [CATEGORIES[0], {**CATEGORIES[1], "code": "indigent"}]))
    assert page.status_code == 200
    assert not AbilityCategory.unscoped.filter(organization=world.mutual_a).exists()
