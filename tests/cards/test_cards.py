"""Membership cards end to end: issue through the action, render the PDF with WeasyPrint in
both layouts, rasterize every page, decode every QR code with zxing-cpp and verify each
signature with nothing but the published public keys."""

import base64
import re
from datetime import date

import pypdfium2
import pytest
import zxingcpp
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from mutuelle.cards import actions, keys, pdf, rules
from mutuelle.cards.models import Card, SigningKey
from mutuelle.core.models import AuditEvent, Place
from mutuelle.members.actions import NewHousehold, NewPerson, enrol_household
from mutuelle.members.models import Membership

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 24)


def household_of_five(world, place=None, family="Diop"):
    persons = [
        NewPerson("Mamadou", family, "M", "head", birth_year=1978),
        NewPerson("Aïssatou", "Ndiaye", "F", "spouse", birth_date=date(1985, 3, 2)),
        NewPerson("Awa", family, "F", "child", birth_year=2008),
        NewPerson("Moussa", family, "M", "child", birth_date=date(2012, 7, 14)),
        NewPerson("Fatou", family, "F", "child", birth_date=date(2020, 1, 5)),
    ]
    data = NewHousehold(
        persons=persons,
        place_id=place.pk if place else None,
        confirmed_warnings={"household.duplicate_suspect"},
    )
    return enrol_household(world.enrolment, world.mutual_a, data, ON)


def memberships_of(household):
    return list(Membership.unscoped.filter(person__household=household).order_by("number"))


def decode_pdf(body: bytes, dpi: int = 300) -> list[list[str]]:
    """The text of every QR code, page by page."""
    document = pypdfium2.PdfDocument(body)
    try:
        pages = []
        for page in document:
            image = page.render(scale=dpi / 72).to_pil()
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            pages.append([code.text for code in found])
        return pages
    finally:
        document.close()


def published_keys(client) -> dict[str, bytes]:
    """The public keys as a provider's device gets them: from the JSON endpoint."""
    body = client.get(reverse("card_public_keys")).json()
    return {
        k["key_id"]: base64.urlsafe_b64decode(k["public_key"] + "=" * (-len(k["public_key"]) % 4))
        for k in body["keys"]
    }


def test_an_officer_prints_a_household_of_five_as_cr80_cards(client, world):
    household = household_of_five(world)
    client.force_login(world.enrolment)
    response = client.post(
        reverse("household_cards_print", args=[household.uuid]), {"layout": "cr80"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = decode_pdf(response.content)
    assert len(pages) == 5 and all(len(codes) == 1 for codes in pages)
    public = published_keys(client)
    assert set(public) == set(SigningKey.unscoped.values_list("key_id", flat=True))
    results = [rules.verify(codes[0], public, today=ON) for codes in pages]
    assert all(r.ok for r in results), [r.reasons for r in results]
    numbers = {r.claims.number for r in results}
    assert numbers == {m.number for m in memberships_of(household)}
    assert len({r.claims.serial for r in results}) == 5
    expected = rules.expiry_date(timezone.localdate(), 12)
    assert {r.claims.expires_on for r in results} == {expected}


def test_the_a4_sheet_holds_the_five_valid_codes_and_printing_again_reuses_them(client, world):
    household = household_of_five(world)
    cards = actions.issue_cards(world.enrolment, memberships_of(household), on=ON)
    again = actions.issue_cards(world.enrolment, memberships_of(household), on=ON)
    assert [c.pk for c in again] == [c.pk for c in cards] and Card.unscoped.count() == 5
    body = pdf.render(cards, pdf.A4, language="fr")
    pages = decode_pdf(body)
    assert len(pages) == 1 and len(pages[0]) == 5
    public = {k.key_id: bytes(k.public_key) for k in SigningKey.unscoped.all()}
    assert all(rules.verify(text, public).ok for text in pages[0])
    assert {rules.verify(t, public).claims.serial for t in pages[0]} == {c.serial for c in cards}
    # The GET link prints the same cards without issuing any.
    client.force_login(world.auditor)
    response = client.get(reverse("household_cards_pdf", args=[household.uuid]), {"layout": "a4"})
    assert response.status_code == 200 and Card.unscoped.count() == 5
    assert sorted(decode_pdf(response.content)[0]) == sorted(pages[0])
    assert AuditEvent.unscoped.filter(action="cards.issued").count() == 1


def test_revoke_then_reissue_gives_a_new_serial_and_the_old_card_reads_revoked(client, world):
    household = household_of_five(world)
    first = actions.issue_cards(world.enrolment, memberships_of(household), on=ON)[0]
    client.force_login(world.enrolment)
    client.post(reverse("card_revoke", args=[first.uuid]), {"reason": "lost"})
    first.refresh_from_db()
    assert first.status == "revoked" and first.revoke_reason == "lost"
    with pytest.raises(Exception, match="déjà|already"):
        actions.revoke_card(world.enrolment, first, "lost")
    response = client.post(reverse("card_reissue", args=[first.uuid]), {"reason": "lost"})
    assert response.status_code == 302
    new = Card.unscoped.get(membership=first.membership, status="issued")
    assert new.serial != first.serial and new.replaces == first
    # Both QR codes still carry valid signatures; the register says which one is revoked.
    public = keys.public_keys()
    assert rules.verify(first.payload, public).ok and rules.verify(new.payload, public).ok
    page = client.get(reverse("household_cards", args=[household.uuid])).content.decode()
    assert new.serial in page
    assert re.search(rf"{first.serial}</code> — (revoked|révoquée)", page)
    # Replacing the current card revokes it.
    newer = actions.reissue_card(world.enrolment, new, "damaged", on=ON)
    new.refresh_from_db()
    assert new.status == "revoked" and new.revoke_reason == "damaged"
    assert newer.replaces == new


def test_an_auditor_may_see_and_print_but_not_issue_or_revoke(client, world):
    household = household_of_five(world)
    with pytest.raises(PermissionDenied):
        actions.issue_cards(world.auditor, memberships_of(household), on=ON)
    client.force_login(world.auditor)
    response = client.post(
        reverse("household_cards_print", args=[household.uuid]), {"layout": "cr80"}
    )
    assert response.status_code == 403 and not Card.unscoped.exists()
    card = actions.issue_cards(world.enrolment, memberships_of(household), on=ON)[0]
    assert client.post(reverse("card_revoke", args=[card.uuid]), {"reason": "lost"}).status_code
    card.refresh_from_db()
    assert card.status == "issued"
    page = client.get(reverse("household_cards", args=[household.uuid]))
    assert page.status_code == 200 and card.serial in page.content.decode()
    assert reverse("card_revoke", args=[card.uuid]) not in page.content.decode()


def test_expired_cards_are_renewed_and_withdrawn_members_get_none(world):
    household = household_of_five(world)
    memberships = memberships_of(household)
    Membership.unscoped.filter(pk=memberships[4].pk).update(status="withdrawn")
    memberships = memberships_of(household)
    cards = actions.issue_cards(world.enrolment, memberships, on=ON)
    assert len(cards) == 4
    later = date(2027, 11, 24)
    renewed = actions.issue_cards(world.enrolment, memberships, on=later)
    assert {c.pk for c in renewed}.isdisjoint({c.pk for c in cards})
    assert set(
        Card.unscoped.filter(pk__in=[c.pk for c in cards]).values_list("revoke_reason", flat=True)
    ) == {"renewed"}
    assert {c.expires_on for c in renewed} == {date(2028, 11, 23)}


def test_a_rotated_key_still_verifies_old_cards_and_signs_new_ones(world):
    household = household_of_five(world)
    old = actions.issue_cards(world.enrolment, memberships_of(household), on=ON)
    new_key = actions.rotate_key(world.admin, world.mutual_a)
    newer = actions.issue_cards(world.enrolment, memberships_of(household), on=ON, reissue=True)
    assert {c.key_id for c in newer} == {new_key.key_id} != {c.key_id for c in old}
    public = keys.public_keys()
    assert all(rules.verify(c.payload, public).ok for c in [*old, *newer])
    assert SigningKey.unscoped.filter(organization=world.mutual_a, is_active=True).count() == 1


def test_a_private_key_is_stored_wrapped_and_a_changed_secret_means_a_new_key(world, settings):
    household = household_of_five(world)
    card = actions.issue_cards(world.enrolment, memberships_of(household)[:1], on=ON)[0]
    key = SigningKey.unscoped.get(key_id=card.key_id)
    private = keys.unwrap(key.private_key_wrapped, key.key_id)
    assert private not in bytes(key.private_key_wrapped)
    assert rules.public_key_of(private) == bytes(key.public_key)
    settings.SECRET_KEY = "another secret entirely, after a bad restore"
    second = actions.issue_cards(world.enrolment, memberships_of(household), on=ON)
    assert second[0].key_id == key.key_id  # reused card, not re-signed
    assert {c.key_id for c in second[1:]} != {key.key_id}
    assert rules.verify(card.payload, keys.public_keys()).ok


def test_a_village_prints_on_a4_sheets_with_every_code(client, world):
    village = Place.unscoped.create(country="SN", code="SN-KM-1", name="Keur Massar", path="/v1/")
    for family in ("Diop", "Fall", "Sow"):
        household_of_five(world, place=village, family=family)
    client.force_login(world.enrolment)
    form = client.get(reverse("village_cards"))
    assert form.status_code == 200 and "Keur Massar" in form.content.decode()
    response = client.post(reverse("village_cards"), {"place": village.pk, "layout": "a4"})
    assert response.status_code == 200, response.content[-2000:]
    pages = decode_pdf(response.content, dpi=200)
    assert [len(p) for p in pages] == [10, 5]
    public = published_keys(client)
    assert len({rules.verify(t, public).claims.serial for p in pages for t in p}) == 15


def test_the_household_page_offers_to_print_cards(client, world):
    household = household_of_five(world)
    client.force_login(world.enrolment)
    page = client.get(reverse("household_detail", args=[household.uuid])).content.decode()
    assert reverse("household_cards_print", args=[household.uuid]) in page
    client.force_login(world.auditor)
    page = client.get(reverse("household_detail", args=[household.uuid])).content.decode()
    assert reverse("household_cards_print", args=[household.uuid]) not in page
    assert reverse("household_cards", args=[household.uuid]) in page
