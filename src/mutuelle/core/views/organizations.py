from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from ..models import Organization
from ..permissions import require
from ..roles import Perm
from ..scoping import get_for_user, scope, visible_organizations


@login_required
def organization_list(request):
    require(request.user, Perm.VIEW_ORGANIZATIONS)
    orgs = visible_organizations(request.user).select_related("parent")
    page = Paginator(orgs, 50).get_page(request.GET.get("page"))
    return render(request, "core/organization_list.html", {"page": page})


@login_required
def organization_detail(request, org_uuid):
    org = get_for_user(Organization.unscoped.all(), request.user, field="", uuid=org_uuid)
    require(request.user, Perm.VIEW_ORGANIZATIONS, org)
    children = scope(org.children.all(), request.user, field="")
    return render(request, "core/organization_detail.html", {"org": org, "children": children})
