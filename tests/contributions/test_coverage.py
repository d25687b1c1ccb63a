"""Coverage status at a date: every reason code, their precedence, waiting periods and renewals,
past dates answered from the history. Pure: no database."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutuelle.contributions.coverage import (
    ACTIVE,
    DECEASED,
    EXCLUDED,
    PENDING,
    REASONS,
    SUSPENDED,
    WITHDRAWN,
    BeneficiaryFacts,
    Coverage,
    Holding,
    StatusChange,
    coverage_at,
    coverage_many,
)
from mutuelle.members import rules as member_rules

ENROLLED = date(2026, 1, 10)
BASIC = Holding("v1", "BASIC", date(2026, 1, 1), None, waiting_days=30)


def facts(*changes, holdings=(BASIC,), enrolled=ENROLLED, waiting_from=ENROLLED):
    statuses = tuple(StatusChange(on, status) for on, status in changes)
    return BeneficiaryFacts(enrolled, waiting_from, statuses, tuple(holdings))


ACTIVE_FROM_ENROLMENT = ((ENROLLED, PENDING), (date(2026, 1, 12), ACTIVE))


def test_the_statuses_are_the_register_s():
    assert (PENDING, ACTIVE, SUSPENDED, WITHDRAWN, DECEASED, EXCLUDED) == member_rules.STATUSES


@pytest.mark.parametrize(
    "changes, on, reason, params",
    [
        # not a member: before enrolment, no status yet, still pending
        (ACTIVE_FROM_ENROLMENT, date(2026, 1, 9), "coverage.not_member", {}),
        ((), date(2026, 3, 1), "coverage.not_member", {}),
        (((ENROLLED, PENDING),), date(2026, 3, 1), "coverage.not_member", {}),
        (ACTIVE_FROM_ENROLMENT, date(2026, 1, 11), "coverage.not_member", {}),
        # waiting: 30 days from 10 January
        (ACTIVE_FROM_ENROLMENT, date(2026, 1, 12), "coverage.waiting", {"until": date(2026, 2, 9)}),
        (ACTIVE_FROM_ENROLMENT, date(2026, 2, 8), "coverage.waiting", {"until": date(2026, 2, 9)}),
        (ACTIVE_FROM_ENROLMENT, date(2026, 2, 9), None, {}),
        # suspended for arrears, then reinstated
        (
            (*ACTIVE_FROM_ENROLMENT, (date(2026, 5, 3), SUSPENDED), (date(2026, 7, 1), ACTIVE)),
            date(2026, 6, 30),
            "coverage.suspended",
            {"since": date(2026, 5, 3)},
        ),
        (
            (*ACTIVE_FROM_ENROLMENT, (date(2026, 5, 3), SUSPENDED), (date(2026, 7, 1), ACTIVE)),
            date(2026, 7, 1),
            None,
            {},
        ),
        # the same status recorded twice: since the first
        (
            (*ACTIVE_FROM_ENROLMENT, (date(2026, 5, 3), SUSPENDED), (date(2026, 6, 3), SUSPENDED)),
            date(2026, 6, 30),
            "coverage.suspended",
            {"since": date(2026, 5, 3)},
        ),
        (
            (*ACTIVE_FROM_ENROLMENT, (date(2026, 8, 1), WITHDRAWN)),
            date(2026, 8, 1),
            "coverage.withdrawn",
            {"since": date(2026, 8, 1)},
        ),
        (
            (*ACTIVE_FROM_ENROLMENT, (date(2026, 8, 1), WITHDRAWN)),
            date(2026, 7, 31),
            None,
            {},
        ),
        (
            (*ACTIVE_FROM_ENROLMENT, (date(2026, 8, 1), EXCLUDED)),
            date(2027, 1, 1),
            "coverage.excluded",
            {"since": date(2026, 8, 1)},
        ),
        (
            (*ACTIVE_FROM_ENROLMENT, (date(2026, 9, 9), DECEASED)),
            date(2030, 1, 1),
            "coverage.deceased",
            {"since": date(2026, 9, 9)},
        ),
        # rejoining after a withdrawal: pending again, then active
        (
            (
                *ACTIVE_FROM_ENROLMENT,
                (date(2026, 8, 1), WITHDRAWN),
                (date(2027, 1, 5), PENDING),
                (date(2027, 1, 6), ACTIVE),
            ),
            date(2027, 1, 5),
            "coverage.not_member",
            {},
        ),
    ],
)
def test_every_reason_code(changes, on, reason, params):
    result = coverage_at(facts(*changes), on)
    assert (result.reason, result.params) == (reason, params)
    assert result.covered is (reason is None)
    assert result.versions == (("v1",) if reason is None else ())


def test_no_package_in_force():
    ended = Holding("v1", "BASIC", date(2025, 1, 1), date(2026, 3, 31), waiting_days=0)
    later = Holding("v9", "BASIC", date(2026, 6, 1), None, waiting_days=0)
    f = facts(*ACTIVE_FROM_ENROLMENT, holdings=(ended, later))
    assert coverage_at(f, date(2026, 3, 31)).covered
    assert coverage_at(f, date(2026, 4, 1)) == Coverage(False, (), "coverage.no_package", {})
    assert coverage_at(f, date(2026, 6, 1)).versions == ("v9",)  # after a gap: 0 waiting days
    assert coverage_at(facts(*ACTIVE_FROM_ENROLMENT, holdings=()), date(2026, 4, 1)).reason == (
        "coverage.no_package"
    )


@pytest.mark.parametrize(
    "changes, holdings, on, reason",
    [
        # deceased beats everything, even a status recorded after the death
        (
            ((date(2026, 1, 1), ACTIVE), (date(2026, 2, 1), DECEASED), (date(2026, 3, 1), ACTIVE)),
            (BASIC,),
            date(2026, 4, 1),
            "coverage.deceased",
        ),
        # withdrawn beats no package and waiting
        (
            ((date(2026, 1, 1), ACTIVE), (date(2026, 1, 11), WITHDRAWN)),
            (),
            date(2026, 1, 12),
            "coverage.withdrawn",
        ),
        (
            ((date(2026, 1, 1), ACTIVE), (date(2026, 1, 11), EXCLUDED)),
            (),
            date(2026, 1, 12),
            "coverage.excluded",
        ),
        # suspended beats "not yet a member" (before the enrolment date) and no package
        (((date(2026, 1, 1), SUSPENDED),), (), date(2026, 1, 2), "coverage.suspended"),
        # not yet a member beats no package
        (((date(2026, 1, 1), PENDING),), (), date(2026, 3, 1), "coverage.not_member"),
        (((date(2026, 1, 1), ACTIVE),), (), date(2026, 1, 5), "coverage.not_member"),
        # no package beats waiting (nothing to wait for)
        (((date(2026, 1, 1), ACTIVE),), (), date(2026, 1, 12), "coverage.no_package"),
        # waiting last
        (((date(2026, 1, 1), ACTIVE),), (BASIC,), date(2026, 1, 12), "coverage.waiting"),
    ],
)
def test_precedence_of_reasons(changes, holdings, on, reason):
    assert coverage_at(facts(*changes, holdings=holdings), on).reason == reason


def test_changes_of_the_same_day_the_later_in_the_tuple_wins_whatever_the_order_of_days():
    f = facts((date(2026, 2, 1), ACTIVE), (ENROLLED, PENDING), (ENROLLED, ACTIVE))
    assert coverage_at(f, date(2026, 3, 1)).covered
    assert coverage_at(f, ENROLLED).params == {"until": date(2026, 2, 9)}  # active, waiting
    g = facts((ENROLLED, ACTIVE), (ENROLLED, PENDING))
    assert coverage_at(g, date(2026, 3, 1)).reason == "coverage.not_member"


def test_renewal_without_a_gap_does_not_restart_waiting():
    v1 = Holding("v1", "BASIC", date(2026, 1, 1), date(2026, 12, 31), waiting_days=90)
    v2 = Holding("v2", "BASIC", date(2027, 1, 1), None, waiting_days=90)
    renewed = facts(*ACTIVE_FROM_ENROLMENT, holdings=(v2, v1), waiting_from=date(2026, 10, 1))
    assert coverage_at(renewed, date(2026, 12, 15)).params == {"until": date(2026, 12, 30)}
    assert coverage_at(renewed, date(2027, 1, 1)).versions == ("v2",)
    # a gap of one day restarts waiting from the new holding
    gap = Holding("v2", "BASIC", date(2027, 1, 2), None, waiting_days=90)
    lapsed = facts(*ACTIVE_FROM_ENROLMENT, holdings=(v1, gap), waiting_from=date(2026, 10, 1))
    assert coverage_at(lapsed, date(2027, 1, 2)).params == {"until": date(2027, 4, 2)}
    # a chain of three renewals counts from the first
    v0 = Holding("v0", "BASIC", date(2025, 1, 1), date(2025, 12, 31), waiting_days=400)
    v1_long = Holding("v1", "BASIC", date(2026, 1, 1), date(2026, 12, 31), waiting_days=400)
    chain = facts(
        (date(2025, 1, 1), ACTIVE),
        holdings=(v0, v1_long, v2),
        enrolled=date(2025, 1, 1),
        waiting_from=date(2025, 1, 1),
    )
    assert coverage_at(chain, date(2026, 2, 5)).versions == ("v1",)
    assert coverage_at(chain, date(2026, 2, 4)).params == {"until": date(2026, 2, 5)}
    # another package's renewal does not shorten this one's waiting
    other = Holding("x1", "OTHER", date(2025, 1, 1), date(2026, 12, 31), waiting_days=0)
    mixed = facts(*ACTIVE_FROM_ENROLMENT, holdings=(other, gap), waiting_from=date(2026, 10, 1))
    assert coverage_at(mixed, date(2027, 1, 2)).params == {"until": date(2027, 4, 2)}


def test_several_holdings_cover_once_past_their_own_waiting():
    maternity = Holding(
        "m1", "COMPLEMENT", date(2026, 1, 1), None, waiting_days=270, compulsory=False
    )
    f = facts(*ACTIVE_FROM_ENROLMENT, holdings=(BASIC, maternity))
    assert coverage_at(f, date(2026, 1, 20)).params == {"until": date(2026, 2, 9)}
    assert coverage_at(f, date(2026, 3, 1)) == Coverage(True, ("v1",), None, {})
    assert coverage_at(f, date(2026, 10, 7)).versions == ("v1", "m1")
    # a complementary package taken later waits from its own start, not from enrolment
    late = Holding("m2", "COMPLEMENT", date(2027, 1, 1), None, waiting_days=30)
    g = facts(*ACTIVE_FROM_ENROLMENT, holdings=(BASIC, late))
    assert coverage_at(g, date(2027, 1, 15)).versions == ("v1",)
    assert coverage_at(g, date(2027, 1, 31)).versions == ("v1", "m2")


def test_reinstatement_with_a_new_waiting_anchor():
    changes = (*ACTIVE_FROM_ENROLMENT, (date(2026, 5, 3), SUSPENDED), (date(2026, 7, 1), ACTIVE))
    f = facts(*changes, waiting_from=date(2026, 7, 1))
    assert coverage_at(f, date(2026, 7, 1)).params == {"until": date(2026, 7, 31)}


def test_coverage_many_answers_like_coverage_at():
    population = {
        1: facts(*ACTIVE_FROM_ENROLMENT),
        2: facts((date(2026, 2, 1), DECEASED), (ENROLLED, ACTIVE)),
        3: facts((ENROLLED, PENDING)),
        4: facts(*ACTIVE_FROM_ENROLMENT, holdings=()),
        "5": facts((date(2026, 1, 1), ACTIVE)),
    }
    for on in (date(2026, 1, 1), date(2026, 1, 20), date(2026, 3, 1)):
        many = coverage_many(population, on)
        assert many == {key: coverage_at(f, on) for key, f in population.items()}
    assert coverage_many({}, date(2026, 1, 1)) == {}


statuses = st.sampled_from([PENDING, ACTIVE, SUSPENDED, WITHDRAWN, DECEASED, EXCLUDED])
days = st.dates(date(2025, 1, 1), date(2027, 12, 31))
holdings = st.builds(
    Holding,
    st.integers(0, 5),
    st.sampled_from(["A", "B"]),
    days,
    st.one_of(st.none(), days),
    st.integers(0, 400),
).filter(lambda h: h.valid_to is None or h.valid_to >= h.valid_from)
beneficiaries = st.builds(
    BeneficiaryFacts,
    days,
    days,
    st.lists(st.builds(StatusChange, days, statuses), max_size=6).map(tuple),
    st.lists(holdings, max_size=4).map(tuple),
)


@given(beneficiaries, days)
def test_an_answer_is_always_well_formed_and_the_order_of_history_does_not_matter(f, on):
    result = coverage_at(f, on)
    assert result.covered is (result.reason is None)
    assert result.covered is bool(result.versions)
    assert result.reason is None or result.reason in REASONS
    if result.reason == "coverage.waiting":
        assert result.params["until"] > on
    if "since" in result.params:
        assert result.params["since"] <= on
    by_date = sorted(f.statuses, key=lambda c: c.on)
    shuffled = BeneficiaryFacts(f.enrolled_on, f.waiting_from, tuple(by_date[::-1]), f.holdings)
    if len({c.on for c in f.statuses}) == len(f.statuses):  # no same-day ties
        assert coverage_at(shuffled, on) == result
    assert coverage_many({0: f}, on) == {0: result}


@given(beneficiaries, days)
def test_a_covered_beneficiary_is_active_enrolled_and_past_waiting(f, on):
    result = coverage_at(f, on)
    if result.covered:
        past = [c for c in sorted(f.statuses, key=lambda c: c.on) if c.on <= on]
        assert past and past[-1].status == ACTIVE and on >= f.enrolled_on
        assert all(c.status != DECEASED for c in past)
        for version in result.versions:
            assert any(
                h.version_key == version
                and h.valid_from <= on
                and (h.valid_to is None or on <= h.valid_to)
                and on >= f.waiting_from + timedelta(days=h.waiting_days)
                for h in f.holdings
            )


@given(days, days, st.integers(1, 700), st.integers(0, 400), days)
def test_cutting_a_holding_into_gapless_renewals_changes_no_answer(
    start, waiting_from, length, wait, on
):
    whole = Holding("v", "P", start, start + timedelta(days=length), waiting_days=wait)
    cut = start + timedelta(days=length // 2)
    first = Holding("v", "P", start, cut, waiting_days=wait)
    second = Holding("v", "P", cut + timedelta(days=1), whole.valid_to, waiting_days=wait)
    history = ((start, ACTIVE),)
    one = facts(*history, holdings=(whole,), enrolled=start, waiting_from=waiting_from)
    two = facts(*history, holdings=(second, first), enrolled=start, waiting_from=waiting_from)
    assert coverage_at(one, on) == coverage_at(two, on)
