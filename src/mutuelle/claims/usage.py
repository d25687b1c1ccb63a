"""What the mutual has already paid this year for a beneficiary and a household: the amounts
the annual ceilings are measured against on the eligibility screen (adjudication reloads the
same figures per package through claims.context).

It is the lines of decided claims (adjudicated and not rejected) plus the consumption brought
in when the mutual went live (contributions.OpeningConsumption, per household and year)."""

from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum

from mutuelle.contributions.models import OpeningConsumption

from .models import CONSUMING, ClaimLine

ZERO = Decimal(0)


def used_this_year(person_id: int, household_id: int | None, year: int) -> tuple[Decimal, Decimal]:
    """(paid for the person, paid for the household) in `year`."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    in_year = Q(on__range=(first, last)) | Q(on=None, claim__care_from__range=(first, last))
    # Cash benefits have their own limits: they do not count against the care ceilings.
    decided = ClaimLine.unscoped.filter(in_year, claim__status__in=CONSUMING).exclude(
        target__startswith="cash:"
    )
    if household_id is None:
        person = decided.filter(claim__person_id=person_id).aggregate(t=Sum("covered"))["t"]
        return person or ZERO, ZERO
    totals = decided.filter(claim__household_id=household_id).aggregate(
        household=Sum("covered"), person=Sum("covered", filter=Q(claim__person_id=person_id))
    )
    opening = OpeningConsumption.unscoped.filter(household_id=household_id, year=year).aggregate(
        total=Sum("amount")
    )["total"]
    return totals["person"] or ZERO, (totals["household"] or ZERO) + (opening or ZERO)
