"""The tenant-isolation harness's part for the claims app's settlements screens: its URL
rules, the other tenant's objects it plants (each carrying the sentinel), and what a
cross-tenant write would change. test_tenant_isolation merges every such module (see
EXTENSIONS there).

The other tenant gets a statement (payment reference and a line label holding the sentinel)
whose payment order is prepared — so that an approval, a payment or a cancellation across
tenants would show in the snapshot — and an advance to their provider (reference and note
holding the sentinel)."""

from datetime import date
from decimal import Decimal

from .base import DENIED, NOT_ALLOWED, OWN_LIST, Rule

STEP = frozenset(DENIED | {NOT_ALLOWED})
ONE = {"settlement_uuid": "settlement.uuid"}

RULES: dict[str, Rule] = {
    "settlement_list": Rule(expect=OWN_LIST),
    "settlement_new": Rule(expect=OWN_LIST),
    "settlement_detail": Rule(ONE),
    "settlement_order": Rule(ONE, STEP),
    "settlement_approve": Rule(ONE, STEP),
    "settlement_pay": Rule(ONE, STEP),
    "settlement_cancel": Rule(ONE, STEP),
    "settlement_pdf": Rule(ONE),
    "settlement_xlsx": Rule(ONE),
    "advance_list": Rule(expect=OWN_LIST),
    "advance_new": Rule(expect=OWN_LIST),
}


def plant(world, others) -> None:
    from mutuelle.claims.models import Advance, Settlement, SettlementLine

    from ..conftest import SENTINEL

    settlement = Settlement.unscoped.create(
        organization=world.mutual_b,
        number="BR-ZZB-2026-0001",
        payee_kind="provider",
        provider=world.provider_b,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        status="prepared",
        prepared_by=world.manager_b,
        claims_amount=Decimal(0),
        other_amount=Decimal(5000),
        net_amount=Decimal(5000),
        payment_reference=SENTINEL,
    )
    SettlementLine.unscoped.create(
        settlement=settlement,
        kind="capitation",
        label=f"capitation.{SENTINEL}",
        quantity=1,
        unit_amount=Decimal(5000),
        amount=Decimal(5000),
    )
    others.settlement = settlement
    others.advance = Advance.unscoped.create(
        organization=world.mutual_b,
        provider=world.provider_b,
        kind="advance",
        amount=Decimal(20000),
        granted_on=date(2026, 10, 2),
        reference=SENTINEL,
        note=SENTINEL,
    )


def snapshot(others) -> dict:
    from mutuelle.claims.models import Advance, Settlement

    s = Settlement.unscoped.get(pk=others.settlement.pk)
    return {
        "settlement": (s.status, s.approved_by_id, s.paid_on, s.net_amount),
        "settlements_b": Settlement.unscoped.filter(organization=others.mutual).count(),
        "advances_b": list(
            Advance.unscoped.filter(organization=others.mutual).values_list("amount", "recovered")
        ),
    }
