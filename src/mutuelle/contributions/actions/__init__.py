"""The write paths of contributions (one module per use case family)."""

from .billing import rule_in_force, start_billing, start_union_billing
from .cash import close_till, decide_correction, request_correction
from .errors import REASONS, reason_error
from .payments import check_amount, open_booklet, record_payment
from .plans import adopt, copy_as_draft, save_draft
from .subsidies import (
    enrol,
    enrol_list,
    match_payment,
    recognise_subsidy_revenue,
    record_payer_payment,
    reverse_matching,
    save_payer,
    save_programme,
    subsidise_chunk,
)

__all__ = [
    "REASONS",
    "adopt",
    "copy_as_draft",
    "save_draft",
    "check_amount",
    "close_till",
    "decide_correction",
    "open_booklet",
    "reason_error",
    "record_payment",
    "request_correction",
    "rule_in_force",
    "start_billing",
    "start_union_billing",
    "enrol",
    "enrol_list",
    "match_payment",
    "record_payer_payment",
    "recognise_subsidy_revenue",
    "reverse_matching",
    "save_payer",
    "save_programme",
    "subsidise_chunk",
]
