"""A refused claim corrected and resubmitted: the original is cancelled (its invoice number
and consumption freed, its history kept), the correction is linked to it and decided afresh;
an approved claim is contested with a dispute instead."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from mutuelle.claims import actions
from mutuelle.claims.models import Claim, ClaimEvent
from mutuelle.members.models import Membership

from .helpers import claims_world

pytestmark = pytest.mark.django_db
CARE = date(2026, 5, 4)


@pytest.fixture(autouse=True)
def two_days_after_the_care():
    with time_machine.travel(date(2026, 5, 6), tick=False):
        yield


def new(world, home, lines, **extra):
    return actions.NewClaim(
        provider=world.provider_a,
        number=Membership.unscoped.get(person=home.head).number,
        care_from=CARE,
        lines=[actions.NewLine(*x) for x in lines],
        external_reference="FAC-77",
        **extra,
    )


def refused(world, home):
    claim = actions.submit_claim(world.clerk, new(world, home, [("CONS-XX", 1, "2000")]))
    actions.adjudicate(world.claims, [claim])
    return actions.approve(world.claims, claim)


def test_a_refused_claim_is_corrected_with_the_same_invoice_number(world):
    home, _version = claims_world(world)
    original = refused(world, home)
    assert original.status == "rejected"
    fixed = actions.correct_claim(world.clerk, original, new(world, home, [("CONS-MG", 1, "2000")]))
    original.refresh_from_db()
    assert original.status == "cancelled" and fixed.corrects == original
    assert fixed.external_reference == "FAC-77" and fixed.status == "submitted"
    last = ClaimEvent.unscoped.filter(claim=original).last()
    assert (last.to_status, last.data["corrected_by"]) == ("cancelled", fixed.pk)
    [decision] = actions.adjudicate(world.claims, [fixed])
    assert decision.status == "approved" and decision.covered > 0  # not taken for a duplicate


def test_an_approved_claim_is_not_corrected_but_contested(world):
    home, _version = claims_world(world)
    claim = actions.submit_claim(world.clerk, new(world, home, [("CONS-MG", 1, "2000")]))
    actions.adjudicate(world.claims, [claim])
    actions.approve(world.claims, claim)
    with pytest.raises(ValidationError) as refusal:
        actions.correct_claim(world.clerk, claim, new(world, home, [("CONS-MG", 1, "1500")]))
    assert refusal.value.code == "claim.not_correctable"
    assert Claim.unscoped.get(pk=claim.pk).status == "approved" and Claim.unscoped.count() == 1


def test_the_clerk_corrects_on_screen_from_the_claim_page(client, world):
    home, _version = claims_world(world)
    original = refused(world, home)
    client.force_login(world.clerk)
    page = client.get(reverse("claim_detail", args=[original.uuid])).content.decode()
    assert reverse("claim_correct", args=[original.uuid]) in page
    form = client.get(reverse("claim_correct", args=[original.uuid])).content.decode()
    assert "CONS-XX" in form and "FAC-77" in form and str(original) in form
    number = Membership.unscoped.get(person=home.head).number
    answer = client.post(
        reverse("claim_correct", args=[original.uuid]),
        {
            "number": number,
            "kind": "third_party",
            "visit_type": "outpatient",
            "care_from": "2026-05-04",
            "external_reference": "FAC-77",
            "idempotency_key": "fix-1",
            "lines-TOTAL_FORMS": "6",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "60",
            "lines-0-act_code": "CONS-MG",
            "lines-0-quantity": "1",
            "lines-0-unit_price": "2000",
        },
    )
    fixed = Claim.unscoped.exclude(pk=original.pk).get()
    assert answer.status_code == 302 and fixed.corrects_id == original.pk
    assert fixed.status in ("adjudicated", "in_review") and fixed.covered > 0
    shown = client.get(reverse("claim_detail", args=[original.uuid])).content.decode()
    assert str(fixed) in shown  # "corrected by"
