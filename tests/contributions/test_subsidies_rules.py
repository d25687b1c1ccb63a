"""The pure subsidy rules, without a database: table-driven cases and hypothesis properties
(shares sum to the due exactly, never negative, never more than the due or a budget)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from mutuelle.contributions import subsidy_rules as sr
from mutuelle.contributions.rules import (
    CHILD_LINE,
    ENTRY_FEE,
    HOUSEHOLD_LINE,
    PERSON_LINE,
    DueLine,
)

D = Decimal
LINES = (
    DueLine(PERSON_LINE, 1, 1, D(6000), D(6000)),
    DueLine(PERSON_LINE, 2, 1, D(6000), D(6000)),
    DueLine(CHILD_LINE, 3, 1, D(3000), D(3000)),
    DueLine(ENTRY_FEE, 1, 1, D(1000), D(1000)),
)


def programme(key="P", mode=sr.ALL, **kw):
    return sr.Programme(key=key, mode=mode, **kw)


def test_all_pays_every_contribution_line_and_fees_only_when_it_says_so():
    result = sr.split(LINES, [sr.Grant(programme())], persons=3, currency="XOF")
    assert result.payers_total == 15000 and result.household_total == 1000
    result = sr.split(LINES, [sr.Grant(programme(covers_fees=True))], persons=3, currency="XOF")
    assert result.payers_total == 16000 and result.household == ()


def test_percentage_fixed_amounts_and_caps():
    cases = [
        (programme(mode=sr.PERCENT, rate=D(50)), 7500),
        (programme(mode=sr.PERCENT, rate=D("33.33")), 5000),  # 4999.5 rounded half up
        (programme(mode=sr.PER_PERSON, amount=D(2000)), 6000),
        (programme(mode=sr.PER_HOUSEHOLD, amount=D(4000)), 4000),
        (programme(mode=sr.PER_HOUSEHOLD, amount=D(99000)), 15000),  # never more than the due
        (programme(mode=sr.ALL, cap=D(2500)), 2500),
        (programme(mode=sr.MATCH), 0),  # matched at payment, not billed
    ]
    for terms, expected in cases:
        result = sr.split(LINES, [sr.Grant(terms)], persons=3, currency="XOF")
        assert result.payers_total == expected, terms


def test_a_list_programme_pays_for_its_members_and_their_part_of_household_lines():
    result = sr.split(LINES, [sr.Grant(programme(), frozenset({3}))], persons=3, currency="XOF")
    assert result.payers_total == 3000
    assert [x.member_key for x in result.shares[0].lines] == [3]
    household_line = (DueLine(HOUSEHOLD_LINE, None, 1, D(12000), D(12000)),)
    result = sr.split(
        household_line, [sr.Grant(programme(), frozenset({3}))], persons=4, currency="XOF"
    )
    assert result.payers_total == 3000  # one person of four


def test_programmes_apply_in_order_on_what_is_left():
    grants = [
        sr.Grant(programme("A", sr.PERCENT, rate=D(50))),
        sr.Grant(programme("B", sr.ALL)),
    ]
    result = sr.split(LINES, grants, persons=3, currency="XOF")
    assert [(s.programme_key, s.amount) for s in result.shares] == [("A", 7500), ("B", 7500)]
    assert result.household_total == 1000


def test_budgets_are_consumed_household_after_household():
    dues = [sr.HouseholdDue(k, LINES, (sr.Grant(programme()),), 3) for k in ("h1", "h2", "h3")]
    splits, left = sr.split_many(dues, "XOF", {"P": D(20000)})
    assert [splits[k].payers_total for k in ("h1", "h2", "h3")] == [15000, 5000, 0]
    assert left == {"P": 0}
    assert splits["h2"].reasons == (("subsidy.budget_exhausted", {"programme": "P"}),)


def test_matching():
    terms = programme(mode=sr.MATCH, ratio=D(1), cap=D(1500))
    assert sr.match(D(1000), D(11000), terms, currency="XOF") == 1000
    assert sr.match(D(1000), D(400), terms, currency="XOF") == 400  # what is still owed
    assert sr.match(D(1000), D(9000), terms, currency="XOF", matched_before=D(1000)) == 500
    assert sr.match(D(1000), D(9000), terms, currency="XOF", budget=D(300)) == 300
    half = programme(mode=sr.MATCH, ratio=D("0.5"))
    assert sr.match(D(1001), D(9000), half, currency="XOF") == 500
    assert sr.match(D(1000), D(9000), programme(), currency="XOF") == 0


def test_programme_terms_are_checked():
    assert sr.mode_errors(programme(mode=sr.PERCENT, rate=D(0)), "XOF") == [
        ("subsidy.bad_rate", {})
    ]
    assert sr.mode_errors(programme(mode=sr.PER_PERSON), "XOF")[0][0] == "subsidy.amount_required"
    assert sr.mode_errors(programme(mode=sr.MATCH, ratio=D(0)), "XOF") == [
        ("subsidy.bad_ratio", {})
    ]
    assert sr.mode_errors(programme(cap=D("10.5")), "XOF")[0][0] == "subsidy.too_many_decimals"
    assert sr.mode_errors(programme(cap=D("10.5")), "EUR") == []


# --- Properties -------------------------------------------------------------------------------
CURRENCIES = st.sampled_from(["XOF", "EUR"])


@st.composite
def due_lines(draw, currency):
    places = 0 if currency == "XOF" else 2
    count = draw(st.integers(1, 6))
    lines = []
    for _i in range(count):
        cents = draw(st.integers(0, 5_000_000))
        amount = D(cents).scaleb(-places)
        code = draw(st.sampled_from([PERSON_LINE, CHILD_LINE, HOUSEHOLD_LINE, ENTRY_FEE]))
        member = None if code == HOUSEHOLD_LINE else draw(st.integers(1, 4))
        lines.append(DueLine(code, member, 1, amount, amount))
    return tuple(lines)


@st.composite
def grants(draw, currency):
    places = 0 if currency == "XOF" else 2
    out = []
    for i in range(draw(st.integers(0, 3))):
        mode = draw(st.sampled_from(sr.MODES))
        terms = sr.Programme(
            key=i,
            mode=mode,
            rate=D(draw(st.integers(1, 10000))) / 100,
            amount=D(draw(st.integers(1, 3_000_000))).scaleb(-places),
            ratio=D(draw(st.integers(1, 300))) / 100,
            cap=draw(st.none() | st.integers(0, 3_000_000).map(lambda n: D(n).scaleb(-places))),
            covers_fees=draw(st.booleans()),
        )
        members = draw(st.none() | st.frozensets(st.integers(1, 4), max_size=4))
        out.append(sr.Grant(terms, members))
    return out


@given(st.data())
def test_shares_sum_to_the_due_exactly_and_are_never_negative(data):
    currency = data.draw(CURRENCIES)
    lines = data.draw(due_lines(currency))
    chosen = data.draw(grants(currency))
    budgets = data.draw(
        st.dictionaries(st.integers(0, 2), st.integers(0, 2_000_000).map(lambda n: D(n).scaleb(-2)))
    )
    result = sr.split(lines, chosen, persons=4, currency=currency, budgets=budgets)
    due = sum((x.amount for x in lines), D(0))
    assert result.household_total + result.payers_total == due
    unit = D(1).scaleb(-(0 if currency == "XOF" else 2))
    for line in (*result.household, *(x for s in result.shares for x in s.lines)):
        assert line.amount >= 0 and line.amount == line.amount.quantize(unit)
    for share in result.shares:
        assert share.amount > 0
        if share.programme_key in budgets:
            assert share.amount <= budgets[share.programme_key]
        cap = chosen[int(share.programme_key)].programme.cap
        if cap is not None:
            assert share.amount <= cap
    # Line by line, the household's part and the payers' parts rebuild the line.
    for line in lines:
        taken = sum(
            (
                x.amount
                for s in result.shares
                for x in s.lines
                if (x.code, x.member_key) == (line.code, line.member_key)
            ),
            D(0),
        )
        kept = sum(
            (
                x.amount
                for x in result.household
                if (x.code, x.member_key) == (line.code, line.member_key)
            ),
            D(0),
        )
        same = [x for x in lines if (x.code, x.member_key) == (line.code, line.member_key)]
        assert taken + kept == sum((x.amount for x in same), D(0))


@given(
    st.lists(st.integers(0, 10_000), min_size=1, max_size=8),
    st.integers(0, 100),
    CURRENCIES,
)
def test_distribute_is_exact_and_within_each_weight(weights, percent, currency):
    places = 0 if currency == "XOF" else 2
    values = [D(w).scaleb(-places) for w in weights]
    total = sum(values, D(0))
    target = (total * percent / 100).quantize(D(1).scaleb(-places), rounding="ROUND_FLOOR")
    parts = sr.distribute(target, values, currency)
    assert sum(parts, D(0)) == target
    assert all(D(0) <= p <= w for p, w in zip(parts, values, strict=True))


@given(
    st.integers(1, 1_000_000),
    st.integers(0, 1_000_000),
    st.integers(1, 300),
    st.none() | st.integers(0, 1_000_000),
    st.integers(0, 1_000_000),
)
def test_matching_never_exceeds_what_is_owed_the_cap_or_is_negative(
    paid, outstanding, ratio, cap, before
):
    terms = programme(mode=sr.MATCH, ratio=D(ratio) / 100, cap=None if cap is None else D(cap))
    value = sr.match(D(paid), D(outstanding), terms, currency="XOF", matched_before=D(before))
    assert D(0) <= value <= D(outstanding)
    assert value <= D(paid) * D(ratio) / 100
    if cap is not None:
        assert value <= max(D(cap) - D(before), D(0))
