"""Contribution rules (versions, adoption) and billing runs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutuelle.core.models import Organization
from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import visible_organizations
from mutuelle.lib import periods

from .. import actions, queries, rules
from ..forms import AdoptForm, BillingForm, RuleForm
from ..models import RuleVersion


def _mutual(user, org_uuid, perm: str) -> Organization:
    try:
        return visible_organizations(user, perm).filter(kind="mutual").get(uuid=org_uuid)
    except (Organization.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


@login_required
def rule_list(request):
    require(request.user, Perm.VIEW_BENEFITS)
    mutuals = visible_organizations(request.user, Perm.VIEW_BENEFITS).filter(kind="mutual")
    versions = queries.rule_versions(request.user).order_by("organization__name", "-created_at")
    by_org: dict[int, list[RuleVersion]] = {}
    for v in versions:
        by_org.setdefault(v.organization_id, []).append(v)
    rows = [
        {
            "mutual": m,
            "versions": by_org.get(m.pk, []),
            "can_manage": can(request.user, Perm.MANAGE_BENEFITS, m),
            "can_bill": can(request.user, Perm.BILL_DUES, m),
        }
        for m in mutuals
    ]
    unions = visible_organizations(request.user, Perm.BILL_DUES).filter(kind="union")
    return render(request, "contributions/rule_list.html", {"rows": rows, "unions": unions})


def _apply_errors(form: RuleForm, exc: ValidationError) -> None:
    for error in exc.error_list:
        message = error.message % error.params if error.params else error.message
        form.add_error(None, message)


@login_required
def rule_new(request, org_uuid):
    mutual = _mutual(request.user, org_uuid, Perm.MANAGE_BENEFITS)
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = actions.save_draft(
                request.user, mutual, form.cleaned_data["label"], form.config(mutual.currency)
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Draft saved. Check it, then adopt it."))
            return redirect("rule_detail", version_id=version.pk)
    return render(
        request, "contributions/rule_form.html", {"form": form, "mutual": mutual, "version": None}
    )


@login_required
def rule_detail(request, version_id):
    version = queries.rule_version(request.user, version_id)
    mutual = version.organization
    can_manage = can(request.user, Perm.MANAGE_BENEFITS, mutual)
    form = None
    if not version.is_adopted and can_manage:
        form = RuleForm(
            request.POST or None, initial=RuleForm.initial_of(version.label, version.config)
        )
        if request.method == "POST" and form.is_valid():
            try:
                actions.save_draft(
                    request.user,
                    mutual,
                    form.cleaned_data["label"],
                    form.config(mutual.currency),
                    version=version,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Draft saved."))
                return redirect("rule_detail", version_id=version.pk)
    elif request.method == "POST":
        require(request.user, Perm.MANAGE_BENEFITS, mutual)
        raise Http404
    summary = None
    if not rules.rule_errors(version.config):
        summary = rules.rule_from_config(version.config)
    return render(
        request,
        "contributions/rule_form.html",
        {
            "form": form,
            "mutual": mutual,
            "version": version,
            "summary": summary,
            "can_manage": can_manage,
            "adopt_form": AdoptForm(initial={"effective_from": timezone.localdate()}),
        },
    )


@login_required
@require_POST
def rule_copy(request, version_id):
    version = queries.rule_version(request.user, version_id)
    draft = actions.copy_as_draft(request.user, version)
    messages.success(request, _("A new draft was made from this version."))
    return redirect("rule_detail", version_id=draft.pk)


@login_required
@require_POST
def rule_adopt(request, version_id):
    version = queries.rule_version(request.user, version_id)
    require(request.user, Perm.MANAGE_BENEFITS, version.organization)
    form = AdoptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date from which the version is in force."))
        return redirect("rule_detail", version_id=version.pk)
    try:
        actions.adopt(request.user, version, form.cleaned_data["effective_from"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Version adopted: it is in force from the date given."))
    return redirect("rule_detail", version_id=version.pk)


def billable_periods(version: RuleVersion, today) -> list[str]:
    rule = rules.rule_from_config(version.config)
    current = periods.period_of(rule.periodicity, today)
    previous = periods.previous_period(rule.periodicity, current)
    following = periods.next_period(rule.periodicity, current)
    return [p.code for p in (current, following, previous)]


@login_required
def billing(request, org_uuid):
    mutual = _mutual(request.user, org_uuid, Perm.BILL_DUES)
    today = timezone.localdate()
    version = actions.rule_in_force(mutual, today)
    form = BillingForm(
        request.POST or None, periods=billable_periods(version, today) if version else ()
    )
    if request.method == "POST" and form.is_valid():
        try:
            run = actions.start_billing(request.user, mutual, form.cleaned_data["period"])
        except ValidationError as exc:
            form.add_error("period", exc)
        else:
            return redirect("job_detail", job_uuid=run.job.uuid)
    return render(
        request,
        "contributions/billing.html",
        {
            "mutual": mutual,
            "version": version,
            "form": form,
            "runs": queries.billing_runs(request.user).filter(organization=mutual)[:20],
        },
    )


@login_required
def union_billing(request, org_uuid):
    """A union bills a period for all its mutuals whose rule is counted by such periods."""
    try:
        union = (
            visible_organizations(request.user, Perm.BILL_DUES)
            .filter(kind="union")
            .get(uuid=org_uuid)
        )
    except (Organization.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    today = timezone.localdate()
    mutuals = list(Organization.unscoped.subtree_of(union).filter(kind="mutual").order_by("name"))
    versions = {m.pk: actions.rule_in_force(m, today) for m in mutuals}
    choices = sorted(
        {code for v in versions.values() if v is not None for code in billable_periods(v, today)}
    )
    form = BillingForm(request.POST or None, periods=choices)
    if request.method == "POST" and form.is_valid():
        runs = actions.start_union_billing(request.user, union, form.cleaned_data["period"])
        messages.success(
            request,
            _("Billing started for %(count)s mutuals.") % {"count": len(runs)},
        )
        return redirect("job_list")
    return render(
        request,
        "contributions/union_billing.html",
        {"union": union, "form": form, "mutuals": [(m, versions[m.pk]) for m in mutuals]},
    )
