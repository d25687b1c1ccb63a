"""Deterministic register data: the demo's households and benchmark-scale registers.

Set-based: everything is built in memory, numbers are reserved in one call, rows are written
with bulk_create in batches, and the status history is written alongside (bulk writes bypass
model history, so the event rows are ours to write)."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from mutuelle.core.models import Organization, Place
from mutuelle.lib.names import normalize

from . import rules
from .actions import allocate_serials
from .models import AbilityCategory, Household, Membership, Person, StatusEvent

FAMILY = {
    "SN": [
        "Diop",
        "Ndiaye",
        "Fall",
        "Sow",
        "Ba",
        "Sy",
        "Diallo",
        "Faye",
        "Gueye",
        "Sarr",
        "Mbaye",
        "Cissé",
        "Thiam",
        "Ndour",
        "Seck",
        "Niang",
        "Kane",
        "Diouf",
        "Wade",
        "Sall",
    ],
    "ML": [
        "Traoré",
        "Keïta",
        "Coulibaly",
        "Diarra",
        "Konaté",
        "Touré",
        "Sidibé",
        "Diallo",
        "Sangaré",
        "Doumbia",
        "Camara",
        "Cissé",
        "Maïga",
        "Dembélé",
        "Kanté",
    ],
    "CM": [
        "Ngwa",
        "Tchoua",
        "Mbah",
        "Fon",
        "Nkwenti",
        "Achu",
        "Neba",
        "Tanyi",
        "Awah",
        "Ndifor",
        "Che",
        "Fru",
        "Ngu",
        "Mbuh",
        "Tebo",
    ],
}
GIVEN_F = {
    "SN": [
        "Aminata",
        "Fatou",
        "Khady",
        "Awa",
        "Aïssatou",
        "Mariama",
        "Ndèye",
        "Coumba",
        "Rokhaya",
        "Astou",
        "Sokhna",
        "Adama",
        "Bineta",
        "Maïmouna",
        "Dieynaba",
    ],
    "ML": [
        "Aminata",
        "Fatoumata",
        "Mariam",
        "Kadiatou",
        "Oumou",
        "Assitan",
        "Djeneba",
        "Hawa",
        "Rokia",
        "Salimata",
        "Awa",
        "Bintou",
    ],
    "CM": [
        "Grace",
        "Mary",
        "Comfort",
        "Blessing",
        "Esther",
        "Brenda",
        "Judith",
        "Mercy",
        "Patience",
        "Ruth",
        "Delphine",
        "Odette",
    ],
}
GIVEN_M = {
    "SN": [
        "Mamadou",
        "Moussa",
        "Ousmane",
        "Ibrahima",
        "Cheikh",
        "Abdoulaye",
        "Modou",
        "Babacar",
        "Lamine",
        "Aliou",
        "Pape",
        "Serigne",
        "Omar",
        "Saliou",
        "Malick",
    ],
    "ML": [
        "Moussa",
        "Seydou",
        "Bakary",
        "Adama",
        "Boubacar",
        "Drissa",
        "Souleymane",
        "Mamadou",
        "Lassana",
        "Modibo",
        "Oumar",
        "Yacouba",
    ],
    "CM": [
        "Emmanuel",
        "Peter",
        "John",
        "Samuel",
        "Divine",
        "Clovis",
        "Eric",
        "Martin",
        "Paul",
        "Joseph",
        "Valentine",
        "Felix",
    ],
}


@dataclass
class Generated:
    households: int
    persons: int


def generate_households(
    mutual: Organization,
    count: int,
    *,
    seed: int = 1,
    on: date | None = None,
    places: list[Place] | None = None,
    batch: int = 2000,
) -> Generated:
    """Create `count` households (about five persons each) in `mutual`, the same every time
    for the same seed: heads, one or two spouses (some polygamous households), children,
    sometimes a parent; a few withdrawn or deceased members."""
    rng = random.Random(f"{mutual.code}:{seed}")  # noqa: S311  (reproducible data)
    on = on or date(2026, 1, 15)
    country = mutual.country if mutual.country in FAMILY else "SN"
    categories = list(AbilityCategory.unscoped.filter(organization=mutual))
    plans = [_plan(rng, country, on) for _ in range(count)]
    serials = iter(allocate_serials(mutual, count + sum(len(p) for p in plans)))
    households, persons, memberships, events = [], [], [], []
    for plan in plans:
        enrolled = on - timedelta(days=rng.randrange(0, 900))
        household = Household(
            organization=mutual,
            number=rules.format_household_number(mutual.code, next(serials)),
            place=rng.choice(places) if places else None,
            phone=f"+221{rng.randrange(700000000, 789999999)}" if country == "SN" else "",
            ability=rng.choice(categories) if categories else None,
        )
        households.append(household)
        for given, family, sex, relationship, year in plan:
            person = Person(
                organization=mutual,
                household=household,
                given_names=given,
                family_name=family,
                sex=sex,
                relationship=relationship,
                birth_year=year,
                name_normalized=normalize(f"{given} {family}"),
            )
            status = rules.ACTIVE
            roll = rng.random()
            if roll < 0.03:
                status = rules.WITHDRAWN
            elif roll < 0.045:
                status = rules.DECEASED
                person.date_of_death = on - timedelta(days=rng.randrange(1, 200))
            persons.append(person)
            memberships.append(
                Membership(
                    organization=mutual,
                    person=person,
                    number=rules.format_number(mutual.code, next(serials)),
                    enrolled_on=enrolled,
                    waiting_from=enrolled,
                    status=status,
                    status_since=enrolled if status == rules.ACTIVE else on,
                )
            )
    for start in range(0, len(households), batch):
        Household.unscoped.bulk_create(households[start : start + batch])
    for p in persons:
        assert p.household is not None
        p.household_id = p.household.pk
    for start in range(0, len(persons), batch):
        Person.unscoped.bulk_create(persons[start : start + batch])
    heads = {}
    for p in persons:
        if p.relationship == "head":
            heads[p.household_id] = p
    for h in households:
        h.head = heads.get(h.pk)
    Household.unscoped.bulk_update(households, ["head"], batch_size=batch)
    for m in memberships:
        m.person_id = m.person.pk
    for start in range(0, len(memberships), batch):
        Membership.unscoped.bulk_create(memberships[start : start + batch])
    for m in memberships:
        events.append(
            StatusEvent(membership=m, to_status=rules.PENDING, on=m.enrolled_on, reason="enrolment")
        )
        events.append(
            StatusEvent(
                membership=m,
                from_status=rules.PENDING,
                to_status=rules.ACTIVE,
                on=m.enrolled_on,
                reason="paid",
            )
        )
        if m.status != rules.ACTIVE:
            events.append(
                StatusEvent(
                    membership=m,
                    from_status=rules.ACTIVE,
                    to_status=m.status,
                    on=m.status_since,
                    reason="generated",
                )
            )
    for start in range(0, len(events), batch):
        StatusEvent.unscoped.bulk_create(events[start : start + batch])
    return Generated(len(households), len(persons))


def _plan(rng: random.Random, country: str, on: date) -> list[tuple]:
    family = rng.choice(FAMILY[country])
    head_sex = "M" if rng.random() < 0.8 else "F"
    head_year = on.year - rng.randrange(25, 70)
    given = GIVEN_M if head_sex == "M" else GIVEN_F
    plan = [(rng.choice(given[country]), family, head_sex, "head", head_year)]
    if head_sex == "M":
        spouses = 2 if rng.random() < 0.15 else (1 if rng.random() < 0.85 else 0)
        for _ in range(spouses):
            plan.append(
                (
                    rng.choice(GIVEN_F[country]),
                    rng.choice(FAMILY[country]),
                    "F",
                    "spouse",
                    head_year + rng.randrange(2, 15),
                )
            )
    for _ in range(rng.choice([0, 1, 2, 3, 3, 4, 5, 6])):
        sex = rng.choice("FM")
        pool = GIVEN_F if sex == "F" else GIVEN_M
        year = min(on.year, head_year + rng.randrange(18, 45))
        plan.append((rng.choice(pool[country]), family, sex, "child", year))
    if rng.random() < 0.1:
        plan.append(
            (rng.choice(GIVEN_F[country]), family, "F", "parent", head_year - rng.randrange(18, 30))
        )
    return plan
