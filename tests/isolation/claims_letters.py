"""The tenant-isolation harness's part for guarantee letters and referrals (claims app): its
URL rules, the other tenant's objects it plants (each carrying the sentinel), and what a
cross-tenant write would change. test_tenant_isolation merges every such module (see
EXTENSIONS there).

The other tenant's letter carries the sentinel in its reason and its decision note (and its
beneficiary's family name); its referral in its reason and its counter-referral. A user of
the first tenant gets 404 on their pages, their PDF, their decision, cancellation and
counter-referral forms, and never sees them in a list."""

from datetime import date

from .base import DENIED, NOT_ALLOWED, OWN_LIST, Rule

LETTER = {"letter_uuid": "guarantee_letter.uuid"}
REFERRAL = {"referral_uuid": "referral_slip.uuid"}
WRITE = frozenset(DENIED | {NOT_ALLOWED})

RULES: dict[str, Rule] = {
    "letter_list": Rule(expect=OWN_LIST),
    "letter_request": Rule(expect=OWN_LIST),
    "letter_detail": Rule(LETTER),
    "letter_decide": Rule(LETTER),
    "letter_cancel": Rule(LETTER, WRITE),
    "letter_pdf": Rule(LETTER),
    "referral_list": Rule(expect=OWN_LIST),
    "referral_create": Rule(expect=OWN_LIST),
    "referral_detail": Rule(REFERRAL),
    "referral_counter": Rule(REFERRAL),
}


def plant(world, others) -> None:
    """The other tenant's approved letter and referral (its beneficiary is the household
    named with the sentinel), medical texts and notes carrying the sentinel, and a second
    letter still requested (so it sits in their adviser's queue)."""
    from mutuelle.claims.models import GuaranteeLetter, LetterStatus, Referral

    from ..conftest import SENTINEL

    person = others.household.head
    others.guarantee_letter = GuaranteeLetter.unscoped.create(
        organization=world.mutual_b,
        number="LG-MB-2026-000001",
        person=person,
        provider=world.provider_b,
        visit_type="inpatient",
        reason=SENTINEL,
        diagnoses="O82",
        planned_on=date(2026, 11, 24),
        status=LetterStatus.APPROVED,
        max_amount=50000,
        valid_from=date(2026, 11, 20),
        valid_to=date(2026, 12, 20),
        decision_note=SENTINEL,
        requested_by=world.manager_b,
    )
    GuaranteeLetter.unscoped.create(
        organization=world.mutual_b,
        number="LG-MB-2026-000002",
        person=person,
        provider=world.provider_b,
        visit_type="inpatient",
        reason=SENTINEL,
        planned_on=date(2026, 11, 25),
        requested_by=world.manager_b,
    )
    others.referral_slip = Referral.unscoped.create(
        organization=world.mutual_b,
        number="REF-MB-2026-000001",
        person=person,
        from_provider=world.provider_b,
        to_provider=world.provider_b,
        referred_on=date(2026, 11, 24),
        reason=SENTINEL,
    )


def snapshot(others) -> dict:
    from mutuelle.claims.models import GuaranteeLetter, Referral

    return {
        "letters": list(
            GuaranteeLetter.unscoped.order_by("pk").values_list(
                "number", "status", "max_amount", "decision_note"
            )
        ),
        "referrals": list(
            Referral.unscoped.order_by("pk").values_list("number", "counter_on", "counter_note")
        ),
    }
