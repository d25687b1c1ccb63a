"""Periods as value objects: codes, leap years, seasons, tiling."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutuelle.lib.periods import (
    HALF,
    MONTH,
    QUARTER,
    YEAR,
    Period,
    Periodicity,
    months_of,
    next_period,
    parse,
    period_of,
    periodicity_of,
    periods_between,
    previous_period,
)

M, Q, H, Y = Periodicity(MONTH), Periodicity(QUARTER), Periodicity(HALF), Periodicity(YEAR)
HARVEST = Periodicity(YEAR, 11, 15)


@pytest.mark.parametrize(
    "periodicity, on, start, end, code",
    [
        (M, date(2026, 3, 17), date(2026, 3, 1), date(2026, 3, 31), "2026-03"),
        (M, date(2028, 2, 10), date(2028, 2, 1), date(2028, 2, 29), "2028-02"),  # leap
        (M, date(2026, 2, 28), date(2026, 2, 1), date(2026, 2, 28), "2026-02"),
        (M, date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31), "2026-12"),
        (Q, date(2026, 2, 14), date(2026, 1, 1), date(2026, 3, 31), "2026-Q1"),
        (Q, date(2026, 12, 31), date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
        (H, date(2026, 6, 30), date(2026, 1, 1), date(2026, 6, 30), "2026-H1"),
        (H, date(2026, 7, 1), date(2026, 7, 1), date(2026, 12, 31), "2026-H2"),
        (Y, date(2026, 1, 1), date(2026, 1, 1), date(2026, 12, 31), "2026"),
        (HARVEST, date(2026, 11, 15), date(2026, 11, 15), date(2027, 11, 14), "2026-11-15"),
        (HARVEST, date(2026, 11, 14), date(2025, 11, 15), date(2026, 11, 14), "2025-11-15"),
        (HARVEST, date(2027, 2, 1), date(2026, 11, 15), date(2027, 11, 14), "2026-11-15"),
        (
            Periodicity(YEAR, 3, 1),
            date(2028, 2, 29),
            date(2027, 3, 1),
            date(2028, 2, 29),
            "2027-03-01",
        ),
    ],
)
def test_it_finds_the_period_of_a_date_and_its_code(periodicity, on, start, end, code):
    period = period_of(periodicity, on)
    assert (period.start, period.end, period.code) == (start, end, code)
    assert parse(code) == period
    assert period.contains(on)
    assert periodicity_of(period) == periodicity


def test_days_of_periods_count_leap_years():
    assert period_of(Y, date(2028, 5, 1)).days == 366
    assert period_of(Y, date(2027, 5, 1)).days == 365
    assert period_of(Periodicity(YEAR, 3, 1), date(2027, 5, 1)).days == 366  # holds 29 Feb 2028
    assert period_of(Q, date(2028, 1, 1)).days == 91
    assert period_of(M, date(2100, 2, 1)).days == 28  # 2100 is not a leap year


@pytest.mark.parametrize(
    "kind, month, day",
    [
        (YEAR, 2, 29),  # not in every year
        (YEAR, 4, 31),
        (YEAR, 13, 1),
        (YEAR, 0, 1),
        (MONTH, 11, 15),  # only a year may be anchored
        (QUARTER, 2, 1),
        (HALF, 1, 2),
        ("week", 1, 1),
    ],
)
def test_it_refuses_anchors_that_do_not_exist_every_year_or_kinds_it_does_not_know(
    kind, month, day
):
    with pytest.raises(ValueError):
        Periodicity(kind, month, day)


@pytest.mark.parametrize(
    "code", ["2026-13", "2026-00", "2026-Q5", "2026-H3", "26", "2026-02-30", "2028-02-29", "x"]
)
def test_it_refuses_malformed_codes(code):
    with pytest.raises(ValueError):
        parse(code)


def test_overlap_days_with_open_and_clipped_ranges():
    march = parse("2026-03")
    assert march.overlap_days(date(2026, 3, 10), None) == 22
    assert march.overlap_days(date(2026, 1, 1), date(2026, 3, 1)) == 1
    assert march.overlap_days(date(2026, 4, 1), None) == 0
    assert march.overlap_days(date(2026, 3, 20), date(2026, 3, 10)) == 0
    assert march.overlap_days(date(2025, 1, 1), None) == 31


def test_it_lists_the_periods_overlapping_a_range_and_steps_both_ways():
    codes = [p.code for p in periods_between(Q, date(2026, 3, 31), date(2026, 10, 1))]
    assert codes == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert periods_between(M, date(2026, 3, 2), date(2026, 3, 1)) == []
    assert next_period(Y, parse("2026")) == parse("2027")
    assert previous_period(M, parse("2026-01")) == parse("2025-12")
    assert next_period(HARVEST, parse("2026-11-15")) == parse("2027-11-15")


def test_months_of_a_season_are_partial_at_both_ends():
    slices = months_of(parse("2026-11-15"))
    assert len(slices) == 13
    assert (slices[0].start, slices[0].end, slices[0].code) == (
        date(2026, 11, 15),
        date(2026, 11, 30),
        "2026-11",
    )
    assert (slices[-1].start, slices[-1].end) == (date(2027, 11, 1), date(2027, 11, 14))
    assert months_of(parse("2026-03")) == [parse("2026-03")]
    assert [m.code for m in months_of(parse("2026-Q3"))] == ["2026-07", "2026-08", "2026-09"]


periodicities = st.one_of(
    st.sampled_from([M, Q, H, Y]),
    st.dates(date(2001, 1, 1), date(2001, 12, 31)).map(lambda d: Periodicity(YEAR, d.month, d.day)),
)
dates = st.dates(date(1990, 1, 1), date(2200, 12, 31))


@given(periodicities, dates, st.integers(min_value=1, max_value=30))
def test_consecutive_periods_tile_time_without_gap_or_overlap(periodicity, on, count):
    period = period_of(periodicity, on)
    assert period.contains(on)
    for _ in range(count):
        following = next_period(periodicity, period)
        assert following.start == period.end + timedelta(days=1)
        assert following.days > 0
        assert previous_period(periodicity, following) == period
        assert parse(following.code) == following
        period = following


@given(periodicities, dates, dates)
def test_periods_between_cover_the_range_exactly_once(periodicity, a, b):
    start, end = min(a, b), max(a, b)
    if (end - start).days > 3000:
        end = start + timedelta(days=3000)
    periods = periods_between(periodicity, start, end)
    assert periods[0].contains(start) and periods[-1].contains(end)
    assert sum(p.overlap_days(start, end) for p in periods) == (end - start).days + 1
    for earlier, later in zip(periods, periods[1:], strict=False):
        assert later.start == earlier.end + timedelta(days=1)


@given(periodicities, dates)
def test_months_of_a_period_tile_it(periodicity, on):
    period = period_of(periodicity, on)
    slices = months_of(period)
    assert slices[0].start == period.start and slices[-1].end == period.end
    assert sum(s.days for s in slices) == period.days
    for earlier, later in zip(slices, slices[1:], strict=False):
        assert later.start == earlier.end + timedelta(days=1)
        assert later.start.day == 1


def test_periods_are_ordered_values():
    assert parse("2026-01") < parse("2026-02")
    assert {parse("2026-Q1"), parse("2026-q1")} == {
        Period(date(2026, 1, 1), date(2026, 3, 31), QUARTER)
    }
