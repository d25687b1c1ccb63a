"""The household screens: list, search, enrol with dependants, detail."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mutuelle.members.models import Household, Membership, Person

pytestmark = pytest.mark.django_db


def person(i, **values):
    base = {
        "given_names": "",
        "family_name": "",
        "sex": "F",
        "relationship": "child",
        "birth_date": "",
        "birth_year": "",
        "id_document_type": "",
        "id_document_number": "",
        "phone": "",
    }
    base.update(values)
    return {f"persons-{i}-{k}": v for k, v in base.items()}


def enrol_post(world, persons, **extra):
    data = {
        "mutual": world.mutual_a.pk,
        "place": "",
        "address": "Quartier Médina",
        "phone": "77 000 11 22",
        "ability": "",
        "notes": "",
        "persons-TOTAL_FORMS": str(len(persons)),
        "persons-INITIAL_FORMS": "0",
        "persons-MIN_NUM_FORMS": "1",
        "persons-MAX_NUM_FORMS": "1000",
        **extra,
    }
    for i, p in enumerate(persons):
        data.update(person(i, **p))
    return data


FAMILY = [
    {
        "given_names": "Mamadou",
        "family_name": "Diop",
        "sex": "M",
        "relationship": "head",
        "birth_year": "1978",
        "phone": "+221 77 123 45 67",
    },
    {
        "given_names": "Aïssatou",
        "family_name": "Ndiaye",
        "relationship": "spouse",
        "birth_date": "1985-03-02",
    },
    {"given_names": "Awa", "family_name": "Diop", "relationship": "spouse", "birth_year": "1990"},
    {"given_names": "Moussa", "family_name": "Diop", "sex": "M", "birth_date": "2012-07-14"},
    {"given_names": "Fatou", "family_name": "Diop", "birth_date": "2020-01-05"},
]


def test_an_officer_enrols_a_household_of_five(client, world):
    client.force_login(world.enrolment)
    assert client.get(reverse("household_enrol")).status_code == 200
    row = client.get(reverse("household_person_row"), {"index": "3"})
    assert b'name="persons-3-given_names"' in row.content
    response = client.post(reverse("household_enrol"), enrol_post(world, FAMILY))
    assert response.status_code == 302, response.content[-3000:]
    household = Household.unscoped.get()
    assert household.persons.count() == 5 and household.head.given_names == "Mamadou"
    assert household.phone == "770001122" and household.agent == world.enrolment
    assert Membership.unscoped.filter(person__household=household, status="pending").count() == 5
    page = client.get(response.url).content.decode()
    assert "Aïssatou" in page and household.number in page
    found = client.get(reverse("household_list"), {"q": "aissatou"}).content.decode()
    assert household.number in found


def test_a_child_older_than_the_head_asks_for_confirmation(client, world):
    client.force_login(world.enrolment)
    persons = [
        {
            "given_names": "Ousmane",
            "family_name": "Ba",
            "sex": "M",
            "relationship": "head",
            "birth_year": "1995",
        },
        {
            "given_names": "Khady",
            "family_name": "Ba",
            "relationship": "child",
            "birth_year": "1990",
        },
    ]
    first = client.post(reverse("household_enrol"), enrol_post(world, persons))
    assert first.status_code == 200 and not Household.unscoped.exists()
    assert "plus âgé que le chef" in first.content.decode()
    confirmed = client.post(
        reverse("household_enrol"),
        enrol_post(world, persons, confirm="household.child_older_than_head"),
    )
    assert confirmed.status_code == 302 and Person.unscoped.count() == 2


def test_bad_rows_say_why_and_store_nothing(client, world):
    client.force_login(world.enrolment)
    persons = [{"given_names": "Awa", "family_name": "Sow", "relationship": "head"}]  # no birth
    response = client.post(reverse("household_enrol"), enrol_post(world, persons))
    assert response.status_code == 200 and not Person.unscoped.exists()
    assert "au moins l" in response.content.decode()  # "…ou au moins l'année"


def test_a_cashier_reads_the_register_but_does_not_enrol(client, world):
    client.force_login(world.cashier)
    assert client.get(reverse("household_list")).status_code == 200
    assert client.get(reverse("household_enrol")).status_code == 403


def test_add_a_person_works_without_javascript(client, world):
    client.force_login(world.enrolment)
    data = enrol_post(world, FAMILY[:1], add_person="1")
    page = client.post(reverse("household_enrol"), data)
    content = page.content.decode()
    assert page.status_code == 200 and 'name="persons-1-given_names"' in content
    assert 'value="Mamadou"' in content and "errors" not in content
    assert not Household.unscoped.exists()


def test_the_household_page_changes_statuses_and_shows_history(client, world):
    client.force_login(world.enrolment)
    today = timezone.localdate().isoformat()  # the enrolment date: statuses change from it on
    response = client.post(reverse("household_enrol"), enrol_post(world, FAMILY[:2]))
    household = Household.unscoped.get()
    head = Membership.unscoped.get(person=household.head)
    page = client.get(response.url).content.decode()
    assert "Changer le statut" in page and "Historique" in page
    client.post(
        reverse("membership_status", args=[head.uuid]),
        {"to": "active", "on": today, "reason": "paid"},
    )
    client.post(
        reverse("membership_status", args=[head.uuid]),
        {"to": "withdrawn", "on": today, "reason": "free_exit"},
    )
    head.refresh_from_db()
    assert head.status == "withdrawn"
    refused = client.post(
        reverse("membership_status", args=[head.uuid]),
        {"to": "suspended", "on": today},
        follow=True,
    )
    assert "pas permis" in refused.content.decode()
    page = client.get(response.url).content.decode()
    assert "En attente → Actif" in page and "Actif → Retiré" in page
    client.force_login(world.cashier)  # reads, does not change
    assert (
        client.post(
            reverse("membership_status", args=[head.uuid]), {"to": "pending", "on": today}
        ).status_code
        == 403
    )


def test_household_life_birth_death_and_a_new_head(client, world):
    client.force_login(world.enrolment)
    url = client.post(reverse("household_enrol"), enrol_post(world, FAMILY[:2])).url
    household = Household.unscoped.get()
    head = Membership.unscoped.get(person=household.head)
    today = date.today()
    client.post(
        reverse("membership_status", args=[head.uuid]),
        {"to": "active", "on": today.isoformat(), "reason": "paid"},
    )
    born = (today - timedelta(days=4)).isoformat()
    client.post(
        reverse("household_birth", args=[household.uuid]),
        {"given_names": "Ndèye", "family_name": "Diop", "sex": "F", "birth_date": born},
    )
    baby = Person.unscoped.get(given_names="Ndèye")
    covered = baby.memberships.get()
    assert covered.status == "active" and covered.status_since.isoformat() == born
    future = client.post(
        reverse("household_birth", args=[household.uuid]),
        {
            "given_names": "X",
            "family_name": "Diop",
            "sex": "F",
            "birth_date": "2030-01-01",
        },
        follow=True,
    )
    assert "futur" in future.content.decode()
    page = client.post(
        reverse("person_death", args=[household.head.uuid]),
        {"date_of_death": today.isoformat()},
        follow=True,
    ).content.decode()
    assert "choisissez" in page.lower()
    household.refresh_from_db()
    assert household.head is None
    assert Membership.unscoped.get(pk=head.pk).status == "deceased"
    spouse = Person.unscoped.get(given_names="Aïssatou")
    client.post(reverse("household_head", args=[household.uuid]), {"person": str(spouse.uuid)})
    household.refresh_from_db()
    assert (
        household.head == spouse
        and spouse.__class__.unscoped.get(pk=spouse.pk).relationship == "head"
    )
    assert client.get(url).status_code == 200


def test_the_register_exports_only_the_users_scope(client, world):
    from mutuelle.lib.tabular import read_table
    from mutuelle.members.actions import NewHousehold, NewPerson, enrol_household

    for mutual, name in ((world.mutual_a, "Diop"), (world.mutual_b, "Ngwa")):
        enrol_household(
            world.admin,
            mutual,
            NewHousehold(persons=[NewPerson("Awa", name, "F", "head", birth_year=1980)]),
            date.today(),
        )
    client.force_login(world.manager)
    for fmt in ("csv", "xlsx"):
        body = client.get(reverse("register_export", args=[fmt])).content
        table = read_table(body, f"r.{fmt}")
        assert table.headers[0] == "Numéro de ménage"
        assert [r[3] for r in table.rows] == ["Diop"]
    assert client.get(reverse("register_export", args=["pdf"])).status_code == 404


def test_when_the_head_withdraws_the_household_can_follow(client, world):
    client.force_login(world.enrolment)
    url = client.post(reverse("household_enrol"), enrol_post(world, FAMILY[:3])).url
    household = Household.unscoped.get()
    head = Membership.unscoped.get(person=household.head)
    today = date.today().isoformat()
    page = client.post(
        reverse("membership_status", args=[head.uuid]),
        {"to": "withdrawn", "on": today},
        follow=True,
    ).content.decode()
    assert "retiré" in page.lower() and "ménage entier" in page.lower()
    client.post(reverse("household_withdraw", args=[household.uuid]))
    statuses = set(
        Membership.unscoped.filter(person__household=household).values_list("status", flat=True)
    )
    assert statuses == {"withdrawn"}
    assert client.get(url).status_code == 200
