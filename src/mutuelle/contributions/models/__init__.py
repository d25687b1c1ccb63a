"""Contributions: rule versions, dues, payments and receipts, cash control."""

from .collection import CollectorSheet, LineStatus, StatementLine, StatementSource
from .dues import BillingRun, Due
from .payments import (
    Allocation,
    Correction,
    CorrectionStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Receipt,
    ReceiptSeries,
    SeriesKind,
    TillClosing,
)
from .plans import ArrearsSettings, OpeningConsumption, RuleVersion, Subscription
from .subsidies import (
    Eligibility,
    PayerAllocation,
    PayerDue,
    PayerDueKind,
    PayerKind,
    PayerPayment,
    ProgrammeEnrolment,
    SubsidyDeferral,
    SubsidyMode,
    SubsidyProgramme,
    ThirdPartyPayer,
)

__all__ = [
    "Allocation",
    "ArrearsSettings",
    "BillingRun",
    "CollectorSheet",
    "LineStatus",
    "StatementLine",
    "StatementSource",
    "Correction",
    "CorrectionStatus",
    "Due",
    "Payment",
    "OpeningConsumption",
    "PaymentMethod",
    "PaymentStatus",
    "Receipt",
    "ReceiptSeries",
    "SeriesKind",
    "Subscription",
    "RuleVersion",
    "TillClosing",
    "Eligibility",
    "PayerAllocation",
    "PayerDue",
    "PayerDueKind",
    "PayerKind",
    "PayerPayment",
    "ProgrammeEnrolment",
    "SubsidyDeferral",
    "SubsidyMode",
    "SubsidyProgramme",
    "ThirdPartyPayer",
]
