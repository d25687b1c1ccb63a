"""The ledger's screens."""

from .chart import account_active, chart, install_chart, ledger_list, trial_balance
from .entries import account_ledger, entry_detail, journal_entries, journal_list
from .periods import period_close, period_list, period_reopen, year_close, year_open
from .rules import posting_rule_edit, posting_rules

__all__ = [
    "account_active",
    "account_ledger",
    "chart",
    "entry_detail",
    "install_chart",
    "journal_entries",
    "journal_list",
    "ledger_list",
    "period_close",
    "period_list",
    "period_reopen",
    "posting_rule_edit",
    "posting_rules",
    "trial_balance",
    "year_close",
    "year_open",
]
