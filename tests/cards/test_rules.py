"""Card payloads, signatures and validity: pure, no database."""

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutuelle.cards import rules

PRIVATE, PUBLIC = rules.generate_keypair()
KEYS = {"MA.1": PUBLIC}
CLAIMS = rules.Claims("MA-00000173", "7K3M9QX2ZA", date(2027, 11, 23), "MA.1")


def test_it_signs_a_short_payload_that_verifies_with_the_public_key_alone():
    payload = rules.sign(CLAIMS, PRIVATE)
    assert payload.startswith("MUT1|MA-00000173|7K3M9QX2ZA|20271123|MA.1|")
    assert len(payload) < 140  # fits a version 7 QR code at level M
    result = rules.verify(payload, KEYS, today=date(2027, 11, 23))
    assert result.ok and result.claims == CLAIMS


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("", rules.MALFORMED),
        ("hello", rules.MALFORMED),
        ("MUT2|MA-00000173|7K3M9QX2ZA|20271123|MA.1|AAAA", rules.MALFORMED),
        ("MUT1|MA-00000173|7K3M9QX2ZA|20271323|MA.1|" + "A" * 86, rules.MALFORMED),
        ("MUT1|MA-00000173|7K3M9QX2ZA|2027112|MA.1|" + "A" * 86, rules.MALFORMED),
        ("MUT1|MA-00000173|7K3M9QX2ZA|20271123|MA.1|" + "A" * 85, rules.MALFORMED),
        ("MUT1|MA-00000173|7K3M9QX2ZA|20271123|MA.1|" + "A" * 86, rules.BAD_SIGNATURE),
        ("MUT1|MA-00000173|7K3M9QX2ZA|20271123|XX.9|" + "A" * 86, rules.UNKNOWN_KEY),
    ],
)
def test_it_says_why_a_payload_is_refused(payload, reason):
    assert rules.verify(payload, KEYS).reasons == (reason,)


def test_an_expired_card_is_refused_when_the_date_is_given():
    payload = rules.sign(CLAIMS, PRIVATE)
    assert rules.verify(payload, KEYS, today=date(2027, 11, 24)).reasons == (rules.CARD_EXPIRED,)
    assert rules.verify(payload, KEYS).ok  # no date: the signature alone


def test_another_keys_signature_does_not_verify():
    other_private, _other_public = rules.generate_keypair()
    forged = rules.sign(CLAIMS, other_private)
    assert rules.verify(forged, KEYS).reasons == (rules.BAD_SIGNATURE,)


def test_a_field_with_the_separator_cannot_be_signed():
    with pytest.raises(ValueError):
        rules.sign(replace(CLAIMS, number="MA|1"), PRIVATE)


text = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF, exclude_characters="|"),
    min_size=1,
    max_size=20,
)


@given(
    field=st.sampled_from(["number", "serial", "expiry", "key_id", "signature"]),
    new=text,
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    position=st.integers(min_value=0, max_value=85),
)
def test_any_tampered_field_fails_verification(field, new, day, position):
    payload = rules.sign(CLAIMS, PRIVATE)
    parts = payload.split("|")
    index = {"number": 1, "serial": 2, "expiry": 3, "key_id": 4, "signature": 5}[field]
    if field == "expiry":
        parts[3] = day.strftime("%Y%m%d")
    elif field == "signature":
        sig = parts[5]
        replacement = "B" if sig[position] != "B" else "C"
        parts[5] = sig[:position] + replacement + sig[position + 1 :]
    else:
        parts[index] = new
    tampered = "|".join(parts)
    if tampered == payload:
        return  # the "change" changed nothing
    result = rules.verify(tampered, KEYS)
    assert not result.ok
    assert result.reasons[0] in {rules.MALFORMED, rules.BAD_SIGNATURE, rules.UNKNOWN_KEY}


@given(st.binary(min_size=7, max_size=7))
def test_serials_are_ten_unambiguous_characters(raw):
    serial = rules.format_serial(raw)
    assert len(serial) == 10 and set(serial) <= set(rules.SERIAL_ALPHABET)
    assert not set(serial) & set("ILOU")


@pytest.mark.parametrize(
    ("issued", "months", "expires"),
    [
        (date(2026, 11, 24), 12, date(2027, 11, 23)),
        (date(2026, 1, 1), 12, date(2026, 12, 31)),
        (date(2026, 8, 31), 6, date(2027, 2, 27)),  # Feb 28 is the "same" date, minus a day
        (date(2028, 2, 29), 12, date(2029, 2, 27)),
        (date(2026, 11, 24), 1, date(2026, 12, 23)),
    ],
)
def test_expiry_is_the_day_before_the_same_date_months_later(issued, months, expires):
    assert rules.expiry_date(issued, months) == expires


def test_card_states():
    today = date(2027, 1, 1)
    assert rules.card_state("issued", date(2027, 1, 1), today) == rules.VALID
    assert rules.card_state("issued", date(2026, 12, 31), today) == rules.EXPIRED
    assert rules.card_state("revoked", date(2030, 1, 1), today) == rules.REVOKED
    assert rules.needs_new_card(False, None, today)
    assert rules.needs_new_card(True, date(2026, 12, 31), today)
    assert not rules.needs_new_card(True, date(2027, 1, 1), today)
