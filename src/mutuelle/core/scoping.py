"""The one scoping helper. Every read of tenant data goes through here.

    scope(Household.unscoped.all(), user, Perm.VIEW_REGISTER)
        rows of the organizations where the user holds a role giving that permission
    scope(qs, user, perm, include_ancestors=True)   ... plus the ancestors' reference data
    get_for_user(qs, user, perm, uuid=...)           one row, or 404 (never 403: across
                                                     tenants an object simply does not exist)
    visible_organizations(user, perm)

The permission matters: a user who is manager of one mutual and cashier of another sees the
second mutual's rows only where a cashier may. Models owned by an organization have no
`objects` manager, only `unscoped`, so an unscoped read is visible in review."""

from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from . import rules
from .models import Organization, Scope
from .roles import PERMISSIONS

M = TypeVar("M", bound=Model)
_NOTHING = Q(pk__in=[])


def grants_of(user) -> list[rules.Grant]:
    """What the user may do now (nothing when logged out or disabled)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return as_rules(user.active_grants())


def as_rules(grants) -> list[rules.Grant]:
    return [
        rules.Grant(
            role=g.role,
            scope=g.scope,
            org_id=g.organization_id,
            org_path=g.organization.path if g.organization else "",
            country=g.country,
        )
        for g in grants
    ]


def countries_with(user, perm: str) -> set[str] | None:
    """Countries where the user holds `perm` (None: everywhere). A country grant gives its
    country; an organization grant gives the countries its subtree spans."""
    countries: set[str] = set()
    for g in grants_of(user):
        if perm not in PERMISSIONS.get(g.role, frozenset()):
            continue
        if g.scope == Scope.GLOBAL:
            return None
        if g.scope == Scope.COUNTRY:
            countries.add(g.country)
        elif g.org_path:
            countries |= set(
                Organization.unscoped.filter(path__startswith=g.org_path).values_list(
                    "country", flat=True
                )
            )
    return countries


def subtree_countries(user) -> dict[int, frozenset[str]]:
    """For each organization grant of the user: the countries its subtree spans."""
    spans = {}
    for g in grants_of(user):
        if g.scope == Scope.ORGANIZATION and g.org_id and g.org_path:
            countries = Organization.unscoped.filter(path__startswith=g.org_path).values_list(
                "country", flat=True
            )
            spans[g.org_id] = frozenset(countries)
    return spans


def _org_q(user, prefix: str, perm: str) -> Q | None:
    """A filter on Organization fields (behind `prefix`) covering the scopes of the grants
    that give `perm`; None means everything."""
    q = _NOTHING
    for g in grants_of(user):
        if perm not in PERMISSIONS.get(g.role, frozenset()):
            continue
        if g.scope == Scope.GLOBAL:
            return None
        if g.scope == Scope.COUNTRY:
            q |= Q(**{f"{prefix}country": g.country})
        elif g.scope == Scope.PROVIDER:
            q |= Q(**{f"{prefix}pk": g.org_id})
        elif g.scope == Scope.ORGANIZATION and g.org_path:
            # An empty path would match every organization: never trust one.
            q |= Q(**{f"{prefix}path__startswith": g.org_path})
    return q


def _ancestor_ids(user, perm: str) -> set[int]:
    base = _org_q(user, "", perm)
    if base is None:
        return set()
    paths = Organization.unscoped.filter(base).values_list("path", flat=True)
    return {pk for path in paths for pk in rules.path_ids(path)}


def visible_organizations(
    user, perm: str, include_ancestors: bool = False
) -> QuerySet[Organization]:
    return scope(
        Organization.unscoped.all(), user, perm, field="", include_ancestors=include_ancestors
    )


def scope(
    qs: QuerySet[M],
    user,
    perm: str,
    field: str = "organization",
    include_ancestors: bool = False,
) -> QuerySet[M]:
    """Restrict `qs` to rows whose organization (reached through `field`; "" when the rows are
    organizations) lies in the scope of a grant giving `perm`."""
    prefix = f"{field}__" if field else ""
    q = _org_q(user, prefix, perm)
    if q is None:
        return qs
    if include_ancestors:
        ancestors = _ancestor_ids(user, perm)
        if ancestors:
            q |= Q(**{f"{prefix}pk__in": ancestors})
    return qs.filter(q)


def get_for_user(qs: QuerySet[M], user, perm: str, field: str = "organization", **lookup) -> M:
    """One row the user may see with `perm`, or Http404."""
    try:
        return scope(qs, user, perm, field=field).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc


def target_of(org: Organization) -> rules.Target:
    return rules.Target(org_id=org.pk, path=org.path, country=org.country)
