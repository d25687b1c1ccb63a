"""Deterministic register data: the demo's households and benchmark-scale registers, written
set-based by bulk.bulk_enrol."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from mutuelle.core.models import Organization, Place

from . import rules
from .bulk import HouseholdRow, PersonRow, bulk_enrol
from .models import AbilityCategory

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

# More names, so that a generated register has the variety of a real one: with a few dozen
# names, nearly everyone in a register of 100,000 households would be someone's homonym.
_MORE_FAMILY = {
    "SN": "Camara Touré Badji Diédhiou Sané Mané Tall Dieng Ly Ka Niasse Lô Samb Pouye Diagne "
    "Mbodj Sène Tine Ndao Cissokho Dramé Sakho Kébé Diatta Goudiaby Dia Wane Baldé Konté",
    "ML": "Sissoko Koné Dembélé Diakité Bagayoko Fofana Kouyaté Samaké Tounkara Sylla Ballo "
    "Dicko Guindo Togo Berthé",
    "CM": "Tabi Nfor Ngum Che Awah Nji Tanyi Ebai Fru Atanga Ndi Mbuh Asong Neba Tita",
}
_MORE_GIVEN_F = {
    "SN": "Mame Diarra Seynabou Ndeye Fatou Yacine Oumou Penda Marième Nafissatou Khadija Sira "
    "Dior Arame Ngoné Fanta Ramatoulaye Anta Thioro Sophie Mbayang Fatimata Yaye Salimata",
    "ML": "Kadiatou Hawa Oumou Djeneba Assitan Nana Salimata Bintou Korotoumou Mariam Rokia "
    "Fatoumata Aminata Kadidia",
    "CM": "Florence Gladys Vivian Doris Eunice Lydia Joy Clarisse Sandrine Pélagie Nadège "
    "Béatrice Prudence Carine",
}
_MORE_GIVEN_M = {
    "SN": "Abdou Alioune Amadou Assane Bamba Demba Djibril Elhadji Fallou Idrissa Ismaïla "
    "Khadim Mansour Matar Mor Ngagne Samba Souleymane Talla Youssou Boubacar Daouda Massamba",
    "ML": "Adama Bakary Drissa Seydou Souleymane Lassina Yacouba Sekou Mahamadou Boubacar "
    "Oumar Siaka Tiémoko Amadou",
    "CM": "Emmanuel Samuel Peter Joseph Paul Eric Collins Divine Clovis Herman Ernest Blaise "
    "Fidelis Valentine",
}
for _country, _names in _MORE_FAMILY.items():
    FAMILY[_country].extend(_names.split())
for _country, _names in _MORE_GIVEN_F.items():
    GIVEN_F[_country].extend(n for n in _names.split() if n not in GIVEN_F[_country])
for _country, _names in _MORE_GIVEN_M.items():
    GIVEN_M[_country].extend(n for n in _names.split() if n not in GIVEN_M[_country])


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
    rows = []
    for plan in plans:
        enrolled = on - timedelta(days=rng.randrange(0, 900))
        persons = []
        for given, family, sex, relationship, year in plan:
            roll = rng.random()
            status, since, died = rules.ACTIVE, enrolled, None
            if roll < 0.03:
                status, since = rules.WITHDRAWN, on
            elif roll < 0.045:
                died = on - timedelta(days=rng.randrange(1, 200))
                status, since = rules.DECEASED, max(died, enrolled)
            persons.append(
                PersonRow(
                    given,
                    family,
                    sex,
                    relationship,
                    birth_year=year,
                    date_of_death=died,
                    status=status,
                    status_since=since,
                )
            )
        rows.append(
            HouseholdRow(
                persons=persons,
                enrolled_on=enrolled,
                place_id=rng.choice(places).pk if places else None,
                phone=f"+221{rng.randrange(700000000, 789999999)}" if country == "SN" else "",
                ability_id=rng.choice(categories).pk if categories else None,
            )
        )
    written = bulk_enrol(mutual, rows, batch=batch)
    return Generated(len(rows), written)


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
    used = {plan[0][0]}
    for _ in range(rng.choice([0, 1, 2, 3, 3, 4, 5, 6])):
        sex = rng.choice("FM")
        pool = GIVEN_F if sex == "F" else GIVEN_M
        year = min(on.year, head_year + rng.randrange(18, 45))
        name = rng.choice(pool[country])
        while name in used:  # brothers and sisters do not share a given name
            name = rng.choice(pool[country])
        used.add(name)
        plan.append((name, family, sex, "child", year))
    if rng.random() < 0.1:
        plan.append(
            (rng.choice(GIVEN_F[country]), family, "F", "parent", head_year - rng.randrange(18, 30))
        )
    return plan


# --- A register as the field brings it (a spreadsheet), for import tests and benchmarks -----

REGISTER_HEADERS = [
    "Référence du ménage",
    "Prénoms",
    "Nom de famille",
    "Sexe (F/M)",
    "Lien avec le chef de ménage",
    "Date de naissance",
    "Année de naissance",
    "Numéro de la pièce d'identité",
    "Téléphone",
    "Code du village",
]
_RELATIONSHIP_FR = {"head": "chef", "spouse": "épouse", "child": "enfant", "parent": "mère"}


def register_rows(
    count: int,
    *,
    seed: int = 1,
    country: str = "SN",
    prefix: str = "HH",
    villages: list[str] | None = None,
    on: date | None = None,
):
    """Rows (lists of text, REGISTER_HEADERS order) of `count` households, the same every time
    for the same seed; streamed, so that a benchmark-size file is never held as rows. Some
    persons carry two given names, a full date of birth, an identity document number."""
    rng = random.Random(f"register:{country}:{seed}")  # noqa: S311  (reproducible data)
    on = on or date(2026, 1, 15)
    for n in range(1, count + 1):
        ref = f"{prefix}-{n:06d}"
        village = rng.choice(villages) if villages else ""
        for given, family, sex, relationship, year in _plan(rng, country, on):
            if rng.random() < 0.3:
                pool = GIVEN_F if sex == "F" else GIVEN_M
                second = rng.choice(pool[country])
                if second != given:
                    given = f"{given} {second}"
            birth_date = birth_year = ""
            if rng.random() < 0.4 and year < on.year:
                birth_date = f"{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}/{year}"
            else:
                birth_year = str(year)
            document = ""
            if on.year - year >= 18 and rng.random() < 0.25:
                document = f"{rng.randrange(1, 3)}{rng.randrange(10**11, 10**12)}"
            phone = ""
            if relationship == "head" and rng.random() < 0.7:
                phone = (
                    f"77 {rng.randrange(100, 999)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}"
                )
            yield [
                ref,
                given,
                family,
                sex,
                _RELATIONSHIP_FR[relationship],
                birth_date,
                birth_year,
                document,
                phone,
                village,
            ]
