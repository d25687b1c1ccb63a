"""The adjudication engine (claims.rules): one table-driven case per reason code, the amounts of
each kind of decision, and the canonical order. No database."""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal as D

import pytest

from mutuelle.benefits.rules import Line, Terms
from mutuelle.claims import rules
from mutuelle.claims.rules import (
    APPROVED,
    EMERGENCY,
    PARTIAL,
    REDUCED,
    REJECTED,
    ConventionFacts,
    LetterFacts,
    PersonFacts,
    Usage,
    VersionTerms,
    adjudicate,
)
from mutuelle.contributions.coverage import Coverage

from .test_rules_helpers import (
    COVERED,
    D0,
    MAN,
    TERMS,
    TODAY,
    WOMAN,
    balanced,
    claim,
    context,
    days,
    line,
    run,
)

HOSPITAL = ConventionFacts(care_level="district", submission_days=30)
LETTER = LetterFacts("GL-7", D0 - days(2), D0 + days(10), D(20000))
CHILD = PersonFacts(COVERED, sex="F", birth_date=date(2024, 1, 1), relationship="child")


CASH_TERMS = Terms(
    lines=(
        Line(key="fun", kind="cash", cash_benefit="funeral", amount=D(50000)),
        Line(key="mat", kind="cash", cash_benefit="maternity", amount=D(20000), waiting_days=270),
        Line(
            key="day",
            kind="cash",
            cash_benefit="daily_allowance",
            amount=D(1000),
            max_days=10,
            applies_to="head",
        ),
    ),
    ceiling_person=D(1000),  # care ceilings do not limit cash benefits
)
CASH = context(versions=(VersionTerms("v-cash", "pkg", CASH_TERMS),), convention=None)


def cash(benefit="funeral", units=1, **kw):
    """A cash-benefit claim: one line, the benefit and its units, no price asked."""
    return claim(line(benefit, qty=units, price=D(0)), kind=rules.CASH_BENEFIT, **kw)


@dataclass
class Case:
    code: str
    claim: rules.ClaimIn
    ctx: rules.Context | None = None
    before: tuple = ()  # claims decided first, in the same Usage
    decision: str = REJECTED  # of the last line
    status: str = REJECTED  # of the claim
    claim_level: bool = False
    usage: dict | None = None  # Usage(**usage) before anything


def hosp(*lines, **kw):
    kw.setdefault("referral", True)
    kw.setdefault("letter", LETTER)
    return claim(*(lines or (line("HOSP"),)), **kw)


CASES = [
    # Claim level
    Case("claim.end_before_start", claim(care_to=D0 - days(1)), claim_level=True),
    Case(
        "claim.future_date",
        claim(care_from=TODAY + days(1), submitted_on=TODAY + days(1)),
        claim_level=True,
    ),
    Case(
        "claim.before_birth",
        claim(),
        context(person=replace(MAN, birth_date=D0 + days(1))),
        claim_level=True,
    ),
    Case(
        "claim.after_death",
        claim(),
        context(person=replace(MAN, death_date=D0 - days(1))),
        claim_level=True,
    ),
    Case("claim.no_lines", claim(lines=()), claim_level=True),
    Case("claim.no_convention", claim(), context(convention=None), claim_level=True),
    Case(
        "claim.no_convention",
        claim(),
        context(convention=ConventionFacts(in_force=False)),
        claim_level=True,
    ),
    Case("claim.duplicate_claim", claim(key=2), before=(claim(key=1),), claim_level=True),
    Case(
        "claim.duplicate_claim",
        claim(line("LAB"), key=2, external_key="INV-1"),
        before=(claim(key=1, external_key="INV-1"),),
        claim_level=True,
    ),
    Case("claim.late", claim(submitted_on=D0 + days(31)), claim_level=True),
    Case(
        "claim.diagnosis_missing",
        claim(),
        context(convention=replace(HOSPITAL, diagnosis_required=True)),
        claim_level=True,
    ),
    Case(
        "claim.not_covered",
        claim(),
        context(
            person=replace(
                MAN, coverage=Coverage(False, (), "coverage.suspended", {"since": date(2026, 1, 1)})
            )
        ),
        claim_level=True,
    ),
    # Line level: bad input
    Case("claim.bad_quantity", claim(line(qty=0))),
    Case("claim.bad_quantity", claim(line(qty=-2, price=D(-100)))),
    Case("claim.negative_price", claim(line(price=D(-1)))),
    # Line level: dates
    Case("claim.future_date", claim(line(on=TODAY + days(1)))),
    Case("claim.outside_dates", claim(line(on=D0 + days(5)), care_to=D0 + days(1))),
    Case(
        "claim.before_birth",
        claim(line(on=D0 - days(1))),
        context(person=replace(MAN, birth_date=D0)),
    ),
    Case(
        "claim.after_death",
        claim(line(on=D0 + days(2)), care_to=D0 + days(2)),
        context(person=replace(MAN, death_date=D0 + days(1))),
    ),
    # Line level: the act and the tariff
    Case("claim.unknown_act", claim(line("NOPE"))),
    Case("claim.not_in_tariff", claim(line("NOTAR"))),
    Case("claim.duplicate_line", claim(line(key="L0"), line(key="L1")), status=PARTIAL),
    Case(
        "claim.duplicate_line",
        claim(line("CONS"), key=2, external_key="B"),
        before=(claim(line("CONS"), line("LAB", key="L2"), key=1, external_key="A"),),
    ),  # fmt: skip
    Case("claim.price_above_tariff", claim(line(price=D(1500))), decision=REDUCED, status=PARTIAL),
    # Line level: the package rules
    Case("claim.act_sex", claim(line("ACC"))),
    Case(
        "claim.act_age",
        claim(line("ACC")),
        context(person=replace(WOMAN, birth_date=date(1960, 1, 1))),
    ),
    Case("claim.excluded", claim(line("DENT"))),
    Case("claim.no_package", claim(line("OPT"))),
    Case("claim.no_package", claim(), context(versions=())),
    Case("claim.not_for_beneficiary", claim(line("VACC"))),
    Case(
        "claim.waiting",
        claim(line("ACC")),
        context(person=replace(WOMAN, waiting_anchor=D0 - days(100))),
    ),
    Case("claim.care_level", hosp()),
    Case("claim.referral_required", hosp(referral=False), context(convention=HOSPITAL)),
    Case("claim.authorization_missing", hosp(letter=None), context(convention=HOSPITAL)),
    Case(
        "claim.authorization_missing",
        hosp(letter=replace(LETTER, status="refused")),
        context(convention=HOSPITAL),
    ),
    Case(
        "claim.authorization_expired",
        hosp(letter=replace(LETTER, valid_to=D0 - days(1))),
        context(convention=HOSPITAL),
    ),
    Case(
        "claim.authorization_exceeded",
        hosp(letter=replace(LETTER, max_amount=D(500))),
        context(convention=HOSPITAL),
        decision=REDUCED,
        status=PARTIAL,
    ),
    Case(
        "claim.too_soon",
        claim(line("XRAY"), key=2, care_from=D0 + days(10), submitted_on=D0 + days(10)),
        before=(claim(line("XRAY"), key=1),),
    ),
    Case("claim.quantity_limited", claim(line("LAB", qty=5)), decision=REDUCED, status=PARTIAL),
    Case(
        "claim.quantity_exhausted",
        claim(line("LAB", qty=1), key=2, care_from=D0 + days(3), submitted_on=D0 + days(3)),
        before=(claim(line("LAB", qty=3), key=1),),
    ),
    Case("claim.per_act_ceiling", claim(line("MED", qty=1)), decision=REDUCED, status=PARTIAL),
    Case(
        "claim.person_ceiling",
        claim(),
        usage={"person_year": {("pkg", "P1", 2026): D(49500)}},
        decision=REDUCED,
        status=PARTIAL,
    ),
    Case(
        "claim.household_ceiling",
        claim(),
        usage={"household_year": {("pkg", "H1", 2026): D(79900)}},
        decision=REDUCED,
        status=PARTIAL,
    ),
]


CASES += [
    Case(
        "claim.days_limited",
        cash("daily_allowance", 15),
        CASH,
        decision=REDUCED,
        status=PARTIAL,
    ),
    Case(
        "claim.already_paid",
        cash(key=2, care_from=D0 + days(1), submitted_on=D0 + days(1)),
        CASH,
        before=(cash(key=1),),
    ),
]


def _decide(case: Case):
    usage = Usage(**(case.usage or {}))
    ctx = case.ctx or context()
    for earlier in case.before:
        run(earlier, ctx, usage)
    return run(case.claim, ctx, usage)


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c.code}" for i, c in enumerate(CASES)])
def test_it_gives_each_reason(case):
    decision = _decide(case)
    last = decision.lines[-1] if decision.lines else None
    if case.claim_level:
        assert case.code in [code for code, _ in decision.reasons]
        assert all(case.code in [code for code, _ in x.reasons] for x in decision.lines)
        assert all(x.decision == REJECTED and x.covered == 0 for x in decision.lines)
    else:
        assert last is not None
        assert case.code in [code for code, _ in last.reasons], last.reasons
        assert last.decision == case.decision
    assert decision.status == case.status
    for x in decision.lines:
        assert balanced(x)
        assert min(x.asked, x.covered, x.copayment, x.excess, x.rejected) >= 0
    # Every code the engine returns is declared, with the parameters it declares.
    for x in [*decision.lines, decision]:
        for code, params in x.reasons:
            assert code in rules.REASONS
            assert set(params) <= set(rules.REASONS[code]), (code, params)


def test_every_code_has_a_case():
    assert {c.code for c in CASES} == set(rules.REASONS)


def test_it_approves_a_plain_consultation():
    d = run(claim(line(qty=2)))
    (x,) = d.lines
    assert d.status == APPROVED
    assert x.decision == APPROVED
    assert (x.asked, x.tariff_adjusted, x.covered, x.copayment, x.excess, x.rejected) == (
        D(2000), D(2000), D(1600), D(400), D(0), D(0),
    )  # fmt: skip
    assert [step for step, _ in x.trail] == ["asked", "tariff", "package", "rate", "covered"]
    assert x.trail[2][1] == {"package": "pkg", "version": "v1", "line": "cons"}
    assert (x.version, x.package, x.target, x.covered_quantity) == (
        "v1", "pkg", "category:consultation", 2,
    )  # fmt: skip


def test_a_price_above_the_tariff_is_cut_not_rejected():
    (x,) = run(claim(line(qty=2, price=D(1500)))).lines
    assert (x.asked, x.tariff_adjusted, x.covered, x.copayment) == (
        D(3000), D(2000), D(1600), D(400),
    )  # fmt: skip
    assert x.price_reduction == D(1000)
    assert x.reasons == [("claim.price_above_tariff", {"asked": D(1500), "tariff": D(1000)})]


def test_a_price_below_the_tariff_is_paid_as_asked():
    (x,) = run(claim(line(price=D(800)))).lines
    assert (x.asked, x.tariff_adjusted, x.covered, x.copayment) == (D(800), D(800), D(640), D(160))
    assert x.decision == APPROVED


def test_units_beyond_the_quantity_limit_are_rejected_and_the_rest_paid():
    (x,) = run(claim(line("LAB", qty=5))).lines
    assert (x.tariff_adjusted, x.covered, x.copayment, x.excess, x.rejected) == (
        D(10000), D(4200), D(1800), D(0), D(4000),
    )  # fmt: skip
    assert x.covered_quantity == 3
    assert x.reasons == [("claim.quantity_limited", {"covered": 3, "limit": 3, "period": 30})]


def test_the_per_act_ceiling_moves_the_share_above_it_to_excess():
    (x,) = run(claim(line("MED", qty=1))).lines
    # 60 % of 3000 = 1800, capped at 1000.
    assert (x.covered, x.copayment, x.excess, x.rejected) == (D(1000), D(1200), D(800), D(0))


def test_the_person_ceiling_is_never_exceeded_and_carries_what_was_left():
    usage = Usage()
    ctx = context(convention=HOSPITAL)
    first = run(hosp(line("HOSP", qty=5), key=1), ctx, usage)
    assert first.covered == D(20000)  # the letter's maximum
    big = replace(LETTER, number="GL-8", max_amount=D(10**6))
    second = run(
        claim(line("HOSP", qty=5), key=2, referral=True, letter=big, care_from=D0 + days(1)),
        ctx,
        usage,
    )
    (x,) = second.lines
    assert x.covered == D(30000)  # 50,000 − 20,000 left of the annual ceiling
    assert ("claim.person_ceiling", {"ceiling": D(50000), "left": D(30000)}) in x.reasons
    assert x.excess == D(45000) - D(30000)
    third = run(claim(key=3, care_from=D0 + days(2), submitted_on=D0 + days(2)), ctx, usage)
    assert third.lines[0].covered == 0
    assert third.lines[0].excess == D(800)
    assert third.status == REJECTED
    assert usage.person_year[("pkg", "P1", 2026)] == D(50000)


def test_the_household_ceiling_counts_every_member():
    usage = Usage(household_year={("pkg", "H1", 2026): D(79500)})
    (x,) = run(claim(), usage=usage).lines
    assert x.covered == D(500)
    assert ("claim.household_ceiling", {"ceiling": D(80000), "left": D(500)}) in x.reasons
    assert x.decision == REDUCED
    assert usage.household_year[("pkg", "H1", 2026)] == D(80000)


def test_the_letter_caps_every_line_of_the_claim_across_claims():
    usage = Usage()
    ctx = context(convention=HOSPITAL)
    letter = replace(LETTER, max_amount=D(12000))
    one = run(hosp(line("HOSP"), key=1, letter=letter), ctx, usage)
    assert one.covered == D(9000)
    two = run(
        hosp(line("HOSP", on=D0 + days(1)), key=2, letter=letter, care_to=D0 + days(1)),
        ctx,
        usage,
    )
    assert two.covered == D(3000)
    assert two.lines[0].reasons[0][0] == "claim.authorization_exceeded"
    assert usage.letters["GL-7"] == D(12000)


def test_an_emergency_needs_no_referral():
    ctx = context(convention=HOSPITAL)
    d = run(hosp(referral=False, visit_type=EMERGENCY), ctx)
    assert d.status == APPROVED


def test_a_deductible_is_paid_once_per_episode():
    terms = replace(TERMS, deductible=D(500))
    ctx = context(versions=(VersionTerms("v1", "pkg", terms),))
    usage = Usage()
    one = run(claim(key=1, episode="E1"), ctx, usage)
    assert (one.covered, one.copayment) == (D(400), D(600))  # 80 % of (1000 − 500)
    assert one.lines[0].deductible == D(500)
    assert ("deductible", {"amount": D(500)}) in one.lines[0].trail
    two = run(claim(line("LAB"), key=2, episode="E1"), ctx, usage)
    assert two.covered == D(1400)


def test_a_second_version_pays_when_the_first_refuses():
    extra = Terms(lines=(Line(key="opt", category="optical", rate=D(40)),))
    ctx = context(versions=(VersionTerms("v1", "pkg", TERMS), VersionTerms("c1", "comp", extra)))
    (x,) = run(claim(line("OPT")), ctx).lines
    assert (x.covered, x.version, x.package) == (D(2400), "c1", "comp")


def test_bad_input_has_every_amount_zero():
    d = run(claim(line(qty=-3, price=D(-10)), line(qty=0, key="L2")))
    for x in d.lines:
        assert (x.asked, x.tariff_adjusted, x.covered, x.rejected) == (0, 0, 0, 0)
    assert d.status == REJECTED


# --- The canonical order ---------------------------------------------------------------------


def test_the_earlier_care_is_decided_first_whatever_the_input_order():
    late = claim(line("LAB", qty=3), key="b", care_from=D0 + days(5), sequence=1)
    early = claim(line("LAB", qty=3), key="a", care_from=D0, sequence=2)
    ctx = context()
    one = adjudicate([late, early], lambda c: ctx, Usage())
    two = adjudicate([early, late], lambda c: ctx, Usage())
    assert [d.key for d in one] == ["b", "a"]  # the input's order
    assert one[1] == two[0] and one[0] == two[1]
    assert one[1].status == APPROVED  # the earlier care consumed the quantity
    assert one[0].lines[0].reasons[0][0] == "claim.quantity_exhausted"


def test_same_day_goes_by_sequence_then_key():
    a = claim(line("LAB", qty=3), key="a", sequence=2)
    b = claim(line("LAB", qty=3), key="b", sequence=1, external_key="X")
    c = claim(line("LAB", qty=3), key="c", sequence=1, external_key="Y")
    d = adjudicate([a, b, c], {k: context() for k in "abc"}, Usage())
    assert [x.status for x in d] == [REJECTED, APPROVED, REJECTED]


def test_a_late_claim_for_an_earlier_date_is_decided_against_what_was_consumed():
    usage = Usage()
    ctx = context()
    run(claim(line("LAB", qty=3), key=1, care_from=D0 + days(20)), ctx, usage)
    # Arrives after, for a date 20 days earlier: the window of 30 days containing both is full.
    late = run(
        claim(line("LAB", qty=1), key=2, care_from=D0, submitted_on=D0 + days(25)), ctx, usage
    )
    assert late.status == REJECTED
    assert late.lines[0].reasons[0][0] == "claim.quantity_exhausted"
    # 40 days before: no window of 30 days holds both.
    early = run(
        claim(line("LAB", qty=3), key=3, care_from=D0 - days(20), submitted_on=D0), ctx, usage
    )
    assert early.status == APPROVED


def test_a_minimum_interval_looks_both_ways():
    usage = Usage()
    ctx = context()
    run(claim(line("XRAY"), key=1, care_from=D0 + days(10)), ctx, usage)
    d = run(claim(line("XRAY"), key=2, care_from=D0), ctx, usage)
    assert d.lines[0].reasons == [("claim.too_soon", {"days": 30})]


def test_usage_loaded_by_the_caller_counts_like_the_engines_own():
    decided = Usage()
    ctx = context()
    first = run(claim(line("LAB", qty=2)), ctx, decided)
    (x,) = first.lines
    loaded = Usage()
    loaded.consume(
        package=x.package, person="P1", household="H1", on=x.on, act_code="LAB",
        target=x.target, units=x.covered_quantity, paid=x.covered, episode=1,
    )  # fmt: skip
    loaded.lines.add(rules.line_fingerprint("P1", "LAB", x.on, "PR1"))
    loaded.claims.update(rules.claim_fingerprints(claim(line("LAB", qty=2))))
    nxt = claim(line("LAB", qty=2), key=2, care_from=D0 + days(1))
    assert run(nxt, ctx, decided) == run(nxt, ctx, loaded)


def test_age_on():
    assert rules.age_on(date(2000, 3, 10), date(2026, 3, 9)) == 25
    assert rules.age_on(date(2000, 3, 10), date(2026, 3, 10)) == 26
    assert rules.age_on(None, date(2026, 3, 10)) is None


def test_a_child_line_covers_young_children():
    d = run(claim(line("VACC")), context(person=CHILD))
    assert d.status == APPROVED
    assert d.covered == D(500)


def test_a_line_the_deductible_takes_whole_is_approved_and_consumes_it():
    terms = replace(TERMS, deductible=D(1500))
    ctx = context(versions=(VersionTerms("v1", "pkg", terms),))
    usage = Usage()
    one = run(claim(key=1, episode="E1"), ctx, usage)
    (x,) = one.lines
    assert (x.covered, x.copayment, x.decision, x.deductible) == (0, D(1000), APPROVED, D(1000))
    assert usage.deductibles[("pkg", "E1")] == D(1000)
    two = run(claim(line("LAB"), key=2, episode="E1"), ctx, usage)
    assert two.covered == D(1050)  # 70 % of (2000 − the 500 left of the deductible)


def test_the_same_price_written_two_ways_is_a_duplicate_claim():
    usage = Usage()
    run(claim(line(price=D("1000.00")), key=1), context(), usage)
    d = run(claim(line(price=D(1000)), key=2), context(), usage)
    assert d.reasons == [("claim.duplicate_claim", {})]


def test_a_fixed_amount_line_pays_its_amount_and_says_so():
    ctx = context(person=WOMAN)
    (x,) = run(claim(line("ACC")), ctx).lines
    assert (x.covered, x.copayment, x.excess, x.rejected) == (D(15000), D(5000), 0, 0)
    assert ("fixed_amount", {"amount": D(15000)}) in x.trail
    assert x.decision == APPROVED


def test_the_trail_names_the_letter_that_capped_the_line():
    ctx = context(convention=HOSPITAL)
    (x,) = run(hosp(letter=replace(LETTER, max_amount=D(500))), ctx).lines
    assert [step for step, _ in x.trail] == [
        "asked", "tariff", "package", "rate", "letter", "covered",
    ]  # fmt: skip
    assert ("letter", {"number": "GL-7", "left": D(500)}) in x.trail
    assert (x.covered, x.copayment, x.excess) == (D(500), D(1000), D(8500))


def test_a_refused_line_shows_what_was_asked_and_the_tariff():
    (x,) = run(claim(line("OPT", price=D(7000)))).lines
    assert [step for step, _ in x.trail] == ["asked", "tariff"]
    assert (x.asked, x.tariff_adjusted, x.rejected) == (D(7000), D(6000), D(6000))


def test_a_cash_benefit_pays_the_package_amount_per_unit_without_a_convention():
    twins = run(cash("maternity", 2), replace(CASH, person=replace(WOMAN, waiting_anchor=None)))
    [x] = twins.lines
    assert (twins.status, x.decision, x.asked, x.covered, x.rejected) == (
        APPROVED,
        APPROVED,
        D(40000),
        D(40000),
        0,
    )
    assert x.target == "cash:maternity" and x.covered_quantity == 2 and balanced(x)
    assert [step for step, _ in x.trail] == ["asked", "package", "fixed_amount", "covered"]


def test_cash_benefits_keep_their_own_limits():
    usage = Usage()
    first = run(cash("daily_allowance", 6, episode="E1"), CASH, usage)
    second = run(
        cash("daily_allowance", 6, episode="E1", key=2, care_from=D0 + days(7)), CASH, usage
    )
    assert first.covered == D(6000) and second.covered == D(4000)  # ten days per incapacity
    assert ("claim.days_limited", {"days": 4, "max": 10}) in second.lines[0].reasons
    assert usage.person_year == {}  # the care ceiling (1,000) is not consumed, nor applied
    spouse = run(cash("daily_allowance", 1), replace(CASH, person=WOMAN))
    assert spouse.lines[0].reasons == [("claim.not_for_beneficiary", {"code": "daily_allowance"})]
    waiting = run(
        cash("maternity"), replace(CASH, person=replace(WOMAN, waiting_anchor=D0 - days(100)))
    )
    assert waiting.lines[0].reasons[0][0] == "claim.waiting"
    unknown = run(cash("pension"), CASH)
    assert unknown.lines[0].reasons == [("claim.unknown_act", {"code": "pension"})]
