from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import actions, rules
from ..forms import OrganizationForm
from ..models import Organization
from ..permissions import can, require
from ..roles import Perm
from ..scoping import get_for_user, scope, visible_organizations


@login_required
def organization_list(request):
    require(request.user, Perm.VIEW_ORGANIZATIONS)
    orgs = visible_organizations(request.user, Perm.VIEW_ORGANIZATIONS).select_related("parent")
    page = Paginator(orgs, 50).get_page(request.GET.get("page"))
    return render(request, "core/organization_list.html", {"page": page})


@login_required
def organization_detail(request, org_uuid):
    org = get_for_user(
        Organization.unscoped.all(), request.user, Perm.VIEW_ORGANIZATIONS, field="", uuid=org_uuid
    )
    require(request.user, Perm.VIEW_ORGANIZATIONS, org)
    children = scope(org.children.all(), request.user, Perm.VIEW_ORGANIZATIONS, field="")
    return render(
        request,
        "core/organization_detail.html",
        {
            "org": org,
            "children": children,
            "can_add": can(request.user, Perm.MANAGE_ORGANIZATIONS, org) and child_kinds(org),
        },
    )


def child_kinds(parent: Organization) -> list[str]:
    return [k for k, parents in rules.PARENT_KINDS.items() if parent.kind in parents]


@login_required
def organization_create(request, org_uuid):
    """A union or network adds a mutual, section or provider under one of its organizations."""
    parent = get_for_user(
        Organization.unscoped.all(), request.user, Perm.VIEW_ORGANIZATIONS, field="", uuid=org_uuid
    )
    require(request.user, Perm.MANAGE_ORGANIZATIONS, parent)
    initial = {
        "country": parent.country,
        "currency": parent.currency,
        "time_zone": parent.time_zone,
        "language": parent.language,
    }
    form = OrganizationForm(request.POST or None, initial=initial, kinds=child_kinds(parent))
    if request.method == "POST" and form.is_valid():
        try:
            org = actions.create_organization(
                request.user, parent=parent, **{f: form.cleaned_data[f] for f in form.Meta.fields}
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else []:
                form.add_error(field if field in form.fields else None, errors)
            if not hasattr(exc, "error_dict"):
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Organization created."))
            if org.kind == "provider":  # the providers app's profile form follows
                return redirect("provider_profile", org_uuid=org.uuid)
            return redirect("organization_detail", org_uuid=org.uuid)
    return render(request, "core/organization_form.html", {"form": form, "parent": parent})
