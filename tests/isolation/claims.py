"""The tenant-isolation harness's part for the claims app: its URL rules, the other tenant's
objects it plants (each carrying the sentinel), and what a cross-tenant write would change.
test_tenant_isolation merges every such module (see EXTENSIONS there)."""

from .base import OWN_LIST, Rule

RULES: dict[str, Rule] = {
    "eligibility": Rule(expect=OWN_LIST),
    "eligibility_photo": Rule({"check_uuid": "eligibility_check.uuid"}),
}


def plant(world, others) -> None:
    """The other tenant's manager checked their own member (whose name carries the sentinel)."""
    from datetime import date

    from mutuelle.claims.models import EligibilityCheck

    membership = others.membership
    others.eligibility_check = EligibilityCheck.unscoped.create(
        organization=world.mutual_b,
        checked_by=world.manager_b,
        care_date=date(2026, 11, 24),
        method="typed",
        query=membership.number,
        person=membership.person,
        membership=membership,
        result="covered",
    )


def snapshot(others) -> dict:
    from mutuelle.claims.models import EligibilityCheck

    return {"eligibility_checks": EligibilityCheck.unscoped.count()}
