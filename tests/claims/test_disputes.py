"""Disputes: the provider's clerk or the mutual's claims officer contests an approved or
rejected claim with grounds; the medical adviser upholds it with adjustments (the difference
posted: one more entry for more, the same accounts inverted for less; a rejected claim that
now pays is approved) or dismisses it; every step is an event and an audit row."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from mutuelle.accounting.models import Entry
from mutuelle.claims.actions import review
from mutuelle.claims.models import Claim, ClaimEvent, Dispute
from mutuelle.core.models import AuditEvent

from ..conftest import make_org, make_user
from .test_review import flagged_claim, line

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def two_days_after_the_care():
    with time_machine.travel(date(2026, 5, 6), tick=False):
        yield


def entries(world):
    return [
        {(x.account.number, x.debit, x.credit) for x in e.lines.select_related("account")}
        for e in Entry.unscoped.filter(organization=world.mutual_a, journal__code="PR").order_by(
            "pk"
        )
    ]


def reviewed(world, quantity=None, reject=False):
    """A claim reviewed and closed: hospital days cut to `quantity`, or the only line rejected."""
    if reject:
        claim = flagged_claim(world, lines=(("CONS-MG", 1, "2000"),))
        review.adjust_line(
            world.adviser, claim, review.LineChange(line(claim, 1), reject=True), "No visit."
        )
    else:
        claim = flagged_claim(world)  # three hospital days
        if quantity != 3:
            review.adjust_line(
                world.adviser, claim, review.LineChange(line(claim, 2), quantity=quantity), "Short."
            )
    return review.finish_review(world.adviser, claim)


def test_the_clerk_contests_a_cut_and_the_adviser_upholds_it(world):
    claim = reviewed(world, quantity=1)
    assert (claim.status, claim.covered) == ("approved", Decimal(5100))
    dispute = review.open_dispute(world.clerk, claim, "The patient stayed three nights: see file.")
    assert dispute.status == "open" and dispute.opened_by == world.clerk
    decided = review.decide_dispute(
        world.adviser,
        dispute,
        upheld=True,
        note="Three nights confirmed by the ward register.",
        changes=[review.LineChange(line(claim, 2), quantity=3)],
    )
    assert (decided.status, decided.amount_change, decided.examined_by) == (
        "upheld",
        Decimal(7000),
        world.adviser,
    )
    claim.refresh_from_db()
    assert (claim.status, claim.covered) == ("approved", Decimal(12100))
    assert entries(world)[-1] == {
        ("6581", Decimal(7000), Decimal(0)),
        ("402", Decimal(0), Decimal(7000)),
    }
    notes = list(ClaimEvent.unscoped.filter(claim=claim).values_list("note", flat=True))
    assert "The patient stayed three nights: see file." in notes
    assert "Three nights confirmed by the ward register." in notes
    assert AuditEvent.unscoped.filter(action="claim.dispute_opened", actor=world.clerk).exists()
    assert AuditEvent.unscoped.filter(action="claim.dispute_decided", actor=world.adviser).exists()
    assert line(claim, 2).adjustments.count() == 2


def test_an_upheld_dispute_that_lowers_the_payment_posts_the_accounts_inverted(world):
    claim = reviewed(world, quantity=3)
    dispute = review.open_dispute(world.claims, claim, "Audit: one night only.")
    review.decide_dispute(
        world.adviser,
        dispute,
        upheld=True,
        note="One night.",
        changes=[review.LineChange(line(claim, 2), quantity=1)],
    )
    assert Dispute.unscoped.get(pk=dispute.pk).amount_change == Decimal(-7000)
    assert entries(world)[-1] == {
        ("402", Decimal(7000), Decimal(0)),
        ("6581", Decimal(0), Decimal(7000)),
    }


def test_a_rejected_claim_approved_on_dispute_posts_its_whole_amount(world):
    claim = reviewed(world, reject=True)
    assert claim.status == "rejected" and entries(world) == []
    dispute = review.open_dispute(world.clerk, claim, "The visit is in our register.")
    review.decide_dispute(
        world.adviser,
        dispute,
        upheld=True,
        note="Register seen.",
        changes=[review.LineChange(line(claim, 1), reject=False)],
    )
    claim.refresh_from_db()
    assert (claim.status, claim.covered) == ("approved", Decimal(1600))
    assert claim.approved_at is not None
    assert entries(world) == [
        {("6581", Decimal(1600), Decimal(0)), ("402", Decimal(0), Decimal(1600))}
    ]
    event = ClaimEvent.unscoped.filter(claim=claim).latest("pk")
    assert (event.from_status, event.to_status) == ("rejected", "approved")


def test_a_dismissed_dispute_changes_nothing_but_is_recorded(world):
    claim = reviewed(world, quantity=1)
    before = entries(world)
    dispute = review.open_dispute(world.clerk, claim, "Three nights.")
    with pytest.raises(ValidationError) as caught:
        review.decide_dispute(world.adviser, dispute, upheld=False, note=" ")
    assert caught.value.code == "dispute.note_required"
    decided = review.decide_dispute(
        world.adviser, dispute, upheld=False, note="Discharged on day one."
    )
    assert (decided.status, decided.amount_change) == ("dismissed", 0)
    assert entries(world) == before
    assert Claim.unscoped.get(pk=claim.pk).covered == Decimal(5100)
    with pytest.raises(ValidationError) as caught:
        review.decide_dispute(world.adviser, dispute, upheld=False, note="again")
    assert caught.value.code == "dispute.not_open"


def test_who_may_contest_what(world):
    claim = flagged_claim(world)
    with pytest.raises(ValidationError) as caught:
        review.open_dispute(world.clerk, claim, "Too early.")
    assert caught.value.code == "dispute.wrong_status"  # still in review
    review.finish_review(world.adviser, claim)
    other_provider = make_org("provider", "PZ", world.union_a, name="Clinique Z")
    stranger = make_user("clerkz", "provider_clerk", "provider", org=other_provider)
    for user in (stranger, world.adviser, world.cashier):
        with pytest.raises(ValidationError) as caught:
            review.open_dispute(user, claim, "Mine.")
        assert caught.value.code == "dispute.not_allowed"
    with pytest.raises(ValidationError) as caught:
        review.open_dispute(world.clerk, claim, "   ")
    assert caught.value.code == "dispute.grounds_required"
    dispute = review.open_dispute(world.clerk, claim, "Grounds.")
    with pytest.raises(ValidationError) as caught:
        review.open_dispute(world.claims, claim, "Twice.")
    assert caught.value.code == "dispute.already_open"
    for user in (world.claims, world.clerk):
        with pytest.raises(ValidationError):
            review.decide_dispute(user, dispute, upheld=False, note="No.")
    with pytest.raises(ValidationError) as caught:
        review.decide_dispute(world.adviser, dispute, upheld=True, note="Yes.", changes=[])
    assert caught.value.code == "dispute.no_adjustment"
    Claim.unscoped.filter(pk=claim.pk).update(status="in_settlement")
    with pytest.raises(ValidationError) as caught:
        review.decide_dispute(world.adviser, dispute, upheld=False, note="Late.")
    assert caught.value.code == "dispute.settled"
