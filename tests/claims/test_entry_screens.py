"""The claims screens: a clerk types a claim and reads the outcome in French at once; a claims
officer closes it; nobody sees another provider's or another mutual's claims; diagnoses are
shown only to medical roles and the treating provider, and each showing is logged."""

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from mutuelle.claims.models import Claim
from mutuelle.core.models import AuditEvent
from mutuelle.core.roles import Role
from mutuelle.members.models import Membership

from .helpers import claims_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_may():
    with time_machine.travel(date(2026, 5, 6), tick=False):
        yield


def form_data(number, lines, **extra):
    data = {
        "number": number,
        "kind": "third_party",
        "visit_type": "outpatient",
        "care_from": "2026-05-04",
        "diagnoses": "b50.9",
        "idempotency_key": "k-1",
        "lines-TOTAL_FORMS": "6",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "60",
        **extra,
    }
    for i, (code, quantity, price) in enumerate(lines):
        data |= {f"lines-{i}-act_code": code, f"lines-{i}-quantity": quantity}
        data[f"lines-{i}-unit_price"] = price
    return data


def test_a_clerk_submits_a_claim_and_reads_the_outcome(client, world):
    home, _version = claims_world(world)
    number = Membership.unscoped.get(person=home.head).number
    client.force_login(world.clerk)
    page = client.get(reverse("claim_new")).content.decode()
    assert 'value="CONS-MG"' in page  # the act codes of the provider's tariffs
    lines = [("CONS-MG", "1", "2500"), ("NFS", "1", "3000")]
    response = client.post(reverse("claim_new"), form_data(number, lines))
    assert response.status_code == 302, response.content.decode()[-3000:]
    claim = Claim.unscoped.get()
    assert (claim.decision, claim.created_by) == ("partial", world.clerk)
    # No eligibility check that day: triage sends it to the medical adviser.
    assert claim.status == "in_review"
    assert claim.flags.filter(code="triage.no_eligibility_check").exists()
    assert claim.provider == world.provider_a and claim.diagnoses == "B50.9"
    page = client.get(response.url).content.decode()
    assert "contrôle médical" in page and re.search(r"1\W?600", page)  # 80 % of the 2,000 tariff
    assert "ramené au tarif" in page and "Aucun paquet du bénéficiaire" in page
    assert "B50.9" in page  # the treating provider sees the diagnoses
    assert AuditEvent.unscoped.filter(action="medical.viewed", actor=world.clerk).exists()
    # A retry of the same form records nothing twice.
    client.post(reverse("claim_new"), form_data(number, lines))
    assert Claim.unscoped.count() == 1


def test_the_claims_officer_closes_the_claim_without_seeing_diagnoses(client, world):
    home, _version = claims_world(world)
    number = Membership.unscoped.get(person=home.head).number
    client.force_login(world.clerk)
    # Checked at the desk on the day of care: nothing sends the claim to medical review.
    client.post(reverse("eligibility"), {"number": number, "care_date": "2026-05-04"})
    client.post(reverse("claim_new"), form_data(number, [("CONS-MG", "1", "2000")]))
    claim = Claim.unscoped.get()
    assert claim.status == "adjudicated"
    officer = world.persona(Role.CLAIMS_OFFICER)
    client.force_login(officer)
    page = client.get(reverse("claim_detail", args=[claim.uuid])).content.decode()
    assert "B50.9" not in page
    client.post(reverse("claim_approve", args=[claim.uuid]))
    claim.refresh_from_db()
    assert claim.status == "approved"
    assert (
        reverse("claim_detail", args=[claim.uuid])
        in client.get(reverse("claim_list")).content.decode()
    )


def test_bad_input_on_the_form_is_explained(client, world):
    home, _version = claims_world(world)
    client.force_login(world.clerk)
    response = client.post(
        reverse("claim_new"), form_data("MA-9999990", [("CONS-MG", "1", "2000")])
    )
    assert "MA-9999990" in response.content.decode()
    response = client.post(
        reverse("claim_new"),
        form_data(Membership.unscoped.get(person=home.head).number, [("CONS-MG", "", "2000")]),
    )
    assert response.status_code == 200
    assert not Claim.unscoped.exists()
    client.force_login(world.persona(Role.CASHIER))
    assert client.get(reverse("claim_new")).status_code == 403


def test_a_members_reimbursement_is_entered_with_the_receipt(client, world, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from mutuelle.claims import forms

    home, _version = claims_world(world)
    number = Membership.unscoped.get(person=home.head).number
    client.force_login(world.persona(Role.CLAIMS_OFFICER))
    data = form_data(
        number,
        [("CONS-MG", "1", "2000")],
        kind="reimbursement",
        provider=str(world.provider_a.pk),
    )
    refused = client.post(reverse("claim_new"), data)
    assert refused.status_code == 200 and not Claim.unscoped.exists()

    def receipt():
        photo = b"\xff\xd8\xff\xe0 receipt"
        return SimpleUploadedFile("recu.jpg", photo, content_type="image/jpeg")

    monkeypatch.setattr(forms, "MAX_DOCUMENT", 5)  # the photo is too large: said, not stored
    too_large = client.post(reverse("claim_new"), {**data, "receipt": receipt()})
    assert "10 Mo au plus" in too_large.content.decode() and not Claim.unscoped.exists()
    monkeypatch.undo()
    answer = client.post(reverse("claim_new"), {**data, "receipt": receipt()})
    claim = Claim.unscoped.get()
    assert answer.status_code == 302 and claim.kind == "reimbursement"
    assert claim.receipt.name.endswith(".jpg") and claim.status in ("adjudicated", "in_review")
