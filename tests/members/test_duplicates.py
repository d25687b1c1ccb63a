"""Duplicate suspects at enrolment: within the mutual, across the union, confirmable."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from mutuelle.members.actions import NewHousehold, NewPerson, enrol_household
from mutuelle.members.models import Person, PersonKey

from ..conftest import make_org

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 24)


def enrol(world, mutual, *persons, confirm=()):
    return enrol_household(
        world.admin,
        mutual,
        NewHousehold(
            persons=[NewPerson(g, f, s, r, birth_year=y) for g, f, s, r, y in persons],
            confirmed_warnings=set(confirm),
        ),
        ON,
    )


def test_a_person_enrolled_twice_is_flagged_with_the_first_household(world):
    first = enrol(world, world.mutual_a, ("Mouhamadou", "Diop", "M", "head", 1978))
    assert PersonKey.unscoped.filter(person=first.head).exists()
    with pytest.raises(ValidationError) as exc:
        enrol(world, world.mutual_a, ("Mamadou", "Diop", "M", "head", 1979))
    message = " ".join(exc.value.message_dict["persons.0"])
    assert first.number in message
    # The officer checked: not the same person. The enrolment goes through.
    enrol(
        world,
        world.mutual_a,
        ("Mamadou", "Diop", "M", "head", 1979),
        confirm=["household.duplicate_suspect"],
    )
    assert Person.unscoped.filter(family_name="Diop").count() == 2


def test_near_misses_are_not_flagged(world):
    enrol(world, world.mutual_a, ("Awa", "Diop", "F", "head", 1978))
    enrol(world, world.mutual_a, ("Adama", "Diop", "M", "head", 1978))  # sibling, other sex
    enrol(world, world.mutual_a, ("Awa", "Diop", "F", "head", 1998))  # 20 years apart


def test_across_the_union_only_the_other_mutual_is_named(world):
    sibling = make_org("mutual", "MA3", world.union_a, name="Mutuelle de Pout")
    sibling.phone = "+221 33 951 00 00"
    sibling.save(update_fields=["phone"])
    enrol(world, sibling, ("Aïssatou", "N'Diaye", "F", "head", 1985))
    with pytest.raises(ValidationError) as exc:
        enrol(world, world.mutual_a, ("Aissatou", "Ndiaye", "F", "head", 1985))
    message = " ".join(exc.value.message_dict["persons.0"])
    assert "Mutuelle de Pout" in message and "+221 33 951 00 00" in message
    assert "MA3-" not in message  # no number, no household of the other mutual
    # A mutual of another union is not searched.
    enrol(world, world.mutual_b, ("Aissatou", "Ndiaye", "F", "head", 1985))
