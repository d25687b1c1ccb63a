"""Every reason code and trail step of the adjudication engine has its English and French text,
and renders with the parameters the engine gives it (no database)."""

import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import translation

from mutuelle.claims import reasons, rules

from .test_rules_helpers import D0, claim, context, line, run

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
DERIVED = {"claim.act_sex": {"sex_label"}, "claim.not_covered": {"why"}}
SAMPLE = {
    "care_from": D0,
    "care_to": D0,
    "on": D0,
    "today": D0,
    "birth": D0,
    "death": D0,
    "deadline": D0,
    "submitted": D0,
    "valid_from": D0,
    "valid_to": D0,
    "days": 30,
    "quantity": 2,
    "price": D(-5),
    "code": "CONS",
    "asked": D(1500),
    "tariff": D(1000),
    "sex": "F",
    "age": 60,
    "min": 12,
    "max": 55,
    "remaining": 10,
    "level": "centre",
    "levels": ["district", "regional"],
    "number": "GL-7",
    "status": "refused",
    "left": D(300),
    "limit": 3,
    "period": 30,
    "covered": 1,
    "amount": D(1000),
    "ceiling": D(50000),
    "reason": "coverage.suspended",
    "since": date(2026, 1, 1),
    "until": None,
    "unit_price": D(1000),
    "rate": D(80),
    "package": "pkg",
    "version": "v1",
    "line": "cons",
}


def test_every_code_and_step_has_a_text():
    assert set(reasons.CLAIM_REASONS) == set(rules.REASONS)
    assert set(reasons.TRAIL_TEXTS) == set(rules.TRAIL_STEPS)


@pytest.mark.parametrize("code", sorted(rules.REASONS))
def test_each_text_uses_only_its_parameters(code):
    used = set(PLACEHOLDER.findall(str(reasons.CLAIM_REASONS[code])))
    assert used <= set(rules.REASONS[code]) | DERIVED.get(code, set())


@pytest.mark.parametrize("step", sorted(rules.TRAIL_STEPS))
def test_each_step_uses_only_its_parameters(step):
    used = set(PLACEHOLDER.findall(str(reasons.TRAIL_TEXTS[step])))
    assert used <= set(rules.TRAIL_STEPS[step])


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("code", sorted(rules.REASONS))
def test_each_code_renders(code, language):
    params = {k: SAMPLE[k] for k in rules.REASONS[code]}
    with translation.override(language):
        text = reasons.explain(code, params)
    assert text and "%(" not in text and not text.startswith("claim.")


@pytest.mark.parametrize("code", sorted(rules.REASONS))
def test_each_code_has_its_french_text(code):
    """(Needs the French catalogue with the engine's strings compiled.)"""
    with translation.override("en"):
        english = str(reasons.CLAIM_REASONS[code])
    with translation.override("fr"):
        french = str(reasons.CLAIM_REASONS[code])
    assert french != english


@pytest.mark.parametrize("step", sorted(rules.TRAIL_STEPS))
def test_each_step_has_its_french_text(step):
    with translation.override("en"):
        english = str(reasons.TRAIL_TEXTS[step])
    with translation.override("fr"):
        french = str(reasons.TRAIL_TEXTS[step])
    assert french != english


def test_the_coverage_reason_is_told():
    params = {"reason": "coverage.suspended", "since": date(2026, 1, 1)}
    with translation.override("en"):
        text = reasons.explain("claim.not_covered", params)
    assert text.startswith("Not covered at the date of care: Suspended for unpaid contributions")
    assert "2026" in text


def test_care_levels_are_named():
    with translation.override("en"):
        text = reasons.explain("claim.care_level", {"level": "centre", "levels": ["district"]})
    assert text == (
        "Not covered at this care level (Health centre); covered at these levels: "
        "District hospital."
    )


def test_a_decision_is_explained_for_a_screen():
    decision = run(claim(line(qty=2, price=D(1500))), context())
    with translation.override("en"):
        told = reasons.explain_claim(decision)
    assert told["status"] == "Partially approved"
    (shown,) = told["lines"]
    assert shown["decision"] == "Reduced"
    assert shown["reasons"] == [
        "Price asked 1,500, above the tariff of 1,000: reduced to the tariff."
    ]
    assert shown["trail"][0] == "Asked: 2 × 1,500 = 3,000."
    assert shown["trail"][-1] == "Paid by the mutual: 1,600."


def test_an_unknown_code_is_shown_as_is():
    assert reasons.explain("claim.nothing") == "claim.nothing"
    assert reasons.explain_step("nothing") == "nothing"
