"""Permission checks against the declarations in roles.py. Views, API and exports call these."""

from django.core.exceptions import PermissionDenied

from . import rules
from .models import Organization
from .scoping import grants_of, target_of


def can(user, perm: str, org: Organization | None = None) -> bool:
    target = target_of(org) if org is not None else None
    return rules.has_perm(grants_of(user), perm, target)


def require(user, perm: str, org: Organization | None = None) -> None:
    if not can(user, perm, org):
        raise PermissionDenied(perm)
