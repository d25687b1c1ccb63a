"""The claims app's write paths, one module per use case area."""

from .claims import NewClaim, NewLine, adjudicate, approve, submit_claim
from .eligibility import record_check

__all__ = ["NewClaim", "NewLine", "adjudicate", "approve", "record_check", "submit_claim"]
