"""A household's coverage at a date: covered or not, under which versions, and why not."""

import contextlib

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import formats, timezone

from mutuelle.core.roles import Perm
from mutuelle.core.scoping import get_for_user
from mutuelle.members.models import Household, Membership

from ..actions.rule_reasons import COVERAGE_REASONS
from ..coverage_reads import coverage_of


def explain(result) -> str:
    if result.covered:
        return ""
    params = {k: formats.date_format(v, "SHORT_DATE_FORMAT") for k, v in result.params.items()}
    return str(COVERAGE_REASONS[result.reason]) % params


def member_coverage(household: Household, on) -> list[dict]:
    memberships = list(
        Membership.unscoped.filter(person__household=household)
        .select_related("person")
        .order_by("person__relationship", "pk")
    )
    results = coverage_of(memberships, on)
    return [
        {
            "membership": m,
            "covered": results[m.pk].covered,
            "versions": results[m.pk].versions,
            "why": explain(results[m.pk]),
        }
        for m in memberships
    ]


@login_required
def household_coverage(request, household_uuid):
    household = get_for_user(
        Household.unscoped.select_related("organization"),
        request.user,
        Perm.VIEW_REGISTER,
        uuid=household_uuid,
    )
    on = timezone.localdate()
    if text := request.GET.get("on"):
        with contextlib.suppress(ValueError):
            on = type(on).fromisoformat(text)
    return render(
        request,
        "contributions/household_coverage.html",
        {"household": household, "on": on, "rows": member_coverage(household, on)},
    )
