"""Pure rules of the core: the organization tree, scopes and who may grant what.

Plain values in, decisions and reason codes out. No Django here (the roles module only
declares constants), so these rules are tested without a database."""

from dataclasses import dataclass

from .roles import GRANTABLE, PERMISSIONS, ROLE_SCOPES, Scope

# Which kinds of organization may sit directly under which. Levels may be skipped
# (a mutual directly under a network), never inverted.
PARENT_KINDS: dict[str, frozenset[str]] = {
    "network": frozenset(),
    "federation": frozenset({"network"}),
    "union": frozenset({"network", "federation"}),
    "mutual": frozenset({"network", "federation", "union"}),
    "section": frozenset({"mutual"}),
    # A provider hangs under the network, federation or union whose registry lists it,
    # or under the mutual that owns it.
    "provider": frozenset({"network", "federation", "union", "mutual"}),
}


def parent_error(kind: str, parent_kind: str | None) -> str | None:
    """Reason code when `kind` may not sit under `parent_kind` (None: a root)."""
    if parent_kind is None:
        return None if kind == "network" else "org.parent_required"
    if parent_kind not in PARENT_KINDS.get(kind, frozenset()):
        return "org.parent_kind_not_allowed"
    return None


def path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


@dataclass(frozen=True)
class Grant:
    """What a role grant says, as plain values."""

    role: str
    scope: str
    org_id: int | None = None
    org_path: str = ""
    country: str = ""


@dataclass(frozen=True)
class Target:
    """An organization seen by the rules: its id, materialized path and country."""

    org_id: int
    path: str
    country: str


def grant_covers(grant: Grant, target: Target) -> bool:
    """Does the grant's scope include the target organization?"""
    if grant.scope == Scope.GLOBAL:
        return True
    if grant.scope == Scope.COUNTRY:
        return target.country == grant.country
    if grant.scope == Scope.PROVIDER:
        return target.org_id == grant.org_id
    if grant.scope == Scope.ORGANIZATION:
        return bool(grant.org_path) and target.path.startswith(grant.org_path)
    return False


def has_perm(grants: list[Grant], perm: str, target: Target | None = None) -> bool:
    """True when a grant gives `perm` on `target` (or anywhere, when target is None)."""
    for grant in grants:
        if perm in PERMISSIONS.get(grant.role, frozenset()) and (
            target is None or grant_covers(grant, target)
        ):
            return True
    return False


def grant_scope_error(role: str, scope: str, target_kind: str | None) -> str | None:
    """Reason code when `role` cannot be granted on this kind of scope."""
    if scope not in ROLE_SCOPES.get(role, frozenset()):
        return "grant.scope_not_allowed_for_role"
    if scope == Scope.PROVIDER and target_kind != "provider":
        return "grant.provider_scope_needs_provider"
    if scope == Scope.ORGANIZATION and target_kind == "provider":
        return "grant.organization_scope_not_provider"
    return None


def may_grant(
    granter: list[Grant],
    role: str,
    scope: str,
    target: Target | None,
    country: str = "",
    subtree_countries: dict[int, frozenset[str]] | None = None,
) -> str | None:
    """Reason code when a holder of `granter` grants may NOT give `role` on that scope.

    A granter gives only roles their own role lists in GRANTABLE, and only inside a scope
    that one of those same grants covers entirely. A country scope may be given by a country
    grant on that country, or by an organization grant whose subtree spans that country
    (`subtree_countries`: organization id -> countries of its subtree), e.g. a network
    coordinator appointing a country focal point."""
    for g in granter:
        if role not in GRANTABLE.get(g.role, frozenset()):
            continue
        if g.scope == Scope.GLOBAL:
            return None
        if scope == Scope.COUNTRY:
            if g.scope == Scope.COUNTRY and g.country == country:
                return None
            spanned = (subtree_countries or {}).get(g.org_id or 0, frozenset())
            if g.scope == Scope.ORGANIZATION and country in spanned:
                return None
            continue
        if scope == Scope.GLOBAL or target is None:
            continue
        if grant_covers(g, target):
            return None
    return "grant.outside_granter_scope"


def may_manage_account(
    granter: list[Grant],
    account_grants: list[Grant],
    home: Target | None,
    subtree_countries: dict[int, frozenset[str]] | None = None,
) -> str | None:
    """Reason code when a manager may NOT reset the password of, or disable, an account.

    They need to be able to grant every role the account holds, on its scope: otherwise a
    mutual manager could take over a union manager's account (or a platform
    administrator's) merely because its home organization is their mutual."""
    if not any(g.scope == Scope.GLOBAL for g in granter):
        if home is None:
            return "account.outside_manager_scope"
        if not any(
            grant_covers(g, home) and "manage_users" in PERMISSIONS.get(g.role, frozenset())
            for g in granter
        ):
            return "account.outside_manager_scope"
    for held in account_grants:
        target = Target(held.org_id, held.org_path, "") if held.org_id is not None else None
        if may_grant(granter, held.role, held.scope, target, held.country, subtree_countries):
            return "account.holds_higher_role"
    return None
