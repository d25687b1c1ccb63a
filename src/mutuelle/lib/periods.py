"""Periods are value objects: a month, a quarter, a half-year, a year, or a season (a year that
starts on another day, e.g. "once a year after the November harvest").

A `Periodicity` says how time is cut; a `Period` is one piece, with inclusive start and end dates
and a code people read and type ("2026-03", "2026-Q1", "2026-H2", "2026", and "2026-11-15" for
the season that starts on 15 November 2026). `parse()` inverts `Period.code`. Consecutive periods
of one periodicity tile time: no gap, no overlap.

Imports nothing but the standard library.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTH, QUARTER, HALF, YEAR = "month", "quarter", "half", "year"
KINDS = (MONTH, QUARTER, HALF, YEAR)
MONTHS_IN = {MONTH: 1, QUARTER: 3, HALF: 6, YEAR: 12}

_ONE_DAY = timedelta(days=1)
_NON_LEAP_YEAR = 2001  # an anchor must exist in every year, so also in a year without 29 February


@dataclass(frozen=True, order=True)
class Periodicity:
    kind: str  # MONTH | QUARTER | HALF | YEAR
    anchor_month: int = 1  # only a YEAR may be anchored elsewhere than 1 January (a season)
    anchor_day: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown periodicity {self.kind!r}")
        if not anchor_valid(self.kind, self.anchor_month, self.anchor_day):
            raise ValueError(
                f"anchor {self.anchor_day}/{self.anchor_month} is not valid for {self.kind}"
            )

    @property
    def is_season(self) -> bool:
        return self.kind == YEAR and (self.anchor_month, self.anchor_day) != (1, 1)


def anchor_valid(kind: str, anchor_month: int, anchor_day: int) -> bool:
    """Only a YEAR may start elsewhere than on the 1st of January, and its anchor must exist in
    every year (29 February does not)."""
    if kind != YEAR:
        return (anchor_month, anchor_day) == (1, 1)
    if not isinstance(anchor_month, int) or not isinstance(anchor_day, int):
        return False
    try:
        date(_NON_LEAP_YEAR, anchor_month, anchor_day)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # inclusive
    kind: str

    @property
    def code(self) -> str:
        """ "2026-03", "2026-Q1", "2026-H2", "2026", or a season's start "2026-11-15".

        A partial month slice from `months_of()` carries the code of its calendar month."""
        s = self.start
        if self.kind == MONTH:
            return f"{s.year:04d}-{s.month:02d}"
        if self.kind == QUARTER:
            return f"{s.year:04d}-Q{(s.month - 1) // 3 + 1}"
        if self.kind == HALF:
            return f"{s.year:04d}-H{(s.month - 1) // 6 + 1}"
        if (s.month, s.day) == (1, 1):
            return f"{s.year:04d}"
        return s.isoformat()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    def overlap_days(self, start: date, end: date | None) -> int:
        """Days of [start, end] (inclusive; end None = open) that fall in this period."""
        first = start if start > self.start else self.start
        last = self.end if end is None or end > self.end else end
        return max(0, (last - first).days + 1)

    def __str__(self) -> str:
        return self.code


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def periodicity_of(period: Period) -> Periodicity:
    """The periodicity a period belongs to (a year's anchor is its start)."""
    if period.kind == YEAR:
        return Periodicity(YEAR, period.start.month, period.start.day)
    return Periodicity(period.kind)


def period_of(periodicity: Periodicity, on: date) -> Period:
    """The period of `periodicity` that contains the date `on`."""
    kind = periodicity.kind
    if kind == YEAR:
        anchor = date(on.year, periodicity.anchor_month, periodicity.anchor_day)
        start = anchor if on >= anchor else anchor.replace(year=on.year - 1)
        end = start.replace(year=start.year + 1) - _ONE_DAY
        return Period(start, end, YEAR)
    size = MONTHS_IN[kind]
    first_month = (on.month - 1) // size * size + 1
    last_month = first_month + size - 1
    return Period(date(on.year, first_month, 1), _last_day(on.year, last_month), kind)


def next_period(periodicity: Periodicity, period: Period) -> Period:
    return period_of(periodicity, period.end + _ONE_DAY)


def previous_period(periodicity: Periodicity, period: Period) -> Period:
    return period_of(periodicity, period.start - _ONE_DAY)


def periods_between(periodicity: Periodicity, start: date, end: date) -> list[Period]:
    """Every period of `periodicity` that overlaps [start, end] (inclusive), in order."""
    periods: list[Period] = []
    if end < start:
        return periods
    period = period_of(periodicity, start)
    while period.start <= end:
        periods.append(period)
        period = next_period(periodicity, period)
    return periods


_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_SEASON = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse(code: str) -> Period:
    """The period a code names (the inverse of `Period.code`); ValueError when malformed."""
    text = code.strip().upper()
    if m := _YEAR.match(text):
        return period_of(Periodicity(YEAR), date(int(m[1]), 1, 1))
    if m := _MONTH.match(text):
        month = int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(f"no month {month} in {code!r}")
        return period_of(Periodicity(MONTH), date(int(m[1]), month, 1))
    if m := _QUARTER.match(text):
        return period_of(Periodicity(QUARTER), date(int(m[1]), (int(m[2]) - 1) * 3 + 1, 1))
    if m := _HALF.match(text):
        return period_of(Periodicity(HALF), date(int(m[1]), (int(m[2]) - 1) * 6 + 1, 1))
    if m := _SEASON.match(text):
        start = date(int(m[1]), int(m[2]), int(m[3]))  # ValueError if no such day
        return period_of(Periodicity(YEAR, start.month, start.day), start)
    raise ValueError(f"not a period code: {code!r}")


def months_of(period: Period) -> list[Period]:
    """The calendar-month slices of a period, in order (a season's first and last slices are
    partial months): what revenue is spread over. Each slice has kind MONTH and the code of its
    calendar month."""
    slices = []
    year, month = period.start.year, period.start.month
    while True:
        first = max(date(year, month, 1), period.start)
        if first > period.end:
            break
        last = min(_last_day(year, month), period.end)
        slices.append(Period(first, last, MONTH))
        year, month = _add_months(year, month, 1)
    return slices
