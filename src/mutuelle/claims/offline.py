"""The offline card verifier's snapshot: what a provider's device downloads so that it can judge
a card without a link (docs/guide/*/offline-verifier.md).

    snapshot(user) -> dict     the JSON body of /claims/offline/snapshot.json

The device verifies a card's Ed25519 signature with the public keys (/cards/keys.json); this
snapshot adds what a signature cannot say: which cards were revoked and which members are not
active today. It is a read, tenant-scoped like every other:

- a provider clerk (provider scope) gets the mutuals their provider's conventions in force
  serve (providers.queries.mutuals_served);
- mutual, union or country staff get the mutuals of their scope;
always for the grants that give Perm.CHECK_ELIGIBILITY.

Nothing personal beyond membership numbers and statuses: no names, no birth dates, no
households (a lost phone must not leak the register). Only what could matter for a card still
in circulation is listed: revoked cards not yet expired, and the members holding such a card
(an expired card reads "expired" on the device anyway). The size follows the cards in
circulation, not the register's history; the number of queries does not grow with either.

Short keys, one line, sorted: the body compresses well (gzip) and two snapshots of one day
differ only where the register changed.

    {"v": 1,                         format version
     "at": "2026-12-02T10:15:00+01:00", generated at (aware ISO 8601)
     "on": "2026-12-02",             the date it is valid for (the statuses of that day)
     "m": [["MA", "Mutuelle de Keur Massar"], ...],   mutuals covered: code, name
     "r": ["7K2M9XQ4TZ", ...],       revoked card serials
     "s": {"MA-0000023": "suspended", ...}}           membership number -> status code
"""

import zoneinfo
from datetime import date, datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from mutuelle.cards.models import Card, CardStatus
from mutuelle.core.models import Organization, Scope
from mutuelle.core.permissions import require
from mutuelle.core.roles import PERMISSIONS, Perm
from mutuelle.core.scoping import grants_of, visible_organizations
from mutuelle.members.models import Membership, Status
from mutuelle.providers.queries import mutuals_served

VERSION = 1
# After this many days the page warns that its data is old (the snapshot still works).
STALE_AFTER_DAYS = 7


def local_now(user) -> datetime:
    """Now, in the time zone of the user's home organization (a clerk's provider), else the
    deployment's."""
    home = getattr(user, "home_organization", None)
    if home is not None and home.time_zone:
        return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(home.time_zone))
    return timezone.localtime(timezone.now())


def provider_ids(user, perm: str = Perm.CHECK_ELIGIBILITY) -> set[int]:
    """The providers whose clerk the user is (provider-scope grants giving `perm`)."""
    return {
        g.org_id
        for g in grants_of(user)
        if g.scope == Scope.PROVIDER and g.org_id and perm in PERMISSIONS.get(g.role, frozenset())
    }


def mutual_ids(user, on: date) -> set[int]:
    """The mutuals whose cards the user checks: those their providers serve on `on`, and the
    mutuals within their own scope."""
    ids: set[int] = set()
    for provider_id in provider_ids(user):
        ids |= mutuals_served(provider_id, on)
    own = visible_organizations(user, Perm.CHECK_ELIGIBILITY).filter(kind="mutual")
    ids |= set(own.values_list("pk", flat=True))
    return ids


def snapshot(user) -> dict:
    """The snapshot for `user` (PermissionDenied without Perm.CHECK_ELIGIBILITY)."""
    require(user, Perm.CHECK_ELIGIBILITY)
    now = local_now(user)
    on = now.date()
    ids = mutual_ids(user, on)
    mutuals = sorted(
        Organization.unscoped.filter(pk__in=ids, kind="mutual").values_list("code", "name")
    )
    revoked = sorted(
        Card.unscoped.filter(
            organization_id__in=ids, status=CardStatus.REVOKED, expires_on__gte=on
        ).values_list("serial", flat=True)
    )
    card_in_circulation = Card.unscoped.filter(membership=OuterRef("pk"), expires_on__gte=on)
    statuses = dict(
        sorted(
            Membership.unscoped.filter(organization_id__in=ids)
            .exclude(status=Status.ACTIVE)
            .filter(Exists(card_in_circulation))
            .values_list("number", "status")
        )
    )
    return {
        "v": VERSION,
        "at": now.isoformat(timespec="seconds"),
        "on": on.isoformat(),
        "m": [[code, name] for code, name in mutuals],
        "r": revoked,
        "s": statuses,
    }
