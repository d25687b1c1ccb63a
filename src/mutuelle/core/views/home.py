from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from ..navigation import ROLE_TASKS
from ..roles import Role


@login_required
def home(request):
    """A home page per role: what each of the user's roles comes here to do."""
    user = request.user
    sections = []
    for grant in user.active_grants():
        tasks = [
            {"url": reverse(name), "label": label} for name, label in ROLE_TASKS.get(grant.role, [])
        ]
        sections.append(
            {
                "role": Role(grant.role).label,
                "role_code": grant.role,
                "scope": grant.organization or grant.country or "",
                "tasks": tasks,
            }
        )
    unread = user.notifications.filter(channel="in_app", status="sent").count()
    return render(request, "core/home.html", {"sections": sections, "unread": unread})


def healthz(request):
    """Liveness for load balancers and the HTTP benchmark floor: no session, no database."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def whoami(request):
    user = request.user
    return JsonResponse(
        {
            "uuid": str(user.uuid),
            "name": user.full_name,
            "language": user.language,
            "roles": sorted(user.roles()),
        }
    )
