"""Claims from submission to approval: stored with their lines (bad input kept with reasons),
adjudicated by the engine against the convention's tariff and the package, approved with
their journal entry; retries never record twice; every transition is an event."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from mutuelle.accounting.models import Entry
from mutuelle.claims import actions
from mutuelle.claims.models import Claim, ClaimEvent, ClaimLine
from mutuelle.members.models import Membership

from .helpers import claims_world

pytestmark = pytest.mark.django_db
CARE = date(2026, 5, 4)


@pytest.fixture(autouse=True)
def two_days_after_the_care():
    with time_machine.travel(date(2026, 5, 6), tick=False):
        yield


def number_of(home) -> str:
    return Membership.unscoped.get(person=home.head).number


def new_claim(world, home, lines, **extra):
    data = actions.NewClaim(
        provider=world.provider_a,
        number=number_of(home),
        lines=[actions.NewLine(*x) for x in lines],
        **{"care_from": CARE, **extra},
    )
    return actions.submit_claim(world.clerk, data)


def test_a_claim_is_adjudicated_line_by_line_and_approved_with_its_entry(world):
    home, _version = claims_world(world)
    claim = new_claim(
        world,
        home,
        [
            ("CONS-MG", 1, "2500"),
            ("NFS", 1, "3000"),
            ("XYZ-99", 1, "1000"),
            ("CONS-INF", -1, "1000"),
        ],
        external_reference="FAC-001",
    )
    assert claim.status == "submitted" and claim.lines.count() == 4
    [decision] = actions.adjudicate(world.claims, [claim])
    lines = {x.act_code: x for x in ClaimLine.unscoped.filter(claim=claim)}
    consult = lines["CONS-MG"]
    # Asked 2,500, the tariff is 2,000 (reduced), the package pays 80 %.
    assert (consult.asked, consult.tariff_adjusted) == (Decimal(2500), Decimal(2000))
    assert (consult.covered, consult.copayment) == (Decimal(1600), Decimal(400))
    assert consult.decision == "reduced"
    assert [r[0] for r in consult.reasons] == ["claim.price_above_tariff"]
    assert lines["NFS"].decision == "rejected"  # laboratory is in no line of the package
    assert lines["XYZ-99"].reasons[0][0] == "claim.unknown_act"
    assert lines["CONS-INF"].reasons[0][0] == "claim.bad_quantity"
    for line in lines.values():
        assert line.covered + line.copayment + line.excess + line.rejected == line.tariff_adjusted
    claim.refresh_from_db()
    assert (claim.status, claim.decision, claim.covered) == (
        "adjudicated",
        "partial",
        Decimal(1600),
    )
    assert decision.covered == Decimal(1600)
    approved = actions.approve(world.claims, claim)
    assert approved.status == "approved"
    entry = Entry.unscoped.get(organization=world.mutual_a, journal__code="PR")
    assert {(x.account.number, x.debit, x.credit) for x in entry.lines.all()} == {
        ("6581", Decimal(1600), Decimal(0)),
        ("402", Decimal(0), Decimal(1600)),
    }
    assert list(ClaimEvent.unscoped.filter(claim=claim).values_list("to_status", flat=True)) == [
        "submitted",
        "adjudicated",
        "approved",
    ]


def test_the_ceiling_is_shared_across_claims_and_never_exceeded(world):
    from mutuelle.benefits.models import PackageVersion

    home, version = claims_world(world)
    PackageVersion.unscoped.filter(pk=version.pk).update(ceiling_person=Decimal(20000))
    first = new_claim(world, home, [("HOSP-J", 5, "5000")])  # 70 % of 25,000 = 17,500
    second = new_claim(world, home, [("HOSP-J", 2, "5000")], care_from=date(2026, 5, 5))
    actions.adjudicate(world.claims, [second, first])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.covered == Decimal(17500)
    assert second.covered == Decimal(2500)  # what is left of 20,000
    assert second.excess == Decimal(4500)
    third = new_claim(world, home, [("HOSP-J", 1, "5000")], care_from=date(2026, 5, 1))
    actions.adjudicate(world.claims, [third])
    third.refresh_from_db()
    assert (third.covered, third.decision) == (Decimal(0), "rejected")
    line = third.lines.get()
    assert line.reasons[0][0] == "claim.person_ceiling"


def test_retries_never_record_twice_and_an_invoice_is_accepted_once(world):
    home, _version = claims_world(world)
    first = new_claim(world, home, [("CONS-MG", 1, "2000")], idempotency_key="row-7")
    again = new_claim(world, home, [("CONS-MG", 1, "2000")], idempotency_key="row-7")
    assert again.pk == first.pk and Claim.unscoped.count() == 1
    new_claim(world, home, [("CONS-MG", 1, "2000")], external_reference="FAC-9")
    with pytest.raises(ValidationError) as caught:
        new_claim(world, home, [("CONS-MG", 1, "2000")], external_reference="FAC-9")
    assert caught.value.code == "claim.invoice_taken"
    # The same care billed again under another invoice number is a duplicate claim.
    copy = new_claim(world, home, [("CONS-MG", 1, "2000")], external_reference="FAC-10")
    actions.adjudicate(world.claims, list(Claim.unscoped.exclude(pk=copy.pk).order_by("pk")))
    actions.adjudicate(world.claims, [copy])
    copy.refresh_from_db()
    assert copy.decision == "rejected"
    assert copy.reasons[0][0] == "claim.duplicate_claim"


def test_bad_input_is_refused_with_a_clear_reason(world):
    home, _version = claims_world(world)
    with pytest.raises(ValidationError) as unknown:
        actions.submit_claim(
            world.clerk,
            actions.NewClaim(
                world.provider_a, "MA-9999990", CARE, [actions.NewLine("CONS-MG", 1, "2000")]
            ),
        )
    assert unknown.value.code == "claim.unknown_member"
    for lines, code in (
        ([], "claim.no_lines"),
        ([("CONS-MG", "deux", "2000")], "claim.bad_line"),
        ([("CONS-MG", 1, "abc")], "claim.bad_line"),
        ([("", 1, "2000")], "claim.bad_line"),
    ):
        with pytest.raises(ValidationError) as caught:
            new_claim(world, home, lines)
        assert caught.value.code == code
    assert not Claim.unscoped.exists()


def test_a_clerk_cannot_claim_for_a_mutual_without_convention(world):
    from mutuelle.providers.models import Convention
    from mutuelle.providers.queries import clear_served_cache

    home, _version = claims_world(world)
    Convention.unscoped.update(end=date(2026, 2, 1))
    clear_served_cache()  # as saving a convention through providers.actions does
    with pytest.raises(ValidationError) as caught:
        new_claim(world, home, [("CONS-MG", 1, "2000")])
    assert caught.value.code == "claim.not_served"
    with pytest.raises(ValidationError):
        actions.submit_claim(
            world.manager_b,
            actions.NewClaim(
                world.provider_a, number_of(home), CARE, [actions.NewLine("CONS-MG", 1, "2000")]
            ),
        )


def test_a_member_reimbursement_is_owed_to_the_member(world):
    home, _version = claims_world(world)
    claim = new_claim(world, home, [("CONS-MG", 1, "2000")], kind="reimbursement")
    actions.adjudicate(world.claims, [claim])
    actions.approve(world.claims, claim)
    entry = Entry.unscoped.get(organization=world.mutual_a, journal__code="PR")
    assert {x.account.number for x in entry.lines.all()} == {"6581", "4193"}


def test_a_rejected_claim_is_closed_without_an_entry(world):
    home, _version = claims_world(world)
    claim = new_claim(world, home, [("NFS", 1, "3000")])
    actions.adjudicate(world.claims, [claim])
    assert actions.approve(world.claims, claim).status == "rejected"
    assert not Entry.unscoped.filter(organization=world.mutual_a, journal__code="PR").exists()
    with pytest.raises(ValidationError):
        actions.approve(world.claims, claim)


def test_the_eligibility_screen_counts_what_claims_consumed(world):
    from mutuelle.claims.usage import used_this_year

    home, _version = claims_world(world)
    claim = new_claim(world, home, [("HOSP-J", 2, "5000")])
    assert used_this_year(home.head_id, home.pk, 2026) == (Decimal(0), Decimal(0))
    actions.adjudicate(world.claims, [claim])
    assert used_this_year(home.head_id, home.pk, 2026) == (Decimal(7000), Decimal(7000))
    assert used_this_year(home.head_id, home.pk, 2025) == (Decimal(0), Decimal(0))


def test_each_kind_of_claim_is_owed_to_its_payee():
    from mutuelle.claims.actions.claims import _operation

    assert _operation(Claim(kind="third_party")) == "claim_approved"
    assert _operation(Claim(kind="reimbursement")) == "reimbursement_approved"
    assert _operation(Claim(kind="cash_benefit")) == "cash_benefit_approved"


def test_a_claim_in_medical_review_is_closed_by_the_adviser_only(world):
    from mutuelle.claims.actions import review

    home, _version = claims_world(world)
    claim = new_claim(world, home, [("CONS-MG", 1, "2000")])
    actions.adjudicate(world.claims, [claim])
    Claim.unscoped.filter(pk=claim.pk).update(status="in_review")  # as the triage leaves it
    with pytest.raises(ValidationError) as refused:
        actions.approve(world.claims, claim)
    assert refused.value.code == "claim.in_review"
    assert review.finish_review(world.adviser, claim, "Seen.").status == "approved"
