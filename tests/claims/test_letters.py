"""Guarantee letters and referrals: requested by a provider's clerk or the mutual, numbered
without gaps per mutual and year, approved (maximum, validity) or refused by the medical
adviser, cancelled while no claim cites them, consumed by the claims that cite them; referral
slips and their counter-referrals; who sees what (medical details logged); the PDF."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from mutuelle.claims import actions as claim_actions
from mutuelle.claims import letters as reads
from mutuelle.claims.actions import letters as actions
from mutuelle.claims.models import GuaranteeLetter, Referral
from mutuelle.core.models import AuditEvent
from mutuelle.members.models import Membership

from .helpers import active_household, claims_world

pytestmark = pytest.mark.django_db
CARE = date(2026, 5, 4)


@pytest.fixture(autouse=True)
def two_days_after_the_care():
    with time_machine.travel(date(2026, 5, 6), tick=False):
        yield


def number_of(home) -> str:
    return Membership.unscoped.get(person=home.head).number


def ask(world, home, actor=None, **extra) -> GuaranteeLetter:
    data = actions.NewLetter(
        provider=world.provider_a,
        number=number_of(home),
        planned_on=extra.pop("planned_on", CARE),
        **{"reason": "Césarienne programmée", "diagnoses": "o82 ", **extra},
    )
    return actions.request_letter(actor or world.clerk, data)


def approve(world, letter, amount="12000", start=date(2026, 5, 1), end=date(2026, 5, 31)):
    decision = actions.LetterDecision(True, amount, start, end, "Accord")
    return actions.decide_letter(world.adviser, letter, decision)


# --- Requests and numbers -----------------------------------------------------------------------
def test_a_clerk_requests_a_letter_numbered_in_the_mutuals_series_of_the_year(world):
    home, _version = claims_world(world)
    first = ask(world, home, estimated_amount="15 000")
    second = ask(world, home, actor=world.claims)
    assert (first.number, second.number) == ("LG-MA-2026-000001", "LG-MA-2026-000002")
    assert first.organization == world.mutual_a and first.person == home.head
    assert (first.status, first.diagnoses, first.estimated_amount) == (
        "requested",
        "O82",
        Decimal(15000),
    )
    assert first.requested_by == world.clerk
    assert AuditEvent.unscoped.filter(action="letter.requested").count() == 2
    with time_machine.travel(date(2027, 1, 2), tick=False):
        assert ask(world, home).number == "LG-MA-2027-000001"


def test_a_request_that_fails_gives_its_number_back(world):
    home, _version = claims_world(world)
    with pytest.raises(ValidationError) as caught:
        ask(world, home, diagnoses="XYZ")
    assert caught.value.code == "letter.bad_diagnosis"
    assert ask(world, home).number == "LG-MA-2026-000001"


def test_bad_requests_are_refused_with_a_coded_error(world):
    home, _version = claims_world(world)
    cases = [
        (world.clerk, {"number": "MA-9999990"}, "letter.unknown_member"),
        (world.clerk, {"visit_type": "picnic"}, "letter.bad_visit_type"),
        (world.clerk, {"estimated_amount": "-5"}, "letter.bad_amount"),
        (world.adviser, {}, "letter.not_allowed"),  # the adviser decides, never asks
        (world.cashier, {}, "letter.not_allowed"),
        (world.manager_b, {}, "letter.not_allowed"),
    ]
    for actor, extra, code in cases:
        data = actions.NewLetter(
            provider=world.provider_a,
            planned_on=CARE,
            **{"number": number_of(home), **extra},
        )
        with pytest.raises(ValidationError) as caught:
            actions.request_letter(actor, data)
        assert caught.value.code == code, extra
    not_provider = actions.NewLetter(
        provider=world.mutual_a, number=number_of(home), planned_on=CARE
    )
    with pytest.raises(ValidationError) as caught:
        actions.request_letter(world.claims, not_provider)
    assert caught.value.code == "letter.not_a_provider"
    assert not GuaranteeLetter.unscoped.exists()


def test_a_clerk_asks_only_for_members_of_a_mutual_their_provider_serves(world):
    home = active_household(world)  # no convention between mutual A and provider A
    with pytest.raises(ValidationError) as caught:
        ask(world, home)
    assert caught.value.code == "letter.not_served"
    # The mutual's own claims officer may ask all the same.
    assert ask(world, home, actor=world.claims).number == "LG-MA-2026-000001"


# --- Decisions ----------------------------------------------------------------------------------
def test_the_adviser_approves_with_a_maximum_and_a_validity(world):
    home, _version = claims_world(world)
    letter = approve(world, ask(world, home), amount="12 000")
    assert (letter.status, letter.max_amount) == ("approved", Decimal(12000))
    assert (letter.valid_from, letter.valid_to) == (date(2026, 5, 1), date(2026, 5, 31))
    assert letter.decided_by == world.adviser and letter.decided_at is not None
    assert AuditEvent.unscoped.filter(action="letter.approved", object_id=str(letter.uuid)).exists()
    with pytest.raises(ValidationError) as caught:  # decided once
        approve(world, letter)
    assert caught.value.code == "letter.wrong_status"


def test_a_decision_needs_an_amount_and_dates_or_a_reason_to_refuse(world):
    home, _version = claims_world(world)
    letter = ask(world, home)
    for decision, code in (
        (actions.LetterDecision(True, "", date(2026, 5, 1), date(2026, 5, 2)), "letter.bad_amount"),
        (
            actions.LetterDecision(True, "0", date(2026, 5, 1), date(2026, 5, 2)),
            "letter.bad_amount",
        ),
        (
            actions.LetterDecision(True, "100", date(2026, 5, 3), date(2026, 5, 2)),
            "letter.bad_validity",
        ),
        (actions.LetterDecision(True, "100", None, date(2026, 5, 2)), "letter.bad_validity"),
        (actions.LetterDecision(False, note="  "), "letter.note_needed"),
    ):
        with pytest.raises(ValidationError) as caught:
            actions.decide_letter(world.adviser, letter, decision)
        assert caught.value.code == code
    with pytest.raises(ValidationError) as caught:  # the claims officer does not decide
        actions.decide_letter(world.claims, letter, actions.LetterDecision(False, note="Non"))
    assert caught.value.code == "letter.not_allowed"
    refused = actions.decide_letter(
        world.adviser, letter, actions.LetterDecision(False, note="Pas d'indication")
    )
    assert (refused.status, refused.decision_note, refused.max_amount) == (
        "refused",
        "Pas d'indication",
        None,
    )


def test_a_letter_is_cancelled_while_no_claim_cites_it(world):
    home, _version = claims_world(world)
    requested = ask(world, home)
    assert actions.cancel_letter(world.clerk, requested, "Patient transféré").status == "cancelled"
    with pytest.raises(ValidationError) as caught:
        actions.cancel_letter(world.clerk, requested)
    assert caught.value.code == "letter.wrong_status"
    with pytest.raises(ValidationError) as caught:
        actions.cancel_letter(world.manager_b, ask(world, home))
    assert caught.value.code == "letter.not_allowed"
    cited = approve(world, ask(world, home))
    claim = new_claim(world, home, [("HOSP-J", 1, "5000")], letter_number=cited.number)
    with pytest.raises(ValidationError) as caught:
        actions.cancel_letter(world.adviser, cited)
    assert caught.value.code == "letter.in_use"
    assert str(claim) in caught.value.messages[0]


# --- Consumption by claims ----------------------------------------------------------------------
def new_claim(world, home, lines, **extra):
    data = claim_actions.NewClaim(
        provider=world.provider_a,
        number=number_of(home),
        lines=[claim_actions.NewLine(*x) for x in lines],
        **{"care_from": CARE, **extra},
    )
    return claim_actions.submit_claim(world.clerk, data)


def test_claims_citing_an_approved_letter_are_paid_within_its_maximum(world):
    home, _version = claims_world(world)
    letter = approve(world, ask(world, home), amount="12000")
    # Five hospital days at 5,000: the package pays 70 % = 17,500, the letter caps at 12,000.
    first = new_claim(world, home, [("HOSP-J", 5, "5000")], letter_number=letter.number.lower())
    claim_actions.adjudicate(world.claims, [first])
    first.refresh_from_db()
    assert first.letter == letter
    assert first.covered == Decimal(12000)
    line = first.lines.get()
    assert "claim.authorization_exceeded" in [r[0] for r in line.reasons]
    assert reads.usage_of([letter])[letter.pk] == reads.LetterUsage(Decimal(12000), Decimal(0))
    second = new_claim(
        world,
        home,
        [("HOSP-J", 1, "5000")],
        letter_number=letter.number,
        care_from=CARE.replace(day=5),
    )
    claim_actions.adjudicate(world.claims, [second])
    second.refresh_from_db()
    assert second.covered == Decimal(0)  # nothing left of the letter
    assert reads.usage_of([letter])[letter.pk].consumed == Decimal(12000)
    assert list(reads.claims_citing(letter)) == [first, second]


def test_the_letter_left_counts_consuming_claims_only(world):
    home, _version = claims_world(world)
    letter = approve(world, ask(world, home), amount="20000")
    claim = new_claim(world, home, [("HOSP-J", 2, "5000")], letter_number=letter.number)
    assert reads.usage_of([letter])[letter.pk].left == Decimal(20000)  # submitted: not yet
    claim_actions.adjudicate(world.claims, [claim])
    assert reads.usage_of([letter])[letter.pk] == reads.LetterUsage(Decimal(7000), Decimal(13000))
    requested = ask(world, home)
    assert reads.usage_of([requested])[requested.pk] == reads.LetterUsage(Decimal(0), None)


def test_an_expired_letter_gives_authorization_expired(world):
    from mutuelle.benefits.models import CoverageLine

    home, version = claims_world(world)
    CoverageLine.unscoped.filter(version=version, category="hospitalization").update(
        authorization_required=True
    )
    letter = approve(world, ask(world, home), start=date(2026, 4, 1), end=date(2026, 5, 1))
    claim = new_claim(world, home, [("HOSP-J", 1, "5000")], letter_number=letter.number)
    claim_actions.adjudicate(world.claims, [claim])
    claim.refresh_from_db()
    line = claim.lines.get()
    assert line.reasons[0][0] == "claim.authorization_expired"
    assert line.covered == Decimal(0)
    # Within its validity, the same care is authorized.
    valid = approve(world, ask(world, home), start=date(2026, 5, 1), end=date(2026, 5, 31))
    again = new_claim(
        world, home, [("HOSP-J", 1, "5000")], letter_number=valid.number, care_from=date(2026, 5, 5)
    )
    claim_actions.adjudicate(world.claims, [again])
    again.refresh_from_db()
    assert again.covered == Decimal(3500)


# --- Referrals ----------------------------------------------------------------------------------
def hospital(world):
    from mutuelle.providers import actions as providers
    from tests.conftest import make_org

    to = make_org("provider", "HRT", world.union_a, name="Hôpital régional de Thiès")
    data = providers.ConventionData(reference="CONV-HRT", start=date(2026, 1, 1))
    providers.create_convention(None, world.mutual_a, to, data)
    return to


def refer(world, home, to, actor=None, **extra) -> Referral:
    data = actions.NewReferral(
        from_provider=world.provider_a,
        to_provider=to,
        referred_on=CARE,
        **{"number": number_of(home), "reason": "Suspicion d'appendicite", **extra},
    )
    return actions.create_referral(actor or world.clerk, data)


def test_a_referral_is_numbered_and_gets_one_counter_referral(world):
    home, _version = claims_world(world)
    to = hospital(world)
    referral = refer(world, home, to)
    assert referral.number == "REF-MA-2026-000001"
    assert refer(world, home, to, actor=world.claims).number == "REF-MA-2026-000002"
    with pytest.raises(ValidationError) as caught:  # the referring clerk does not answer
        actions.counter_refer(world.clerk, referral, "Opéré", date(2026, 5, 5))
    assert caught.value.code == "letter.not_allowed"
    with pytest.raises(ValidationError) as caught:
        actions.counter_refer(world.claims, referral, "Opéré", date(2026, 5, 1))
    assert caught.value.code == "referral.bad_date"
    done = actions.counter_refer(
        world.claims, referral, "Appendicectomie, suivi J8", date(2026, 5, 5)
    )
    assert (done.counter_on, done.counter_note) == (date(2026, 5, 5), "Appendicectomie, suivi J8")
    with pytest.raises(ValidationError) as caught:
        actions.counter_refer(world.claims, referral, "Encore", date(2026, 5, 6))
    assert caught.value.code == "referral.already_countered"
    with pytest.raises(ValidationError) as caught:
        refer(world, home, world.provider_a)
    assert caught.value.code == "referral.same_provider"
    with pytest.raises(ValidationError) as caught:
        refer(world, home, to, number="MA-0000000")
    assert caught.value.code == "letter.unknown_member"


def test_the_receiving_providers_clerk_writes_the_counter_referral(world):
    from mutuelle.core.models import Scope
    from mutuelle.core.roles import Role
    from tests.conftest import make_user

    home, _version = claims_world(world)
    to = hospital(world)
    referral = refer(world, home, to)
    clerk = make_user("hclerk", Role.PROVIDER_CLERK, Scope.PROVIDER, org=to)
    assert reads.visible_referrals(clerk).get() == referral
    assert not reads.visible_letters(clerk).exists()
    done = actions.counter_refer(clerk, referral, "Opéré", date(2026, 5, 6))
    assert done.counter_on == date(2026, 5, 6)


# --- Who sees what ------------------------------------------------------------------------------
def test_letters_are_seen_by_the_mutuals_staff_and_the_providers_clerks_only(world):
    home, _version = claims_world(world)
    letter = ask(world, home)
    for user in (world.clerk, world.claims, world.adviser, world.admin):
        assert list(reads.visible_letters(user)) == [letter], user
    for user in (world.cashier, world.manager_b, world.enrolment, world.union_manager):
        assert not reads.visible_letters(user).exists(), user
    assert list(reads.queue(world.adviser)) == [letter]
    assert not reads.queue(world.claims).exists()


def test_medical_details_are_shown_to_medical_roles_and_logged(client, world):
    home, _version = claims_world(world)
    letter = ask(world, home, reason="Grossesse gémellaire, utérus cicatriciel")
    url = reverse("letter_detail", args=[letter.uuid])
    client.force_login(world.claims)
    page = client.get(url).content.decode()
    assert letter.number in page and "gémellaire" not in page and "O82" not in page
    assert not AuditEvent.unscoped.filter(action="medical.viewed").exists()
    client.force_login(world.adviser)
    page = client.get(url).content.decode()
    assert "gémellaire" in page and "O82" in page
    viewed = AuditEvent.unscoped.get(action="medical.viewed")
    assert (viewed.actor, viewed.object_id) == (world.adviser, str(letter.uuid))
    client.force_login(world.clerk)  # the treating provider
    assert "gémellaire" in client.get(url).content.decode()
    assert AuditEvent.unscoped.filter(action="medical.viewed").count() == 2
    client.force_login(world.manager_b)
    assert client.get(url).status_code == 404


def test_referral_notes_are_medical_too(client, world):
    home, _version = claims_world(world)
    referral = refer(world, home, hospital(world), reason="Douleur FID")
    url = reverse("referral_detail", args=[referral.uuid])
    client.force_login(world.claims)
    page = client.get(url).content.decode()
    assert referral.number in page and "Douleur FID" not in page
    client.force_login(world.adviser)
    assert "Douleur FID" in client.get(url).content.decode()
    assert AuditEvent.unscoped.filter(action="medical.viewed", actor=world.adviser).exists()


# --- Screens ------------------------------------------------------------------------------------
def test_the_clerk_requests_the_adviser_decides_on_screen(client, world):
    home, _version = claims_world(world)
    client.force_login(world.clerk)
    form = client.get(reverse("letter_request"))
    assert form.status_code == 200
    response = client.post(
        reverse("letter_request"),
        {
            "provider": world.provider_a.pk,
            "number": number_of(home).lower(),
            "planned_on": "2026-05-10",
            "visit_type": "inpatient",
            "estimated_amount": "25000",
            "diagnoses": "k358",
            "reason": "Appendicite",
        },
    )
    letter = GuaranteeLetter.unscoped.get()
    assert response.status_code == 302 and response["Location"].endswith(f"{letter.uuid}/")
    assert (letter.diagnoses, letter.planned_on) == ("K35.8", date(2026, 5, 10))
    bad = client.post(
        reverse("letter_request"),
        {
            "provider": world.provider_a.pk,
            "number": "MA-0000000",
            "planned_on": "2026-05-10",
            "visit_type": "inpatient",
        },
    )
    assert bad.status_code == 200 and "MA-0000000" in bad.content.decode()
    client.force_login(world.adviser)
    queue = client.get(reverse("letter_list")).content.decode()
    assert reverse("letter_decide", args=[letter.uuid]) in queue
    decide = reverse("letter_decide", args=[letter.uuid])
    page = client.get(decide).content.decode()
    assert 'value="25000' in page  # the estimate is the suggested maximum
    # The planned date and a month later, as ISO dates (a date input takes no other form).
    assert 'value="2026-05-10"' in page and 'value="2026-06-09"' in page
    response = client.post(
        decide,
        {
            "decision": "approve",
            "max_amount": "20000",
            "valid_from": "2026-05-08",
            "valid_to": "2026-06-08",
            "note": "",
        },
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    assert (letter.status, letter.max_amount, letter.valid_to) == (
        "approved",
        Decimal(20000),
        date(2026, 6, 8),
    )
    client.force_login(world.claims)
    assert client.get(decide).status_code == 403


def test_the_letter_page_in_english_shows_what_is_left(client, world, settings):
    settings.LANGUAGE_CODE = "en"
    home, _version = claims_world(world)
    letter = approve(world, ask(world, home), amount="20000")
    claim = new_claim(world, home, [("HOSP-J", 2, "5000")], letter_number=letter.number)
    claim_actions.adjudicate(world.claims, [claim])
    client.force_login(world.claims)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("letter_detail", args=[letter.uuid]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "Guarantee letter" in text and str(claim) in text
    assert "13,000" in text or "13000" in text


def test_a_cancellation_and_a_counter_referral_on_screen(client, world):
    home, _version = claims_world(world)
    letter = ask(world, home)
    client.force_login(world.clerk)
    response = client.post(reverse("letter_cancel", args=[letter.uuid]), {"note": "Annulé"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == "cancelled"
    to = hospital(world)
    response = client.post(
        reverse("referral_create"),
        {
            "from_provider": world.provider_a.pk,
            "to_provider": to.pk,
            "number": number_of(home),
            "referred_on": "2026-05-04",
            "reason": "Fracture",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    referral = Referral.unscoped.get()
    client.force_login(world.claims)
    assert client.get(reverse("referral_list")).status_code == 200
    response = client.post(
        reverse("referral_counter", args=[referral.uuid]),
        {"counter_on": "2026-05-06", "note": "Plâtre, contrôle à J21"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.counter_note == "Plâtre, contrôle à J21"


def test_the_pdf_carries_the_number_and_no_medical_detail(client, world, monkeypatch):
    from weasyprint import HTML

    from mutuelle.claims.views import letters as views

    home, _version = claims_world(world)
    letter = approve(world, ask(world, home, reason="Utérus cicatriciel"), amount="150000")
    seen: list[str] = []
    real = views.render_pdf

    def keep(html: str) -> bytes:
        seen.append(html)
        return real(html)

    monkeypatch.setattr(views, "render_pdf", keep)
    client.force_login(world.clerk)
    response = client.get(reverse("letter_pdf", args=[letter.uuid]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # What WeasyPrint laid out on the page (the PDF's text is compressed).
    page = HTML(string=seen[0]).render().pages[0]._page_box
    text = " ".join(box.text for box in page.descendants() if hasattr(box, "text") and box.text)
    assert letter.number in text
    assert number_of(home) in text
    assert "cicatriciel" not in text and "O82" not in text
    client.force_login(world.manager_b)
    assert client.get(reverse("letter_pdf", args=[letter.uuid])).status_code == 404


def test_a_clerk_sees_only_their_providers_claims_on_a_letter(client, world):
    home, _version = claims_world(world)
    letter = approve(world, ask(world, home))
    own = new_claim(world, home, [("HOSP-J", 1, "5000")], letter_number=letter.number)
    data = claim_actions.NewClaim(
        provider=hospital(world),
        number=number_of(home),
        care_from=CARE,
        lines=[claim_actions.NewLine("HOSP-J", 1, "5000")],
        letter_number=letter.number,
    )
    elsewhere = claim_actions.submit_claim(world.claims, data)
    url = reverse("letter_detail", args=[letter.uuid])
    client.force_login(world.clerk)
    page = client.get(url).content.decode()
    assert str(own) in page and str(elsewhere) not in page
    client.force_login(world.claims)
    page = client.get(url).content.decode()
    assert str(own) in page and str(elsewhere) in page
