"""The acts catalogue: list by category with search, add and edit an act, the starter
catalogue. Reads through queries.visible_acts (a union's catalogue is read by its mutuals);
writes need MANAGE_BENEFITS on the catalogue's organization."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import visible_organizations

from .. import actions, queries
from ..forms import ActForm, StarterForm
from ..models import Act, Category


def catalogue_owners(user):
    """Organizations whose catalogue the user may write."""
    return (
        visible_organizations(user, Perm.MANAGE_BENEFITS)
        .filter(kind__in=actions.OWNER_KINDS)
        .order_by("path")
    )


def _readable(user) -> None:
    if not visible_organizations(user, Perm.VIEW_BENEFITS).exists():
        raise PermissionDenied(Perm.VIEW_BENEFITS)


@login_required
def act_list(request):
    _readable(request.user)
    acts = queries.visible_acts(request.user).select_related("organization")
    q = request.GET.get("q", "").strip()
    if q:
        acts = acts.filter(Q(code__icontains=q) | Q(name_fr__icontains=q) | Q(name_en__icontains=q))
    category = request.GET.get("category", "")
    if category in Category.values:
        acts = acts.filter(category=category)
    owners = catalogue_owners(request.user)
    labels = dict(Category.choices)
    order = {c: i for i, c in enumerate(Category.values)}
    rows = sorted(acts[:1000], key=lambda a: (order[a.category], a.code))
    return render(
        request,
        "benefits/act_list.html",
        {
            "acts": rows,
            "labels": labels,
            "q": q,
            "category": category,
            "categories": Category.choices,
            "can_add": owners.exists(),
            "starter_form": StarterForm(owners=owners) if owners.exists() else None,
        },
    )


@login_required
def act_create(request):
    owners = catalogue_owners(request.user)
    if not owners.exists():
        raise PermissionDenied(Perm.MANAGE_BENEFITS)
    form = ActForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organization = data.pop("organization")
        try:
            act = actions.add_act(request.user, organization, **data)
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            messages.success(request, _("Act %(code)s added.") % {"code": act.code})
            return redirect("act_list")
    return render(request, "benefits/act_form.html", {"form": form, "act": None})


def _act(user, act_uuid) -> Act:
    try:
        return queries.visible_acts(user).select_related("organization").get(uuid=act_uuid)
    except (Act.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


@login_required
def act_detail(request, act_uuid):
    """An act: its attributes; those who keep the catalogue edit it."""
    act = _act(request.user, act_uuid)
    can_edit = can(request.user, Perm.MANAGE_BENEFITS, act.organization)
    form = None
    if can_edit:
        initial = {f: getattr(act, f) for f in actions.ACT_FIELDS}
        form = ActForm(request.POST or None, initial=initial, editing=True)
        if request.method == "POST" and form.is_valid():
            try:
                actions.update_act(request.user, act, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Act %(code)s saved.") % {"code": act.code})
                return redirect("act_list")
    elif request.method == "POST":
        raise PermissionDenied(Perm.MANAGE_BENEFITS)
    return render(request, "benefits/act_form.html", {"form": form, "act": act})


@login_required
@require_POST
def act_starter(request):
    owners = catalogue_owners(request.user)
    form = StarterForm(request.POST, owners=owners)
    if not form.is_valid():
        raise PermissionDenied(Perm.MANAGE_BENEFITS)
    organization = form.cleaned_data["organization"]
    require(request.user, Perm.MANAGE_BENEFITS, organization)
    added = actions.install_starter_catalogue(request.user, organization)
    messages.success(
        request,
        _("%(n)s acts of the starter catalogue added to %(org)s.")
        % {"n": added, "org": organization.name},
    )
    return redirect("act_list")
