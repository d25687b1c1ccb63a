from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import actions
from ..forms import GrantForm, UserCreateForm
from ..models import AuditEvent, RoleGrant, User
from ..permissions import can, require
from ..roles import GRANTABLE, Perm, Role
from ..scoping import scope, visible_organizations


def visible_users(viewer):
    """Staff accounts whose home organization, or one of whose grants, lies in the viewer's
    scope. Platform-level accounts (no home organization) only for global viewers."""
    if Role.PLATFORM_ADMIN in viewer.roles():
        return User.objects.all()
    orgs = visible_organizations(viewer, Perm.VIEW_USERS).values("pk")
    q = Q(home_organization__in=orgs) | Q(
        grants__organization__in=orgs, grants__revoked_at__isnull=True
    )
    return User.objects.filter(q).distinct()


def grantable_roles(viewer) -> set[str]:
    return {r for held in viewer.roles() for r in GRANTABLE.get(held, ())}


def _get_user(viewer, user_uuid):
    from django.http import Http404

    try:
        return visible_users(viewer).get(uuid=user_uuid)
    except User.DoesNotExist as exc:
        raise Http404 from exc


@login_required
def user_list(request):
    require(request.user, Perm.VIEW_USERS)
    users = visible_users(request.user).select_related("home_organization")
    if q := request.GET.get("q", "").strip():
        users = users.filter(
            Q(full_name__icontains=q) | Q(username__icontains=q) | Q(phone__icontains=q)
        )
    page = Paginator(users.order_by("full_name"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/user_list.html",
        {"page": page, "q": q, "can_create": can(request.user, Perm.MANAGE_USERS)},
    )


@login_required
def user_create(request):
    require(request.user, Perm.MANAGE_USERS)
    orgs = visible_organizations(request.user, Perm.MANAGE_USERS)
    form = UserCreateForm(request.POST or None, organizations=orgs)
    if request.method == "POST" and form.is_valid():
        created = actions.create_user(request.user, **form.cleaned_data)
        return render(
            request,
            "core/user_password.html",
            {"target": created.user, "password": created.password},
        )
    return render(request, "core/user_create.html", {"form": form})


@login_required
def user_detail(request, user_uuid):
    require(request.user, Perm.VIEW_USERS)
    target = _get_user(request.user, user_uuid)
    grants = _grants_in_view(request.user, target)
    form = GrantForm(
        organizations=visible_organizations(request.user, Perm.GRANT_ROLES),
        roles=grantable_roles(request.user),
    )
    return render(
        request,
        "core/user_detail.html",
        {
            "target": target,
            "grants": grants,
            "form": form,
            "can_grant": can(request.user, Perm.GRANT_ROLES),
            "can_manage": can(request.user, Perm.MANAGE_USERS),
        },
    )


@login_required
@require_POST
def grant_create(request, user_uuid):
    require(request.user, Perm.GRANT_ROLES)
    target = _get_user(request.user, user_uuid)
    form = GrantForm(
        request.POST,
        organizations=visible_organizations(request.user, Perm.GRANT_ROLES),
        roles=grantable_roles(request.user),
    )
    if form.is_valid():
        try:
            actions.grant_role(request.user, target, **form.cleaned_data)
            messages.success(request, _("Role granted."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("user_detail", user_uuid=target.uuid)


@login_required
@require_POST
def grant_revoke(request, grant_uuid):
    require(request.user, Perm.GRANT_ROLES)
    grant = _visible_grant(request.user, grant_uuid)
    try:
        actions.revoke_role(request.user, grant)
        messages.success(request, _("Role revoked."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("user_detail", user_uuid=grant.user.uuid)


def _grants_in_view(viewer, target: User):
    """The target's grants that lie in the viewer's scope: a person's roles in other
    tenants are none of this viewer's business."""
    grants = target.grants.select_related("organization", "granted_by", "revoked_by")
    if Role.PLATFORM_ADMIN in viewer.roles():
        return grants.order_by("revoked_at", "-granted_at")
    orgs = visible_organizations(viewer, Perm.VIEW_USERS).values("pk")
    countries = [g.country for g in viewer.active_grants() if g.scope == "country"]
    return grants.filter(Q(organization__in=orgs) | Q(country__in=countries)).order_by(
        "revoked_at", "-granted_at"
    )


def _visible_grant(viewer, grant_uuid) -> RoleGrant:
    from django.http import Http404

    try:
        return RoleGrant.objects.select_related("user", "organization").get(
            uuid=grant_uuid, user__in=visible_users(viewer)
        )
    except RoleGrant.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_POST
def password_reset(request, user_uuid):
    target = _get_user(request.user, user_uuid)
    password = actions.reset_password(request.user, target)
    return render(request, "core/user_password.html", {"target": target, "password": password})


@login_required
@require_POST
def user_set_active(request, user_uuid):
    target = _get_user(request.user, user_uuid)
    actions.set_active(request.user, target, request.POST.get("active") == "1")
    return redirect("user_detail", user_uuid=target.uuid)


@login_required
def audit_list(request):
    require(request.user, Perm.VIEW_AUDIT)
    events = scope(
        AuditEvent.unscoped.select_related("actor", "organization"), request.user, Perm.VIEW_AUDIT
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"page": page})
