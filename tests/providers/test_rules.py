"""Pure rules of providers: no database."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutuelle.providers import rules
from mutuelle.providers.rules import Tariff, TariffTable, place_chain

D = Decimal


@pytest.mark.parametrize(
    ("kind", "level"),
    [
        ("health_post", "post"),
        ("health_centre", "centre"),
        ("district_hospital", "district"),
        ("regional_hospital", "regional"),
        ("national_hospital", "national"),
        ("pharmacy", "pharmacy"),
        ("laboratory", "district"),
        ("imaging", "district"),
        ("witch_doctor", ""),
    ],
)
def test_default_care_level(kind, level):
    assert rules.default_care_level(kind) == level


def test_every_type_has_a_level():
    assert set(rules.DEFAULT_CARE_LEVEL) == set(rules.PROVIDER_TYPES)


def test_profile_errors():
    assert rules.profile_errors("health_centre", "public", "centre") == []
    assert rules.profile_errors("x", "y", "z") == [
        "profile.unknown_type",
        "profile.unknown_ownership",
        "profile.unknown_care_level",
    ]


START = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("terms", "errors"),
    [
        (rules.ConventionTerms(START), []),
        (rules.ConventionTerms(START, date(2025, 12, 31)), ["convention.end_before_start"]),
        (rules.ConventionTerms(START, payment_mode="barter"), ["convention.unknown_payment_mode"]),
        (rules.ConventionTerms(START, submission_days=0), ["convention.submission_days"]),
        (rules.ConventionTerms(START, payment_days=0), ["convention.payment_days"]),
        (
            rules.ConventionTerms(START, payment_mode="flat_rate"),
            ["convention.flat_rates_required"],
        ),
        (
            rules.ConventionTerms(START, payment_mode="flat_rate", flat_rates={"outpatient": D(0)}),
            ["convention.flat_rate_positive"],
        ),
        (
            rules.ConventionTerms(START, flat_rates={"picnic": D(5)}),
            ["convention.unknown_episode_type"],
        ),
        (
            rules.ConventionTerms(START, payment_mode="flat_rate", flat_rates={"delivery": D(5)}),
            [],
        ),
        (
            rules.ConventionTerms(START, payment_mode="capitation"),
            ["convention.capitation_required"],
        ),
        (
            rules.ConventionTerms(START, capitation_amount=D("-1")),
            ["convention.capitation_positive"],
        ),
        (rules.ConventionTerms(START, payment_mode="capitation", capitation_amount=D(300)), []),
    ],
)
def test_convention_errors(terms, errors):
    assert rules.convention_errors(terms) == errors


def test_deadlines():
    assert rules.submission_deadline(date(2026, 1, 31), 30) == date(2026, 3, 2)
    assert not rules.submitted_late(date(2026, 1, 31), date(2026, 3, 2), 30)
    assert rules.submitted_late(date(2026, 1, 31), date(2026, 3, 3), 30)
    assert rules.payment_due(date(2026, 2, 1), 45) == date(2026, 3, 18)
    assert rules.capitation_due(120, D(250)) == D(30000)
    assert rules.in_force(START, None, date(2040, 1, 1))
    assert not rules.in_force(START, date(2026, 6, 30), date(2026, 7, 1))


@pytest.mark.parametrize(
    ("args", "codes"),
    [
        ((date(2026, 2, 1), None, START, None, 3, None), []),
        ((date(2026, 2, 1), None, START, None, 0, None), ["schedule.empty"]),
        ((date(2026, 2, 1), date(2026, 1, 1), START, None, 1, None), ["schedule.end_before_start"]),
        ((date(2025, 2, 1), None, START, None, 1, None), ["schedule.outside_convention"]),
        (
            (date(2027, 2, 1), None, START, date(2026, 12, 31), 1, None),
            ["schedule.outside_convention"],
        ),
        ((date(2026, 2, 1), None, START, None, 1, date(2026, 2, 1)), ["schedule.starts_too_early"]),
        ((date(2026, 2, 2), None, START, None, 1, date(2026, 2, 1)), []),
    ],
)
def test_adoption_errors(args, codes):
    assert [code for code, _ in rules.adoption_errors(*args)] == codes


def test_line_errors():
    assert rules.line_errors(D(0)) == []
    assert rules.line_errors(None) == ["tariff.price_required"]
    assert rules.line_errors(D("-0.01")) == ["tariff.price_negative"]


def test_place_chain():
    assert place_chain("/1/4/9/") == (9, 4, 1)
    assert place_chain("") == ()
    assert place_chain(None) == ()


# Places: 1 = country, 4 = district (the catchment area), 9 = a village in it, 7 = elsewhere.
TABLE = TariffTable.of(
    [
        Tariff("CPN", D(1000)),  # act alone
        Tariff("CPN", D(800), place=4),  # in the catchment area
        Tariff("CPN", D(900), place=1),  # in the country
        Tariff("CPN", D(600), package="BASE"),  # package price, anywhere
        Tariff("CPN", D(500), package="BASE", place=4),  # package price in the area
        Tariff("ACC", D(15000), package="BASE"),  # only for one package
        Tariff("LAB", D(2000), place=4),  # only in the area
    ]
)
IN_AREA = place_chain("/1/4/9/")
OUT_AREA = place_chain("/1/7/")
ABROAD = place_chain("/2/3/")


@pytest.mark.parametrize(
    ("act", "package", "places", "price"),
    [
        ("CPN", "BASE", IN_AREA, D(500)),  # package + deepest place
        ("CPN", "BASE", OUT_AREA, D(600)),  # package beats place
        ("CPN", "BASE", (), D(600)),
        ("CPN", "OTHER", IN_AREA, D(800)),  # deepest place beats shallower
        ("CPN", "OTHER", OUT_AREA, D(900)),
        ("CPN", None, ABROAD, D(1000)),  # the act alone
        ("CPN", None, (), D(1000)),
        ("ACC", "BASE", IN_AREA, D(15000)),
        ("ACC", "OTHER", IN_AREA, None),  # not for that package
        ("ACC", None, (), None),
        ("LAB", None, IN_AREA, D(2000)),
        ("LAB", None, OUT_AREA, None),
        ("XRAY", None, IN_AREA, None),  # not in the schedule
    ],
)
def test_resolution_most_specific_wins(act, package, places, price):
    assert TABLE.price(act, package, places) == price


def test_resolve_returns_the_line():
    hit = TABLE.resolve("CPN", "BASE", IN_AREA)
    assert hit is not None and (hit.package, hit.place, hit.specificity) == ("BASE", 4, 3)
    assert TABLE.resolve("CPN", "BASE", IN_AREA) is hit  # no allocation: the stored line
    assert "CPN" in TABLE and "XRAY" not in TABLE and len(TABLE) == 3
    assert rules.EMPTY_TABLE.price("CPN") is None


packages = st.sampled_from([None, "A", "B"])
places = st.sampled_from([None, 1, 2, 3, 4])


@given(
    lines=st.lists(
        st.tuples(packages, places, st.integers(0, 10_000)),
        unique_by=lambda t: (t[0], t[1]),
        max_size=12,
    ),
    package=packages,
    chain=st.sampled_from([(), (3, 1), (4, 2, 1), (2,), (4,)]),
)
def test_resolution_matches_brute_force(lines, package, chain):
    table = TariffTable.of(Tariff("X", D(p), package=k, place=pl) for k, pl, p in lines)
    # Brute force: every applicable line, ranked by (package match, place depth).
    applicable = []
    for k, pl, p in lines:
        if k is not None and k != package:
            continue
        if pl is not None and pl not in chain:
            continue
        depth = len(chain) - chain.index(pl) if pl is not None else 0
        applicable.append(((k is not None, depth), D(p)))
    expected = max(applicable)[1] if applicable else None
    assert table.price("X", package, chain) == expected
