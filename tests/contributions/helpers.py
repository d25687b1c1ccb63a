"""Shared set-up of the contributions tests: a mutual with its chart, a rule in force, and
households enrolled in it."""

from datetime import date

from mutuelle.accounting import actions as ledger
from mutuelle.contributions import actions
from mutuelle.members import actions as members
from mutuelle.members.actions import NewHousehold, NewPerson

ON = date(2026, 1, 10)
PER_PERSON = {
    "basis": "person",
    "periodicity_kind": "year",
    "currency": "XOF",
    "amount": "6000",
    "child_amount": "3000",
    "child_age": 18,
    "entry_fee": "1000",
}


def household(world, family="Diop", on=ON, mutual=None):
    persons = [
        NewPerson("Mamadou", family, "M", "head", birth_year=1978),
        NewPerson("Aïssatou", "Ndiaye", "F", "spouse", birth_date=date(1985, 3, 2)),
        NewPerson("Moussa", family, "M", "child", birth_date=date(2012, 7, 14)),
    ]
    return members.enrol_household(
        world.enrolment if mutual is None else world.manager_b,
        mutual or world.mutual_a,
        NewHousehold(persons=persons, confirmed_warnings={"household.duplicate_suspect"}),
        on,
    )


def rule_in_force(world, config=None, start=date(2026, 1, 1), mutual=None):
    mutual = mutual or world.mutual_a
    ledger.install_chart(mutual)
    manager = world.manager if mutual == world.mutual_a else world.manager_b
    version = actions.save_draft(manager, mutual, "Cotisation 2026", dict(config or PER_PERSON))
    return actions.adopt(manager, version, start)
