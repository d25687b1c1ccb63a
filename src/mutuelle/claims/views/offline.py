"""The offline card verifier: a page that checks a card's signature with the public keys and a
downloaded snapshot of revocations and suspensions, a service worker that keeps the page, its
scripts and its data for when the link is down, and the snapshot itself (claims.offline).

The page's texts are rendered here (French or English) and handed to the script as JSON, so
the offline page speaks the language it was last loaded in."""

import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm

from .. import offline

# What the service worker stores when it installs, besides the page and its data: base.html's
# styles and scripts, the verifier's, and the camera reader's (card-scan.js loads jsQR on first
# use, from the address the page gives it). Anything else the page loads from /static/ is kept
# the first time it is fetched.
PRECACHE = (
    "vendor/pico-2.1.1.jade.min.css",
    "mutuelle/site.css",
    "mutuelle/favicon.svg",
    "vendor/htmx-2.0.11.min.js",
    "vendor/tweetnacl/nacl-fast.min.js",
    "js/offline-verifier.js",
    "js/card-scan.js",
    "vendor/jsqr/jsQR.js",
)
# Bump when the service worker's own code changes in a way its assets do not show.
WORKER_REVISION = 1


def _texts() -> dict[str, str]:
    """Everything the script may say, translated. %(name)s placeholders are filled in the
    browser."""
    return {
        "no_data": _("No data on this device yet: refresh the data while you are connected."),
        "data_of": _("Data of %(date)s"),
        "stale": _(
            "These data are more than %(days)s days old: refresh them as soon as you have a "
            "connection."
        ),
        "refreshing": _("Downloading the data…"),
        "refreshed": _("Data downloaded, valid for %(date)s."),
        "not_refreshed": _("The server could not be reached: the data of %(date)s remain in use."),
        "refresh_failed": _(
            "The data could not be downloaded: check the connection and try again."
        ),
        "login_needed": _("Your session has ended: log in again, then refresh the data."),
        "storage_full": _("This device has no room left to store the data."),
        "need_data": _("Refresh the data once while connected before checking cards."),
        "empty": _("Scan or type the code of the card."),
        "offline": _("No connection: cards are checked with the data stored on this device."),
        "mutuals": _("Mutuals covered: %(names)s"),
        "number": _("Membership number"),
        "expiry": _("Valid until"),
        "serial": _("Serial number of the card"),
        "mutual": _("Mutual"),
        "checked_with": _("Checked with the data of"),
        # Outcomes: a title and a sentence each.
        "valid": _("Valid card"),
        "valid_detail": _(
            "The signature is genuine and the data of %(date)s record nothing against this "
            "card or its holder."
        ),
        "unknown_mutual": _("Genuine card, mutual not in your data"),
        "unknown_mutual_detail": _(
            "The signature is genuine, but your data do not cover this card's mutual: its "
            "suspensions are unknown here. Check online before the care."
        ),
        "malformed": _("Forged or unreadable card"),
        "malformed_detail": _(
            "This code is not a membership card's, or it was altered. Scan it again; if the "
            "result is the same, treat the card as forged."
        ),
        "unknown_key": _("Forged card: unknown key"),
        "unknown_key_detail": _(
            "The card is signed with a key this device does not know. Refresh the data and "
            "check again; if the result is the same, treat the card as forged."
        ),
        "bad_signature": _("Forged card: bad signature"),
        "bad_signature_detail": _(
            "The signature does not match what the card says: it was altered or forged."
        ),
        "expired": _("Expired card"),
        "expired_detail": _("This card was valid until %(date)s. The member needs a new card."),
        "revoked": _("Revoked card"),
        "revoked_detail": _(
            "This card was revoked (lost, stolen or replaced). Ask for the member's current card."
        ),
        "suspended": _("Member suspended"),
        "suspended_detail": _(
            "The card is genuine but the membership is suspended (usually for unpaid "
            "contributions): no cover."
        ),
        "withdrawn": _("Member withdrawn"),
        "withdrawn_detail": _("The card is genuine but the member has left the mutual: no cover."),
        "deceased": _("Member deceased"),
        "deceased_detail": _("The register records this member as deceased: no cover."),
        "excluded": _("Member excluded"),
        "excluded_detail": _(
            "The card is genuine but the member was excluded from the mutual: no cover."
        ),
        "inactive": _("Member not active"),
        "inactive_detail": _("The card is genuine but the membership is not active: no cover."),
        "pending": _("Member not yet active"),
        "pending_detail": _(
            "The card is genuine but the membership is not active yet (contribution not "
            "paid): no cover yet."
        ),
    }


def _static_urls(names) -> list[str]:
    urls = []
    for name in names:
        try:
            urls.append(static(name))
        except ValueError:  # not collected (a manifest without it): leave it out
            continue
    return urls


@login_required
@require_GET
def offline_verifier(request):
    require(request.user, Perm.CHECK_ELIGIBILITY)
    config = {
        "user": str(request.user.uuid),
        "lang": get_language(),
        "keys_url": reverse("card_public_keys"),
        "snapshot_url": reverse("offline_snapshot"),
        "worker_url": reverse("offline_service_worker"),
        "scope": reverse("offline_verifier"),
        "stale_days": offline.STALE_AFTER_DAYS,
        "texts": _texts(),
    }
    return render(request, "claims/offline.html", {"config": config})


@login_required
@require_GET
def offline_snapshot(request):
    response = JsonResponse(
        offline.snapshot(request.user), json_dumps_params={"separators": (",", ":")}
    )
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
def offline_service_worker(request):
    """The service worker's script: no tenant data (the page's address, the data's addresses
    and static files), so it is served to anyone; the browser re-fetches it to find updates,
    so it is never cached."""
    assets = _static_urls(PRECACHE)
    config = {
        "page": reverse("offline_verifier"),
        "data": [reverse("card_public_keys"), reverse("offline_snapshot")],
        "assets": assets,
        "static": settings.STATIC_URL,
    }
    digest = hashlib.sha256(
        json.dumps([WORKER_REVISION, config], sort_keys=True).encode()
    ).hexdigest()[:12]
    config["version"] = digest
    script = render_to_string(
        "claims/offline_sw.js",
        {"config": json.dumps(config, cls=DjangoJSONEncoder, sort_keys=True)},
    )
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache, max-age=0"
    return response


urlpatterns = [
    path("offline/", offline_verifier, name="offline_verifier"),
    path("offline/snapshot.json", offline_snapshot, name="offline_snapshot"),
    path("offline/sw.js", offline_service_worker, name="offline_service_worker"),
]
