"""The tenant-isolation harness's part for the claims screens (list, entry, claim page,
adjudicate, approve): the other tenant's claim carries the sentinel in its invoice number."""

from .base import DENIED, NOT_ALLOWED, OWN_LIST, Rule

WRITE = frozenset(DENIED | {NOT_ALLOWED})

RULES: dict[str, Rule] = {
    "claim_list": Rule(expect=OWN_LIST),
    "claim_new": Rule(expect=OWN_LIST),
    "cash_benefit_new": Rule(expect=OWN_LIST),
    "claim_detail": Rule({"claim_uuid": "claim.uuid"}),
    "claim_adjudicate": Rule({"claim_uuid": "claim.uuid"}, WRITE),
    "claim_approve": Rule({"claim_uuid": "claim.uuid"}, WRITE),
    "claim_correct": Rule({"claim_uuid": "claim.uuid"}),
}


def plant(world, others) -> None:
    """A submitted claim of the other mutual at its own provider, with one line."""
    from datetime import date
    from decimal import Decimal

    from mutuelle.claims.models import Claim, ClaimLine

    from ..conftest import SENTINEL

    membership = others.membership
    others.claim = Claim.unscoped.create(
        organization=world.mutual_b,
        provider=world.provider_b,
        kind="third_party",
        membership=membership,
        person=membership.person,
        household=others.household,
        visit_type="outpatient",
        care_from=date(2026, 11, 20),
        diagnoses="B50.9",
        external_reference=SENTINEL,
        status="submitted",
    )
    ClaimLine.unscoped.create(
        claim=others.claim, position=1, act_code="CONS", quantity=1, unit_price=Decimal(1000)
    )


def snapshot(others) -> dict:
    from mutuelle.claims.models import Claim

    claim = Claim.unscoped.get(pk=others.claim.pk)
    return {"claim": (claim.status, claim.covered, claim.decision)}
