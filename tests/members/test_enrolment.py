"""Enrolment and status changes on the database (SQLite and PostgreSQL)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mutuelle.core.models import AuditEvent
from mutuelle.members import actions, rules
from mutuelle.members.actions import NewHousehold, NewPerson
from mutuelle.members.models import Household, Membership, Person, StatusEvent

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 24)


def family(**changes) -> NewHousehold:
    persons = [
        NewPerson("Mamadou", "Diop", "M", "head", birth_year=1978, phone="+221770001122"),
        NewPerson("Aïssatou", "Ndiaye", "F", "spouse", birth_date=date(1985, 3, 2)),
        NewPerson("Awa", "Diop", "F", "spouse", birth_year=1990),  # a second spouse
        NewPerson("Moussa", "Diop", "M", "child", birth_date=date(2012, 7, 14)),
        NewPerson("Fatou", "Diop", "F", "child", birth_date=date(2020, 1, 5)),
    ]
    return NewHousehold(persons=changes.pop("persons", persons), **changes)


def test_a_household_of_five_gets_numbers_memberships_and_history(world):
    household = actions.enrol_household(world.enrolment, world.mutual_a, family(), ON)
    persons = Person.unscoped.filter(household=household)
    assert persons.count() == 5 and household.head.given_names == "Mamadou"
    numbers = list(
        Membership.unscoped.filter(person__household=household).values_list("number", flat=True)
    )
    assert len(set(numbers)) == 5
    assert all(rules.number_error(n, {"MA"}) is None for n in numbers)
    assert household.number.startswith("MA-H")
    assert set(Membership.unscoped.values_list("status", "waiting_from")) == {("pending", ON)}
    assert StatusEvent.unscoped.filter(membership__person__household=household).count() == 5
    assert AuditEvent.unscoped.filter(action="household.enrolled").count() == 1
    assert Person.unscoped.get(given_names="Aïssatou").name_normalized == "aissatou ndiaye"


def test_numbers_never_repeat_across_enrolments(world):
    first = actions.enrol_household(world.enrolment, world.mutual_a, family(), ON)
    again = family(confirmed_warnings={"household.duplicate_suspect"})  # the same people twice
    second = actions.enrol_household(world.enrolment, world.mutual_a, again, ON)
    assert first.number != second.number
    assert Membership.unscoped.values("number").distinct().count() == 10


def test_bad_input_changes_nothing(world):
    future = family(persons=[NewPerson("Awa", "Sow", "F", "head", birth_date=date(2030, 1, 1))])
    with pytest.raises(ValidationError):
        actions.enrol_household(world.enrolment, world.mutual_a, future, ON)
    headless = family(persons=[NewPerson("Awa", "Sow", "F", "child", birth_year=2010)])
    with pytest.raises(ValidationError):
        actions.enrol_household(world.enrolment, world.mutual_a, headless, ON)
    assert not Household.unscoped.exists() and not Person.unscoped.exists()


def test_a_child_older_than_the_head_needs_confirmation(world):
    persons = [
        NewPerson("Ousmane", "Ba", "M", "head", birth_year=1995),
        NewPerson("Khady", "Ba", "F", "child", birth_year=1990),
    ]
    with pytest.raises(ValidationError) as exc:
        actions.enrol_household(world.enrolment, world.mutual_a, family(persons=persons), ON)
    assert "persons.1" in exc.value.message_dict
    confirmed = family(persons=persons, confirmed_warnings={"household.child_older_than_head"})
    assert actions.enrol_household(world.enrolment, world.mutual_a, confirmed, ON)


def test_only_the_mutuals_own_staff_enrol(world):
    with pytest.raises(PermissionDenied):
        actions.enrol_household(world.enrolment, world.mutual_b, family(), ON)
    with pytest.raises(PermissionDenied):
        actions.enrol_household(world.cashier, world.mutual_a, family(), ON)


def test_status_changes_are_checked_and_recorded(world):
    household = actions.enrol_household(world.enrolment, world.mutual_a, family(), ON)
    m = Membership.unscoped.filter(person=household.head).get()
    m = actions.change_status(world.enrolment, m, "active", ON)
    m = actions.change_status(world.enrolment, m, "withdrawn", date(2026, 12, 1), "free_exit")
    with pytest.raises(ValidationError):
        actions.change_status(world.enrolment, m, "active", date(2026, 12, 2))
    history = list(m.events.values_list("from_status", "to_status"))
    assert history == [("", "pending"), ("pending", "active"), ("active", "withdrawn")]
