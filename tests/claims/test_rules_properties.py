"""Properties of the adjudication engine over random batches (hypothesis, no database): every
line balances, no amount is negative, no ceiling, quantity or letter is ever exceeded, the same
input gives the same output, and the input's order changes nothing."""

import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from mutuelle.benefits.rules import Line
from mutuelle.claims import rules
from mutuelle.claims.rules import (
    VISIT_TYPES,
    ClaimIn,
    ConventionFacts,
    LetterFacts,
    LineIn,
    Usage,
    VersionTerms,
    adjudicate,
)
from mutuelle.contributions.coverage import Coverage

from .test_rules_helpers import ACTS, MAN, TERMS, TODAY, WOMAN, balanced, context

START = date(2025, 8, 1)
CODES = sorted(ACTS) + ["NOPE"]
PEOPLE = {
    "P1": ("H1", MAN),
    "P2": ("H1", WOMAN),
    "P3": ("H2", replace(WOMAN, birth_date=date(2023, 5, 1), relationship="child")),
    "P4": ("H2", replace(MAN, coverage=Coverage(False, (), "coverage.suspended", {}))),
    "P5": ("H3", replace(WOMAN, waiting_anchor=date(2025, 10, 1))),
}
CASH_LINES = (
    Line(key="fun", kind="cash", cash_benefit="funeral", amount=D(50000)),
    Line(key="mat", kind="cash", cash_benefit="maternity", amount=D(20000), waiting_days=270),
    Line(key="day", kind="cash", cash_benefit="daily_allowance", amount=D(1000), max_days=10),
)
TIGHT = replace(
    TERMS,
    lines=TERMS.lines + CASH_LINES,
    ceiling_person=D(12000),
    ceiling_household=D(18000),
    deductible=D(300),
)
VERSIONS = (VersionTerms("v1", "pkg", TIGHT),)
CONVENTIONS = (
    ConventionFacts(care_level="district", submission_days=60),
    ConventionFacts(care_level="district", submission_days=None),
    ConventionFacts(care_level="regional", submission_days=90),
    ConventionFacts(care_level="centre", submission_days=None, diagnosis_required=True),
    None,
)

prices = st.one_of(
    st.integers(-100, 40000).map(D),
    st.decimals(min_value=0, max_value=30000, places=2, allow_nan=False, allow_infinity=False),
)
lines = st.builds(
    LineIn,
    key=st.integers(0, 9),
    act_code=st.sampled_from(CODES),
    quantity=st.one_of(st.integers(1, 6), st.integers(-1, 6)),
    unit_price=prices,
    on=st.one_of(st.none(), st.integers(0, 3), st.integers(-1, 12)),  # days after the claim's start
)
letters = st.one_of(
    st.none(),
    st.builds(
        LetterFacts,
        number=st.sampled_from(["GL-1", "GL-2"]),
        valid_from=st.integers(0, 200).map(lambda n: START + timedelta(days=n)),
        valid_to=st.integers(100, 400).map(lambda n: START + timedelta(days=n)),
        max_amount=st.integers(0, 40000).map(D),
        status=st.sampled_from(["approved", "approved", "refused"]),
    ),
)


cash_lines = st.builds(
    LineIn,
    key=st.just(0),
    act_code=st.sampled_from(["FUNERAL", "MATERNITY", "DAILY_ALLOWANCE", "PENSION"]),
    quantity=st.integers(-1, 15),
    unit_price=st.just(D(0)),
)


@st.composite
def claims(draw, key):
    person = draw(st.sampled_from(["P1", "P1", "P2", "P2", "P3", "P4", "P5"]))
    cash = draw(st.integers(0, 5)) == 0  # one claim in six: a cash benefit
    start = START + timedelta(days=draw(st.integers(0, 300)))
    end = start + timedelta(days=draw(st.one_of(st.integers(0, 10), st.integers(-1, 10))))
    return ClaimIn(
        key=key,
        household=PEOPLE[person][0],
        person=person,
        provider=draw(st.sampled_from(["PR1", "PR2"])),
        care_from=start,
        care_to=end,
        submitted_on=end + timedelta(days=draw(st.integers(0, 70))),
        sequence=draw(st.integers(0, 5)),
        visit_type=draw(st.sampled_from(VISIT_TYPES)),
        has_diagnosis=draw(st.booleans()),
        referral=draw(st.booleans()),
        letter=draw(letters),
        external_key=draw(st.sampled_from(["", "", "", "", "INV-1", "INV-2"])),
        kind=rules.CASH_BENEFIT if cash else rules.THIRD_PARTY,
        episode=draw(st.sampled_from([None, "E1"])),
        lines=(draw(cash_lines),)
        if cash
        else tuple(
            replace(x, key=i, on=None if x.on is None else start + timedelta(days=x.on))
            for i, x in enumerate(draw(st.lists(lines, min_size=0, max_size=5)))
        ),
    )


@st.composite
def batches(draw):
    n = draw(st.integers(1, 25))
    return [draw(claims(key)) for key in range(n)]


def contexts(batch, convention_index):
    out = {}
    for c in batch:
        convention = CONVENTIONS[(convention_index + c.key) % len(CONVENTIONS)]
        out[c.key] = context(
            person=PEOPLE[c.person][1],
            convention=convention,
            versions=VERSIONS,
            today=TODAY,
        )
    return out


def _run(batch, convention_index):
    return adjudicate(batch, contexts(batch, convention_index), Usage())


@given(batches(), st.integers(0, 2))
def test_every_line_balances_and_nothing_is_negative(batch, conv):
    for d in _run(batch, conv):
        assert d.status in (rules.APPROVED, rules.PARTIAL, rules.REJECTED)
        for x in d.lines:
            assert balanced(x), x
            for amount in (x.asked, x.tariff_adjusted, x.covered, x.copayment, x.excess):
                assert amount >= 0, x
            assert x.rejected >= 0
            assert x.tariff_adjusted <= x.asked
            assert x.decision in (rules.APPROVED, rules.REDUCED, rules.REJECTED)
            if x.decision == rules.REJECTED:
                assert x.covered == 0 or x.tariff_adjusted == 0
            for code, params in x.reasons:
                assert code in rules.REASONS
                assert set(params) <= set(rules.REASONS[code])
        assert d.covered == sum((x.covered for x in d.lines), D(0))
        assert d.covered + d.copayment + d.excess + d.rejected == d.tariff_adjusted


@given(batches(), st.integers(0, 2))
def test_no_ceiling_quantity_or_letter_is_ever_exceeded(batch, conv):
    decisions = _run(batch, conv)
    by_key = {c.key: c for c in batch}
    person_year: dict = defaultdict(D)
    household_year: dict = defaultdict(D)
    letter_paid: dict = defaultdict(D)
    letter_max: dict = {}
    lab_days: dict = defaultdict(list)
    funerals: dict = defaultdict(int)
    allowance_days: dict = defaultdict(int)
    per_act = {line.key: line.per_act_ceiling for line in TIGHT.lines}
    for d in decisions:
        c = by_key[d.key]
        for x in d.lines:
            if x.covered == 0:
                continue
            assert x.on is not None
            if x.target.startswith(rules.CASH):  # their own limits, outside the ceilings
                funerals[c.person] += x.target == "cash:funeral"
                if x.target == "cash:daily_allowance":
                    allowance_days[c.episode if c.episode is not None else c.key] += (
                        x.covered_quantity
                    )
                continue
            person_year[c.person, x.on.year] += x.covered
            household_year[c.household, x.on.year] += x.covered
            line_key = next(t[1]["line"] for t in x.trail if t[0] == "package")
            if per_act[line_key] is not None:
                assert x.covered <= per_act[line_key] * x.covered_quantity
            letter = c.letter
            if (
                letter
                and letter.status == "approved"
                and letter.valid_from <= x.on <= letter.valid_to
            ):
                letter_paid[c.letter.number] += x.covered
                letter_max.setdefault(c.letter.number, set()).add(c.letter.max_amount)
            if x.target == "category:laboratory":
                lab_days[c.person].append((x.on.toordinal(), x.covered_quantity))
    assert all(n <= 1 for n in funerals.values())
    assert all(n <= 10 for n in allowance_days.values())
    assert all(v <= TIGHT.ceiling_person for v in person_year.values())
    assert all(v <= TIGHT.ceiling_household for v in household_year.values())
    for number, paid in letter_paid.items():
        assert paid <= max(letter_max[number])  # a number's maximum as the claims cite it
    for events in lab_days.values():  # 3 units per 30 days, in every window
        for start, _ in events:
            for s in (start, start - 29):
                assert sum(u for d, u in events if s <= d <= s + 29) <= 3


@given(batches(), st.integers(0, 2), st.randoms(use_true_random=False))
def test_same_input_same_output_whatever_the_order(batch, conv, rnd: random.Random):
    first = _run(batch, conv)
    again = _run(batch, conv)
    assert first == again
    shuffled = list(batch)
    rnd.shuffle(shuffled)
    other = {d.key: d for d in _run(shuffled, conv)}
    assert [other[d.key] for d in first] == first


@given(batches(), st.integers(0, 2))
def test_a_batch_decides_like_one_claim_at_a_time_in_the_canonical_order(batch, conv):
    ctxs = contexts(batch, conv)
    usage = Usage()
    one_by_one = {
        c.key: rules.adjudicate_one(c, ctxs[c.key], usage)
        for c in sorted(batch, key=rules.canonical_key)
    }
    assert [one_by_one[c.key] for c in batch] == _run(batch, conv)
