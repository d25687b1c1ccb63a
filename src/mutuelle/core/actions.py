"""The one write path per use case of the core. Each action is atomic, checks permission,
writes an audit row and leaves side effects to on_commit."""

import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import audit, rules
from .models import Organization, Place, RoleGrant, User
from .notifications import notify
from .permissions import require
from .roles import Perm, Role, Scope
from .scoping import as_rules, grants_of, subtree_countries, target_of

REASONS = {
    "org.parent_required": _("Only a network may be at the top of the tree."),
    "org.parent_kind_not_allowed": _("This kind of organization cannot sit under that parent."),
    "grant.scope_not_allowed_for_role": _("This role cannot be granted on that kind of scope."),
    "grant.provider_scope_needs_provider": _("A provider scope must name a health care provider."),
    "grant.organization_scope_not_provider": _("Use a provider scope for a health care provider."),
    "grant.outside_granter_scope": _("You may not grant this role on this scope."),
}


def reason_error(code: str) -> ValidationError:
    return ValidationError(REASONS[code], code=code)


@transaction.atomic
def create_organization(actor, *, parent: Organization | None, **fields) -> Organization:
    """Create an organization under `parent` (None only for a network root)."""
    if parent is None:
        if actor is not None and Role.PLATFORM_ADMIN not in actor.roles():
            raise PermissionDenied
    elif actor is not None:
        require(actor, Perm.MANAGE_ORGANIZATIONS, parent)
    if code := rules.parent_error(fields["kind"], parent.kind if parent else None):
        raise reason_error(code)
    org = Organization(parent=parent, **fields)
    org.full_clean(exclude=["path"])
    org.save()
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    audit.record(actor, "org.created", org, organization=org, kind=org.kind, code=org.code)
    return org


@transaction.atomic
def create_place(*, country: str, code: str, name: str, parent: Place | None = None) -> Place:
    place = Place.unscoped.create(
        country=country,
        code=code,
        name=name,
        parent=parent,
        depth=(parent.depth + 1) if parent else 0,
    )
    place.path = f"{parent.path if parent else '/'}{place.pk}/"
    place.save(update_fields=["path"])
    return place


def temporary_password() -> str:
    """Easy to read out over the phone: no 0/O or 1/l."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


@dataclass
class NewUser:
    user: User
    password: str


@transaction.atomic
def create_user(
    actor,
    *,
    username: str,
    full_name: str,
    home_organization: Organization,
    email: str = "",
    phone: str = "",
    language: str = "fr",
) -> NewUser:
    """Create a staff account with a temporary password the manager hands over."""
    require(actor, Perm.MANAGE_USERS, home_organization)
    password = temporary_password()
    user = User.objects.create_user(
        username=username,
        password=password,
        full_name=full_name,
        email=email or None,
        phone=phone or None,
        language=language,
        home_organization=home_organization,
        must_change_password=True,
    )
    audit.record(actor, "user.created", user, organization=home_organization)
    return NewUser(user, password)


def _check_manages(actor, user: User) -> None:
    """A manager acts on an account whose home organization lies in their scope AND whose
    every role they could have granted themselves (no taking over a higher account)."""
    require(actor, Perm.MANAGE_USERS)
    held = RoleGrant.objects.filter(user=user, revoked_at__isnull=True).select_related(
        "organization"
    )
    home = target_of(user.home_organization) if user.home_organization else None
    if code := rules.may_manage_account(
        grants_of(actor), as_rules(held), home, subtree_countries(actor)
    ):
        raise PermissionDenied(code)


@transaction.atomic
def reset_password(actor, user: User) -> str:
    """Most users have no email: their manager resets the password and tells them the new
    one; they must change it at their next login."""
    _check_manages(actor, user)
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    event = audit.record(actor, "user.password_reset", user, organization=user.home_organization)
    if user.phone:
        # Tell the owner of the account: a reset they did not ask for is a warning sign.
        notify(
            channel="sms",
            template="password_reset",
            user=user,
            context={"manager": actor.full_name if actor else "Mutuelle"},
            idempotency_key=f"password_reset:{event.pk}",
        )
    return password


@transaction.atomic
def set_active(actor, user: User, active: bool) -> None:
    _check_manages(actor, user)
    User.objects.filter(pk=user.pk).update(is_active=active)
    audit.record(
        actor,
        "user.activated" if active else "user.deactivated",
        user,
        organization=user.home_organization,
    )


@transaction.atomic
def grant_role(
    actor,
    user: User,
    *,
    role: str,
    scope: str,
    organization: Organization | None = None,
    country: str = "",
) -> RoleGrant:
    target = target_of(organization) if organization is not None else None
    if code := rules.grant_scope_error(role, scope, organization.kind if organization else None):
        raise reason_error(code)
    if actor is not None:
        require(actor, Perm.GRANT_ROLES)
        spans = subtree_countries(actor) if scope == Scope.COUNTRY else None
        if code := rules.may_grant(grants_of(actor), role, scope, target, country, spans):
            raise reason_error(code)
    grant = RoleGrant(
        user=user,
        role=role,
        scope=scope,
        organization=organization if scope in (Scope.ORGANIZATION, Scope.PROVIDER) else None,
        country=country if scope == Scope.COUNTRY else "",
        granted_by=actor,
    )
    grant.full_clean()
    grant.save()
    notify(
        channel="in_app",
        template="role_granted",
        user=user,
        context={"role": grant.get_role_display(), "scope": str(organization or country or "")},
        idempotency_key=f"role_granted:{grant.pk}",
    )
    audit.record(
        actor,
        "role.granted",
        user,
        organization=organization,
        role=role,
        scope=scope,
        country=country,
    )
    return grant


@transaction.atomic
def revoke_role(actor, grant: RoleGrant) -> None:
    target = target_of(grant.organization) if grant.organization else None
    if actor is not None:
        require(actor, Perm.GRANT_ROLES)
        spans = subtree_countries(actor) if grant.scope == Scope.COUNTRY else None
        if code := rules.may_grant(
            grants_of(actor), grant.role, grant.scope, target, grant.country, spans
        ):
            raise reason_error(code)
    updated = RoleGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    if updated == 1:
        audit.record(
            actor, "role.revoked", grant.user, organization=grant.organization, role=grant.role
        )


def set_language(user: User, language: str) -> None:
    if user.is_authenticated and user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
