"""French and English texts of the contribution rules' reason codes (contributions.rules)."""

from django.utils.translation import gettext_lazy as _

RULE_REASONS = {
    "rule.selection_forbidden": _(
        "“%(field)s” cannot be used: contributions never depend on sex, health or adults' age "
        "(non-selection is in the statutes of every mutual)."
    ),
    "rule.unknown_field": _("“%(field)s” is not a setting of a contribution rule."),
    "rule.unknown_basis": _("Choose how contributions are counted."),
    "rule.unknown_currency": _("Unknown currency."),
    "rule.unknown_periodicity": _("Choose how often contributions are due."),
    "rule.bad_anchor": _("The season must start on a day that exists every year."),
    "rule.amount_required": _("An amount is needed (%(field)s)."),
    "rule.not_a_number": _("Type a number (%(field)s)."),
    "rule.negative_amount": _("An amount is never negative (%(field)s)."),
    "rule.too_many_decimals": _("At most %(places)s decimals (%(field)s)."),
    "rule.reduced_above_full": _("A reduced rate is not more than the full rate (%(field)s)."),
    "rule.field_not_for_basis": _("This amount does not apply to this way of counting."),
    "rule.child_age_required": _("Give the age under which children pay the reduced rate."),
    "rule.bad_child_age": _("The children's age limit is at most %(max)s years."),
    "rule.bands_required": _("Give the amounts by household size."),
    "rule.bands_malformed": _("Write the bands as “1-3: 9000; 4-6: 12000; 7+: 15000”."),
    "rule.bands_not_from_one": _("The first band starts at one person."),
    "rule.bands_not_open_ended": _("The last band has no upper size (e.g. “7+”)."),
    "rule.bands_gap": _("No band covers households of %(from)s to %(to)s persons."),
    "rule.bands_overlap": _("Two bands both cover households of %(size)s persons."),
    "rule.band_bounds": _("A band's sizes are wrong."),
    "rule.ability_amounts_required": _("Give the amount of each ability-to-pay category."),
    "rule.ability_amounts_malformed": _("Write the amounts as “indigent: 0; low: 3000”."),
    "rule.ability_duplicate": _("The category “%(category)s” is given twice."),
    "rule.ability_category_required": _("A category code is missing."),
    "rule.unknown_default_ability": _("Unknown category “%(category)s”."),
    "rule.salary_floor_above_ceiling": _("The salary floor is above the ceiling."),
    "amount.ambiguous": _("Write the amount without a thousands separator, e.g. 1500."),
    "amount.required": _("Type the amount."),
    "arrears.bad_suspend_after": _("Suspension comes after at least one unpaid period."),
    "arrears.negative_grace": _("The grace period is never negative."),
    "due.ability_unknown": _(
        "The household has no ability-to-pay category with an amount: nothing billed for it."
    ),
    "due.no_band": _("No band for this household's size: nothing billed for it."),
}

# Coverage status (contributions.coverage): why a beneficiary is not covered at a date.
COVERAGE_REASONS = {
    "coverage.not_member": _("Not a member at that date (not yet enrolled, or enrolment pending)."),
    "coverage.waiting": _("In the waiting period: covered from %(until)s."),
    "coverage.suspended": _("Suspended for unpaid contributions since %(since)s."),
    "coverage.withdrawn": _("Withdrawn since %(since)s."),
    "coverage.excluded": _("Excluded since %(since)s."),
    "coverage.deceased": _("Deceased since %(since)s."),
    "coverage.no_package": _("No benefit package in force at that date."),
}
