"""The demo's claims: adjudicated by the engine with a mix of outcomes, some closed with their
entries, each line balanced, most patients checked at the desk."""

from mutuelle.accounting.models import Entry
from mutuelle.claims.models import Claim, ClaimLine, EligibilityCheck


def check_claims_with_every_kind_of_outcome():
    claims = Claim.unscoped.all()
    assert claims.count() >= 10
    assert {"approved", "adjudicated"} <= set(claims.values_list("status", flat=True))
    assert {"approved", "partial", "rejected"} <= set(claims.values_list("decision", flat=True))
    codes = {r[0] for x in ClaimLine.unscoped.all() for r in x.reasons}
    assert "claim.price_above_tariff" in codes
    for line in ClaimLine.unscoped.all():
        assert line.covered + line.copayment + line.excess + line.rejected == line.tariff_adjusted
    approved = claims.filter(status="approved")
    assert Entry.unscoped.filter(journal__code="PR").count() == approved.count()
    assert claims.filter(eligibility_checked=False).exists()
    for claim in claims.filter(eligibility_checked=True):
        assert EligibilityCheck.unscoped.filter(
            person=claim.person, care_date=claim.care_from
        ).exists()
