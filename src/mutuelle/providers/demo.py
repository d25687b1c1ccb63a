"""The demo's providers and conventions: profiles of the three demo providers, the union of
Thiès's convention with its regional hospital (fee for service), Keur Massar's convention with
the Thiès health centre (flat rates, an in-area tariff, a price for its complementary
package), and Bafut's capitation convention in Cameroon with attached beneficiaries.

Called by `mutuelle.core.demo.network.load()` right after the benefits demo."""

from datetime import date
from decimal import Decimal

from mutuelle.benefits.models import Act, Package
from mutuelle.core.models import Organization, Place

from . import actions
from .actions import ConventionData

D = Decimal

# Prices of a district/regional hospital in Senegal (XOF), negotiated for the union.
HOSPITAL_PRICES = {
    "CONS-MG": 3000,
    "CONS-SPE": 5000,
    "CONS-URG": 5000,
    "CPN": 1000,
    "ECHO-OBS": 10000,
    "ACC-NORM": 15000,
    "ACC-CES": 85000,
    "CPON": 1000,
    "HOSP-J": 5000,
    "MISE-OBS": 3000,
    "CHIR-MIN": 10000,
    "CHIR-APP": 125000,
    "CHIR-HER": 100000,
    "TDR-PALU": 500,
    "GE": 1500,
    "NFS": 3000,
    "GLY": 1500,
    "EXA-URI": 2000,
    "TEST-GROS": 1500,
    "WIDAL": 3000,
    "RX-THX": 10000,
    "RX-MEM": 8000,
    "ECHO-ABD": 15000,
    "EVAC-AMB": 25000,
}

# Prices of a health centre (XOF): the price for everyone, i.e. for those living out of the
# health centre's area ("hors aire").
CENTRE_PRICES = {
    "CONS-INF": 1500,
    "CONS-SF": 1000,
    "CONS-MG": 2000,
    "CONS-URG": 2500,
    "CPN": 500,
    "ACC-NORM": 10000,
    "CPON": 500,
    "MISE-OBS": 2500,
    "CHIR-MIN": 5000,
    "TDR-PALU": 500,
    "GE": 1000,
    "NFS": 2500,
    "GLY": 1000,
    "EXA-URI": 1000,
    "TEST-GROS": 1000,
    "MED-AMOX": 1500,
    "MED-ACT": 1000,
    "MED-PARA": 300,
    "MED-SRO": 200,
    "MED-ZINC": 300,
    "MED-FER": 500,
    "MED-COTRI": 500,
    "MED-METRO": 500,
    "MED-IBU": 500,
    "MED-MEBEN": 200,
    "DENT-EXT": 4000,
    "DENT-SOIN": 5000,
}

# A Cameroonian integrated health centre (XAF).
BAFUT_PRICES = {
    "CONS-INF": 1000,
    "CONS-SF": 1000,
    "CONS-MG": 2000,
    "CPN": 1000,
    "ACC-NORM": 12000,
    "TDR-PALU": 600,
    "GE": 1000,
    "NFS": 3000,
    "EXA-URI": 1500,
    "MED-AMOX": 1200,
    "MED-ACT": 1200,
    "MED-PARA": 300,
    "MED-SRO": 250,
}


def _schedule(convention, prices: dict[str, int], start: date, extra=()) -> None:
    """An adopted schedule: one price per act code, plus extra (act, price, package, place)."""
    schedule = actions.new_schedule(None, convention)
    owner_ids = {*convention.party.ancestor_ids(), convention.party.pk}
    codes = [*prices, *(e[0] for e in extra)]
    acts = {a.code: a for a in Act.unscoped.filter(code__in=codes, organization_id__in=owner_ids)}
    lines: list[tuple[int, int | None, int | None, Decimal]] = [
        (acts[code].pk, None, None, D(price)) for code, price in prices.items()
    ]
    lines += [
        (acts[code].pk, package.pk if package else None, place.pk if place else None, D(price))
        for code, price, package, place in extra
    ]
    actions.put_lines(None, schedule, lines, source="demo")
    actions.adopt_schedule(None, schedule, start)


def load(orgs: dict[str, Organization], today: date) -> None:
    start = date(today.year, 1, 1)
    actions.save_profile(
        None,
        orgs["CSTH"],
        "health_centre",
        "public",
        contact_person="Mme Ndèye Fall, infirmière-cheffe",
        address="Quartier Randoulène, Thiès",
    )
    actions.save_profile(
        None,
        orgs["HRTH"],
        "regional_hospital",
        "public",
        contact_person="M. Ousmane Diallo, chef du service social",
        address="Avenue Léopold Sédar Senghor, Thiès",
    )
    actions.save_profile(
        None,
        orgs["CSBF"],
        "health_centre",
        "faith_based",
        contact_person="Sister Mary Ngwa, matron",
        address="Bafut, Mezam",
    )

    # The union's convention with the regional hospital serves all its mutuals.
    hospital = actions.create_convention(
        None,
        orgs["UMT"],
        orgs["HRTH"],
        ConventionData(
            reference=f"UMT-HRTH-{start.year}",
            start=start,
            submission_days=30,
            payment_days=45,
            diagnosis_required=True,
            notes="Tiers payant pour les bénéficiaires des mutuelles de l'union.",
        ),
    )
    _schedule(hospital, HOSPITAL_PRICES, start)

    # Keur Massar with the Thiès health centre: flat rates per episode, a cheaper price for
    # beneficiaries living in the centre's area, and a price for the complementary package.
    area = Place.unscoped.get(country="SN", code="SN-TH-TH")
    plus = Package.unscoped.get(organization=orgs["MSKM"], code="PLUS")
    centre = actions.create_convention(
        None,
        orgs["MSKM"],
        orgs["CSTH"],
        ConventionData(
            reference=f"MSKM-CSTH-{start.year}",
            start=start,
            end=date(start.year, 12, 31),
            payment_mode="flat_rate",
            submission_days=15,
            payment_days=30,
            flat_rates={
                "outpatient": D(2000),
                "emergency": D(3500),
                "delivery": D(12000),
            },
        ),
    )
    _schedule(
        centre,
        CENTRE_PRICES,
        start,
        extra=[
            ("CONS-INF", 1000, None, area),  # in the health area
            ("CONS-MG", 1500, None, area),
            ("DENT-EXT", 3500, plus, None),  # negotiated for the dental complement
        ],
    )

    # Bafut: capitation per attached beneficiary and per month, in Cameroon.
    bafut = actions.create_convention(
        None,
        orgs["MSBF"],
        orgs["CSBF"],
        ConventionData(
            reference=f"MSBF-CSBF-{start.year}",
            start=start,
            payment_mode="capitation",
            capitation_amount=D(350),
            submission_days=30,
            payment_days=30,
        ),
    )
    _schedule(bafut, BAFUT_PRICES, start)
    from mutuelle.members.models import Person

    for person in Person.unscoped.filter(organization=orgs["MSBF"]).order_by("pk")[:25]:
        actions.attach(None, orgs["CSBF"], person, start)
