"""Tenant-scoped reads of claims: a mutual's staff see their mutuals' claims, a provider clerk
the claims of their provider (never another provider's, never the register). A mutual that
owns a health centre does not see, through it, the claims of other mutuals' members."""

from django.db.models import Q, QuerySet
from django.http import Http404

from mutuelle.core.models import Scope
from mutuelle.core.roles import PERMISSIONS, Perm
from mutuelle.core.scoping import grants_of, scope, visible_organizations

from .models import Claim


def provider_ids(user, perm: str) -> set[int]:
    """The providers whose clerk the user is, with `perm`."""
    return {
        g.org_id
        for g in grants_of(user)
        if g.scope == Scope.PROVIDER and g.org_id and perm in PERMISSIONS.get(g.role, frozenset())
    }


def may_record_cash(user) -> bool:
    """Cash benefits are recorded by a mutual's staff with the claims permission (a provider's
    clerk has none in a mutual)."""
    return visible_organizations(user, Perm.SUBMIT_CLAIMS).filter(kind="mutual").exists()


def visible_claims(user, perm: str) -> QuerySet[Claim]:
    own = scope(Claim.unscoped.all(), user, perm).values("pk")
    return Claim.unscoped.filter(Q(pk__in=own) | Q(provider_id__in=provider_ids(user, perm)))


def claim_for(user, perm: str, uuid) -> Claim:
    try:
        return (
            visible_claims(user, perm)
            .select_related("organization", "provider", "person", "membership", "letter")
            .get(uuid=uuid)
        )
    except (Claim.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
