"""Builders for the adjudication engine's tests (no database)."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

from mutuelle.benefits.rules import ActFacts, Line, Terms
from mutuelle.claims.rules import (
    ClaimIn,
    Context,
    ConventionFacts,
    LineIn,
    PersonFacts,
    Usage,
    VersionTerms,
    adjudicate_one,
)
from mutuelle.contributions.coverage import Coverage

TODAY = date(2026, 6, 30)
D0 = date(2026, 3, 10)
COVERED = Coverage(True, ("v1",), None, {})

ACTS = {
    "CONS": ActFacts("CONS", "consultation"),
    "LAB": ActFacts("LAB", "laboratory"),
    "XRAY": ActFacts("XRAY", "imaging"),
    "HOSP": ActFacts("HOSP", "hospitalization"),
    "ACC": ActFacts("ACC", "delivery", sex="F", min_age=12, max_age=55),
    "MED": ActFacts("MED", "medicines"),
    "DENT": ActFacts("DENT", "dental"),
    "OPT": ActFacts("OPT", "optical"),
    "VACC": ActFacts("VACC", "other"),
    "NOTAR": ActFacts("NOTAR", "consultation"),
}
TARIFF = {
    "CONS": D(1000),
    "LAB": D(2000),
    "XRAY": D(5000),
    "HOSP": D(10000),
    "ACC": D(20000),
    "MED": D(3000),
    "DENT": D(4000),
    "OPT": D(6000),
    "VACC": D(500),
}
TERMS = Terms(
    lines=(
        Line(key="cons", category="consultation", rate=D(80)),
        Line(key="lab", category="laboratory", rate=D(70), quantity_limit=3, period_days=30),
        Line(key="xray", act_code="XRAY", rate=D(50), min_interval_days=30),
        Line(
            key="hosp",
            category="hospitalization",
            rate=D(90),
            care_levels=frozenset({"district", "regional"}),
            referral_required=True,
            authorization_required=True,
        ),
        Line(key="acc", category="delivery", amount=D(15000), waiting_days=270),
        Line(key="med", category="medicines", rate=D(60), per_act_ceiling=D(1000)),
        Line(key="dent", category="dental", rate=D(50)),
        Line(key="vacc", category="other", rate=D(100), applies_to="children", children_under=5),
    ),
    ceiling_person=D(50000),
    ceiling_household=D(80000),
    exclusions=frozenset({"DENT"}),
)
VERSIONS = (VersionTerms("v1", "pkg", TERMS),)
MAN = PersonFacts(COVERED, sex="M", birth_date=date(1986, 1, 1), relationship="head")
WOMAN = PersonFacts(COVERED, sex="F", birth_date=date(1996, 1, 1), relationship="spouse")
CONVENTION = ConventionFacts(care_level="centre", submission_days=30)


def line(code="CONS", qty=1, price=None, on=None, key="L1") -> LineIn:
    return LineIn(key, code, qty, TARIFF.get(code, D(1000)) if price is None else price, on)


def claim(*lines, **kw) -> ClaimIn:
    base = ClaimIn(
        key=kw.pop("key", 1),
        household="H1",
        person="P1",
        provider="PR1",
        care_from=D0,
        submitted_on=D0,
        lines=lines if lines else (line(),),
    )
    return replace(base, **kw)


def context(**kw) -> Context:
    base = Context(
        person=MAN,
        today=TODAY,
        convention=CONVENTION,
        tariff=TARIFF,
        acts=ACTS,
        versions=VERSIONS,
    )
    return replace(base, **kw)


def run(c: ClaimIn, ctx: Context | None = None, usage: Usage | None = None):
    return adjudicate_one(c, ctx or context(), usage if usage is not None else Usage())


def days(n: int) -> timedelta:
    return timedelta(days=n)


def balanced(x) -> bool:
    return x.covered + x.copayment + x.excess + x.rejected == x.tariff_adjusted
