from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..models import Notification


@login_required
def notification_list(request):
    """The user's in-app messages."""
    qs = Notification.unscoped.filter(user=request.user, channel=Notification.Channel.IN_APP)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "core/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_read(request, notification_uuid):
    updated = Notification.unscoped.filter(
        uuid=notification_uuid, user=request.user, status=Notification.Status.SENT
    ).update(status=Notification.Status.READ)
    if (
        not updated
        and not Notification.unscoped.filter(uuid=notification_uuid, user=request.user).exists()
    ):
        raise Http404
    return redirect("notification_list")
