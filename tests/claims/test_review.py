"""The medical adviser's review: a flagged claim's line adjusted with a justification (quantity,
price, rejected, accepted again), the claim re-decided by the engine so that every line still
balances, each adjustment kept with its before and after, the review finished with the flags
resolved and the claim approved with its entry."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from mutuelle.accounting.models import Entry
from mutuelle.claims import actions
from mutuelle.claims.actions import review
from mutuelle.claims.models import Claim, ClaimEvent, ClaimLine, LineAdjustment, ReviewFlag
from mutuelle.claims.triage import flag_claims
from mutuelle.claims.triage_rules import Thresholds
from mutuelle.core.models import AuditEvent
from mutuelle.members.models import Membership

from .helpers import claims_world

pytestmark = pytest.mark.django_db
CARE = date(2026, 5, 4)


@pytest.fixture(autouse=True)
def two_days_after_the_care():
    with time_machine.travel(date(2026, 5, 6), tick=False):
        yield


def flagged_claim(world, lines=(("CONS-MG", 1, "2500"), ("HOSP-J", 3, "5000"))):
    """A claim nobody checked eligibility for: triage sends it to review."""
    home, _version = claims_world(world)
    data = actions.NewClaim(
        provider=world.provider_a,
        number=Membership.unscoped.get(person=home.head).number,
        lines=[actions.NewLine(*x) for x in lines],
        care_from=CARE,
        visit_type="inpatient",
    )
    claim = actions.submit_claim(world.clerk, data)
    actions.adjudicate(world.claims, [claim])
    flag_claims(world.claims, [claim], thresholds=Thresholds(sample_rate=Decimal(0)))
    claim.refresh_from_db()
    assert claim.status == "in_review"
    return claim


def line(claim, position) -> ClaimLine:
    return ClaimLine.unscoped.get(claim=claim, position=position)


def balanced(claim) -> None:
    lines = list(ClaimLine.unscoped.filter(claim=claim))
    for x in lines:
        assert x.covered + x.copayment + x.excess + x.rejected == x.tariff_adjusted
    for name in ("asked", "tariff_adjusted", "covered", "copayment", "excess", "rejected"):
        assert getattr(claim, name) == sum(getattr(x, name) for x in lines), name


def test_the_adviser_cuts_a_quantity_and_the_claim_is_re_decided(world):
    claim = flagged_claim(world)
    # 2,000 × 80 % + 3 days × 5,000 × 70 %
    assert claim.covered == Decimal(1600 + 10500)
    after = review.adjust_line(
        world.adviser,
        claim,
        review.LineChange(line(claim, 2), quantity=1),
        "One night only: discharged the next morning (ward register).",
    )
    assert after.covered == Decimal(1600 + 3500)
    hosp = line(claim, 2)
    assert (hosp.quantity, hosp.covered, hosp.copayment) == (1, Decimal(3500), Decimal(1500))
    balanced(after)
    [adjustment] = LineAdjustment.unscoped.filter(line=hosp)
    assert adjustment.before["quantity"] == 3 and adjustment.after["quantity"] == 1
    assert adjustment.before["covered"] == "10500.00"
    assert adjustment.after["covered"] == "3500.00"
    assert adjustment.actor == world.adviser
    assert adjustment.justification.startswith("One night")
    event = ClaimEvent.unscoped.filter(claim=claim).latest("pk")
    assert (event.from_status, event.to_status, event.actor) == (
        "in_review",
        "in_review",
        world.adviser,
    )
    assert event.data["covered_after"] == "5100.00"
    assert AuditEvent.unscoped.filter(action="claim.line_adjusted", actor=world.adviser).exists()


def test_a_price_cut_and_a_rejected_line_then_accepted_again(world):
    claim = flagged_claim(world)
    review.adjust_line(
        world.adviser, claim, review.LineChange(line(claim, 1), unit_price="1500"), "Nurse seen."
    )
    consult = line(claim, 1)
    assert (consult.asked, consult.tariff_adjusted, consult.covered) == (
        Decimal(1500),
        Decimal(1500),
        Decimal(1200),
    )
    after = review.adjust_line(
        world.adviser, claim, review.LineChange(line(claim, 2), reject=True), "No admission."
    )
    hosp = line(claim, 2)
    assert hosp.decision == "rejected" and hosp.reasons == [[review.LINE_REJECTED, {}]]
    assert (hosp.covered, hosp.rejected, hosp.covered_quantity) == (0, Decimal(15000), 0)
    assert hosp.package_id_used is None  # it consumes nothing
    assert (after.decision, after.covered) == ("partial", Decimal(1200))
    balanced(after)
    again = review.adjust_line(
        world.adviser, claim, review.LineChange(line(claim, 2), reject=False), "Admission found."
    )
    assert line(claim, 2).covered == Decimal(10500)
    assert again.covered == Decimal(1200 + 10500)
    balanced(again)
    assert LineAdjustment.unscoped.filter(line__claim=claim).count() == 3


def test_rejecting_every_line_rejects_the_claim(world):
    claim = flagged_claim(world, lines=(("CONS-MG", 1, "2000"),))
    after = review.adjust_line(
        world.adviser, claim, review.LineChange(line(claim, 1), reject=True), "Phantom visit."
    )
    assert (after.decision, after.covered, after.rejected) == ("rejected", 0, Decimal(2000))
    closed = review.finish_review(world.adviser, after, "Visit not found in the register.")
    assert closed.status == "rejected"
    assert not Entry.unscoped.filter(organization=world.mutual_a, journal__code="PR").exists()


def test_finishing_the_review_resolves_the_flags_and_posts_the_entry(world):
    claim = flagged_claim(world)
    review.adjust_line(world.adviser, claim, review.LineChange(line(claim, 2), quantity=2), "Two.")
    closed = review.finish_review(world.adviser, claim, "Checked with the ward.")
    assert closed.status == "approved" and closed.covered == Decimal(1600 + 7000)
    assert set(ReviewFlag.unscoped.filter(claim=claim).values_list("outcome", "resolved_by")) == {
        ("adjusted", world.adviser.pk)
    }
    entry = Entry.unscoped.get(organization=world.mutual_a, journal__code="PR")
    assert {(x.account.number, x.debit, x.credit) for x in entry.lines.all()} == {
        ("6581", Decimal(8600), Decimal(0)),
        ("402", Decimal(0), Decimal(8600)),
    }
    event = ClaimEvent.unscoped.filter(claim=claim).latest("pk")
    assert (event.to_status, event.actor, event.note) == (
        "approved",
        world.adviser,
        "Checked with the ward.",
    )


def test_a_claim_confirmed_as_decided(world):
    claim = flagged_claim(world)
    review.finish_review(world.adviser, claim)
    assert set(ReviewFlag.unscoped.filter(claim=claim).values_list("outcome", flat=True)) == {
        "confirmed"
    }


@pytest.mark.parametrize(
    ("change", "justification", "code"),
    [
        ({"quantity": 1}, "  ", "review.justification_required"),
        ({"quantity": 0}, "why", "review.bad_quantity"),
        ({"quantity": "two"}, "why", "review.bad_quantity"),
        ({"unit_price": "-5"}, "why", "review.bad_price"),
        ({"unit_price": "abc"}, "why", "review.bad_price"),
        ({"quantity": 3}, "why", "review.no_change"),
        ({"reject": False}, "why", "review.no_change"),
    ],
)
def test_bad_adjustments_are_refused_and_change_nothing(world, change, justification, code):
    claim = flagged_claim(world)
    with pytest.raises(ValidationError) as caught:
        review.adjust_line(
            world.adviser, claim, review.LineChange(line(claim, 2), **change), justification
        )
    assert caught.value.code == code
    assert line(claim, 2).quantity == 3 and not LineAdjustment.unscoped.exists()
    assert Claim.unscoped.get(pk=claim.pk).covered == Decimal(12100)


def test_only_the_adviser_reviews_and_only_claims_in_review(world):
    claim = flagged_claim(world)
    for user in (world.claims, world.clerk, world.manager):
        with pytest.raises(ValidationError):
            review.adjust_line(user, claim, review.LineChange(line(claim, 2), quantity=1), "x")
        with pytest.raises(ValidationError):
            review.finish_review(user, claim)
    review.finish_review(world.adviser, claim)
    with pytest.raises(ValidationError) as caught:
        review.adjust_line(world.adviser, claim, review.LineChange(line(claim, 2), quantity=1), "x")
    assert caught.value.code == "review.wrong_status"
