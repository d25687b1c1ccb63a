"""The reason codes of contributions' writes, translated at the edge."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

REASONS = {
    "amount.not_a_number": _("Type the amount in figures, e.g. 1500."),
    "amount.negative": _("An amount is never negative."),
    "amount.zero": _("The amount must be more than zero."),
    "amount.too_many_decimals": _("Too many decimals for the mutual's currency."),
    "payment.duplicate_reference": _(
        "This transaction reference is already recorded: the payment was not recorded twice."
    ),
    "payment.household_left": _(
        "Nobody in this household is a member any more and nothing is owed: no payment to take."
    ),
    "payment.key_reused": _("This form was already used for another household: reload the page."),
    "receipt.booklet_full": _(
        "Your receipt booklet is used up: open the next booklet before recording."
    ),
    "receipt.bad_range": _("The last number of a booklet comes after its first number."),
    "receipt.series_exists": _("This series code is already used."),
    "billing.no_rule": _("No contribution rule is in force for this period."),
    "billing.bad_period": _("Unknown period."),
    "billing.wrong_period": _("The contribution rule in force is not counted by such periods."),
    "rule.in_force": _("A version in force is never changed: make a new version."),
    "rule.adopt_date": _("A new version takes effect after the start of the one in force."),
    "till.already_closed": _("This day's till is already closed."),
    "till.bad_count": _("Type the counted cash in figures."),
    "correction.same_person": _("A correction is approved by someone other than its author."),
    "correction.already_decided": _("This correction was already decided."),
    "correction.pending": _("A correction of this payment is already awaiting approval."),
    "correction.already_reversed": _("This payment is already reversed."),
    "correction.reason_required": _("A correction needs a reason."),
    "collection.already_remitted": _("This sheet was already remitted."),
    "collection.not_on_sheet": _("This household is not on this sheet."),
    "statement.already_done": _("This line was already recorded or set aside."),
}


from .rule_reasons import RULE_REASONS  # noqa: E402

REASONS.update(RULE_REASONS)


def reason_error(code: str, **params) -> ValidationError:
    message = REASONS.get(code, code)
    return ValidationError(message, code=code, params=params or None)
