"""Pure contribution rules: configurations, billing and proration, allocation, typed amounts,
arrears, and the non-selection property. No database."""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mutuelle.contributions import rules
from mutuelle.contributions.rules import (
    ABILITY,
    HOUSEHOLD,
    PERSON,
    SALARY,
    SIZE_BANDS,
    ArrearsPolicy,
    Band,
    ContributionRule,
    DueState,
    HouseholdFacts,
    MemberFacts,
    OpenDue,
    allocate,
    amount_errors,
    bill,
    member_facts_from,
    prorate,
    reinstatement,
    rule_errors,
    rule_from_config,
    spread,
    suspension_date,
)
from mutuelle.lib.periods import MONTH, QUARTER, YEAR, Periodicity, parse, period_of

MONTHLY = Periodicity(MONTH)
JAN = parse("2026-01")


def codes(errors):
    return [code for code, _params in errors]


# --- Configurations ---------------------------------------------------------------------------
VALID = {
    PERSON: {
        "basis": PERSON,
        "periodicity_kind": MONTH,
        "currency": "XOF",
        "amount": "500",
        "dependant_amount": D(400),
        "child_amount": 250,
        "child_age": 18,
        "entry_fee": "1000",
    },
    HOUSEHOLD: {"basis": HOUSEHOLD, "periodicity_kind": YEAR, "currency": "XOF", "amount": 12000},
    SIZE_BANDS: {
        "basis": SIZE_BANDS,
        "periodicity_kind": YEAR,
        "anchor_month": 11,
        "anchor_day": 15,
        "currency": "XOF",
        "bands": [
            {"min_size": 1, "max_size": 3, "amount": "6000"},
            (4, 6, D(9000)),
            Band(7, None, D(12000)),
        ],
    },
    ABILITY: {
        "basis": ABILITY,
        "periodicity_kind": QUARTER,
        "currency": "XOF",
        "ability_amounts": {"A": 0, "B": 1500, "C": "3000"},
        "default_ability": "B",
        "ability_per_person": "false",
    },
    SALARY: {
        "basis": SALARY,
        "periodicity_kind": MONTH,
        "currency": "EUR",
        "salary_rate": "2.5",
        "salary_floor": "100.00",
        "salary_ceiling": D("3000.50"),
    },
}


@pytest.mark.parametrize("basis", list(VALID))
def test_a_valid_configuration_of_every_basis_passes_and_builds_its_rule(basis):
    config = VALID[basis]
    assert rule_errors(config) == []
    rule = rule_from_config(config)
    assert rule.basis == basis


def test_rule_from_config_reads_every_field():
    person = rule_from_config(VALID[PERSON])
    assert (person.amount, person.dependant_amount, person.child_amount) == (D(500), 400, 250)
    assert (person.child_age, person.entry_fee, person.periodicity) == (18, D(1000), MONTHLY)
    bands = rule_from_config(VALID[SIZE_BANDS])
    assert bands.periodicity == Periodicity(YEAR, 11, 15)
    assert bands.bands == (Band(1, 3, D(6000)), Band(4, 6, D(9000)), Band(7, None, D(12000)))
    ability = rule_from_config(VALID[ABILITY])
    assert ability.ability_amounts == (("A", D(0)), ("B", D(1500)), ("C", D(3000)))
    assert ability.ability_per_person is False and ability.default_ability == "B"
    salary = rule_from_config(VALID[SALARY])
    assert (salary.salary_rate, salary.salary_floor, salary.salary_ceiling) == (
        D("2.5"),
        D(100),
        D("3000.50"),
    )
    with pytest.raises(ValueError):
        rule_from_config({"basis": "age"})


@pytest.mark.parametrize(
    "basis, change, code, params",
    [
        (PERSON, {"basis": "risk_rated"}, "rule.unknown_basis", {"basis": "risk_rated"}),
        (PERSON, {"currency": "ZZZ"}, "rule.unknown_currency", {"currency": "ZZZ"}),
        (PERSON, {"periodicity_kind": "week"}, "rule.unknown_periodicity", {"kind": "week"}),
        (
            SIZE_BANDS,
            {"anchor_day": 31, "anchor_month": 4},
            "rule.bad_anchor",
            {"month": 4, "day": 31},
        ),
        (
            SIZE_BANDS,
            {"anchor_day": 29, "anchor_month": 2},
            "rule.bad_anchor",
            {"month": 2, "day": 29},
        ),
        (PERSON, {"anchor_month": 3}, "rule.bad_anchor", {"month": 3, "day": 1}),
        (PERSON, {"amount": "abc"}, "rule.not_a_number", {"field": "amount"}),
        (PERSON, {"amount": "-500"}, "rule.negative_amount", {"field": "amount"}),
        (PERSON, {"entry_fee": D("-1")}, "rule.negative_amount", {"field": "entry_fee"}),
        (PERSON, {"amount": "500.5"}, "rule.too_many_decimals", {"field": "amount", "places": 0}),
        (
            SALARY,
            {"salary_floor": "1.005"},
            "rule.too_many_decimals",
            {"field": "salary_floor", "places": 2},
        ),
        (PERSON, {"amount": None}, "rule.amount_required", {"field": "amount"}),
        (HOUSEHOLD, {"amount": 0}, "rule.amount_required", {"field": "amount"}),
        (PERSON, {"child_amount": 600}, "rule.reduced_above_full", {"field": "child_amount"}),
        (PERSON, {"child_age": None}, "rule.child_age_required", {"field": "child_age"}),
        (PERSON, {"child_age": 40}, "rule.bad_child_age", {"max": 25}),
        (
            HOUSEHOLD,
            {"child_amount": 100},
            "rule.field_not_for_basis",
            {"field": "child_amount", "basis": HOUSEHOLD},
        ),
        (SIZE_BANDS, {"bands": []}, "rule.bands_required", {}),
        (SIZE_BANDS, {"bands": "1-3:500"}, "rule.bands_malformed", {}),
        (SIZE_BANDS, {"bands": 5}, "rule.bands_malformed", {}),
        (SIZE_BANDS, {"bands": [(2, None, 5)]}, "rule.bands_not_from_one", {"min_size": 2}),
        (SIZE_BANDS, {"bands": [(1, 3, 5), (5, None, 6)]}, "rule.bands_gap", {"from": 4, "to": 4}),
        (SIZE_BANDS, {"bands": [(1, 3, 5), (3, None, 6)]}, "rule.bands_overlap", {"size": 3}),
        (SIZE_BANDS, {"bands": [(1, None, 5), (4, None, 6)]}, "rule.bands_overlap", {"size": 4}),
        (
            SIZE_BANDS,
            {"bands": [(1, 3, 5), (4, 6, 6)]},
            "rule.bands_not_open_ended",
            {"max_size": 6},
        ),
        (SIZE_BANDS, {"bands": [(3, 1, 5)]}, "rule.band_bounds", {"min_size": 3, "max_size": 1}),
        (
            SIZE_BANDS,
            {"bands": [(1, None, None)]},
            "rule.amount_required",
            {"field": "bands.0.amount"},
        ),
        (ABILITY, {"ability_amounts": {}}, "rule.ability_amounts_required", {}),
        (ABILITY, {"ability_amounts": 5}, "rule.ability_amounts_malformed", {}),
        (
            ABILITY,
            {"ability_amounts": [("A", 1), ("A", 2)]},
            "rule.ability_duplicate",
            {"category": "A"},
        ),
        (ABILITY, {"ability_amounts": [(" ", 1)]}, "rule.ability_category_required", {}),
        (ABILITY, {"default_ability": "Z"}, "rule.unknown_default_ability", {"category": "Z"}),
        (SALARY, {"salary_rate": None}, "rule.amount_required", {"field": "salary_rate"}),
        (SALARY, {"salary_rate": "101"}, "rule.rate_above_100", {"field": "salary_rate"}),
        (
            SALARY,
            {"salary_rate": "1.00001"},
            "rule.too_many_decimals",
            {"field": "salary_rate", "places": 4},
        ),
        (SALARY, {"salary_floor": "5000"}, "rule.salary_floor_above_ceiling", {}),
    ],
)
def test_it_refuses_bad_configurations_with_a_reason(basis, change, code, params):
    errors = rule_errors({**VALID[basis], **change})
    assert (code, params) in errors


@pytest.mark.parametrize(
    "key",
    [
        "sex",
        "Sexe",
        "gender",
        "health_status",
        "état de santé",
        "is_pregnant",
        "grossesse",
        "chronic_disease",
        "maladie chronique",
        "disability",
        "handicap",
        "hiv_status",
        "age_bands",
        "adult_age",
        "tranche d'âge",
        "birth_date",
        "date_de_naissance",
        "year-of-birth",
        "risk_rating",
        "female_amount",
        "amount_by_gender",
    ],
)
def test_keys_that_would_select_risks_are_refused(key):
    assert ("rule.selection_forbidden", {"field": key}) in rule_errors({**VALID[PERSON], key: 1})


def test_a_band_keyed_by_a_risk_is_refused_and_child_age_is_not_a_selection():
    bands = [{"min_size": 1, "max_size": None, "amount": 5, "sex": "F"}]
    errors = rule_errors({**VALID[SIZE_BANDS], "bands": bands})
    assert ("rule.selection_forbidden", {"field": "bands.sex"}) in errors
    assert "rule.selection_forbidden" not in codes(rule_errors(VALID[PERSON]))  # has child_age
    assert rules.FORBIDDEN_INPUTS.isdisjoint(rules.RULE_KEYS)


def test_blank_anchors_mean_the_first_of_january_and_a_periodicity_may_be_given_whole():
    assert rule_errors({**VALID[HOUSEHOLD], "anchor_month": None, "anchor_day": ""}) == []
    config = {**VALID[HOUSEHOLD], "periodicity": Periodicity(YEAR, 11, 15)}
    del config["periodicity_kind"]
    assert rule_from_config(config).periodicity == Periodicity(YEAR, 11, 15)
    assert rule_from_config({**config, "periodicity": QUARTER}).periodicity == Periodicity(QUARTER)


def test_unknown_harmless_keys_are_ignored_unless_strict():
    config = {**VALID[HOUSEHOLD], "label": "Cotisation 2026"}
    assert rule_errors(config) == []
    assert rule_errors(config, strict=True) == [("rule.unknown_field", {"field": "label"})]


def test_the_facts_have_no_field_for_sex_health_or_birth():
    for cls in (MemberFacts, HouseholdFacts, ContributionRule):
        names = {f for f in cls.__dataclass_fields__}
        assert not any(rules.selection_forbidden(n) for n in names), cls


# --- Billing ----------------------------------------------------------------------------------
def member(key, head=False, child=False, since=date(2020, 1, 1), until=None, salary=None):
    return MemberFacts(key, head, child, since, until, salary)


FAMILY = HouseholdFacts(
    "H1",
    (
        member("head", head=True),
        member("spouse"),
        member("kid", child=True),
        member("kid2", child=True, since=date(2026, 1, 17)),  # born on 17 January: 15 days
        member("gone", until=date(2026, 1, 10)),  # withdrew: 10 days
        member("old", until=date(2025, 12, 31)),  # gone before the period: nothing
    ),
    ability="C",
)


def person_rule(**kw):
    base = {
        "basis": PERSON,
        "periodicity": MONTHLY,
        "currency": "XOF",
        "amount": D(310),
        "dependant_amount": D(217),
        "child_amount": D(155),
    }
    return ContributionRule(**{**base, **kw})


def lines(due):
    return [(ln.code, ln.member_key, ln.quantity, ln.unit, ln.amount) for ln in due.lines]


def test_per_person_lines_are_prorated_by_days_covered():
    due = bill(person_rule(), FAMILY, JAN)
    assert lines(due) == [
        ("contribution.person", "head", 1, D(310), D(310)),
        ("contribution.dependant", "spouse", 1, D(217), D(217)),
        ("contribution.child", "kid", 1, D(155), D(155)),
        ("contribution.child", "kid2", 1, D(155), D(75)),  # 155 × 15/31 = 75
        ("contribution.dependant", "gone", 1, D(217), D(70)),  # 217 × 10/31 = 70
    ]
    assert due.total == D(827) and due.household_key == "H1" and due.period == JAN


def test_without_reduced_rates_everybody_pays_the_full_rate_and_children_fall_back():
    due = bill(person_rule(dependant_amount=None, child_amount=None), FAMILY, JAN)
    assert {ln.code for ln in due.lines} == {"contribution.person"}
    due = bill(person_rule(child_amount=None), FAMILY, JAN)
    assert [ln.code for ln in due.lines if ln.member_key == "kid"] == ["contribution.dependant"]


def test_nobody_covered_owes_nothing_not_even_fees():
    gone = HouseholdFacts("H2", (member("a", head=True, until=date(2025, 12, 31)),))
    rule = person_rule(entry_fee=D(1000), card_fee=D(500), assembly_fee=D(200))
    due = bill(rule, gone, JAN, new_members=frozenset({"a"}), cards=1, assembly_due=True)
    assert due.lines == () and due.total == 0
    future = HouseholdFacts("H3", (member("a", head=True, since=date(2026, 2, 1)),))
    assert bill(rule, future, JAN).lines == ()


def test_fees_entry_card_and_assembly():
    rule = person_rule(entry_fee=D(1000), card_fee=D(500), assembly_fee=D(200))
    due = bill(
        rule, FAMILY, JAN, new_members=frozenset({"kid2", "old"}), cards=2, assembly_due=True
    )
    fees = [ln for ln in lines(due) if ln[0].startswith("fee.")]
    assert fees == [
        ("fee.entry", "kid2", 1, D(1000), D(1000)),  # "old" is not covered in the period
        ("fee.card", None, 2, D(500), D(1000)),
        ("fee.assembly", None, 1, D(200), D(200)),
    ]


def test_household_bases_are_prorated_by_days_with_someone_covered():
    rule = ContributionRule(HOUSEHOLD, MONTHLY, "XOF", amount=D(3100))
    assert lines(bill(rule, FAMILY, JAN)) == [("contribution.household", None, 1, D(3100), D(3100))]
    apart = HouseholdFacts(
        "H4",
        (
            member("a", head=True, until=date(2026, 1, 10)),  # 1-10
            member("b", since=date(2026, 1, 21)),  # 21-31: 11 days; 11-20 nobody
        ),
    )
    assert bill(rule, apart, JAN).total == D(2100)


def test_size_bands_count_members_covered_at_any_time_in_the_period():
    rule = ContributionRule(
        SIZE_BANDS,
        MONTHLY,
        "XOF",
        bands=(Band(1, 3, D(1000)), Band(4, 5, D(1500)), Band(6, None, D(2000))),
    )
    # head, spouse, kid, kid2 (born mid-month), gone (left mid-month) = 5; "old" does not count.
    assert lines(bill(rule, FAMILY, JAN)) == [("contribution.band", None, 1, D(1500), D(1500))]
    february = bill(rule, FAMILY, parse("2026-02"))  # "gone" no longer counts
    assert february.lines[0].unit == D(1500)
    small = HouseholdFacts("H5", FAMILY.members[:1])
    assert bill(rule, small, JAN).total == D(1000)
    unbanded = replace(rule, bands=(Band(1, 3, D(1000)),))
    assert bill(unbanded, FAMILY, JAN).warnings == ("due.no_band",)


def test_ability_per_person_per_household_default_and_unknown():
    rule = ContributionRule(ABILITY, MONTHLY, "XOF", ability_amounts=(("A", D(0)), ("C", D(620))))
    due = bill(rule, FAMILY, JAN)
    assert [ln.amount for ln in due.lines] == [D(620), D(620), D(620), D(300), D(200)]
    per_household = replace(rule, ability_per_person=False)
    assert lines(bill(per_household, FAMILY, JAN)) == [
        ("contribution.ability", None, 1, D(620), D(620))
    ]
    indigent = replace(FAMILY, ability="A")
    assert bill(rule, indigent, JAN).lines == ()  # zero lines are left out
    unknown = replace(FAMILY, ability=None)
    assert bill(rule, unknown, JAN).warnings == ("due.ability_unknown",)
    assert (
        bill(replace(rule, default_ability="C"), unknown, JAN).total
        == bill(rule, FAMILY, JAN).total
    )


def test_salary_basis_applies_the_rate_between_floor_and_ceiling():
    rule = ContributionRule(
        SALARY,
        MONTHLY,
        "EUR",
        salary_rate=D("2.5"),
        salary_floor=D(400),
        salary_ceiling=D(3000),
    )
    household = HouseholdFacts(
        "S",
        (
            member("low", head=True, salary=D(100)),  # floor: 400 × 2.5% = 10
            member("mid", salary=D("1234.56")),  # 30.864 → 30.86
            member("high", salary=D(10000)),  # ceiling: 75
            member("dependant"),  # no salary: nothing
        ),
    )
    assert [(ln.member_key, ln.amount) for ln in bill(rule, household, JAN).lines] == [
        ("low", D("10.00")),
        ("mid", D("30.86")),
        ("high", D("75.00")),
    ]


def test_grouped_lines_keep_the_total_and_partial_members():
    plain, grouped = bill(person_rule(), FAMILY, JAN), bill(person_rule(), FAMILY, JAN, group=True)
    assert plain.total == grouped.total
    assert ("contribution.person", None, 1, D(310), D(310)) in lines(grouped)
    assert ("contribution.child", "kid2", 1, D(155), D(75)) in lines(grouped)
    assert len(grouped.lines) == 5  # head, spouse, kid grouped by rate; kid2, gone apart


@pytest.mark.parametrize(
    "amount, start, end, currency, expected",
    [
        (D(3100), date(2026, 1, 1), None, "XOF", D(3100)),
        (D(3100), date(2026, 1, 11), None, "XOF", D(2100)),
        (D(3100), date(2025, 6, 1), date(2026, 1, 1), "XOF", D(100)),
        (D(1000), date(2026, 1, 2), date(2026, 1, 1), "XOF", D(0)),
        (D(1000), date(2026, 2, 1), None, "XOF", D(0)),
        (D("10.00"), date(2026, 1, 1), date(2026, 1, 1), "EUR", D("0.32")),
    ],
)
def test_prorate_table(amount, start, end, currency, expected):
    assert prorate(amount, JAN, start, end, currency) == expected


currencies = st.sampled_from(["XOF", "EUR", "TND"])
years = st.sampled_from(
    [parse("2026"), parse("2028"), parse("2026-11-15"), parse("2027-03-01"), parse("2026-Q1")]
)


@st.composite
def money(draw, currency):
    places = {"XOF": 0, "EUR": 2, "TND": 3}[currency]
    return draw(st.decimals(min_value=0, max_value=D("1e9"), places=places))


@given(st.data(), currencies, years)
def test_slices_of_a_period_split_at_random_dates_sum_to_the_due_exactly(data, currency, period):
    amount = data.draw(money(currency))
    cuts = data.draw(st.lists(st.integers(1, period.days - 1), max_size=12, unique=True))
    edges = [period.start] + sorted(period.start + timedelta(days=c) for c in cuts)
    ends = [e - timedelta(days=1) for e in edges[1:]] + [period.end]
    pieces = [prorate(amount, period, a, b, currency) for a, b in zip(edges, ends, strict=True)]
    assert sum(pieces, D(0)) == amount
    assert all(piece >= 0 for piece in pieces)


@given(st.data(), currencies, years)
def test_spread_over_months_sums_exactly(data, currency, period):
    amount = data.draw(money(currency))
    parts = spread(amount, period, currency)
    assert sum((part for _month, part in parts), D(0)) == amount
    assert [m.start for m, _part in parts][0] == period.start


def test_spread_of_a_season_by_days():
    parts = spread(D(36500), parse("2026-11-15"), "XOF")
    assert parts[0] == (parts[0][0], D(1600))  # 16 days of 365
    assert parts[1][1] == D(3100) and parts[-1][1] == D(1400)


# --- Allocation -------------------------------------------------------------------------------
def test_allocation_takes_the_oldest_dues_first_and_keeps_the_rest_as_credit():
    dues = [
        OpenDue(3, date(2026, 3, 1), D(500)),
        OpenDue(1, date(2026, 1, 1), D(500)),
        OpenDue(2, date(2026, 1, 1), D(300)),
        OpenDue(4, date(2025, 1, 1), D(0)),
    ]
    assert allocate(D(1000), dues) == ([(1, D(500)), (2, D(300)), (3, D(200))], D(0))
    assert allocate(D(2000), dues) == ([(1, D(500)), (2, D(300)), (3, D(500))], D(700))
    assert allocate(D(100), []) == ([], D(100))
    for bad in (D(0), D(-5)):
        with pytest.raises(ValueError):
            allocate(bad, dues)


open_dues = st.lists(
    st.builds(
        OpenDue,
        st.one_of(st.integers(0, 10**6), st.text(min_size=1, max_size=4)),
        st.dates(date(2020, 1, 1), date(2030, 1, 1)),
        st.decimals(min_value=-100, max_value=D(10**6), places=0),
    ),
    max_size=12,
)


@given(st.decimals(min_value=1, max_value=D(10**7), places=0), open_dues)
def test_allocation_never_exceeds_the_payment_nor_a_due_nor_goes_negative(amount, dues):
    allocations, credit = allocate(amount, dues)
    assert sum((a for _key, a in allocations), D(0)) + credit == amount
    assert credit >= 0 and all(a > 0 for _key, a in allocations)
    outstanding = {id(d): d.outstanding for d in dues}
    by_key: dict = {}
    for due in dues:
        by_key.setdefault(due.key, []).append(outstanding[id(due)])
    for key, part in allocations:
        assert part <= max(by_key[key])
    if credit > 0:
        assert sum((a for _k, a in allocations), D(0)) == sum(
            (d.outstanding for d in dues if d.outstanding > 0), D(0)
        )


# --- Typed amounts ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, currency, expected",
    [
        ("1500", "XOF", (D(1500), None)),
        ("1 500", "XOF", (D(1500), None)),
        ("1\u202f500", "XOF", (D(1500), None)),
        (" 1 500 F ", "XOF", (D(1500), None)),
        ("2500 FCFA", "XAF", (D(2500), None)),
        ("1.500.000", "XOF", (D(1500000), None)),
        ("1500,00", "XOF", (D(1500), None)),
        ("1 500,50", "EUR", (D("1500.50"), None)),
        ("1.500,5", "EUR", (D("1500.50"), None)),
        ("1,500.25", "EUR", (D("1500.25"), None)),
        ("12.5", "EUR", (D("12.50"), None)),
        ("1.500", "TND", (D("1.500"), None)),
        ("1.500", "XOF", (None, "amount.ambiguous")),
        ("1,500", "EUR", (None, "amount.ambiguous")),
        ("1 500,50", "XOF", (None, "amount.too_many_decimals")),
        ("12,345", "TND", (D("12.345"), None)),
        ("12,3456", "EUR", (None, "amount.too_many_decimals")),
        ("-500", "XOF", (None, "amount.negative")),
        ("500-", "XOF", (None, "amount.negative")),
        ("0", "XOF", (None, "amount.zero")),
        ("0,00", "EUR", (None, "amount.zero")),
        ("", "XOF", (None, "amount.required")),
        ("   ", "XOF", (None, "amount.required")),
        ("abc", "XOF", (None, "amount.not_a_number")),
        ("1e3", "XOF", (None, "amount.not_a_number")),
        ("NaN", "EUR", (None, "amount.not_a_number")),
        ("1,5.0,0", "EUR", (None, "amount.not_a_number")),
        ("1.50.0", "XOF", (None, "amount.not_a_number")),
        (",5", "EUR", (None, "amount.not_a_number")),
        ("١٥٠٠", "XOF", (None, "amount.not_a_number")),
    ],
)
def test_typed_amounts(text, currency, expected):
    assert amount_errors(text, currency) == expected


@pytest.mark.parametrize(
    "value, currency, expected",
    [
        (D("1500.000"), "XOF", (D(1500), None)),
        (D("1.5E+3"), "XOF", (D(1500), None)),
        (1500, "EUR", (D("1500.00"), None)),
        (D("12.345"), "EUR", (None, "amount.too_many_decimals")),
        (D("-1"), "XOF", (None, "amount.negative")),
        (D(0), "XOF", (None, "amount.zero")),
        (D("NaN"), "XOF", (None, "amount.not_a_number")),
        (D("Infinity"), "EUR", (None, "amount.not_a_number")),
    ],
)
def test_numbers_already_parsed_are_checked_as_they_are(value, currency, expected):
    assert amount_errors(value, currency) == expected


@given(st.decimals(min_value=D("0.01"), max_value=D(10**9), places=2))
def test_an_amount_written_the_french_way_reads_back(value):
    text = f"{value:,.2f}".replace(",", " ").replace(".", ",")
    assert amount_errors(text, "EUR") == (value, None)


# --- Arrears ----------------------------------------------------------------------------------
POLICY = ArrearsPolicy(grace_days=30, suspend_after=2)


def due_state(month, outstanding=D(500), paid_on=None):
    period = parse(f"2026-{month:02d}")
    return DueState(month, period, period.start, outstanding, paid_on)


@pytest.mark.parametrize(
    "dues, on, expected",
    [
        ([due_state(1), due_state(2)], date(2026, 3, 2), None),  # February's grace runs
        ([due_state(1), due_state(2)], date(2026, 3, 3), date(2026, 3, 3)),  # 1 Feb + 30 days
        ([due_state(1), due_state(2)], date(2026, 9, 1), date(2026, 3, 3)),
        ([due_state(1, D(0), date(2026, 1, 20)), due_state(2)], date(2026, 9, 1), None),
        # paid on 1 June: unpaid on 1 May, not after
        ([due_state(1, D(0), date(2026, 6, 1)), due_state(2)], date(2026, 5, 1), date(2026, 3, 3)),
        ([due_state(1, D(0), date(2026, 6, 1)), due_state(2)], date(2026, 6, 1), None),
        # a third unpaid month suspends again, from its own day
        (
            [due_state(1, D(0), date(2026, 6, 1)), due_state(2), due_state(6)],
            date(2026, 8, 1),
            date(2026, 7, 1),
        ),
        ([due_state(1, D(0), None), due_state(2)], date(2026, 9, 1), None),  # nothing owed
        ([due_state(1, D(100)), due_state(2, D(1))], date(2026, 9, 1), date(2026, 3, 3)),
    ],
)
def test_suspension_date_table(dues, on, expected):
    assert suspension_date(POLICY, dues, on) == expected


def test_suspension_policies():
    dues = [due_state(m) for m in (1, 2, 3)]
    assert suspension_date(ArrearsPolicy(0, 3), dues, date(2026, 3, 1)) == date(2026, 3, 1)
    assert suspension_date(ArrearsPolicy(0, 0), dues, date(2026, 12, 1)) is None
    assert suspension_date(ArrearsPolicy(60, 1), dues, date(2026, 3, 1)) is None
    assert suspension_date(ArrearsPolicy(60, 1), dues, date(2026, 3, 2)) == date(2026, 3, 2)
    assert rules.policy_errors(ArrearsPolicy(-1, -1)) == [
        ("arrears.negative_grace", {}),
        ("arrears.bad_suspend_after", {}),
    ]


def test_reinstatement_with_and_without_a_new_waiting_period():
    assert reinstatement(POLICY, date(2026, 3, 3), date(2026, 5, 2)) == (date(2026, 5, 2), None)
    renew = ArrearsPolicy(new_waiting_on_reinstatement=True)
    assert reinstatement(renew, date(2026, 3, 3), date(2026, 5, 2)) == (
        date(2026, 5, 2),
        date(2026, 5, 2),
    )
    with pytest.raises(ValueError):
        reinstatement(POLICY, date(2026, 3, 3), date(2026, 3, 1))


@st.composite
def due_histories(draw):
    dues = []
    for month in range(1, draw(st.integers(1, 12)) + 1):
        period = parse(f"2026-{month:02d}")
        paid = draw(st.one_of(st.none(), st.integers(0, 400)))
        paid_on = None if paid is None else period.start + timedelta(days=paid)
        dues.append(DueState(month, period, period.start, D(0 if paid_on else 500), paid_on))
    return dues


@given(
    due_histories(),
    st.integers(0, 60),
    st.integers(1, 4),
    st.dates(date(2026, 1, 1), date(2027, 6, 1)),
)
def test_suspension_answers_past_dates_from_the_history(dues, grace, after, on):
    policy = ArrearsPolicy(grace, after)

    def unpaid(day):
        return sum(rules.unpaid_at(policy, d, day) for d in dues)

    since = suspension_date(policy, dues, on)
    assert (since is not None) == (unpaid(on) >= after)
    if since is not None:
        assert since <= on and unpaid(since - timedelta(days=1)) < after
        day = since
        while day <= on:
            assert unpaid(day) >= after
            day += timedelta(days=7) if day + timedelta(days=7) <= on else timedelta(days=1)


# --- Non-selection ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Person:
    """What the register knows of a person: sex and birth date included."""

    key: int
    relationship: str
    sex: str
    birth_date: date | None
    covered_from: date
    covered_to: date | None
    salary: D | None = None


CHILD_AGE = 18
ON = date(2026, 1, 1)
RULES = [
    person_rule(child_age=CHILD_AGE, entry_fee=D(1000), card_fee=D(300), assembly_fee=D(500)),
    ContributionRule(HOUSEHOLD, Periodicity(YEAR, 11, 15), "XOF", amount=D(12000)),
    ContributionRule(
        SIZE_BANDS, MONTHLY, "XOF", bands=(Band(1, 2, D(900)), Band(3, None, D(1700)))
    ),
    ContributionRule(ABILITY, Periodicity(QUARTER), "XOF", ability_amounts=(("B", D(750)),)),
    ContributionRule(
        SALARY, MONTHLY, "EUR", salary_rate=D("3.25"), salary_floor=D(200), salary_ceiling=D(4000)
    ),
]
adult_birth = st.dates(date(1926, 1, 1), ON - timedelta(days=366 * CHILD_AGE + 1))
sexes = st.sampled_from(["F", "M"])
coverage_dates = st.dates(date(2025, 6, 1), date(2026, 6, 1))


@st.composite
def households(draw):
    """A household as the register holds it, and a twin that differs only in its adults' sex
    and age (children keep their age, which legitimately sets the solidarity rate)."""
    size = draw(st.integers(1, 8))
    first, twin = [], []
    for i in range(size):
        relationship = (
            "head" if i == 0 else draw(st.sampled_from(["spouse", "child", "parent", "other"]))
        )
        young = relationship == "child" and draw(st.booleans())
        if young:
            born = draw(st.dates(ON - timedelta(days=366 * CHILD_AGE - 1), ON))
            twin_born: date | None = born
        else:
            born = (
                draw(st.one_of(st.none(), adult_birth))
                if relationship != "child"
                else draw(adult_birth)
            )
            twin_born = (
                draw(adult_birth) if relationship != "child" or draw(st.booleans()) else born
            )
        since = draw(coverage_dates)
        until = draw(st.one_of(st.none(), coverage_dates.filter(lambda d, s=since: d >= s)))
        salary = draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=9000, places=2)))
        first.append(Person(i, relationship, draw(sexes), born, since, until, salary))
        twin.append(Person(i, relationship, draw(sexes), twin_born, since, until, salary))
    return first, twin


def facts(persons, rule_child_age):
    members = tuple(member_facts_from(p, rule_child_age, ON) for p in persons)
    return HouseholdFacts("H", members, ability="B")


@given(households(), st.sampled_from(["2025-12", "2026-01", "2026-02", "2026-Q1", "2026-11-15"]))
def test_households_that_differ_only_in_adults_sex_or_age_pay_exactly_the_same(pair, code):
    first, twin = pair
    assume(
        any(
            a.sex != b.sex or a.birth_date != b.birth_date for a, b in zip(first, twin, strict=True)
        )
    )
    period = parse(code)
    for rule in RULES:
        news = frozenset({0, 2})
        due_first = bill(
            rule, facts(first, CHILD_AGE), period, new_members=news, cards=2, assembly_due=True
        )
        due_twin = bill(
            rule, facts(twin, CHILD_AGE), period, new_members=news, cards=2, assembly_due=True
        )
        assert due_first == due_twin


def test_member_facts_read_the_age_of_children_only_and_never_sex():
    child = Person(1, "child", "F", date(2015, 6, 1), date(2020, 1, 1), None)
    grown = replace(child, birth_date=date(2000, 6, 1))
    assert member_facts_from(child, 18, ON).is_child
    assert not member_facts_from(grown, 18, ON).is_child
    assert not member_facts_from(child, None, ON).is_child  # the rule has no child rate
    assert not member_facts_from(replace(child, birth_date=None), 18, ON).is_child
    assert member_facts_from(
        {"relationship": "child", "birth_year": 2020}, 18, ON, key=7, covered_from=ON
    ).is_child
    head = Person(2, "head", "M", None, date(2020, 1, 1), None)
    assert member_facts_from(head, 18, ON) == member_facts_from(replace(head, sex="F"), 18, ON)
    assert member_facts_from(head, 18, ON).is_head
    with pytest.raises(ValueError):
        member_facts_from({"relationship": "head"}, 18, ON)


def test_a_period_of_each_rule_is_right_for_the_twins_test():
    assert period_of(RULES[1].periodicity, ON).code == "2025-11-15"
