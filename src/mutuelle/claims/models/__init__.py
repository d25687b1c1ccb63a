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
from .review import Dispute, DisputeStatus, FlagOutcome, LineAdjustment, ReviewFlag
from .settlements import (
    Advance,
    AdvanceKind,
    PayeeKind,
    Settlement,
    SettlementLine,
    SettlementLineKind,
    SettlementStatus,
)

__all__ = [
    "CONSUMING",
    "Advance",
    "AdvanceKind",
    "Dispute",
    "DisputeStatus",
    "FlagOutcome",
    "LineAdjustment",
    "PayeeKind",
    "ReviewFlag",
    "Settlement",
    "SettlementLine",
    "SettlementLineKind",
    "SettlementStatus",
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
