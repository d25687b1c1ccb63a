"""The review and dispute screens: the adviser's queue by score with each flag in words, the
review page (diagnoses shown to the adviser and the showing logged), an adjustment and the end
of the review through the forms, a dispute opened by the clerk and decided by the adviser, in
French and in English; other roles are refused."""

from datetime import date

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from mutuelle.claims.models import Claim, Dispute, LineAdjustment, ReviewFlag
from mutuelle.claims.triage import explain
from mutuelle.core.models import AuditEvent

from .test_review import flagged_claim

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def two_days_after_the_care():
    with time_machine.travel(date(2026, 5, 6), tick=False):
        yield


def test_the_adviser_works_the_queue(world, client):
    claim = flagged_claim(world)
    Claim.unscoped.filter(pk=claim.pk).update(diagnoses="A09")
    client.force_login(world.adviser)
    page = client.get(reverse("review_queue"))
    assert page.status_code == 200
    text = page.content.decode()
    assert str(claim) in text
    flag = ReviewFlag.unscoped.get(claim=claim)
    with translation.override("fr"):  # the page speaks French (the default language)
        assert escape(explain(flag.code, flag.params)) in text
    page = client.get(reverse("review_claim", args=[claim.uuid]))
    text = page.content.decode()
    assert page.status_code == 200 and "A09" in text and "HOSP-J" in text
    assert AuditEvent.unscoped.filter(action="medical.viewed", actor=world.adviser).count() == 1
    answer = client.post(
        reverse("review_adjust", args=[claim.uuid, 2]),
        {"quantity": "1", "unit_price": "5000", "decision": "", "justification": "Une nuit."},
    )
    assert answer.status_code == 302
    assert LineAdjustment.unscoped.get().justification == "Une nuit."
    answer = client.post(
        reverse("review_adjust", args=[claim.uuid, 1]),
        {"quantity": "1", "decision": "reject", "justification": ""},
    )
    assert LineAdjustment.unscoped.count() == 1  # no justification: nothing changed
    answer = client.post(reverse("review_finish", args=[claim.uuid]), {"note": "Vu."})
    assert answer.status_code == 302 and answer.url == reverse("review_queue")
    claim.refresh_from_db()
    assert claim.status == "approved"
    queue = client.get(reverse("review_queue")).content.decode()
    assert reverse("review_claim", args=[claim.uuid]) not in queue


def test_other_roles_do_not_review(world, client):
    claim = flagged_claim(world)
    for user in (world.clerk, world.claims, world.cashier):
        client.force_login(user)
        assert client.get(reverse("review_queue")).status_code == 403
        assert client.get(reverse("review_claim", args=[claim.uuid])).status_code == 403
        answer = client.post(reverse("review_finish", args=[claim.uuid]))
        assert answer.status_code == 403
    assert Claim.unscoped.get(pk=claim.pk).status == "in_review"


def test_a_dispute_from_the_clerk_to_the_adviser_in_english(world, client):
    from mutuelle.claims.actions import review

    claim = flagged_claim(world)
    review.finish_review(world.adviser, claim)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.clerk)
    page = client.get(reverse("dispute_open", args=[claim.uuid]))
    assert page.status_code == 200 and "Grounds of the dispute" in page.content.decode()
    answer = client.post(
        reverse("dispute_open", args=[claim.uuid]), {"grounds": "Three nights, see the file."}
    )
    assert answer.status_code == 302
    listing = client.get(reverse("dispute_list")).content.decode()
    assert "Three nights, see the file." in listing
    assert reverse("dispute_decide", args=[claim.uuid]) not in listing  # the clerk does not decide
    assert client.get(reverse("dispute_decide", args=[claim.uuid])).status_code == 403
    client.force_login(world.adviser)
    listing = client.get(reverse("dispute_list")).content.decode()
    assert reverse("dispute_decide", args=[claim.uuid]) in listing
    page = client.get(reverse("dispute_decide", args=[claim.uuid]))
    assert page.status_code == 200 and "Three nights, see the file." in page.content.decode()
    answer = client.post(
        reverse("dispute_decide", args=[claim.uuid]),
        {"outcome": "upheld", "note": "Confirmed.", "quantity_2": "2", "quantity_1": "1"},
    )
    assert answer.status_code == 302
    dispute = Dispute.unscoped.get()
    assert dispute.status == "upheld" and dispute.amount_change < 0
    assert client.get(reverse("dispute_decide", args=[claim.uuid])).status_code == 404
