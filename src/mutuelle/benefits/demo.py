"""The demo's catalogues and packages: a realistic community scheme of West Africa.

Each union (and the mutual without a union) gets the starter catalogue and a compulsory
package whose first version is in force since 1 January; one mutual adds a complementary
package. Called by `mutuelle.core.demo.network.load()`."""

from datetime import date
from decimal import Decimal

from mutuelle.core.models import Organization

from . import actions
from .actions import LineSpec, VersionTerms
from .models import Act

D = Decimal


def _basic_lines(acts: dict[str, Act], cash_amount: Decimal) -> list[LineSpec]:
    hospital = frozenset({"district", "regional", "national"})
    return [
        LineSpec(category="consultation", rate=D(80)),
        LineSpec(act=acts["CONS-SPE"], rate=D(70), referral_required=True),
        LineSpec(category="antenatal", rate=D(100), waiting_days=0),
        LineSpec(category="delivery", amount=D(15000), waiting_days=270),
        LineSpec(
            act=acts["ACC-CES"],
            amount=D(100000),
            waiting_days=270,
            referral_required=True,
            care_levels=hospital,
        ),
        LineSpec(
            category="hospitalization",
            rate=D(70),
            quantity_limit=10,
            period_days=365,
            care_levels=hospital,
        ),
        LineSpec(category="laboratory", rate=D(80)),
        LineSpec(category="imaging", rate=D(70), per_act_ceiling=D(20000)),
        LineSpec(category="medicines", rate=D(70)),
        LineSpec(
            category="surgery", rate=D(70), per_act_ceiling=D(150000), authorization_required=True
        ),
        LineSpec(category="evacuation", amount=D(25000), referral_required=True),
        LineSpec(kind="cash", cash_benefit="funeral", amount=cash_amount),
    ]


def _complementary_lines(acts: dict[str, Act]) -> list[LineSpec]:
    return [
        LineSpec(category="dental", rate=D(50), quantity_limit=2, period_days=365),
        LineSpec(
            act=acts["OPT-LUN"],
            amount=D(15000),
            quantity_limit=1,
            period_days=730,
            applies_to="children",
            children_under=18,
        ),
        LineSpec(category="optical", rate=D(50), per_act_ceiling=D(20000)),
        LineSpec(kind="cash", cash_benefit="maternity", amount=D(10000), waiting_days=270),
    ]


def _package(owner, code, name_fr, name_en, kind, terms, lines, start) -> None:
    package = actions.create_package(None, owner, code, name_fr, name_en, kind, terms)
    version = package.versions.get()
    for spec in lines:
        actions.add_line(None, version, spec)
    actions.adopt(None, version, start)


def load(orgs: dict[str, Organization], today: date) -> None:
    start = date(today.year, 1, 1)
    for code in ("UMT", "UMNW", "MSSG"):
        actions.install_starter_catalogue(None, orgs[code])
    for code, cash in (("UMT", D(50000)), ("UMNW", D(50000)), ("MSSG", D(40000))):
        owner = orgs[code]
        acts = {a.code: a for a in Act.unscoped.filter(organization=owner)}
        _package(
            owner,
            "BASE",
            "Paquet de base",
            "Basic package",
            "compulsory",
            VersionTerms(waiting_days=90, ceiling_person=D(300000), ceiling_household=D(1000000)),
            _basic_lines(acts, cash),
            start,
        )
    union_acts = {a.code: a for a in Act.unscoped.filter(organization=orgs["UMT"])}
    _package(
        orgs["MSKM"],
        "PLUS",
        "Complémentaire soins dentaires et optiques",
        "Dental and optical complement",
        "complementary",
        VersionTerms(waiting_days=180, exclusions="DENT-SOIN"),
        _complementary_lines(union_acts),
        start,
    )
