"""Reason codes of an eligibility check, as sentences (the edge translates; rules return
codes). Coverage, card and number codes come from the apps that own them."""

import re
from datetime import date
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from mutuelle.cards.actions import REASONS as CARD_REASONS
from mutuelle.contributions.actions.rule_reasons import COVERAGE_REASONS
from mutuelle.members.actions import REASONS as MEMBER_REASONS

from .reasons import explain, explain_step

ELIGIBILITY_REASONS = {
    "eligibility.empty": _("Type or scan the membership number."),
    "eligibility.unknown_number": _("No member has the number %(number)s."),
    "eligibility.not_served": _(
        "Your provider has no convention in force with this member's mutual (%(mutual)s)."
    ),
    "photo.not_an_image": _("The file is not a picture: send a JPEG or PNG photo of the card."),
    "photo.too_large": _("The photo is too large (at most 12 MB)."),
    "photo.no_code": _(
        "No card code could be read on the photo: take it again, closer, flat and in good light."
    ),
}


def _format(value):
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return value


def eligibility_reason(code: str, params: dict | None = None) -> str:
    """The sentence for a code; "" for no code."""
    if not code:
        return ""
    for table in (ELIGIBILITY_REASONS, COVERAGE_REASONS, CARD_REASONS, MEMBER_REASONS):
        if code in table:
            text = str(table[code])
            try:
                return text % {k: _format(v) for k, v in (params or {}).items()}
            except (KeyError, TypeError, ValueError):
                return text
    return code


def _revive(value):
    """A stored parameter back to its type (dates and amounts are stored as text)."""
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        if re.fullmatch(r"-?\d+\.\d+", value):
            return Decimal(value)
    return value


def stored_reasons(pairs) -> list[str]:
    """Sentences for reasons stored on a claim or line ([[code, params], ...])."""

    return [
        explain(code, {k: _revive(v) for k, v in (params or {}).items()}) for code, params in pairs
    ]


def stored_trail(pairs) -> list[str]:
    return [
        explain_step(step, {k: _revive(v) for k, v in (params or {}).items()})
        for step, params in pairs
    ]
