"""Conventions and their tariff schedules: list, detail, form, schedules (lines grouped by
act, add and remove lines, adopt, copy, import). Reads through queries (404 across tenants);
writes need MANAGE_CONVENTIONS on the convention's mutual or union and go through actions."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutuelle.benefits.queries import catalogue_for, packages_for
from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import visible_organizations
from mutuelle.lib.tabular import MAX_BYTES

from .. import actions, queries
from ..forms import AdoptForm, ConventionForm, ImportForm, TariffLineForm
from ..imports import start_tariff_import
from ..models import Convention, ScheduleStatus, TariffLine, TariffSchedule
from .registry import refused


def _convention(user, convention_uuid) -> Convention:
    try:
        return (
            queries.visible_conventions(user)
            .select_related("party", "provider")
            .get(uuid=convention_uuid)
        )
    except (Convention.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


def _schedule(user, schedule_uuid) -> TariffSchedule:
    try:
        return (
            queries.visible_schedules(user)
            .select_related("convention__party", "convention__provider")
            .get(uuid=schedule_uuid)
        )
    except (TariffSchedule.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


def parties(user):
    return (
        visible_organizations(user, Perm.MANAGE_CONVENTIONS)
        .filter(kind__in=actions.PARTY_KINDS)
        .order_by("path")
    )


def _accepted_packages(convention: Convention):
    chosen = convention.packages.all()
    return chosen if chosen.exists() else packages_for(convention.party)


@login_required
def convention_list(request):
    require(request.user, Perm.VIEW_PROVIDERS)
    today = timezone.localdate()
    conventions = list(
        queries.visible_conventions(request.user)
        .select_related("party", "provider")
        .order_by("provider__name", "-start")[:500]
    )
    for c in conventions:
        c.active = c.in_force_on(today)
    return render(
        request,
        "providers/convention_list.html",
        {"conventions": conventions, "can_create": parties(request.user).exists()},
    )


@login_required
def convention_create(request):
    mine = parties(request.user)
    if not mine.exists():
        raise PermissionDenied(Perm.MANAGE_CONVENTIONS)
    providers = queries.visible_providers(request.user, Perm.MANAGE_CONVENTIONS).order_by("name")
    packages = packages_for_parties(mine)
    initial = {"start": timezone.localdate()}
    chosen = request.GET.get("provider")
    if chosen:
        initial["provider"] = providers.filter(uuid=chosen).first() if _is_uuid(chosen) else None
    form = ConventionForm(
        request.POST or None,
        initial=initial,
        parties=mine,
        providers=providers,
        packages=packages,
    )
    if request.method == "POST" and form.is_valid():
        try:
            convention = actions.create_convention(
                request.user,
                form.cleaned_data["party"],
                form.cleaned_data["provider"],
                form.data_of(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Convention saved: now give it its tariff schedule."))
            return redirect("convention_detail", convention_uuid=convention.uuid)
    return render(request, "providers/convention_form.html", {"form": form})


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def packages_for_parties(mine):
    from mutuelle.benefits.models import Package

    ids = {pk for org in mine for pk in (*org.ancestor_ids(), org.pk)}
    return Package.unscoped.filter(organization_id__in=ids, is_active=True).order_by("code")


@login_required
def convention_detail(request, convention_uuid):
    convention = _convention(request.user, convention_uuid)
    today = timezone.localdate()
    schedules = queries.schedules_of(convention)
    can_manage = can(request.user, Perm.MANAGE_CONVENTIONS, convention.party)
    return render(
        request,
        "providers/convention_detail.html",
        {
            "convention": convention,
            "active": convention.in_force_on(today),
            "flat_rates": list(convention.flat_rates.all()),
            "packages": list(convention.packages.all()),
            "schedules": schedules,
            "in_force": next((s for s in schedules if s.in_force_on(today)), None),
            "has_draft": any(s.is_draft for s in schedules),
            "can_manage": can_manage,
            "currency": convention.party.currency,
        },
    )


@login_required
def convention_edit(request, convention_uuid):
    convention = _convention(request.user, convention_uuid)
    require(request.user, Perm.MANAGE_CONVENTIONS, convention.party)
    form = ConventionForm(
        request.POST or None,
        initial=ConventionForm.initial_of(convention),
        packages=packages_for(convention.party).order_by("code"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_convention(request.user, convention, form.data_of())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Convention saved."))
            return redirect("convention_detail", convention_uuid=convention.uuid)
    return render(
        request, "providers/convention_form.html", {"form": form, "convention": convention}
    )


@login_required
@require_POST
def schedule_create(request, convention_uuid):
    convention = _convention(request.user, convention_uuid)
    try:
        schedule = actions.new_schedule(request.user, convention)
    except ValidationError as exc:
        refused(request, exc)
        return redirect("convention_detail", convention_uuid=convention.uuid)
    return redirect("schedule_detail", schedule_uuid=schedule.uuid)


@login_required
def schedule_detail(request, schedule_uuid):
    schedule = _schedule(request.user, schedule_uuid)
    convention = schedule.convention
    can_manage = can(request.user, Perm.MANAGE_CONVENTIONS, convention.party)
    editable = can_manage and schedule.is_draft
    lines = list(
        TariffLine.unscoped.filter(schedule=schedule)
        .select_related("act", "package", "place")
        .order_by("act__code", "package__code", "place__path", "pk")
    )
    groups = [(act, list(rows)) for act, rows in groupby(lines, key=lambda x: x.act)]
    other_draft = (
        TariffSchedule.unscoped.filter(convention=convention, status=ScheduleStatus.DRAFT)
        .exclude(pk=schedule.pk)
        .first()
    )
    return render(
        request,
        "providers/schedule_detail.html",
        {
            "schedule": schedule,
            "convention": convention,
            "groups": groups,
            "line_count": len(lines),
            "editable": editable,
            "can_manage": can_manage,
            "other_draft": other_draft,
            "adopt_form": AdoptForm(initial={"effective_from": timezone.localdate()})
            if editable
            else None,
        },
    )


@login_required
def tariff_line_create(request, schedule_uuid):
    schedule = _schedule(request.user, schedule_uuid)
    convention = schedule.convention
    require(request.user, Perm.MANAGE_CONVENTIONS, convention.party)
    form = TariffLineForm(
        request.POST or None,
        acts=catalogue_for(convention.party).filter(is_active=True).order_by("code"),
        packages=_accepted_packages(convention).order_by("code"),
        country=convention.party.country,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.add_line(request.user, schedule, d["act"], d["price"], d["package"], d["place"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Price added."))
            if "again" in request.POST:
                return redirect("tariff_line_create", schedule_uuid=schedule.uuid)
            return redirect("schedule_detail", schedule_uuid=schedule.uuid)
    return render(request, "providers/tariff_line_form.html", {"form": form, "schedule": schedule})


@login_required
@require_POST
def tariff_line_delete(request, line_uuid):
    try:
        line = (
            queries.visible_lines(request.user)
            .select_related("schedule", "act")
            .get(uuid=line_uuid)
        )
    except (TariffLine.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    try:
        actions.remove_line(request.user, line)
    except ValidationError as exc:
        refused(request, exc)
    return redirect("schedule_detail", schedule_uuid=line.schedule.uuid)


@login_required
@require_POST
def schedule_copy(request, schedule_uuid):
    schedule = _schedule(request.user, schedule_uuid)
    try:
        draft = actions.copy_schedule(request.user, schedule)
    except ValidationError as exc:
        refused(request, exc)
        return redirect("schedule_detail", schedule_uuid=schedule.uuid)
    messages.success(request, _("New draft made from this schedule."))
    return redirect("schedule_detail", schedule_uuid=draft.uuid)


@login_required
@require_POST
def schedule_adopt(request, schedule_uuid):
    schedule = _schedule(request.user, schedule_uuid)
    require(request.user, Perm.MANAGE_CONVENTIONS, schedule.convention.party)
    form = AdoptForm(request.POST)
    if form.is_valid():
        try:
            actions.adopt_schedule(
                request.user,
                schedule,
                form.cleaned_data["effective_from"],
                form.cleaned_data["effective_to"],
            )
        except ValidationError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("Schedule adopted."))
    else:
        messages.error(request, _("Give the date the schedule comes into force."))
    return redirect("schedule_detail", schedule_uuid=schedule.uuid)


@login_required
def schedule_import(request, schedule_uuid):
    schedule = _schedule(request.user, schedule_uuid)
    require(request.user, Perm.MANAGE_CONVENTIONS, schedule.convention.party)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error("file", _("The file is too large."))
        else:
            try:
                job = start_tariff_import(request.user, schedule, upload.name, upload.read())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("import_report", job_uuid=job.uuid)
    return render(request, "providers/schedule_import.html", {"form": form, "schedule": schedule})
