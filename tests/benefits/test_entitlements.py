"""The eligibility screen's summary of entitlements: pure, no database."""

from decimal import Decimal

from mutuelle.benefits import entitlements, rules

D = Decimal

TERMS = rules.Terms(
    lines=(
        rules.Line(key="c", category="consultation", rate=D(80), quantity_limit=6, period_days=365),
        rules.Line(
            key="h",
            category="hospitalization",
            rate=D(70),
            authorization_required=True,
            care_levels=frozenset({"district", "regional"}),
            waiting_days=180,
        ),
        rules.Line(key="d", act_code="ACC01", amount=D(15000), referral_required=True),
        rules.Line(
            key="k", category="consultation", rate=D(100), applies_to="children", children_under=5
        ),
        rules.Line(key="x", category="dental", rate=D(50)),
    ),
    waiting_days=90,
    ceiling_person=D(200000),
    ceiling_household=D(600000),
    exclusions=frozenset({"dental"}),
)
ADULT = rules.Beneficiary(sex="F", age=30, relationship="head", days_since_anchor=100)


def by_key(summary):
    return {(e.category, e.act_code): e for e in summary.entitlements}


def test_it_lists_each_category_with_the_line_a_claim_would_use():
    rows = by_key(entitlements.summarize(TERMS, ADULT, {"ACC01": "delivery"}))
    assert rows[("consultation", "")].rate == D(80)
    assert rows[("consultation", "")].copayment_rate == D(20)
    assert rows[("consultation", "")].quantity_limit == 6
    assert rows[("consultation", "")].waiting_left == 0
    hospital = rows[("hospitalization", "")]
    assert hospital.letter_needed and hospital.waiting_left == 80
    delivery = rows[("delivery", "ACC01")]
    assert delivery.amount == D(15000) and delivery.copayment_rate is None
    assert delivery.referral_needed and delivery.waiting_left == 0


def test_it_leaves_out_excluded_categories_and_lines_for_others():
    summary = entitlements.summarize(TERMS, ADULT, {})
    assert ("dental", "") not in by_key(summary)
    assert summary.exclusions == ("dental",)
    child = rules.Beneficiary(sex="M", age=3, relationship="child", days_since_anchor=10)
    rows = by_key(entitlements.summarize(TERMS, child, {}))
    assert rows[("consultation", "")].rate == D(100)  # the children's line is more specific
    assert rows[("consultation", "")].waiting_left == 80


def test_it_says_whether_the_providers_level_is_allowed():
    at_centre = rules.Beneficiary(relationship="head", care_level="centre")
    rows = by_key(entitlements.summarize(TERMS, at_centre, {}))
    assert rows[("hospitalization", "")].level_allowed is False
    assert rows[("consultation", "")].level_allowed is True
    assert (
        by_key(entitlements.summarize(TERMS, ADULT, {}))[("consultation", "")].level_allowed is None
    )


def test_it_computes_what_is_left_of_the_ceilings():
    summary = entitlements.summarize(TERMS, ADULT, {}, D(150000), D(700000))
    person, household = summary.ceilings
    assert (person.kind, person.left) == ("person", D(50000))
    assert (household.kind, household.left) == ("household", D(0))
    assert summary.letter_categories == ("hospitalization",)
