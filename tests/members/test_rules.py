"""Pure rules of the register, without a database."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutuelle.members import rules
from mutuelle.members.rules import PersonFacts

TODAY = date(2026, 11, 24)


@given(st.integers(min_value=1, max_value=999_999))
def test_every_number_formatted_is_valid_and_one_typo_is_caught(serial):
    number = rules.format_number("MSKM", serial)
    assert rules.number_error(number, {"MSKM"}) is None
    prefix, digits = number.split("-")
    for i, ch in enumerate(digits):
        typo = digits[:i] + str((int(ch) + 1) % 10) + digits[i + 1 :]
        assert rules.number_error(f"{prefix}-{typo}") == "number.bad_check_digit"


GOOD = rules.format_number("MSKM", 12)  # MSKM-000012 + its check digit
SWAPPED = GOOD[:-3] + GOOD[-2] + GOOD[-3] + GOOD[-1]


@pytest.mark.parametrize(
    "number,codes,reason",
    [
        (GOOD, {"MSKM"}, None),
        (GOOD.lower(), {"MSKM"}, None),  # people type lower case
        (SWAPPED, {"MSKM"}, "number.bad_check_digit"),  # swapped neighbours
        (GOOD.replace("-", ""), None, "number.malformed"),
        ("MSKM-", None, "number.malformed"),
        (GOOD.replace("MSKM", "XXXX"), {"MSKM"}, "number.unknown_mutual"),
    ],
)
def test_numbers_are_checked(number, codes, reason):
    assert SWAPPED != GOOD
    assert rules.number_error(number, codes) == reason


@pytest.mark.parametrize(
    "current,target,allowed",
    [
        ("pending", "active", True),
        ("active", "suspended", True),
        ("suspended", "active", True),  # reinstatement
        ("active", "withdrawn", True),  # free adhesion: withdraw at any time
        ("withdrawn", "pending", True),  # ... and join again
        ("deceased", "active", False),  # death is final
        ("withdrawn", "active", False),  # re-adhesion starts pending
        ("pending", "suspended", False),
        ("excluded", "active", False),
    ],
)
def test_status_transitions(current, target, allowed):
    reason = rules.transition_error(current, target, TODAY, date(2026, 1, 1))
    assert (reason is None) is allowed


def test_a_status_change_cannot_predate_the_current_status():
    assert rules.transition_error("active", "withdrawn", date(2025, 12, 31), date(2026, 1, 1))


def test_people_with_impossible_dates_are_refused():
    assert rules.person_errors(PersonFacts("child", birth_date=date(2027, 1, 1)), TODAY) == [
        "person.birth_in_future"
    ]
    assert "person.death_before_birth" in rules.person_errors(
        PersonFacts("head", birth_date=date(1980, 1, 1), date_of_death=date(1979, 1, 1)), TODAY
    )
    assert rules.person_errors(PersonFacts("head", birth_year=1890), TODAY) == [
        "person.birth_too_old"
    ]


def test_a_child_older_than_the_head_is_a_warning_not_an_error():
    head = PersonFacts("head", birth_year=1990)
    members = [head, PersonFacts("child", birth_year=1985), PersonFacts("spouse", birth_year=1970)]
    assert rules.household_warnings(head, members) == [(1, "household.child_older_than_head")]
    assert rules.household_errors(members) == []
    assert rules.household_errors(members[1:]) == ["household.no_head"]
    assert rules.household_errors([head, head]) == ["household.several_heads"]


def test_children_age_out_at_the_mutuals_limit():
    child = PersonFacts("child", birth_date=date(2005, 11, 25))
    assert not rules.ages_out(child, TODAY, 21)
    assert rules.ages_out(child, date(2026, 11, 25), 21)
    assert not rules.ages_out(child, date(2040, 1, 1), None)
    assert not rules.ages_out(PersonFacts("spouse", birth_year=1950), TODAY, 21)


# --- Household life ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "new_head, member, expected",
    [
        ("spouse", "spouse", "other"),  # a co-spouse
        ("spouse", "child", "child"),
        ("spouse", "head", "spouse"),
        ("spouse", "parent", "other"),
        ("child", "spouse", "parent"),
        ("child", "child", "other"),  # a sibling
        ("child", "head", "parent"),
        ("other", "child", "other"),
    ],
)
def test_relationships_follow_the_new_head(new_head, member, expected):
    assert rules.relationship_to_new_head(new_head, member) == expected


def test_the_whole_household_statute_refuses_partial_withdrawals_only():
    assert rules.withdrawal_error(False, 3) is None
    assert rules.withdrawal_error(True, 0) is None
    assert rules.withdrawal_error(True, 2) == "household.whole_household_withdraws_together"


def test_split_checks():
    assert rules.split_errors([], -1, 3) == ["household.split_nobody"]
    assert rules.split_errors(["child", "spouse"], 0, 3) == []
    assert rules.split_errors(["head"], 0, 2) == ["household.split_moves_the_head"]
    assert rules.split_errors(["child"], -1, 2) == ["household.no_head"]
