"""A mutual's register settings: the statute choices and the ability-to-pay categories."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mutuelle.core.models import Organization
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import visible_organizations

from .. import actions
from ..forms import CategoryFormSet, RegisterSettingsForm
from ..models import AbilityCategory, RegisterSettings


def _configurable(user):
    return visible_organizations(user, Perm.CONFIGURE_MUTUAL).filter(kind="mutual")


@login_required
def register_settings_list(request):
    mutuals = list(_configurable(request.user).order_by("name"))
    if not mutuals:
        raise PermissionDenied(Perm.CONFIGURE_MUTUAL)
    if len(mutuals) == 1:
        return redirect("register_settings", org_uuid=mutuals[0].uuid)
    return render(request, "members/register_settings_list.html", {"mutuals": mutuals})


@login_required
def register_settings(request, org_uuid):
    try:
        mutual = _configurable(request.user).get(uuid=org_uuid)
    except (Organization.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    require(request.user, Perm.CONFIGURE_MUTUAL, mutual)
    current = RegisterSettings.unscoped.filter(organization=mutual).first()
    categories = AbilityCategory.unscoped.filter(organization=mutual).order_by("order")
    form = RegisterSettingsForm(
        request.POST or None,
        initial={
            "dependant_age_limit": current.dependant_age_limit if current else 21,
            "whole_household": current.whole_household if current else False,
        },
    )
    rows = CategoryFormSet(
        request.POST or None,
        prefix="categories",
        initial=[
            {
                "id": c.pk,
                "code": c.code,
                "name_fr": c.name_fr,
                "name_en": c.name_en,
                "is_indigent": c.is_indigent,
            }
            for c in categories
        ],
    )
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        wanted = [
            actions.Category(
                code=r.cleaned_data["code"],
                name_fr=r.cleaned_data["name_fr"],
                name_en=r.cleaned_data["name_en"],
                is_indigent=r.cleaned_data.get("is_indigent", False),
                pk=r.cleaned_data.get("id"),
                delete=r.cleaned_data.get("DELETE", False),
            )
            for r in rows.forms
            if r.cleaned_data
        ]
        try:
            actions.configure_register(
                request.user,
                mutual,
                dependant_age_limit=form.cleaned_data["dependant_age_limit"],
                whole_household=form.cleaned_data["whole_household"],
                categories=wanted,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The register settings are saved."))
            return redirect("register_settings", org_uuid=mutual.uuid)
    return render(
        request,
        "members/register_settings.html",
        {"mutual": mutual, "form": form, "rows": rows},
    )
