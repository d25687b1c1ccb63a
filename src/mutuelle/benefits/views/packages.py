"""Benefit packages: list, create, versions (terms, lines, adoption, new version from one in
force) and the coverage preview. Reads through queries (a union's packages are read by its
mutuals); writes need MANAGE_BENEFITS on the package's owner and go through actions."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import visible_organizations

from .. import actions, queries, rules
from ..forms import AdoptForm, LineForm, PackageForm, PreviewForm, TermsForm
from ..models import CoverageLine, Package, PackageVersion, VersionStatus


def package_owners(user):
    return (
        visible_organizations(user, Perm.MANAGE_BENEFITS)
        .filter(kind__in=["union", "mutual"])
        .order_by("path")
    )


def _package(user, package_uuid) -> Package:
    try:
        return queries.visible_packages(user).select_related("organization").get(uuid=package_uuid)
    except (Package.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


def _version(user, version_uuid) -> PackageVersion:
    try:
        return (
            queries.visible_versions(user)
            .select_related("package__organization")
            .get(uuid=version_uuid)
        )
    except (PackageVersion.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


def _refused(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@login_required
def package_list(request):
    if not visible_organizations(request.user, Perm.VIEW_BENEFITS).exists():
        raise PermissionDenied(Perm.VIEW_BENEFITS)
    today = timezone.localdate()
    packages = list(
        queries.visible_packages(request.user)
        .select_related("organization")
        .order_by("organization__path", "kind", "code")
    )
    versions: dict[int, list[PackageVersion]] = {}
    for v in PackageVersion.unscoped.filter(package__in=packages).order_by("number"):
        versions.setdefault(v.package_id, []).append(v)
    for p in packages:
        mine = versions.get(p.pk, [])
        p.in_force = next((v for v in mine if v.in_force_on(today)), None)
        p.draft = next((v for v in mine if v.is_draft), None)
    return render(
        request,
        "benefits/package_list.html",
        {"packages": packages, "can_create": package_owners(request.user).exists()},
    )


@login_required
def package_create(request):
    owners = package_owners(request.user)
    if not owners.exists():
        raise PermissionDenied(Perm.MANAGE_BENEFITS)
    form = PackageForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            package = actions.create_package(
                request.user,
                data["organization"],
                data["code"],
                data["name_fr"],
                data["name_en"],
                data["kind"],
                form.terms(),
            )
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            messages.success(request, _("Package created: add its coverage lines."))
            draft = queries.package_versions(package)[0]
            return redirect("version_detail", version_uuid=draft.uuid)
    return render(request, "benefits/package_form.html", {"form": form})


@login_required
def package_detail(request, package_uuid):
    package = _package(request.user, package_uuid)
    today = timezone.localdate()
    versions = queries.package_versions(package)
    return render(
        request,
        "benefits/package_detail.html",
        {
            "package": package,
            "versions": versions,
            "in_force": next((v for v in versions if v.in_force_on(today)), None),
            "can_manage": can(request.user, Perm.MANAGE_BENEFITS, package.organization),
        },
    )


def _acts_for(version: PackageVersion):
    return queries.catalogue_for(version.package.organization).filter(is_active=True)


@login_required
def version_detail(request, version_uuid):
    version = _version(request.user, version_uuid)
    package = version.package
    can_manage = can(request.user, Perm.MANAGE_BENEFITS, package.organization)
    editable = can_manage and version.is_draft
    lines = list(version.lines.select_related("act").order_by("kind", "category", "pk"))
    draft = (
        PackageVersion.unscoped.filter(package=package, status=VersionStatus.DRAFT)
        .exclude(pk=version.pk)
        .first()
    )
    terms = {
        "waiting_days": version.waiting_days,
        "ceiling_person": version.ceiling_person,
        "ceiling_household": version.ceiling_household,
        "deductible": version.deductible,
        "exclusions": version.exclusions,
        "notes": version.notes,
    }
    return render(
        request,
        "benefits/version_detail.html",
        {
            "version": version,
            "package": package,
            "lines": lines,
            "can_manage": can_manage,
            "editable": editable,
            "other_draft": draft,
            "terms_form": TermsForm(initial=terms) if editable else None,
            "adopt_form": AdoptForm(initial={"effective_from": timezone.localdate()})
            if editable
            else None,
            "today": timezone.localdate(),
        },
    )


def _managed_version(request, version_uuid) -> PackageVersion:
    version = _version(request.user, version_uuid)
    require(request.user, Perm.MANAGE_BENEFITS, version.package.organization)
    return version


@login_required
@require_POST
def version_terms(request, version_uuid):
    version = _managed_version(request, version_uuid)
    form = TermsForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        try:
            actions.update_terms(request.user, version, form.terms())
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("The version's terms are saved."))
    return redirect("version_detail", version_uuid=version.uuid)


@login_required
def line_create(request, version_uuid):
    version = _managed_version(request, version_uuid)
    if not version.is_draft:
        messages.error(request, str(actions.REASONS["version.in_force"]))
        return redirect("version_detail", version_uuid=version.uuid)
    form = LineForm(request.POST or None, acts=_acts_for(version))
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_line(request.user, version, form.spec())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Coverage line added."))
            return redirect("version_detail", version_uuid=version.uuid)
    return render(request, "benefits/line_form.html", {"form": form, "version": version})


@login_required
@require_POST
def line_delete(request, line_uuid):
    try:
        line = (
            queries.visible_lines(request.user)
            .select_related("version__package__organization", "act")
            .get(uuid=line_uuid)
        )
    except (CoverageLine.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    require(request.user, Perm.MANAGE_BENEFITS, line.version.package.organization)
    try:
        actions.remove_line(request.user, line)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Coverage line removed."))
    return redirect("version_detail", version_uuid=line.version.uuid)


@login_required
@require_POST
def version_copy(request, version_uuid):
    version = _managed_version(request, version_uuid)
    try:
        draft = actions.new_version_from(request.user, version)
    except ValidationError as exc:
        _refused(request, exc)
        return redirect("version_detail", version_uuid=version.uuid)
    messages.success(
        request,
        _("Version %(n)s created from version %(m)s.") % {"n": draft.number, "m": version.number},
    )
    return redirect("version_detail", version_uuid=draft.uuid)


@login_required
@require_POST
def version_adopt(request, version_uuid):
    version = _managed_version(request, version_uuid)
    form = AdoptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date from which the version is in force."))
        return redirect("version_detail", version_uuid=version.uuid)
    try:
        actions.adopt(
            request.user,
            version,
            form.cleaned_data["effective_from"],
            form.cleaned_data["effective_to"],
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Version %(n)s is adopted, in force from %(date)s.")
            % {"n": version.number, "date": form.cleaned_data["effective_from"]},
        )
    return redirect("version_detail", version_uuid=version.uuid)


@login_required
def version_preview(request, version_uuid):
    """What the mutual and the member would pay for an act under this version, and why.
    Sex and age only check that the act is possible for the beneficiary."""
    version = _version(request.user, version_uuid)
    acts = _acts_for(version).order_by("category", "code")
    form = PreviewForm(request.GET if "act" in request.GET else None, acts=acts)
    result = sentences = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        who = rules.Beneficiary(
            sex=data["sex"],
            age=data["age"],
            relationship=data["relationship"],
            days_since_anchor=data["days_since_enrolment"],
            care_level=data["care_level"],
            referral=data["referral"],
            authorization=data["authorization"],
        )
        result = queries.preview(version, data["act"], data["tariff"], data["quantity"], who)
        sentences = [
            actions.explain(code, _money_params(params)) for code, params in result.reasons
        ]
    return render(
        request,
        "benefits/version_preview.html",
        {
            "version": version,
            "package": version.package,
            "form": form,
            "result": result,
            "sentences": sentences,
            "currency": version.package.organization.currency,
        },
    )


def _money_params(params: dict) -> dict:
    """Amounts as the locale writes them, without trailing zeros (100.00 → 100)."""
    return {
        k: (
            number_format(
                v.to_integral_value() if v == v.to_integral_value() else v, force_grouping=True
            )
            if isinstance(v, Decimal)
            else v
        )
        for k, v in params.items()
    }
