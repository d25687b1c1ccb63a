"""The one scoping helper. Every read of tenant data goes through here.

    scope(Household.unscoped.all(), user)           rows of organizations the user may see
    scope(qs, user, include_ancestors=True)         ... plus the ancestors' reference data
    get_for_user(qs, user, uuid=...)                one row, or 404 (never 403: across tenants
                                                    an object simply does not exist)
    visible_organizations(user)

Models owned by an organization have no `objects` manager, only `unscoped`, so an unscoped
read is visible in review."""

from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from . import rules
from .models import Organization, Scope

M = TypeVar("M", bound=Model)
_NOTHING = Q(pk__in=[])


def grants_of(user) -> list[rules.Grant]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return [
        rules.Grant(
            role=g.role,
            scope=g.scope,
            org_id=g.organization_id,
            org_path=g.organization.path if g.organization else "",
            country=g.country,
        )
        for g in user.active_grants()
    ]


def _org_q(user, prefix: str) -> Q | None:
    """A filter on Organization fields (behind `prefix`); None means everything."""
    q = _NOTHING
    for g in grants_of(user):
        if g.scope == Scope.GLOBAL:
            return None
        if g.scope == Scope.COUNTRY:
            q |= Q(**{f"{prefix}country": g.country})
        elif g.scope == Scope.PROVIDER:
            q |= Q(**{f"{prefix}pk": g.org_id})
        elif g.scope == Scope.ORGANIZATION:
            q |= Q(**{f"{prefix}path__startswith": g.org_path})
    return q


def _ancestor_ids(user) -> set[int]:
    base = _org_q(user, "")
    if base is None:
        return set()
    paths = Organization.unscoped.filter(base).values_list("path", flat=True)
    return {pk for path in paths for pk in rules.path_ids(path)}


def visible_organizations(user, include_ancestors: bool = False) -> QuerySet[Organization]:
    return scope(Organization.unscoped.all(), user, field="", include_ancestors=include_ancestors)


def scope(
    qs: QuerySet[M], user, field: str = "organization", include_ancestors: bool = False
) -> QuerySet[M]:
    """Restrict `qs` to rows whose organization (reached through `field`; "" when the rows are
    organizations) lies in the user's scopes."""
    prefix = f"{field}__" if field else ""
    q = _org_q(user, prefix)
    if q is None:
        return qs
    if include_ancestors:
        ancestors = _ancestor_ids(user)
        if ancestors:
            q |= Q(**{f"{prefix}pk__in": ancestors})
    return qs.filter(q)


def get_for_user(qs: QuerySet[M], user, field: str = "organization", **lookup) -> M:
    """One row the user may see, or Http404."""
    try:
        return scope(qs, user, field=field).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc


def target_of(org: Organization) -> rules.Target:
    return rules.Target(org_id=org.pk, path=org.path, country=org.country)
