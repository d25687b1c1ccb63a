"""Membership cards, pure: the QR payload, its Ed25519 signature, validity. No Django.

The payload is one short line of text (docs/decisions/0005-card-signatures.md):

    MUT1|<membership number>|<card serial>|<expiry yyyymmdd>|<key id>|<signature>

The signature is Ed25519 over the UTF-8 bytes of everything before the last `|` (prefix and
separators included), written in base64url without padding (86 characters). Whoever holds the
public key of `key id` can check a card offline; nobody without the private key can make one.
"""

import base64
import binascii
import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "MUT1"
SEP = "|"
SIGNATURE_LENGTH = 64  # bytes, Ed25519
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
SERIAL_LENGTH = 10  # 50 random bits

# Membership statuses that get a card (a card is an identity; eligibility is checked online).
CARDABLE_STATUSES = frozenset({"pending", "active", "suspended"})

# Card states, as shown and as verified.
VALID = "valid"
EXPIRED = "expired"
REVOKED = "revoked"

# Reason codes (translated at the edge: cards.actions.REASONS).
MALFORMED = "card.malformed"
UNKNOWN_KEY = "card.unknown_key"
BAD_SIGNATURE = "card.bad_signature"
CARD_EXPIRED = "card.expired"
CARD_REVOKED = "card.revoked"


@dataclass(frozen=True)
class Claims:
    """What a card's QR code asserts."""

    number: str
    serial: str
    expires_on: date
    key_id: str


@dataclass(frozen=True)
class Verification:
    claims: Claims | None
    reasons: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.reasons


# --- Keys -------------------------------------------------------------------------------------
def generate_keypair() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as raw bytes: (private 32 bytes, public 32 bytes)."""
    private = Ed25519PrivateKey.generate()
    return _raw_private(private), public_key_of(_raw_private(private))


def public_key_of(private_raw: bytes) -> bytes:
    public = Ed25519PrivateKey.from_private_bytes(private_raw).public_key()
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(private: Ed25519PrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


# --- Payload ----------------------------------------------------------------------------------
def field_error(claims: Claims) -> str | None:
    """MALFORMED when a field could not be written unambiguously into the payload."""
    for value in (claims.number, claims.serial, claims.key_id):
        if not value or SEP in value or not value.isprintable() or value != value.strip():
            return MALFORMED
    return None


def signed_message(claims: Claims) -> bytes:
    """The bytes the signature covers: the payload up to (not including) the last separator."""
    fields = [PREFIX, claims.number, claims.serial, claims.expires_on.strftime("%Y%m%d")]
    return SEP.join([*fields, claims.key_id]).encode()


def sign(claims: Claims, private_raw: bytes) -> str:
    """The QR payload of a card, signed with the private key of `claims.key_id`."""
    if field_error(claims):
        raise ValueError(f"cannot encode {claims!r}")
    message = signed_message(claims)
    signature = Ed25519PrivateKey.from_private_bytes(private_raw).sign(message)
    return f"{message.decode()}{SEP}{b64encode(signature)}"


def parse(payload: str) -> tuple[Claims, bytes, bytes] | None:
    """(claims, signed message, signature) or None when the payload is not a card's."""
    parts = payload.split(SEP)
    if len(parts) != 6 or parts[0] != PREFIX:
        return None
    _prefix, number, serial, expiry, key_id, signature_text = parts
    if not (len(expiry) == 8 and expiry.isascii() and expiry.isdigit()):
        return None
    try:
        expires_on = date(int(expiry[:4]), int(expiry[4:6]), int(expiry[6:]))
        signature = b64decode(signature_text)
    except ValueError:
        return None
    claims = Claims(number=number, serial=serial, expires_on=expires_on, key_id=key_id)
    if len(signature) != SIGNATURE_LENGTH or field_error(claims):
        return None
    # Only a canonical payload verifies: the message must re-encode to the same bytes.
    message = payload.rpartition(SEP)[0].encode()
    if message != signed_message(claims) or b64encode(signature) != signature_text:
        return None
    return claims, message, signature


def verify(
    payload: str, public_keys: Mapping[str, bytes], today: date | None = None
) -> Verification:
    """Check a scanned payload with public keys only (key id -> raw public key). Reasons are
    codes: MALFORMED, UNKNOWN_KEY, BAD_SIGNATURE, then CARD_EXPIRED when `today` is given.
    Revocation is not visible offline: an online check asks the register."""
    parsed = parse(payload)
    if parsed is None:
        return Verification(None, (MALFORMED,))
    claims, message, signature = parsed
    public_raw = public_keys.get(claims.key_id)
    if public_raw is None:
        return Verification(claims, (UNKNOWN_KEY,))
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, message)
    except (InvalidSignature, ValueError):
        return Verification(claims, (BAD_SIGNATURE,))
    if today is not None and claims.expires_on < today:
        return Verification(claims, (CARD_EXPIRED,))
    return Verification(claims, ())


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    if not text.isascii() or "=" in text:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


# --- Serials, validity ------------------------------------------------------------------------
def format_serial(random_bytes: bytes) -> str:
    """A card serial from at least 7 random bytes: 10 Crockford base32 characters."""
    value = int.from_bytes(random_bytes[:7], "big") >> 6  # 50 bits
    chars = []
    for _ in range(SERIAL_LENGTH):
        value, digit = divmod(value, 32)
        chars.append(SERIAL_ALPHABET[digit])
    return "".join(reversed(chars))


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expiry_date(issued_on: date, validity_months: int) -> date:
    """The last day a card is valid: the day before the same date `validity_months` later."""
    if validity_months < 1:
        raise ValueError("validity_months must be at least 1")
    return add_months(issued_on, validity_months) - timedelta(days=1)


def card_state(status: str, expires_on: date, today: date) -> str:
    if status == REVOKED:
        return REVOKED
    if expires_on < today:
        return EXPIRED
    return VALID


def needs_new_card(has_current: bool, current_expires_on: date | None, today: date) -> bool:
    """Whether issuing should make a new card: none yet, or the current one has expired."""
    return not has_current or current_expires_on is None or current_expires_on < today
