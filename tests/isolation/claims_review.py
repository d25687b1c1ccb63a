"""The tenant-isolation harness's part for the medical review and disputes screens (claims
app): its URL rules, the other tenant's objects it plants (each carrying the sentinel), and
what a cross-tenant write would change. test_tenant_isolation merges every such module (see
EXTENSIONS there).

The other tenant has a claim in review (its flag, its line's adjustment and its event carry
the sentinel) and an approved claim under an open dispute whose grounds carry it; both claims
are of the other tenant's member (named with the sentinel) at the other tenant's provider."""

from .base import DENIED, NOT_ALLOWED, OWN_LIST, Rule

WRITE = frozenset(DENIED | {NOT_ALLOWED})

RULES: dict[str, Rule] = {
    "review_queue": Rule(expect=OWN_LIST),
    "review_claim": Rule({"claim_uuid": "review_claim.uuid"}),
    "review_adjust": Rule(
        {"claim_uuid": "review_claim.uuid", "position": "review_position"}, WRITE
    ),
    "review_finish": Rule({"claim_uuid": "review_claim.uuid"}, WRITE),
    "dispute_list": Rule(expect=OWN_LIST),
    "dispute_open": Rule({"claim_uuid": "review_disputed_claim.uuid"}),
    "dispute_decide": Rule({"claim_uuid": "review_disputed_claim.uuid"}),
}


def plant(world, others) -> None:
    from datetime import date
    from decimal import Decimal

    from mutuelle.claims.models import (
        Claim,
        ClaimEvent,
        ClaimLine,
        Dispute,
        LineAdjustment,
        ReviewFlag,
    )

    from ..conftest import SENTINEL

    membership = others.membership

    def claim(status: str, reference: str) -> Claim:
        row = Claim.unscoped.create(
            organization=world.mutual_b,
            provider=world.provider_b,
            kind="third_party",
            membership=membership,
            person=membership.person,
            household_id=membership.person.household_id,
            visit_type="outpatient",
            care_from=date(2026, 11, 24),
            diagnoses="A09",
            external_reference=reference,
            status=status,
            decision="approved",
            asked=Decimal(5000),
            tariff_adjusted=Decimal(5000),
            covered=Decimal(4000),
            copayment=Decimal(1000),
        )
        line = ClaimLine.unscoped.create(
            claim=row,
            position=1,
            act_code="CONS-MG",
            quantity=1,
            unit_price=Decimal(5000),
            decision="approved",
            asked=Decimal(5000),
            tariff_adjusted=Decimal(5000),
            covered=Decimal(4000),
            copayment=Decimal(1000),
            reasons=[["claim.unknown_act", {"code": SENTINEL}]],
        )
        ClaimEvent.unscoped.create(
            claim=row, from_status="adjudicated", to_status=status, note=SENTINEL
        )
        return row, line

    in_review, line = claim("in_review", f"REV-{SENTINEL}")
    ReviewFlag.unscoped.create(
        claim=in_review,
        code="triage.quantity_outlier",
        params={"code": SENTINEL, "quantity": "9", "usual": "1", "limit": "3"},
        score=Decimal(30),
    )
    LineAdjustment.unscoped.create(
        line=line, before={"quantity": 2}, after={"quantity": 1}, justification=SENTINEL
    )
    approved, _line = claim("approved", f"DIS-{SENTINEL}")
    Dispute.unscoped.create(claim=approved, grounds=SENTINEL)
    others.review_claim = in_review
    others.review_position = 1
    others.review_disputed_claim = approved


def snapshot(others) -> dict:
    from mutuelle.claims.models import Claim, ClaimLine, Dispute, LineAdjustment, ReviewFlag

    claims = [others.review_claim.pk, others.review_disputed_claim.pk]
    return {
        "review_claims": list(
            Claim.unscoped.filter(pk__in=claims).order_by("pk").values_list("status", "covered")
        ),
        "review_lines": list(
            ClaimLine.unscoped.filter(claim_id__in=claims).values_list("quantity", "unit_price")
        ),
        "review_flags": list(ReviewFlag.unscoped.values_list("outcome", flat=True)),
        "review_adjustments": LineAdjustment.unscoped.count(),
        "disputes": list(Dispute.unscoped.order_by("pk").values_list("status", "amount_change")),
    }
