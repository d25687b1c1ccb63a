"""The provider registry: list (filters, search), detail, profile form, attachments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutuelle.core.models import Organization, Place
from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm
from mutuelle.core.rules import path_ids
from mutuelle.core.scoping import visible_organizations
from mutuelle.members.queries import memberships

from .. import actions, queries
from ..forms import AttachForm, EndForm, FilterForm, ProfileForm
from ..models import Attachment


def provider_of(user, org_uuid) -> Organization:
    try:
        return (
            queries.visible_providers(user)
            .select_related("parent", "place", "provider_profile")
            .get(uuid=org_uuid)
        )
    except (Organization.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


def refused(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@login_required
def provider_list(request):
    require(request.user, Perm.VIEW_PROVIDERS)
    providers = queries.visible_providers(request.user)
    # The providers' places and every place above them (a region holds its villages).
    paths = providers.exclude(place=None).values_list("place__path", flat=True).distinct()
    place_ids = {pk for path in paths for pk in path_ids(path)}
    form = FilterForm(request.GET or None, places=Place.unscoped.filter(pk__in=place_ids))
    rows = providers.select_related("place", "provider_profile", "parent").order_by("name")
    if form.is_valid():
        d = form.cleaned_data
        if d["q"]:
            rows = rows.filter(
                Q(name__icontains=d["q"])
                | Q(code__icontains=d["q"])
                | Q(provider_profile__contact_person__icontains=d["q"])
            )
        if d["type"]:
            rows = rows.filter(provider_profile__type=d["type"])
        if d["level"]:
            rows = rows.filter(provider_profile__care_level=d["level"])
        if d["place"]:
            rows = rows.filter(place__path__startswith=d["place"].path)
    return render(
        request,
        "providers/provider_list.html",
        {
            "form": form,
            "providers": rows[:500],
            "registries": list(
                visible_organizations(request.user, Perm.MANAGE_ORGANIZATIONS)
                .filter(kind__in=["network", "federation", "union", "mutual"])
                .order_by("path")[:5]
            ),
            "can_convene": queries.visible_providers(
                request.user, Perm.MANAGE_CONVENTIONS
            ).exists(),
        },
    )


def profile_of(provider: Organization):
    try:
        return provider.provider_profile
    except Organization.provider_profile.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return None


@login_required
def provider_detail(request, org_uuid):
    provider = provider_of(request.user, org_uuid)
    today = timezone.localdate()
    conventions = list(
        queries.visible_conventions(request.user)
        .filter(provider=provider)
        .select_related("party")
        .order_by("-start")
    )
    for c in conventions:
        c.active = c.in_force_on(today)
    return render(
        request,
        "providers/provider_detail.html",
        {
            "provider": provider,
            "profile": profile_of(provider),
            "conventions": conventions,
            "can_edit": can(request.user, Perm.MANAGE_CONVENTIONS, provider),
            "can_convene": can(request.user, Perm.MANAGE_CONVENTIONS),
            "sees_register": can(request.user, Perm.VIEW_REGISTER),
        },
    )


@login_required
def provider_profile(request, org_uuid):
    provider = provider_of(request.user, org_uuid)
    require(request.user, Perm.MANAGE_CONVENTIONS, provider)
    profile = profile_of(provider)
    initial = {}
    if profile is not None:
        initial = {
            k: getattr(profile, k)
            for k in ("type", "ownership", "care_level", "contact_person", "address")
        }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_profile(request.user, provider, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("provider_detail", org_uuid=provider.uuid)
    return render(request, "providers/profile_form.html", {"provider": provider, "form": form})


@login_required
def attachment_list(request, org_uuid):
    """The beneficiaries of the user's mutuals attached to a provider (register data)."""
    provider = provider_of(request.user, org_uuid)
    require(request.user, Perm.VIEW_REGISTER)
    form = AttachForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        membership = (
            memberships(request.user)
            .select_related("person__organization")
            .filter(number=d["number"].strip().upper())
            .first()
        )
        if membership is None:
            form.add_error("number", _("No member with this number in your register."))
        else:
            try:
                actions.attach(
                    request.user, provider, membership.person, d["valid_from"], d["valid_to"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Beneficiary attached."))
                return redirect("attachment_list", org_uuid=provider.uuid)
    today = timezone.localdate()
    attachments = list(
        queries.visible_attachments(request.user)
        .filter(provider=provider)
        .select_related("person", "organization")
        .order_by("-valid_from")[:500]
    )
    year = today.year
    counts = queries.attached_per_month(
        provider.pk,
        year,
        set(queries.visible_attachments(request.user).values_list("organization_id", flat=True)),
    )
    return render(
        request,
        "providers/attachment_list.html",
        {
            "provider": provider,
            "attachments": attachments,
            "form": form if can(request.user, Perm.MANAGE_CONVENTIONS) else None,
            "end_form": EndForm(initial={"on": today}),
            "today": today,
            "year": year,
            "counts": sorted(counts.items()),
        },
    )


@login_required
@require_POST
def attachment_end(request, attachment_uuid):
    try:
        attachment = (
            queries.visible_attachments(request.user)
            .select_related("provider")
            .get(uuid=attachment_uuid)
        )
    except (Attachment.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            actions.detach(request.user, attachment, form.cleaned_data["on"])
        except ValidationError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("Attachment ended."))
    return redirect("attachment_list", org_uuid=attachment.provider.uuid)
