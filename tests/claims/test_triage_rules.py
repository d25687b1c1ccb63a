"""The triage rules without a database: each flag's threshold (table-driven), the statistics
(percentiles, peers' medians), and properties (hypothesis): the same claim always gets the same
flags, a claim the mutual pays nothing for is never flagged, the random sample is a stable
share of the claims."""

import uuid
from collections import Counter
from dataclasses import replace
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutuelle.claims import triage_rules as tr

T = tr.Thresholds(sample_rate=D(0))  # no random draw unless a test asks for one
# A clean outpatient claim of provider 1 (a health centre among four).
CLEAN = tr.ClaimFacts(
    key=1,
    uuid="00000000-0000-0000-0000-000000000001",
    provider=1,
    covered=D(1600),
    amount=D(2000),
    lines=(("CONS-MG", 1),),
)


def stats(acts_per_visit=(D("1.4"), D("1.3"), D("1.5"), D("1.2")), cost=(2500, 2400, 2600, 2300)):
    totals = [
        tr.ProviderTotals(
            provider=i + 1, level="centre", claims=100, acts=int(a * 100), cost=D(c) * 100
        )
        for i, (a, c) in enumerate(zip(acts_per_visit, cost, strict=True))
    ]
    quantities = {"CONS-MG": Counter({1: 400}), "HOSP-J": Counter({1: 30, 2: 40, 3: 24, 4: 6})}
    return tr.build_stats(quantities, totals, T)


def codes(flags):
    return [f.code for f in flags]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, []),
        ({"covered": D(100_000)}, [tr.HIGH_AMOUNT]),
        ({"covered": D(99_999)}, []),
        ({"lines": (("HOSP-J", 9),)}, [tr.QUANTITY_OUTLIER]),  # p95 4: limit 8
        ({"lines": (("HOSP-J", 8),)}, []),
        ({"lines": (("NEW-ACT", 50),)}, []),  # never seen: no distribution to compare with
        ({"eligibility_checked": False}, [tr.NO_ELIGIBILITY_CHECK]),
        ({"eligibility_checked": False, "kind": "reimbursement"}, []),  # the member paid
        ({"repeated": (("CONS-MG", 1),)}, [tr.REPEATED_ACROSS_PROVIDERS]),
        ({"split_with": 1}, [tr.SPLIT_BILLING]),
        ({"split_with": 1, "kind": "cash_benefit"}, []),
        ({"covered": D(0), "eligibility_checked": False, "split_with": 2}, []),  # pays nothing
        (
            {"covered": D(150_000), "eligibility_checked": False, "split_with": 1},
            [tr.HIGH_AMOUNT, tr.NO_ELIGIBILITY_CHECK, tr.SPLIT_BILLING],
        ),
    ],
)
def test_each_flag_has_its_threshold(change, expected):
    assert codes(tr.flags_for(replace(CLEAN, **change), stats(), T)) == expected


def test_a_provider_drifting_from_its_peers_is_flagged_on_its_heavy_claims_only():
    s = stats(acts_per_visit=(D("4.2"), D("1.3"), D("1.5"), D("1.2")))
    heavy = replace(CLEAN, lines=(("CONS-MG", 1), ("NFS", 2), ("CONS-INF", 1)))
    [flag] = tr.flags_for(heavy, s, T)
    assert flag.code == tr.PROVIDER_DRIFT
    assert flag.params == {
        "measure": tr.ACTS_PER_VISIT,
        "provider": D("4.20"),
        "peers": D("1.30"),
        "claim": 4,
    }
    assert tr.flags_for(CLEAN, s, T) == []  # one act: below the peers' figure
    # The same claim at a peer is not flagged: the peer does not drift.
    assert tr.flags_for(replace(heavy, provider=2), s, T) == []


def test_cost_per_case_drift():
    s = stats(cost=(9000, 2400, 2600, 2300))
    [flag] = tr.flags_for(replace(CLEAN, amount=D(8000)), s, T)
    assert (flag.code, flag.params["measure"]) == (tr.PROVIDER_DRIFT, tr.COST_PER_CASE)


def test_no_drift_without_enough_peers_or_claims():
    few_peers = tr.build_stats(
        {},
        [
            tr.ProviderTotals(1, "centre", 100, 420, D(250000)),
            tr.ProviderTotals(2, "centre", 100, 130, D(240000)),
            tr.ProviderTotals(3, "hospital", 100, 130, D(240000)),
        ],
        T,
    )
    heavy = replace(CLEAN, lines=(("CONS-MG", 1), ("NFS", 3)))
    assert tr.flags_for(heavy, few_peers, T) == []
    small = tr.build_stats(
        {},
        [tr.ProviderTotals(1, "centre", 10, 42, D(25000))]
        + [tr.ProviderTotals(i, "centre", 100, 130, D(240000)) for i in (2, 3, 4)],
        T,
    )
    assert tr.flags_for(heavy, small, T) == []


def test_a_never_checked_beneficiary_weighs_twice():
    once = tr.flags_for(replace(CLEAN, eligibility_checked=False), stats(), T)
    never = tr.flags_for(replace(CLEAN, eligibility_checked=False, never_checked=True), stats(), T)
    assert never[0].score == 2 * once[0].score
    assert never[0].params == {"never_checked": True}


def test_high_amounts_score_more_the_higher_they_are():
    low = tr.flags_for(replace(CLEAN, covered=D(100_000)), stats(), T)
    high = tr.flags_for(replace(CLEAN, covered=D(300_000)), stats(), T)
    capped = tr.flags_for(replace(CLEAN, covered=D(10_000_000)), stats(), T)
    assert low[0].score < high[0].score < capped[0].score == 4 * tr.SCORES[tr.HIGH_AMOUNT]


@pytest.mark.parametrize(
    ("counts", "share", "expected"),
    [
        ({}, D("0.5"), 0),
        ({1: 1}, D("0.95"), 1),
        ({1: 50, 2: 50}, D("0.5"), 1),
        ({1: 49, 2: 51}, D("0.5"), 2),
        ({1: 95, 10: 5}, D("0.95"), 1),
        ({1: 94, 10: 6}, D("0.95"), 10),
    ],
)
def test_percentile(counts, share, expected):
    assert tr.percentile(counts, share) == expected


def test_peers_exclude_the_provider_itself_and_other_levels():
    figures, peers = tr.provider_stats(
        [
            tr.ProviderTotals(1, "centre", 100, 400, D(1000)),
            tr.ProviderTotals(2, "centre", 100, 100, D(1000)),
            tr.ProviderTotals(3, "centre", 100, 200, D(1000)),
            tr.ProviderTotals(4, "district", 100, 900, D(1000)),
        ],
        T,
    )
    assert figures[1].acts_per_visit == 4
    assert peers[1].acts_per_visit == D("1.5")  # median of 1 and 2
    assert peers[2].acts_per_visit == 3  # median of 4 and 2
    assert 4 not in peers  # alone at its level


def test_quantity_counts_ignore_bad_quantities():
    assert tr.quantity_counts([("A", 1), ("A", 1), ("A", 0), ("B", -2), ("B", 3)]) == {
        "A": Counter({1: 2}),
        "B": Counter({3: 1}),
    }


@given(st.uuids())
def test_the_random_sample_is_deterministic(value):
    text = str(value)
    assert tr.sampled(text, D("0.1")) == tr.sampled(text, D("0.1"))
    assert not tr.sampled(text, D(0))
    assert tr.sampled(text, D(1))


def test_the_random_sample_draws_about_its_rate():
    drawn = sum(tr.sampled(str(uuid.UUID(int=i * 7919 + 13)), D("0.05")) for i in range(4000))
    assert 140 <= drawn <= 260  # 5 % of 4,000 = 200


facts = st.builds(
    tr.ClaimFacts,
    key=st.integers(1, 10**6),
    uuid=st.uuids().map(str),
    provider=st.integers(1, 5),
    covered=st.decimals(min_value=0, max_value=500_000, places=0),
    amount=st.decimals(min_value=0, max_value=600_000, places=0),
    lines=st.lists(
        st.tuples(st.sampled_from(["CONS-MG", "HOSP-J", "NFS"]), st.integers(-1, 20)),
        min_size=1,
        max_size=5,
    ).map(tuple),
    kind=st.sampled_from(["third_party", "reimbursement", "cash_benefit"]),
    eligibility_checked=st.booleans(),
    never_checked=st.booleans(),
    repeated=st.lists(st.tuples(st.just("CONS-MG"), st.integers(1, 3)), max_size=1).map(tuple),
    split_with=st.integers(0, 3),
)


@given(facts)
def test_flags_are_deterministic_coded_and_never_for_claims_paying_nothing(claim):
    s = stats()
    thresholds = tr.Thresholds()
    flags = tr.flags_for(claim, s, thresholds)
    assert flags == tr.flags_for(claim, s, thresholds)
    assert all(f.code in tr.CODES and set(f.params) <= set(tr.CODES[f.code]) for f in flags)
    assert len({f.code for f in flags}) == len(flags)
    assert all(f.score > 0 for f in flags)
    if claim.covered <= 0:
        assert flags == []
    if claim.covered >= thresholds.high_amount:
        assert tr.HIGH_AMOUNT in codes(flags)
    order = list(tr.CODES)
    assert codes(flags) == sorted(codes(flags), key=order.index)
