"""The claims app's tables, one module per concern."""

from .eligibility import CheckMethod, CheckResult, EligibilityCheck

__all__ = ["CheckMethod", "CheckResult", "EligibilityCheck"]
