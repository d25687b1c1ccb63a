"""The pure coverage rules: table-driven cases and hypothesis properties (no database)."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutuelle.benefits import rules
from mutuelle.benefits.rules import ActFacts, Beneficiary, Consumed, Line, Terms, assess

CONSULT = ActFacts("CONS-MG", "consultation")
DELIVERY = ActFacts("ACC-NORM", "delivery", sex="F", min_age=10, max_age=55)
XRAY = ActFacts("RX-THX", "imaging")
HOSP = ActFacts("HOSP-J", "hospitalization")

TERMS = Terms(
    lines=(
        Line(key="consult", category="consultation", rate=D(80)),
        Line(key="gp", act_code="CONS-MG", rate=D(90), per_act_ceiling=D(1800)),
        Line(key="delivery", category="delivery", amount=D(15000), waiting_days=270),
        Line(
            key="hosp",
            category="hospitalization",
            rate=D(70),
            quantity_limit=10,
            period_days=365,
            referral_required=True,
            care_levels=frozenset({"district", "regional"}),
        ),
        Line(
            key="kids-xray",
            category="imaging",
            rate=D(100),
            applies_to="children",
            children_under=5,
        ),
        Line(
            key="xray-auth",
            act_code="RX-THX",
            rate=D(50),
            authorization_required=True,
            min_interval_days=30,
        ),
    ),
    waiting_days=90,
)
ADULT = Beneficiary(sex="M", age=40, relationship="head", days_since_anchor=400)
MOTHER = Beneficiary(sex="F", age=25, relationship="spouse", days_since_anchor=400)


def codes(a) -> list[str]:
    return [code for code, _ in a.reasons]


@pytest.mark.parametrize(
    ("act", "tariff", "qty", "who", "consumed", "mutual", "reason"),
    [
        # The act line beats the category line; its ceiling caps the share.
        (CONSULT, D(1500), 1, ADULT, None, D(1350), "benefit.rate"),
        (CONSULT, D(3000), 1, ADULT, None, D(1800), "benefit.per_act_ceiling"),
        # A fixed amount, never more than the tariff.
        (DELIVERY, D(20000), 1, MOTHER, None, D(15000), "benefit.fixed_amount"),
        (DELIVERY, D(10000), 1, MOTHER, None, D(10000), "benefit.fixed_amount"),
        # Clinically impossible acts.
        (DELIVERY, D(20000), 1, ADULT, None, D(0), "benefit.act_sex"),
        (
            DELIVERY,
            D(20000),
            1,
            Beneficiary(sex="F", age=8, relationship="child"),
            None,
            D(0),
            "benefit.act_age",
        ),
        # Waiting: the line's own period (270 days) for a delivery.
        (
            DELIVERY,
            D(20000),
            1,
            Beneficiary(sex="F", age=25, days_since_anchor=200),
            None,
            D(0),
            "benefit.waiting",
        ),
        # The version's default waiting period (90 days).
        (CONSULT, D(1500), 1, Beneficiary(days_since_anchor=30), None, D(0), "benefit.waiting"),
        # Care level, referral.
        (
            HOSP,
            D(5000),
            2,
            Beneficiary(care_level="centre", referral=True),
            None,
            D(0),
            "benefit.care_level",
        ),
        (
            HOSP,
            D(5000),
            2,
            Beneficiary(care_level="district"),
            None,
            D(0),
            "benefit.referral_missing",
        ),
        (
            HOSP,
            D(5000),
            2,
            Beneficiary(care_level="district", referral=True),
            None,
            D(7000),
            "benefit.rate",
        ),
        # Quantity: 10 days a year, 8 already used: 2 of 4 covered.
        (
            HOSP,
            D(5000),
            4,
            Beneficiary(care_level="district", referral=True),
            Consumed(quantity_in_window=8),
            D(7000),
            "benefit.quantity_limited",
        ),
        (
            HOSP,
            D(5000),
            4,
            Beneficiary(care_level="district", referral=True),
            Consumed(quantity_in_window=10),
            D(0),
            "benefit.quantity_exhausted",
        ),
        # Authorization, minimum interval.
        (XRAY, D(10000), 1, ADULT, None, D(0), "benefit.authorization_missing"),
        (
            XRAY,
            D(10000),
            1,
            Beneficiary(authorization=True),
            Consumed(days_since_last=10),
            D(0),
            "benefit.too_soon",
        ),
        (
            XRAY,
            D(10000),
            1,
            Beneficiary(authorization=True),
            Consumed(days_since_last=31),
            D(5000),
            "benefit.rate",
        ),
        # Applies to children under 5 (category line) — but the act line is more specific.
        (
            ActFacts("ECHO-ABD", "imaging"),
            D(8000),
            1,
            Beneficiary(relationship="child", age=3),
            None,
            D(8000),
            "benefit.rate",
        ),
        (
            ActFacts("ECHO-ABD", "imaging"),
            D(8000),
            1,
            Beneficiary(relationship="child", age=7),
            None,
            D(0),
            "benefit.not_for_beneficiary",
        ),
        # Nothing covers dental care.
        (ActFacts("DENT-EXT", "dental"), D(3000), 1, ADULT, None, D(0), "benefit.not_covered"),
    ],
)
def test_assessments(act, tariff, qty, who, consumed, mutual, reason):
    a = assess(TERMS, act, tariff, qty, who, consumed)
    assert a.mutual_pays == mutual, a.reasons
    assert a.mutual_pays + a.member_pays == tariff * qty
    assert reason in codes(a)


def test_version_rules_exclusions_deductible_and_annual_ceilings():
    terms = Terms(
        lines=(Line(category="consultation", rate=D(80)), Line(category="dental", rate=D(50))),
        deductible=D(500),
        ceiling_person=D(10000),
        ceiling_household=D(25000),
        exclusions=frozenset({"dental", "CONS-SPE"}),
    )
    who = Beneficiary()
    assert codes(assess(terms, ActFacts("DENT-EXT", "dental"), D(3000), 1, who)) == [
        "benefit.excluded"
    ]
    assert codes(assess(terms, ActFacts("CONS-SPE", "consultation"), D(3000), 1, who)) == [
        "benefit.excluded"
    ]
    # Deductible first, then the rate: (2500 - 500) × 80 %.
    a = assess(terms, CONSULT, D(2500), 1, who)
    assert a.mutual_pays == D(1600) and codes(a) == ["benefit.deductible", "benefit.rate"]
    # The deductible was already paid earlier in the episode.
    a = assess(terms, CONSULT, D(2500), 1, who, Consumed(episode_deductible=D(500)))
    assert a.mutual_pays == D(2000)
    # Annual ceilings: 9,500 already paid for the person, 24,800 for the household.
    a = assess(terms, CONSULT, D(2500), 1, who, Consumed(person_year=D(9500)))
    assert a.mutual_pays == D(500) and "benefit.person_ceiling" in codes(a)
    a = assess(terms, CONSULT, D(2500), 1, who, Consumed(household_year=D(24800)))
    assert a.mutual_pays == D(200) and "benefit.household_ceiling" in codes(a)


def test_rounding_follows_the_currency():
    terms = Terms(lines=(Line(category="consultation", rate=D("33.33")),))
    assert assess(terms, CONSULT, D(1000), 1, Beneficiary()).mutual_pays == D(333)
    eur = assess(terms, CONSULT, D(10), 1, Beneficiary(), currency="EUR")
    assert eur.mutual_pays == D("3.33") and eur.member_pays == D("6.67")


def test_cash_benefits():
    terms = Terms(
        lines=(
            Line(kind="cash", cash_benefit="funeral", amount=D(50000)),
            Line(kind="cash", cash_benefit="maternity", amount=D(10000), waiting_days=270),
            Line(
                kind="cash",
                cash_benefit="daily_allowance",
                amount=D(1500),
                max_days=30,
                waiting_days=180,
            ),
        ),
        waiting_days=90,
    )
    who = Beneficiary(days_since_anchor=200)
    assert rules.assess_cash(terms, "funeral", who).amount == D(50000)
    assert rules.assess_cash(terms, "maternity", who, units=2).amount == D(0)  # waiting 270
    twins = rules.assess_cash(terms, "maternity", Beneficiary(days_since_anchor=300), units=2)
    assert twins.amount == D(20000)
    days = rules.assess_cash(
        terms, "daily_allowance", who, units=10, consumed=Consumed(days_paid=25)
    )
    assert days.amount == D(7500) and "benefit.days_limited" in codes(days)
    assert codes(rules.assess_cash(Terms(), "funeral", who)) == ["benefit.not_covered"]


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (Line(category="consultation", act_code="X", rate=D(80)), "line.one_target"),
        (Line(rate=D(80)), "line.one_target"),
        (Line(category="consultation"), "line.rate_or_amount"),
        (Line(category="consultation", rate=D(80), amount=D(100)), "line.rate_or_amount"),
        (Line(category="consultation", rate=D(120)), "line.rate_range"),
        (Line(category="nowhere", rate=D(80)), "line.unknown_category"),
        (Line(category="consultation", rate=D(80), quantity_limit=4), "line.quantity_needs_period"),
        (
            Line(category="consultation", rate=D(80), applies_to="children"),
            "line.children_need_age",
        ),
        (Line(kind="cash", amount=D(1)), "line.cash_benefit_required"),
        (Line(kind="cash", cash_benefit="funeral"), "line.cash_amount_required"),
        (
            Line(kind="cash", cash_benefit="funeral", amount=D(1), category="dental"),
            "line.cash_has_no_target",
        ),
    ],
)
def test_line_errors(line, error):
    assert error in rules.line_errors(line)


def test_levels_are_stored_compactly_in_a_fixed_order():
    assert rules.pack_levels(["pharmacy", "centre"]) == "centre,pharmacy"
    assert rules.unpack_levels("centre,pharmacy") == {"centre", "pharmacy"}
    assert rules.unpack_levels("") == frozenset()
    assert rules.parse_codes("dental; OPT-LUN,\nCONS-SPE") == {"dental", "OPT-LUN", "CONS-SPE"}


# --- Properties ------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=500_000, places=0, allow_nan=False)
maybe_money = st.none() | money


@st.composite
def lines(draw):
    target = draw(st.sampled_from(["category", "act"]))
    share = draw(st.sampled_from(["rate", "amount"]))
    quantity_limit = draw(st.none() | st.integers(1, 10))
    return Line(
        category="consultation" if target == "category" else "",
        act_code="CONS-MG" if target == "act" else "",
        rate=draw(st.decimals(min_value=1, max_value=100, places=2)) if share == "rate" else None,
        amount=draw(money.filter(lambda x: x > 0)) if share == "amount" else None,
        per_act_ceiling=draw(maybe_money),
        quantity_limit=quantity_limit,
        period_days=365 if quantity_limit else None,
        applies_to=draw(st.sampled_from(["all", "head", "dependants"])),
    )


@given(
    line_list=st.lists(lines(), min_size=0, max_size=3),
    tariff=money,
    quantity=st.integers(0, 20),
    deductible=money,
    ceiling_person=maybe_money,
    ceiling_household=maybe_money,
    used_person=money,
    used_household=money,
    used_quantity=st.integers(0, 15),
    relationship=st.sampled_from(["head", "spouse", "child"]),
    currency=st.sampled_from(["XOF", "EUR"]),
)
def test_what_both_pay_adds_up_and_no_ceiling_is_exceeded(
    line_list,
    tariff,
    quantity,
    deductible,
    ceiling_person,
    ceiling_household,
    used_person,
    used_household,
    used_quantity,
    relationship,
    currency,
):
    terms = Terms(
        lines=tuple(line_list),
        deductible=deductible,
        ceiling_person=ceiling_person,
        ceiling_household=ceiling_household,
    )
    who = Beneficiary(relationship=relationship)
    consumed = Consumed(
        quantity_in_window=used_quantity, person_year=used_person, household_year=used_household
    )
    a = assess(terms, CONSULT, tariff, quantity, who, consumed, currency)
    assert a.mutual_pays + a.member_pays == tariff * quantity
    assert a.mutual_pays >= 0 and a.member_pays >= 0
    if ceiling_person is not None:
        assert a.mutual_pays <= max(ceiling_person - used_person, 0)
    if ceiling_household is not None:
        assert a.mutual_pays <= max(ceiling_household - used_household, 0)
    if a.line is not None and a.line.per_act_ceiling is not None:
        assert a.mutual_pays <= a.line.per_act_ceiling * quantity
    if a.line is not None and a.line.quantity_limit is not None:
        assert a.covered_quantity <= max(a.line.quantity_limit - used_quantity, 0)


@given(
    sex=st.sampled_from(["F", "M"]),
    age=st.integers(0, 100),
    days=st.integers(0, 1000),
    relationship=st.sampled_from(["head", "spouse", "child", "parent", "other"]),
)
def test_sex_and_age_only_matter_when_the_act_is_impossible(sex, age, days, relationship):
    """For an act possible for anyone, sex and age never change what the mutual pays."""
    base = Beneficiary(sex="F", age=30, relationship=relationship, days_since_anchor=days)
    other = Beneficiary(sex=sex, age=age, relationship=relationship, days_since_anchor=days)
    terms = Terms(lines=(Line(category="consultation", rate=D(80)),), waiting_days=90)
    assert assess(terms, CONSULT, D(2000), 1, base) == assess(terms, CONSULT, D(2000), 1, other)
