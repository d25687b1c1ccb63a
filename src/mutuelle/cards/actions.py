"""The one write path for cards: issue, revoke, reissue, rotate keys. Atomic, checked,
audited."""

import secrets
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm
from mutuelle.members.models import Membership

from . import keys, rules
from .models import Card, CardDesign, CardStatus, RevokeReason, SigningKey

REASONS = {
    rules.MALFORMED: _("This is not a membership card's QR code."),
    rules.UNKNOWN_KEY: _("The card was signed with a key this system does not know."),
    rules.BAD_SIGNATURE: _("The signature is wrong: the card was altered or forged."),
    rules.CARD_EXPIRED: _("The card has expired."),
    rules.CARD_REVOKED: _("The card was revoked."),
    "card.not_cardable": _("Only pending, active or suspended members get a card."),
    "card.already_revoked": _("This card was already revoked."),
    "design.bad_logo": _(
        "The logo could not be read as a picture: send a PNG or JPEG file (at most 15 MB)."
    ),
}
# Membership statuses whose cards are revoked by the daily job (cards.jobs): the card follows
# the status, since the register (below cards) never calls cards.
LEFT_STATUSES = ("withdrawn", "deceased", "excluded")


def reason_error(code: str) -> ValidationError:
    return ValidationError(REASONS[code], code=code)


def validity_months(mutual: Organization) -> int:
    design = CardDesign.unscoped.filter(organization=mutual).first()
    if design and design.validity_months:
        return design.validity_months
    return int(settings.MUTUELLE_CARD_VALIDITY_MONTHS)


def _new_serials(count: int) -> list[str]:
    serials: set[str] = set()
    while len(serials) < count:
        serials.add(rules.format_serial(secrets.token_bytes(7)))
    taken = set(Card.unscoped.filter(serial__in=serials).values_list("serial", flat=True))
    return list(serials - taken) + _new_serials(len(taken)) if taken else list(serials)


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _make_cards(actor, memberships: list[Membership], on: date, replaces: dict) -> list[Card]:
    """New signed cards for memberships of one mutual (set-based: one key, one insert)."""
    mutual = memberships[0].organization
    key, private_raw = keys.signing_key_for(mutual)
    expires_on = rules.expiry_date(on, validity_months(mutual))
    cards = []
    for membership, serial in zip(memberships, _new_serials(len(memberships)), strict=True):
        claims = rules.Claims(membership.number, serial, expires_on, key.key_id)
        cards.append(
            Card(
                organization=mutual,
                membership=membership,
                serial=serial,
                issued_on=on,
                expires_on=expires_on,
                key_id=key.key_id,
                payload=rules.sign(claims, private_raw),
                replaces=replaces.get(membership.pk),
                issued_by=_actor(actor),
            )
        )
    return Card.unscoped.bulk_create(cards)


def _revoke_rows(card_ids: list[int], reason: str) -> int:
    return Card.unscoped.filter(pk__in=card_ids, status=CardStatus.ISSUED).update(
        status=CardStatus.REVOKED, revoked_at=timezone.now(), revoke_reason=reason
    )


@transaction.atomic
def issue_cards(
    actor,
    memberships: Iterable[Membership],
    *,
    on: date | None = None,
    reissue: bool = False,
    reason: str = RevokeReason.OTHER,
) -> list[Card]:
    """The current card of each membership, in the order given, issuing those missing.

    Idempotent: a membership's issued, unexpired card is reused, unless `reissue` asks for a
    new one (the old card is then revoked with `reason`). An expired card is replaced (revoked
    as "renewed"). Members who may not hold a card (withdrawn, deceased, excluded) are left out.
    One audit row per mutual."""
    on = on or timezone.localdate()
    chosen = [m for m in memberships if m.status in rules.CARDABLE_STATUSES]
    by_mutual: dict[int, list[Membership]] = {}
    for m in chosen:
        by_mutual.setdefault(m.organization_id, []).append(m)
    mutuals = Organization.unscoped.in_bulk(list(by_mutual))
    if actor is not None:
        for mutual in mutuals.values():
            require(actor, Perm.ENROL_MEMBERS, mutual)
    current = {
        c.membership_id: c
        for c in Card.unscoped.select_for_update().filter(
            membership__in=[m.pk for m in chosen], status=CardStatus.ISSUED
        )
    }
    result: dict[int, Card] = {}
    for mutual_id, group in by_mutual.items():
        for m in group:
            m.organization = mutuals[mutual_id]
        stale = [
            m
            for m in group
            if reissue
            or rules.needs_new_card(
                m.pk in current, getattr(current.get(m.pk), "expires_on", None), on
            )
        ]
        for m in group:
            if m not in stale:
                result[m.pk] = current[m.pk]
        if not stale:
            continue
        replaced = {m.pk: current[m.pk] for m in stale if m.pk in current}
        expired = [c.pk for c in replaced.values() if c.expires_on < on]
        _revoke_rows(expired, RevokeReason.RENEWED)
        _revoke_rows([c.pk for c in replaced.values() if c.pk not in expired], reason)
        for card in _make_cards(actor, stale, on, replaced):
            result[card.membership_id] = card
        audit.record(
            actor,
            "cards.issued",
            None,
            organization=mutuals[mutual_id],
            issued=len(stale),
            reused=len(group) - len(stale),
            revoked=len(replaced),
        )
    return [result[m.pk] for m in chosen]


@transaction.atomic
def revoke_card(actor, card: Card, reason: str = RevokeReason.OTHER) -> Card:
    """Revoke one card (lost, stolen...), conditionally: a card is revoked once."""
    if actor is not None:
        require(actor, Perm.ENROL_MEMBERS, card.organization)
    if reason not in RevokeReason.values:
        raise ValueError(reason)
    if _revoke_rows([card.pk], reason) != 1:
        raise reason_error("card.already_revoked")
    audit.record(actor, "card.revoked", card, organization=card.organization, reason=reason)
    card.refresh_from_db()
    return card


@transaction.atomic
def reissue_card(
    actor, card: Card, reason: str = RevokeReason.OTHER, on: date | None = None
) -> Card:
    """A new card for the same membership (new serial), revoking `card` if it is still
    issued. Reissuing from an already revoked card replaces the membership's current card
    when there is one."""
    if actor is not None:
        require(actor, Perm.ENROL_MEMBERS, card.organization)
    membership = Membership.unscoped.select_related("organization").get(pk=card.membership_id)
    if membership.status not in rules.CARDABLE_STATUSES:
        raise reason_error("card.not_cardable")
    (new,) = issue_cards(actor, [membership], on=on, reissue=True, reason=reason)
    if new.replaces_id is None:
        Card.unscoped.filter(pk=new.pk).update(replaces=card)
        new.replaces = card
    audit.record(actor, "card.reissued", new, organization=card.organization, old=card.serial)
    return new


@transaction.atomic
def rotate_key(actor, organization: Organization) -> SigningKey:
    """A new signing key for `organization`; the old one retires but still verifies."""
    if actor is not None:
        require(actor, Perm.MANAGE_ORGANIZATIONS, organization)
    Organization.unscoped.select_for_update().get(pk=organization.pk)
    key = keys.create_key(organization)
    audit.record(actor, "cards.key_rotated", None, organization=organization, key_id=key.key_id)
    return key


def may_set_design(user, organization: Organization) -> bool:
    """Who may set a mutual's card design: those who configure the mutual (its managers, and
    union staff for their mutuals)."""
    return can(user, Perm.CONFIGURE_MUTUAL, organization)


@transaction.atomic
def set_design(
    actor,
    organization: Organization,
    *,
    validity_months: int | None,
    footer: str,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> CardDesign:
    """Set the card design of `organization`; a new logo is resized (lib.images.logo_image,
    transparency kept). Cards already issued keep their expiry; the design shows on every card
    printed from now on."""
    from django.core.exceptions import PermissionDenied
    from django.core.files.base import ContentFile

    from mutuelle.lib.images import BadImage, logo_image

    if actor is not None and not may_set_design(actor, organization):
        raise PermissionDenied(Perm.MANAGE_ORGANIZATIONS)
    image = None
    if logo is not None:
        try:
            image = logo_image(logo)
        except BadImage as exc:
            raise reason_error("design.bad_logo") from exc
    design, _created = CardDesign.unscoped.select_for_update().get_or_create(
        organization=organization
    )
    design.validity_months = validity_months
    design.footer = footer
    fields = ["validity_months", "footer"]
    old_logo = design.logo.name if design.logo else ""
    if image is not None or remove_logo:
        design.logo = ""  # type: ignore[assignment]
        fields.append("logo")
    if image is not None:
        data, ext = image
        name = f"{organization.uuid}-{secrets.token_hex(4)}.{ext}"
        design.logo.save(name, ContentFile(data), save=False)
    design.save(update_fields=fields)
    if old_logo and "logo" in fields:
        # Delete the old file once the new row is committed (a rollback keeps it in use).
        storage = design.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    audit.record(
        actor,
        "cards.design_set",
        None,
        organization=organization,
        validity_months=validity_months,
        footer=footer,
        logo="changed" if image is not None else ("removed" if remove_logo else "kept"),
    )
    return design


def revoke_cards_of_leavers() -> int:
    """The daily job: issued cards whose membership is now withdrawn, deceased or excluded are
    revoked as "no longer a member". Set-based (one conditional UPDATE per mutual and batch),
    one audit row per mutual; idempotent (a revoked card is never touched again)."""
    rows = (
        Card.unscoped.filter(status=CardStatus.ISSUED, membership__status__in=LEFT_STATUSES)
        .order_by("organization_id", "pk")
        .values_list("organization_id", "pk")
    )
    by_mutual: dict[int, list[int]] = {}
    for org_id, pk in rows:
        by_mutual.setdefault(org_id, []).append(pk)
    total = 0
    for org_id, ids in by_mutual.items():
        with transaction.atomic():
            revoked = 0
            for i in range(0, len(ids), 1000):
                revoked += Card.unscoped.filter(
                    pk__in=ids[i : i + 1000],
                    status=CardStatus.ISSUED,
                    membership__status__in=LEFT_STATUSES,
                ).update(
                    status=CardStatus.REVOKED,
                    revoked_at=timezone.now(),
                    revoke_reason=RevokeReason.LEFT,
                )
            if revoked:
                audit.record(
                    None,
                    "cards.revoked_left",
                    None,
                    organization=Organization.unscoped.get(pk=org_id),
                    revoked=revoked,
                )
        total += revoked
    return total
