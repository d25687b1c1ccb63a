"""Search: numbers, phones, names folded and swapped, ranked, capped, scoped."""

from datetime import date

import pytest

from mutuelle.members import queries
from mutuelle.members.actions import NewHousehold, NewPerson, enrol_household

pytestmark = pytest.mark.django_db


def household(world, mutual, *persons, phone=""):
    return enrol_household(
        world.admin,
        mutual,
        NewHousehold(
            persons=[NewPerson(g, f, s, r, birth_year=y) for g, f, s, r, y in persons],
            phone=phone,
            confirmed_warnings={"household.duplicate_suspect"},
        ),
        date(2026, 11, 24),
    )


def names(found):
    return [f"{p.given_names} {p.family_name}" for p in found]


def test_search_ranks_numbers_phones_and_names(world):
    h1 = household(
        world,
        world.mutual_a,
        ("Aïssatou", "N'Diaye", "F", "head", 1980),
        ("Mamadou", "Diop", "M", "spouse", 1975),
        phone="+221771234567",
    )
    household(world, world.mutual_a, ("Mamadou", "Fall", "M", "head", 1960))
    household(world, world.mutual_b, ("Aissatou", "Ndiaye", "F", "head", 1981))  # other tenant
    number = h1.head.memberships.get().number
    user = world.manager
    assert names(queries.search_persons(user, number.lower())) == ["Aïssatou N'Diaye"]
    assert "Aïssatou N'Diaye" in names(queries.search_persons(user, "77 123 45 67"))
    assert names(queries.search_persons(user, "aissatou ndiaye")) == ["Aïssatou N'Diaye"]
    assert names(queries.search_persons(user, "ndiaye aissatou")) == ["Aïssatou N'Diaye"]
    assert names(queries.search_persons(user, "mamadou")) == ["Mamadou Diop", "Mamadou Fall"]
    assert queries.search_persons(user, "") == []


def test_search_returns_at_most_twenty(world):
    for i in range(25):
        household(world, world.mutual_a, ("Moussa", f"Sow{i:02d}", "M", "head", 1970))
    assert len(queries.search_persons(world.manager, "moussa")) == 20
