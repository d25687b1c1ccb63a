"""The demo network: two countries, unions, mutuals, sections, providers, places and one
login per role. Realistic names from the field; loaded once (idempotent)."""

from django.db import transaction
from django.utils import timezone

from mutuelle.core import actions
from mutuelle.core.models import Organization, Place, PlaceLevel, User
from mutuelle.core.roles import Role, Scope

PLACES = {
    "SN": [
        ("SN", "Sénégal", None),
        ("SN-TH", "Thiès", "SN"),
        ("SN-TH-TH", "Thiès (département)", "SN-TH"),
        ("SN-TH-TH-KM", "Keur Mousseu", "SN-TH-TH"),
        ("SN-TH-TH-KM-01", "Ndiaye Bopp", "SN-TH-TH-KM"),
        ("SN-TH-TH-KM-02", "Keur Ibra Fall", "SN-TH-TH-KM"),
        ("SN-TH-TH-FD", "Fandène", "SN-TH-TH"),
        ("SN-TH-TH-FD-01", "Keur Mame Ndiack", "SN-TH-TH-FD"),
        ("SN-TH-TH-FD-02", "Pallo Dial", "SN-TH-TH-FD"),
        ("SN-DK", "Dakar", "SN"),
        ("SN-DK-PK", "Pikine", "SN-DK"),
        ("SN-DK-PK-KMS", "Keur Massar", "SN-DK-PK"),
    ],
    "ML": [
        ("ML", "Mali", None),
        ("ML-SG", "Ségou", "ML"),
        ("ML-SG-SG", "Ségou (cercle)", "ML-SG"),
        ("ML-SG-SG-PL", "Pelengana", "ML-SG-SG"),
        ("ML-SG-SG-PL-01", "Dougoukouna", "ML-SG-SG-PL"),
    ],
    "CM": [
        ("CM", "Cameroun", None),
        ("CM-NW", "Nord-Ouest", "CM"),
        ("CM-NW-ME", "Mezam", "CM-NW"),
        ("CM-NW-ME-BF", "Bafut", "CM-NW-ME"),
    ],
}

# (role, username, full name, organization code or country, scope)
LOGINS = [
    (Role.PLATFORM_ADMIN, "admin", "Administrateur de la plateforme", None, Scope.GLOBAL),
    (Role.NETWORK_COORDINATOR, "coordination", "Aminata Sow", "RCAO", Scope.ORGANIZATION),
    (Role.COUNTRY_FOCAL_POINT, "pointfocal.sn", "Ousmane Diallo", "SN", Scope.COUNTRY),
    (Role.UNION_MANAGER, "union.thies", "Fatou Ndiaye", "UMT", Scope.ORGANIZATION),
    (Role.MUTUAL_MANAGER, "gerant.km", "Mamadou Fall", "MSKM", Scope.ORGANIZATION),
    (Role.ENROLMENT_OFFICER, "agent.km", "Awa Diop", "MSKM", Scope.ORGANIZATION),
    (Role.CASHIER, "caisse.km", "Ndeye Faye", "MSKM", Scope.ORGANIZATION),
    (Role.CLAIMS_OFFICER, "prestations.km", "Ibrahima Sarr", "MSKM", Scope.ORGANIZATION),
    (Role.MEDICAL_ADVISER, "medecin.km", "Dr Khady Mbaye", "MSKM", Scope.ORGANIZATION),
    (Role.ACCOUNTANT, "comptable.km", "Cheikh Ba", "MSKM", Scope.ORGANIZATION),
    (Role.AUDITOR, "controle.km", "Mariama Cissé", "MSKM", Scope.ORGANIZATION),
    (Role.PROVIDER_CLERK, "accueil.cs-thies", "Rokhaya Gueye", "CSTH", Scope.PROVIDER),
    (Role.MUTUAL_MANAGER, "manager.bafut", "Emmanuel Ngwa", "MSBF", Scope.ORGANIZATION),
]


def password_for(username: str) -> str:
    return f"demo-{username}"


LEVELS = {
    "SN": [
        ("Pays", "Country"),
        ("Région", "Region"),
        ("Département", "Department"),
        ("Commune", "Municipality"),
        ("Village", "Village"),
    ],
    "ML": [
        ("Pays", "Country"),
        ("Région", "Region"),
        ("Cercle", "Circle"),
        ("Commune", "Municipality"),
        ("Village", "Village"),
    ],
    "CM": [
        ("Pays", "Country"),
        ("Région", "Region"),
        ("Département", "Division"),
        ("Arrondissement", "Subdivision"),
        ("Village", "Village"),
    ],
}


# Households per mutual: about 600 households and 3,000 people in all.
HOUSEHOLDS = {"MSKM": 200, "MSAF": 150, "MSFD": 100, "MSSG": 100, "MSBF": 50}
ABILITY = [
    ("indigent", "Indigent", "Indigent", True),
    ("faible", "Revenu faible", "Low income", False),
    ("moyen", "Revenu moyen", "Middle income", False),
    ("eleve", "Revenu élevé", "High income", False),
]


def _register(orgs: dict[str, Organization], places: dict[str, Place]) -> None:
    from mutuelle.members.generate import generate_households
    from mutuelle.members.models import AbilityCategory

    for code, count in HOUSEHOLDS.items():
        mutual = orgs[code]
        AbilityCategory.unscoped.bulk_create(
            AbilityCategory(
                organization=mutual, code=c, name_fr=fr, name_en=en, is_indigent=indigent, order=i
            )
            for i, (c, fr, en, indigent) in enumerate(ABILITY)
        )
        villages = [p for p in places.values() if p.country == mutual.country and p.depth >= 3]
        generate_households(mutual, count, seed=2026, places=villages)
    _register_life(orgs)
    from mutuelle.accounting.actions import install_chart

    for code in HOUSEHOLDS:
        install_chart(orgs[code])


def _register_life(orgs: dict[str, Organization]) -> None:
    """What a register looks like after a while: children past the dependant age, one mutual
    whose statutes enrol whole households, and the duplicate suspects a scan finds."""
    from mutuelle.members import actions as members
    from mutuelle.members import duplicates
    from mutuelle.members.models import RegisterSettings

    RegisterSettings.unscoped.update_or_create(
        organization=orgs["MSAF"], defaults={"whole_household": True}
    )
    members.age_out_dependants(timezone.localdate())
    for code in HOUSEHOLDS:
        after: int | None = 0
        while after is not None:
            after, _found = duplicates.scan_chunk(orgs[code], after)


def _places() -> dict[str, Place]:
    for country, levels in LEVELS.items():
        PlaceLevel.unscoped.bulk_create(
            PlaceLevel(country=country, depth=d, name_fr=fr, name_en=en)
            for d, (fr, en) in enumerate(levels)
        )
    made: dict[str, Place] = {}
    for country, rows in PLACES.items():
        for code, name, parent in rows:
            made[code] = actions.create_place(
                country=country, code=code, name=name, parent=made.get(parent) if parent else None
            )
    return made


@transaction.atomic
def load() -> bool:
    """Load the demo network; False when it is already there."""
    if Organization.unscoped.filter(code="RCAO").exists():
        return False
    places = _places()

    def org(kind, code, name, parent, country="SN", currency="XOF", tz="Africa/Dakar", place=None):
        return actions.create_organization(
            None,
            parent=parent,
            kind=kind,
            code=code,
            name=name,
            country=country,
            currency=currency,
            time_zone=tz,
            place=places.get(place) if place else None,
        )

    net = org("network", "RCAO", "Réseau de concertation des mutuelles (démo)", None)
    umt = org("union", "UMT", "Union des mutuelles de santé de Thiès", net, place="SN-TH")
    mskm = org("mutual", "MSKM", "Mutuelle de santé de Keur Massar", umt, place="SN-DK-PK-KMS")
    org("section", "MSKM-NB", "Section de Ndiaye Bopp", mskm, place="SN-TH-TH-KM-01")
    org("mutual", "MSAF", "Mutuelle And Fagaru", umt, place="SN-TH-TH-KM")
    org("mutual", "MSFD", "Mutuelle de santé de Fandène", umt, place="SN-TH-TH-FD")
    org(
        "mutual",
        "MSSG",
        "Mutuelle de santé de Pelengana",
        net,
        country="ML",
        tz="Africa/Bamako",
        place="ML-SG-SG-PL",
    )
    org("provider", "CSTH", "Centre de santé de Thiès", umt, place="SN-TH-TH")
    org("provider", "HRTH", "Hôpital régional de Thiès", umt, place="SN-TH-TH")
    cm = dict(country="CM", currency="XAF", tz="Africa/Douala")
    unw = org("union", "UMNW", "Union des mutuelles du Nord-Ouest", net, place="CM-NW", **cm)
    org("mutual", "MSBF", "Mutuelle de santé de Bafut", unw, place="CM-NW-ME-BF", **cm)
    org("provider", "CSBF", "Centre de santé intégré de Bafut", unw, place="CM-NW-ME-BF", **cm)

    orgs = {o.code: o for o in Organization.unscoped.all()}
    _register(orgs, places)
    from mutuelle.benefits import demo as benefits_demo

    benefits_demo.load(orgs, timezone.localdate())
    from mutuelle.providers import demo as providers_demo

    providers_demo.load(orgs, timezone.localdate())
    for role, username, full_name, where, scope in LOGINS:
        in_tree = scope in (Scope.ORGANIZATION, Scope.PROVIDER)
        target = orgs.get(where or "") if in_tree else None
        user = User.objects.create_user(
            username=username,
            password=password_for(username),
            full_name=full_name,
            home_organization=target,
            language="fr",
            is_staff=role == Role.PLATFORM_ADMIN,
            is_superuser=role == Role.PLATFORM_ADMIN,
        )
        actions.grant_role(
            None,
            user,
            role=role,
            scope=scope,
            organization=target,
            country=(where or "") if scope == Scope.COUNTRY else "",
        )
    from mutuelle.contributions import demo as contributions_demo

    contributions_demo.load(orgs, timezone.localdate())
    from mutuelle.claims import demo as claims_demo

    claims_demo.load(orgs, timezone.localdate())
    return True
