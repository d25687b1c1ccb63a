"""Notifications: render a message in the recipient's language, keep it, send it after commit.

    notify(channel="sms", template="password_reset", language=user.language,
           context={"manager": actor}, user=user, idempotency_key=f"pwreset:{audit.pk}")

- The text comes from Django templates `notifications/<template>.txt` (and, for email,
  `notifications/<template>.subject.txt`), rendered with autoescaping off under
  `translation.override(language)`; their sentences are `{% blocktranslate %}` blocks, so the
  French and English wording lives in the gettext catalogues.
- The Notification row is written in the caller's transaction; delivery runs on commit, so a
  rolled-back action sends nothing.
- Delivery failures never reach the caller: the row says `failed` with the error, and
  `send_pending()` (a periodic job) retries. Programming errors (unknown channel or template,
  an in-app message without a user) do raise, so tests catch them.
- A repeated call with the same `idempotency_key` returns the first row and sends nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from smtplib import SMTPException
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template import Context, Engine
from django.utils import timezone, translation

from mutuelle.lib.phone import normalize_phone

from .. import audit
from ..models import Notification
from .sms import SmsError, SmsGateway, get_gateway, truncate_sms

if TYPE_CHECKING:
    from ..models import Organization, User

log = logging.getLogger("mutuelle.notifications")

Channel = Notification.Channel
Status = Notification.Status

SUBJECT_MAX = Notification._meta.get_field("subject").max_length or 200
ERROR_MAX = 2000
NO_RECIPIENT = "no_recipient"


# --- Rendering --------------------------------------------------------------------------------
def resolve_language(language: str | None, user=None, organization=None) -> str:
    """The first supported language among: the one asked, the user's, the organization's,
    the site default."""
    for candidate in (
        language,
        getattr(user, "language", None),
        getattr(organization, "language", None),
        settings.LANGUAGE_CODE,
    ):
        if candidate:
            try:
                return translation.get_supported_language_variant(candidate)
            except LookupError:
                continue
    return settings.LANGUAGE_CODE


def _render_text(name: str, context: dict[str, Any]) -> str:
    # Plain text: no HTML escaping (the messages screen escapes when it displays the body).
    template = Engine.get_default().get_template(name)
    return template.render(Context(context, autoescape=False)).strip()


def render(
    template: str, language: str, context: dict[str, Any] | None = None, *, subject: bool = False
) -> tuple[str, str]:
    """(subject, body) of `template` in `language`; subject is "" unless asked for."""
    context = dict(context or {})
    with translation.override(language):
        body = _render_text(f"notifications/{template}.txt", context)
        title = ""
        if subject:
            raw = _render_text(f"notifications/{template}.subject.txt", context)
            title = " ".join(raw.split())[:SUBJECT_MAX]
    return title, body


def _recipient(channel: str, to: str, user) -> str:
    if channel == Channel.SMS:
        return normalize_phone(to or getattr(user, "phone", None) or "")
    if channel == Channel.EMAIL:
        return (to or getattr(user, "email", None) or "").strip()
    return ""


def _existing(idempotency_key: str) -> Notification | None:
    return Notification.unscoped.filter(idempotency_key=idempotency_key).first()


# --- The one entry point ----------------------------------------------------------------------
def notify(
    *,
    channel: str,
    template: str,
    language: str | None = None,
    context: dict[str, Any] | None = None,
    user: User | None = None,
    to: str = "",
    organization: Organization | None = None,
    idempotency_key: str | None = None,
    actor=None,
) -> Notification:
    """Record a notification and send it when the caller's transaction commits.

    channel: "sms", "email" or "in_app". For SMS and email, `to` defaults to the user's phone
    or email; a message with no recipient is kept as failed ("no_recipient"). For in-app, the
    user is required and the message appears at once on their messages screen (/messages/).
    language: defaults to the user's, then the organization's, then the site's.
    organization: defaults to the user's home organization.
    actor: when a person caused the message, an audit row "notification.queued" names them.
    """
    channel = Channel(channel)  # ValueError on an unknown channel
    if idempotency_key and (existing := _existing(idempotency_key)) is not None:
        return existing
    if channel == Channel.IN_APP and user is None:
        raise ValueError("An in-app notification needs a user.")

    language = resolve_language(language, user, organization)
    subject, body = render(template, language, context, subject=channel == Channel.EMAIL)
    if channel == Channel.SMS:
        body = truncate_sms(body)
    notification = Notification(
        channel=channel,
        template=template,
        language=language,
        user=user,
        to=_recipient(channel, to, user),
        subject=subject,
        body=body,
        idempotency_key=idempotency_key or None,
    )
    if organization is not None:
        notification.organization = organization
    elif user is not None:
        notification.organization_id = user.home_organization_id
    if channel == Channel.IN_APP:
        notification.status = Status.SENT
        notification.sent_at = timezone.now()
    elif not notification.to:
        notification.status = Status.FAILED
        notification.error = NO_RECIPIENT

    try:
        with transaction.atomic():  # a savepoint: a duplicate key leaves the caller's work intact
            notification.save()
    except IntegrityError:
        if not idempotency_key:
            raise
        return Notification.unscoped.get(idempotency_key=idempotency_key)

    if actor is not None:
        audit.record(
            actor,
            "notification.queued",
            notification,
            organization=notification.organization,
            channel=channel,
            template=template,
        )
    if notification.status == Status.PENDING:
        transaction.on_commit(partial(deliver, notification.pk), robust=True)
    return notification


# --- Delivery ---------------------------------------------------------------------------------
def _send(notification: Notification, gateway: SmsGateway | None) -> str:
    """Hand the message to its channel; return the external id. Raises on failure."""
    if notification.channel == Channel.SMS:
        return (gateway or get_gateway()).send(notification.to, notification.body) or ""
    if notification.channel == Channel.EMAIL:
        send_mail(notification.subject, notification.body, None, [notification.to])
        return ""
    return ""  # in-app: stored is delivered


def deliver(notification_id: int, gateway: SmsGateway | None = None) -> str | None:
    """Send one pending or failed notification; return its new status (None if there was
    nothing to send). Never raises: a failure is recorded on the row."""
    notification = Notification.unscoped.filter(
        pk=notification_id, status__in=(Status.PENDING, Status.FAILED)
    ).first()
    if notification is None:
        return None
    previous = notification.status
    rows = Notification.unscoped.filter(pk=notification.pk, status=previous)
    if notification.channel != Channel.IN_APP and not notification.to:
        rows.update(status=Status.FAILED, error=NO_RECIPIENT)
        return Status.FAILED
    try:
        external_id = _send(notification, gateway)
    except Exception as exc:  # a gateway, SMTP server or misconfiguration: record, go on
        log.warning(
            "notification %s (%s to %s) failed: %s",
            notification.pk,
            notification.channel,
            notification.to,
            exc,
            exc_info=not _expected(exc),
        )
        error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
        rows.update(status=Status.FAILED, error=error)
        return Status.FAILED
    rows.update(
        status=Status.SENT, sent_at=timezone.now(), external_id=str(external_id)[:100], error=""
    )
    return Status.SENT


def _expected(exc: Exception) -> bool:
    return isinstance(exc, SmsError | SMTPException | OSError)


def send_pending(
    *,
    limit: int = 200,
    grace: timedelta = timedelta(minutes=2),
    max_age: timedelta = timedelta(days=1),
) -> dict[str, int]:
    """Retry failed SMS and emails, and send pending ones whose on-commit delivery never ran
    (a crash between commit and send). Pending rows younger than `grace` are left to their
    own on-commit delivery; rows older than `max_age` are given up (they stay failed).

    Meant for a periodic job; returns {"sent": n, "failed": m}."""
    now = timezone.now()
    ids = list(
        Notification.unscoped.filter(
            channel__in=(Channel.SMS, Channel.EMAIL), created_at__gte=now - max_age
        )
        .filter(Q(status=Status.FAILED) | Q(status=Status.PENDING, created_at__lte=now - grace))
        .exclude(to="")
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"sent": 0, "failed": 0}
    if not ids:
        return counts
    try:
        gateway: SmsGateway | None = get_gateway()
    except Exception:  # a broken SMS configuration must not stop the emails
        log.exception("cannot load the SMS gateway %s", settings.MUTUELLE_SMS_BACKEND)
        gateway = None
    for pk in ids:
        status = deliver(pk, gateway=gateway)
        if status in counts:
            counts[status] += 1
    return counts
