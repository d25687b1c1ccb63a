"""What a settlement pays (pure rules): totals, flat rates per episode, capitation per month,
recovery of advances (oldest first, never beyond what is open nor the gross), rounding."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutuelle.claims import settlement_rules as rules

D = Decimal


def item(key, covered, episode=None, kind="outpatient"):
    return rules.ClaimItem(key=key, covered=D(covered), episode=episode, episode_type=kind)


def debt(key, open_, on, kind="advance"):
    return rules.OpenDebt(key=key, kind=kind, open=D(open_), on=on)


@pytest.mark.parametrize(
    ("visit", "categories", "expected"),
    [
        ("outpatient", [], "outpatient"),
        ("inpatient", ["hospitalization"], "inpatient"),
        ("inpatient", ["hospitalization", "delivery"], "delivery"),
        ("emergency", ["delivery"], "delivery"),
    ],
)
def test_it_tells_the_episode_type(visit, categories, expected):
    assert rules.episode_type(visit, categories) == expected


def test_fee_for_service_pays_the_covered_amounts():
    s = rules.statement([item(1, "1600"), item(2, "3500")], rules.Terms(), "XOF")
    assert (s.claims_count, s.claims_amount, s.lines, s.net) == (2, D(5100), (), D(5100))


def test_flat_rate_pays_each_episode_once_by_its_most_intensive_type():
    claims = [
        item(1, "1600", episode=10, kind="outpatient"),
        item(2, "35000", episode=10, kind="inpatient"),  # the same stay: one inpatient episode
        item(3, "1600"),  # an episode of its own
        item(4, "1200"),
        item(5, "14000", kind="delivery"),
    ]
    terms = rules.Terms(
        payment_mode="flat_rate",
        flat_rates={"outpatient": D(2500), "inpatient": D(40000)},
    )
    s = rules.statement(claims, terms, "XOF")
    by_label = {x.label: x for x in s.lines}
    assert (by_label["flat_rate.inpatient"].quantity, by_label["flat_rate.inpatient"].amount) == (
        1,
        D(40000),
    )
    assert (by_label["flat_rate.outpatient"].quantity, by_label["flat_rate.outpatient"].amount) == (
        2,
        D(5000),
    )
    # The delivery has no rate: paid fee-for-service, its covered amount stays.
    assert by_label["flat_rate.replaced"].amount == -D(1600 + 35000 + 1600 + 1200)
    assert s.claims_amount == D(53400)
    assert s.net == D(40000 + 5000 + 14000)
    assert [x.label for x in s.lines][:2] == ["flat_rate.inpatient", "flat_rate.outpatient"]


def test_flat_rate_never_pays_an_episode_twice():
    claims = [item(1, "5000", episode=10, kind="inpatient")]
    terms = rules.Terms(payment_mode="flat_rate", flat_rates={"inpatient": D(40000)})
    s = rules.statement(claims, terms, "XOF", already_paid=frozenset({10}))
    assert [(x.label, x.amount) for x in s.lines] == [("flat_rate.replaced", -D(5000))]
    assert s.net == 0


def test_capitation_pays_attached_beneficiaries_per_month_instead_of_the_claims():
    terms = rules.Terms(payment_mode="capitation", capitation_amount=D("250"))
    s = rules.statement(
        [item(1, "1600"), item(2, "800")],
        terms,
        "XOF",
        attached=[(2026, 4, 120), (2026, 5, 130)],
    )
    assert [(x.label, x.quantity, x.amount) for x in s.lines] == [
        ("capitation.2026-04", 120, D(30000)),
        ("capitation.2026-05", 130, D(32500)),
        ("capitation.replaced", 0, -D(2400)),
    ]
    assert s.net == D(62500)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 5, 1), date(2026, 5, 31), [(2026, 5)]),
        (date(2026, 5, 2), date(2026, 6, 30), [(2026, 6)]),
        (date(2026, 11, 1), date(2027, 1, 31), [(2026, 11), (2026, 12), (2027, 1)]),
        (date(2026, 5, 2), date(2026, 5, 31), []),
    ],
)
def test_a_month_is_paid_by_the_period_holding_its_first_day(start, end, months):
    assert rules.months_in(start, end) == months


def test_recovery_takes_the_oldest_debt_first_and_never_more_than_the_gross():
    debts = [debt(2, "30000", date(2026, 3, 1)), debt(1, "50000", date(2026, 1, 5))]
    s = rules.statement([item(1, "60000")], rules.Terms(), "XOF", debts=debts)
    assert [(x.kind, x.debt, x.amount) for x in s.lines] == [
        ("advance_recovery", 1, -D(50000)),
        ("advance_recovery", 2, -D(10000)),
    ]
    assert (s.gross, s.recovered, s.net) == (D(60000), D(60000), 0)


def test_rounding_follows_the_currency():
    terms = rules.Terms(payment_mode="capitation", capitation_amount=D("333.335"))
    xof = rules.statement([], terms, "XOF", attached=[(2026, 5, 3)])
    eur = rules.statement([], terms, "EUR", attached=[(2026, 5, 3)])
    assert xof.net == D(999) and eur.net == D("1000.02")
    assert rules.statement([item(1, "10.50")], rules.Terms(), "XOF").net == D(11)


money = st.decimals(min_value=0, max_value=10**7, places=0, allow_nan=False)


@given(
    covered=st.lists(money, max_size=12),
    opens=st.lists(st.tuples(money, st.integers(0, 400)), max_size=6),
    mode=st.sampled_from(["fee_for_service", "flat_rate", "capitation"]),
    attached=st.lists(st.integers(0, 500), max_size=3),
)
def test_the_statement_always_adds_up(covered, opens, mode, attached):
    claims = [
        item(i, c, episode=i % 4 if i % 3 else None, kind=("outpatient", "inpatient")[i % 2])
        for i, c in enumerate(covered)
    ]
    debts = [debt(i, o, date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + d))
             for i, (o, d) in enumerate(opens)]  # fmt: skip
    terms = rules.Terms(
        payment_mode=mode,
        flat_rates={"outpatient": D(2500)},
        capitation_amount=D(300),
    )
    s = rules.statement(
        claims,
        terms,
        "XOF",
        attached=[(2026, m + 1, n) for m, n in enumerate(attached)],
        debts=debts,
    )
    assert s.net == s.claims_amount + s.other_amount
    assert s.net >= 0
    assert s.recovered <= max(s.gross, 0)
    assert s.recovered <= sum((d.open for d in debts), D(0))
    open_by_key = {d.key: d.open for d in debts}
    for x in s.lines:
        if x.debt is not None:
            assert 0 < -x.amount <= open_by_key[x.debt]
    assert s.net == s.gross - s.recovered
