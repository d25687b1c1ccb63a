"""The adviser's writes at once (PostgreSQL, real row locks, one connection per thread): two
decisions on one dispute post its difference once; two ends of one review approve and post
once. The second waits for the first's locks and then finds the work done."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from mutuelle.accounting.models import Entry
from mutuelle.claims.actions import review
from mutuelle.claims.models import Claim, ClaimLine, Dispute

from ..accounting.test_concurrency import run_together
from .test_review import flagged_claim

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
TODAY = date(2026, 5, 6)


def entries(world) -> int:
    return Entry.unscoped.filter(organization=world.mutual_a, journal__code="PR").count()


def test_two_ends_of_one_review_approve_once(world):
    with time_machine.travel(TODAY, tick=False):
        claim = flagged_claim(world)

    def finish(_i: int) -> None:
        with time_machine.travel(TODAY, tick=False):
            review.finish_review(world.adviser, Claim.unscoped.get(pk=claim.pk))

    errors = run_together(finish, 2)
    assert [e.code for e in errors if isinstance(e, ValidationError)] == ["review.wrong_status"]
    assert len(errors) == 1
    assert Claim.unscoped.get(pk=claim.pk).status == "approved"
    assert entries(world) == 1


def test_two_decisions_on_one_dispute_post_once(world):
    with time_machine.travel(TODAY, tick=False):
        claim = flagged_claim(world)
        review.finish_review(world.adviser, claim)
        dispute = review.open_dispute(world.clerk, Claim.unscoped.get(pk=claim.pk), "Two nights.")
    hosp = ClaimLine.unscoped.get(claim=claim, position=2)

    def decide(_i: int) -> None:
        with time_machine.travel(TODAY, tick=False):
            review.decide_dispute(
                world.adviser,
                Dispute.unscoped.get(pk=dispute.pk),
                upheld=True,
                note="Two nights.",
                changes=[review.LineChange(hosp, quantity=2)],
            )

    errors = run_together(decide, 2)
    assert [e.code for e in errors if isinstance(e, ValidationError)] == ["dispute.not_open"]
    assert len(errors) == 1
    assert Dispute.unscoped.get(pk=dispute.pk).amount_change == Decimal(-3500)
    assert entries(world) == 2  # the approval, then the one correction
