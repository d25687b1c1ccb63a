"""Membership cards and the keys that sign them (docs/decisions/0005-card-signatures.md)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core.models import Organization
from mutuelle.members.models import Membership

from . import rules


class SigningKey(models.Model):
    """An Ed25519 key of an organization (a mutual, or a union signing for its mutuals).

    The public key is published (cards.views.public_keys) and kept for ever, so cards signed by
    a retired key still verify. The private key is stored wrapped (AES-256-GCM under a key
    derived from SECRET_KEY, see cards.keys): a copy of the database alone cannot sign."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    key_id = models.CharField(_("key id"), max_length=24, unique=True)
    public_key = models.BinaryField(_("public key"), max_length=32)
    private_key_wrapped = models.BinaryField(max_length=128, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("card signing key")
        verbose_name_plural = _("card signing keys")
        ordering = ["organization", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_active=True),
                name="signing_key_one_active_per_organization",
            )
        ]

    def __str__(self) -> str:
        return self.key_id

    @property
    def public_key_b64(self) -> str:
        return rules.b64encode(bytes(self.public_key))


class CardStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    REVOKED = "revoked", _("Revoked")


class RevokeReason(models.TextChoices):
    LOST = "lost", _("Lost")
    STOLEN = "stolen", _("Stolen")
    DAMAGED = "damaged", _("Damaged")
    DETAILS_CHANGED = "details_changed", _("Details changed")
    RENEWED = "renewed", _("Renewed (expired)")
    LEFT = "left", _("No longer a member")
    OTHER = "other", _("Other reason")


class Card(models.Model):
    """One printed card of a membership. At most one card of a membership is `issued` at a
    time; reissuing revokes the old card and points the new one at it (`replaces`)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="cards")
    serial = models.CharField(_("card serial"), max_length=16, unique=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("valid until"))
    key_id = models.CharField(_("key id"), max_length=24)
    payload = models.CharField(_("QR code content"), max_length=255)
    status = models.CharField(
        _("status"), max_length=8, choices=CardStatus.choices, default=CardStatus.ISSUED
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(
        _("reason"), max_length=16, choices=RevokeReason.choices, blank=True
    )
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("membership card")
        verbose_name_plural = _("membership cards")
        ordering = ["membership", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(status="issued"),
                name="card_one_issued_per_membership",
            )
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.serial

    def state(self, today) -> str:
        return rules.card_state(self.status, self.expires_on, today)


class CardDesign(models.Model):
    """A mutual's (or union's) card choices: logo and validity. Without a row, cards carry a
    placeholder logo and are valid MUTUELLE_CARD_VALIDITY_MONTHS months."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="card_design"
    )
    logo = models.FileField(_("logo"), upload_to="logos/", blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("validity of a card (months)"), null=True, blank=True
    )
    footer = models.CharField(_("text on the back line of the card"), max_length=120, blank=True)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("card design")
        verbose_name_plural = _("card designs")

    def __str__(self) -> str:
        return str(self.organization)
