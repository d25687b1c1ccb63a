"""French and English texts of the adjudication engine's reason codes (claims.rules), and the
helpers that turn a decision's reasons and trail into sentences for a screen, a PDF or the API.

`explain(code, params)` is one sentence in the active language; `explain_line(line)` gives a
line decision's reasons and the trail of the rules applied; `explain_claim(decision)` the
claim-level reasons."""

from datetime import date
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from mutuelle.contributions.actions.rule_reasons import COVERAGE_REASONS

from . import rules

CLAIM_REASONS = {
    # Claim level
    "claim.end_before_start": _("The end of care (%(care_to)s) comes before its start."),
    "claim.future_date": _("The date of care (%(on)s) is in the future."),
    "claim.before_birth": _("The date of care (%(on)s) is before the beneficiary's birth."),
    "claim.after_death": _("The date of care (%(on)s) is after the beneficiary's death."),
    "claim.no_lines": _("The claim has no line."),
    "claim.no_convention": _("No convention with this provider is in force."),
    "claim.duplicate_claim": _("This claim was already submitted."),
    "claim.late": _(
        "Submitted on %(submitted)s, after the deadline of %(days)s days (%(deadline)s)."
    ),
    "claim.diagnosis_missing": _("The convention requires a diagnosis."),
    "claim.not_covered": _("Not covered at the date of care: %(why)s"),
    # Line level
    "claim.bad_quantity": _("The quantity must be at least 1 (%(quantity)s given)."),
    "claim.negative_price": _("A price cannot be negative (%(price)s given)."),
    "claim.outside_dates": _(
        "The act's date (%(on)s) is outside the dates of care (%(care_from)s to %(care_to)s)."
    ),
    "claim.unknown_act": _("Unknown act: %(code)s."),
    "claim.not_in_tariff": _("The act %(code)s is not in the convention's tariff."),
    "claim.duplicate_line": _("The act %(code)s on %(on)s was already claimed."),
    "claim.price_above_tariff": _(
        "Price asked %(asked)s, above the tariff of %(tariff)s: reduced to the tariff."
    ),
    "claim.act_sex": _("This act is possible only for %(sex_label)s."),
    "claim.act_age": _("This act is possible only between the ages of %(min)s and %(max)s."),
    "claim.excluded": _("The package excludes this act (%(code)s)."),
    "claim.no_package": _("No package of the beneficiary covers this act (%(code)s)."),
    "claim.not_for_beneficiary": _(
        "The package covers this act (%(code)s) for other beneficiaries only."
    ),
    "claim.waiting": _("Waiting period of %(days)s days: covered in %(remaining)s more days."),
    "claim.care_level": _(
        "Not covered at this care level (%(level)s); covered at these levels: %(levels)s."
    ),
    "claim.referral_required": _("This act is covered only on referral."),
    "claim.authorization_missing": _("This act needs a prior authorization (guarantee letter)."),
    "claim.authorization_expired": _(
        "The guarantee letter %(number)s is valid from %(valid_from)s to %(valid_to)s, "
        "not on %(on)s."
    ),
    "claim.authorization_exceeded": _(
        "The guarantee letter %(number)s allows at most %(max)s: %(left)s was left."
    ),
    "claim.too_soon": _("Covered at most once every %(days)s days."),
    "claim.quantity_exhausted": _("The %(limit)s units allowed per %(period)s days are used up."),
    "claim.quantity_limited": _(
        "Only %(covered)s units are covered (%(limit)s per %(period)s days)."
    ),
    "claim.per_act_ceiling": _("The mutual pays at most %(amount)s per act."),
    "claim.person_ceiling": _(
        "Annual ceiling per beneficiary of %(ceiling)s: %(left)s was left this year."
    ),
    "claim.household_ceiling": _(
        "Annual ceiling per household of %(ceiling)s: %(left)s was left this year."
    ),
    # Cash benefits
    "claim.days_limited": _(
        "Only %(days)s more days of allowance are paid (at most %(max)s per incapacity)."
    ),
    "claim.already_paid": _("This benefit was already paid for this beneficiary."),
}

# The trail: each rule applied to a line, in order.
TRAIL_TEXTS = {
    "asked": _("Asked: %(quantity)s × %(unit_price)s = %(amount)s."),
    "tariff": _("Convention tariff %(tariff)s per unit: %(amount)s."),
    "package": _("Package version %(version)s, coverage line %(line)s."),
    "rate": _("The mutual covers %(rate)s%% of the tariff."),
    "fixed_amount": _("The mutual pays a fixed amount of %(amount)s per unit."),
    "deductible": _("The member first pays the deductible of %(amount)s."),
    "letter": _("Guarantee letter %(number)s: %(left)s left."),
    "covered": _("Paid by the mutual: %(amount)s."),
}

STATUS_LABELS = {
    rules.APPROVED: _("Approved"),
    rules.REDUCED: _("Reduced"),
    rules.PARTIAL: _("Partially approved"),
    rules.REJECTED: _("Rejected"),
}


def _format(value):
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if value is None:
        return ""
    return value


def _prepare(code: str, params: dict) -> dict:
    from mutuelle.benefits.models import CareLevel

    out = {key: _format(value) for key, value in params.items()}
    if code == "claim.act_sex":
        out["sex_label"] = {"F": _("women"), "M": _("men")}.get(params.get("sex", ""), "")
    if code == "claim.act_age":
        if params.get("min") is None:
            out["min"] = "0"
        if params.get("max") is None:
            out["max"] = "∞"
    if code == "claim.care_level":
        labels = dict(CareLevel.choices)
        out["level"] = str(labels.get(params.get("level", ""), params.get("level", "")))
        chosen = set(params.get("levels") or ())
        out["levels"] = ", ".join(str(lab) for val, lab in CareLevel.choices if val in chosen)
    if code == "claim.not_covered":
        why = COVERAGE_REASONS.get(params.get("reason") or "")
        dated = {k: _format(v) for k, v in params.items() if k != "reason"}
        out["why"] = _safe(why, dated) if why is not None else str(params.get("reason", ""))
    return out


def _safe(template, params: dict) -> str:
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def explain(code: str, params: dict | None = None) -> str:
    """A reason code and its parameters as a sentence in the active language."""
    template = CLAIM_REASONS.get(code)
    if template is None:
        return code
    return _safe(template, _prepare(code, dict(params or {})))


def explain_step(step: str, params: dict | None = None) -> str:
    """A step of a line's trail as a sentence in the active language."""
    template = TRAIL_TEXTS.get(step)
    if template is None:
        return step
    return _safe(template, {k: _format(v) for k, v in (params or {}).items()})


def explain_all(reasons) -> list[str]:
    return [explain(code, params) for code, params in reasons]


def explain_line(line: rules.LineDecision) -> dict:
    """A line decision for a screen: its decision's label, its reasons and its trail."""
    return {
        "decision": str(STATUS_LABELS.get(line.decision, line.decision)),
        "reasons": explain_all(line.reasons),
        "trail": [explain_step(step, params) for step, params in line.trail],
    }


def explain_claim(decision: rules.ClaimDecision) -> dict:
    """A claim decision for a screen: its status's label, the claim-level reasons, the lines."""
    return {
        "status": str(STATUS_LABELS.get(decision.status, decision.status)),
        "reasons": explain_all(decision.reasons),
        "lines": [explain_line(x) for x in decision.lines],
    }
