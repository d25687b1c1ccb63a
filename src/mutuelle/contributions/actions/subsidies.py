"""Subsidies: payers and programmes, enrolment in list programmes with evidence, the payer's
share of dues at billing (`subsidise_chunk`), matching of households' payments
(`match_payment`), payers' payments, and the recognition of deferred subsidy revenue.

Design (docs/decisions/0008-subsidies.md): the household's due is REDUCED to its own share and
the payers' shares become payer dues. The household's receivable (411) is what the household
owes; the payers' receivable (4581) is what the payers owe; members' contributions (7562) and
subsidies (718) are distinct revenue, as the net-income indicator needs."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from mutuelle.accounting import actions as ledger
from mutuelle.accounting.rules import LineValue
from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm
from mutuelle.lib import periods
from mutuelle.lib.money import quantize
from mutuelle.members.models import Household, Membership, Person

from .. import rules
from .. import subsidy_rules as sr
from ..models import (
    BillingRun,
    Due,
    Eligibility,
    Payment,
    PayerAllocation,
    PayerDue,
    PayerDueKind,
    PayerPayment,
    ProgrammeEnrolment,
    SubsidyDeferral,
    SubsidyMode,
    SubsidyProgramme,
    ThirdPartyPayer,
)
from .errors import REASONS, reason_error
from .payments import check_amount

SUBSIDY_BILLED = "subsidy_billed"
SUBSIDY_RECEIVED = "subsidy_received_bank"
DEFERRED_INCOME = "477"
FEE_OPERATIONS = {
    rules.ENTRY_FEE: "entry_fee_cash",
    rules.CARD_FEE: "card_fee_cash",
    rules.ASSEMBLY_FEE: "contribution_billed",
}

REASONS.update(
    {
        "subsidy.payer_name_required": gettext_lazy_name := None or "",
    }
)
