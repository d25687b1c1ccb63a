"""What the mutual has already paid this year for a beneficiary and a household: the amounts
the annual ceilings are measured against (eligibility screen, adjudication).

Today this is the consumption brought in when the mutual went live
(contributions.OpeningConsumption, per household and year); approved claim lines add to it as
soon as they exist."""

from decimal import Decimal

from django.db.models import Sum

from mutuelle.contributions.models import OpeningConsumption

ZERO = Decimal(0)


def used_this_year(person_id: int, household_id: int | None, year: int) -> tuple[Decimal, Decimal]:
    """(paid for the person, paid for the household) in `year`."""
    household = ZERO
    if household_id is not None:
        household = (
            OpeningConsumption.unscoped.filter(household_id=household_id, year=year).aggregate(
                total=Sum("amount")
            )["total"]
            or ZERO
        )
    return ZERO, household
