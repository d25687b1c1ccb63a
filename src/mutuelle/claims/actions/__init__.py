"""The claims app's write paths, one module per use case area."""

from .eligibility import record_check

__all__ = ["record_check"]
