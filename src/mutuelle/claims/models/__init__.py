"""The claims app's tables, one module per concern."""

from .claims import (
    CONSUMING,
    Claim,
    ClaimEvent,
    ClaimKind,
    ClaimLine,
    ClaimStatus,
    Decision,
    Episode,
    VisitType,
)
from .eligibility import CheckMethod, CheckResult, EligibilityCheck
from .letters import GuaranteeLetter, LetterStatus, Referral

__all__ = [
    "CONSUMING",
    "CheckMethod",
    "CheckResult",
    "Claim",
    "ClaimEvent",
    "ClaimKind",
    "ClaimLine",
    "ClaimStatus",
    "Decision",
    "EligibilityCheck",
    "Episode",
    "GuaranteeLetter",
    "LetterStatus",
    "Referral",
    "VisitType",
]
