"""The claims app's write paths, one module per use case area."""

from .claims import NewClaim, NewLine, adjudicate, approve, correct_claim, submit_claim
from .eligibility import record_check
from .letters import (
    LetterDecision,
    NewLetter,
    NewReferral,
    cancel_letter,
    counter_refer,
    create_referral,
    decide_letter,
    request_letter,
)

__all__ = [
    "LetterDecision",
    "NewClaim",
    "NewLetter",
    "NewLine",
    "NewReferral",
    "adjudicate",
    "approve",
    "cancel_letter",
    "correct_claim",
    "counter_refer",
    "create_referral",
    "decide_letter",
    "record_check",
    "request_letter",
    "submit_claim",
]
