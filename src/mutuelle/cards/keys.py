"""Card signing keys: creation, storage of the private half, choice of the key that signs.

A private key is stored in the database wrapped with AES-256-GCM under a key derived (HKDF)
from settings.SECRET_KEY, the key id as associated data. Every web process of a deployment
shares SECRET_KEY and the database, so any of them can sign; a database dump or a backup
alone cannot (docs/decisions/0005-card-signatures.md)."""

import logging
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from mutuelle.core.models import Organization

from . import rules
from .models import SigningKey

log = logging.getLogger(__name__)
_INFO = b"mutuelle card signing key wrapping v1"


def _wrapping_key() -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"mutuelle.cards", info=_INFO)
    return hkdf.derive(settings.SECRET_KEY.encode())


def wrap(private_raw: bytes, key_id: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_wrapping_key()).encrypt(nonce, private_raw, key_id.encode())


def unwrap(blob: bytes | memoryview, key_id: str) -> bytes:
    """The raw private key; InvalidTag when SECRET_KEY changed or the row was altered."""
    blob = bytes(blob)
    return AESGCM(_wrapping_key()).decrypt(blob[:12], blob[12:], key_id.encode())


def create_key(organization: Organization) -> SigningKey:
    """A new active key for `organization`, retiring its current one (rotation)."""
    private_raw, public_raw = rules.generate_keypair()
    count = SigningKey.unscoped.filter(organization=organization).count()
    key_id = f"{organization.code}.{count + 1}"
    while SigningKey.unscoped.filter(key_id=key_id).exists():
        count += 1
        key_id = f"{organization.code}.{count + 1}"
    SigningKey.unscoped.filter(organization=organization, is_active=True).update(
        is_active=False, retired_at=timezone.now()
    )
    return SigningKey.unscoped.create(
        organization=organization,
        key_id=key_id,
        public_key=public_raw,
        private_key_wrapped=wrap(private_raw, key_id),
    )


def signing_key_for(mutual: Organization) -> tuple[SigningKey, bytes]:
    """The key that signs `mutual`'s cards and its raw private half: the mutual's own active
    key, else the nearest ancestor's (a union signing for its mutuals), else a new key of the
    mutual. A key that no longer unwraps (SECRET_KEY changed) is retired and replaced; the
    cards it signed still verify with its public key."""
    ids = [mutual.pk, *reversed(mutual.ancestor_ids())]
    keys = {
        k.organization_id: k
        for k in SigningKey.unscoped.filter(organization_id__in=ids).filter(is_active=True)
    }
    for org_id in ids:
        key = keys.get(org_id)
        if key is None:
            continue
        try:
            return key, unwrap(key.private_key_wrapped, key.key_id)
        except InvalidTag:
            log.warning("card key %s no longer unwraps (SECRET_KEY changed?): retired", key)
            SigningKey.unscoped.filter(pk=key.pk).update(is_active=False, retired_at=timezone.now())
            break
    try:
        with transaction.atomic():
            key = create_key(mutual)
    except IntegrityError:
        # Another request created the mutual's first key at the same moment: use theirs.
        key = SigningKey.unscoped.get(organization=mutual, is_active=True)
    return key, unwrap(key.private_key_wrapped, key.key_id)


def public_keys(key_ids=None) -> dict[str, bytes]:
    """key id -> raw public key, retired keys included (their cards still verify)."""
    qs = SigningKey.unscoped.all()
    if key_ids is not None:
        qs = qs.filter(key_id__in=key_ids)
    return {k: bytes(v) for k, v in qs.values_list("key_id", "public_key")}
