from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import jobs as job_runner
from ..models import Job
from ..permissions import can, require
from ..roles import Perm, Role
from ..scoping import scope


def visible_jobs(user):
    """Jobs of the user's organizations, plus their own; platform jobs for global viewers."""
    qs = Job.unscoped.all()
    if Role.PLATFORM_ADMIN in user.roles():
        return qs
    return qs.filter(Q(pk__in=scope(qs, user, Perm.VIEW_JOBS).values("pk")) | Q(created_by=user))


def may_cancel(user, job: Job) -> bool:
    """Whoever started a job may stop it, and so may those who may start that kind of job."""
    if job.created_by_id == user.pk:
        return True
    from ..imports import IMPORTERS

    perm = IMPORTERS[job.params["importer"]].perm if "importer" in job.params else None
    return can(user, perm or Perm.MANAGE_BACKUPS, job.organization)


def _get(user, job_uuid) -> Job:
    from django.http import Http404

    try:
        return visible_jobs(user).get(uuid=job_uuid)
    except Job.DoesNotExist as exc:
        raise Http404 from exc


@login_required
def job_list(request):
    require(request.user, Perm.VIEW_JOBS)
    page = Paginator(visible_jobs(request.user).select_related("created_by"), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "core/job_list.html", {"page": page})


@login_required
def job_detail(request, job_uuid):
    job = _get(request.user, job_uuid)
    return render(
        request,
        "core/job_detail.html",
        {"job": job, "can_cancel": may_cancel(request.user, job)},
    )


@login_required
def job_progress(request, job_uuid):
    """The htmx partial: it polls itself every two seconds until the job is finished, so the
    bar survives page reloads (the state is the job row, not the page)."""
    job = _get(request.user, job_uuid)
    return render(
        request,
        "core/_job_progress.html",
        {"job": job, "can_cancel": may_cancel(request.user, job)},
    )


@login_required
@require_POST
def job_cancel(request, job_uuid):
    job = _get(request.user, job_uuid)
    if not may_cancel(request.user, job):
        raise PermissionDenied
    if job_runner.request_cancel(job):
        messages.info(request, _("The job will stop at the end of its current step."))
    return redirect("job_detail", job_uuid=job.uuid)
