import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from mutuelle.core import notifications
from mutuelle.core.models import AuditEvent, Notification
from mutuelle.core.notifications import notify, send_pending
from mutuelle.core.notifications.sms import (
    MAX_SMS_CHARS,
    FileSmsGateway,
    MemorySmsGateway,
    SmsError,
    SmsGateway,
    get_gateway,
    truncate_sms,
)

pytestmark = pytest.mark.django_db

MEMORY = "mutuelle.core.notifications.sms.MemorySmsGateway"
BROKEN = "tests.core.test_notifications.BrokenGateway"

RESET_EN = (
    "Your Mutuelle password was reset by Manager. Log in with the temporary password they "
    "gave you and choose a new one."
)
RESET_FR = (
    "Votre mot de passe Mutuelle a été réinitialisé par Manager. Connectez-vous avec le mot de "
    "passe provisoire qui vous a été remis, puis choisissez-en un nouveau."
)


class BrokenGateway(SmsGateway):
    def send(self, to: str, text: str) -> str:
        raise SmsError("operator said 503")


@pytest.fixture
def sms_outbox(settings):
    settings.MUTUELLE_SMS_BACKEND = MEMORY
    MemorySmsGateway.outbox.clear()
    yield MemorySmsGateway.outbox
    MemorySmsGateway.outbox.clear()


@pytest.fixture
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


def reset_sms(world, **extra):
    return notify(
        channel="sms",
        template="password_reset",
        language=extra.pop("language", "en"),
        context={"manager": world.manager},
        user=world.cashier,
        to=extra.pop("to", "+221 77 123 45 67"),
        **extra,
    )


def test_the_file_gateway_appends_one_json_line_per_sms(
    world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MUTUELLE_SMS_BACKEND = "mutuelle.core.notifications.sms.FileSmsGateway"
    settings.MUTUELLE_OUTBOX_DIR = tmp_path / "outbox"  # does not exist yet: created on send
    with django_capture_on_commit_callbacks(execute=True):
        n = reset_sms(world)
        n2 = reset_sms(world, to="+221 77 999 99 99")
    lines = (tmp_path / "outbox" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["to"] == "+221771234567" and first["text"] == RESET_EN
    n.refresh_from_db()
    n2.refresh_from_db()
    assert n.status == Notification.Status.SENT and n.sent_at is not None
    assert n.external_id == first["id"] and n2.external_id == json.loads(lines[1])["id"]
    assert n.organization == world.mutual_a  # the user's home organization by default


def test_nothing_is_sent_before_commit_nor_after_a_rollback(
    world, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        n = reset_sms(world)
    assert sms_outbox == [] and len(callbacks) == 1
    assert Notification.unscoped.get(pk=n.pk).status == Notification.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                reset_sms(world, idempotency_key="rolled-back")
                raise RuntimeError("the action failed")
        except RuntimeError:
            pass
    assert sms_outbox == []
    assert not Notification.unscoped.filter(idempotency_key="rolled-back").exists()


def test_email_goes_through_the_configured_django_backend(
    world, locmem_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        n = notify(
            channel="email",
            template="password_reset",
            language="en",
            context={"manager": world.manager},
            user=world.manager,
        )
    assert len(locmem_email) == 1
    message = locmem_email[0]
    assert message.to == ["manager@example.org"]  # the user's address by default
    assert message.subject == "Your Mutuelle password was reset"
    assert message.body == RESET_EN
    n.refresh_from_db()
    assert (n.status, n.subject, n.to) == (
        Notification.Status.SENT,
        "Your Mutuelle password was reset",
        "manager@example.org",
    )


def test_the_default_email_backend_writes_files(
    world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "email"
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            channel="email",
            template="role_granted",
            language="en",
            to="a@example.org",
            context={"role": "Cashier", "scope": "Mutuelle de Keur Massar"},
        )
    [written] = list((tmp_path / "email").iterdir())
    text = written.read_text(encoding="utf-8")
    assert "Subject: New role in Mutuelle" in text and "To: a@example.org" in text


def test_an_in_app_message_appears_on_the_users_messages_screen(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        n = notify(
            channel="in_app",
            template="job_finished",
            language="en",
            user=world.cashier,
            context={"job_label": "Member import", "outcome": "1,204 rows imported"},
        )
    assert n.status == Notification.Status.SENT and n.sent_at is not None and n.to == ""
    assert n.body == "Member import finished: 1,204 rows imported"
    client.force_login(world.cashier)
    page = client.get(reverse("notification_list"))
    assert page.status_code == 200
    assert "Member import finished: 1,204 rows imported" in page.content.decode()
    client.force_login(world.accountant)  # another user does not see it
    assert "Member import finished" not in client.get(reverse("notification_list")).content.decode()


def test_a_repeated_idempotency_key_records_and_sends_once(
    world, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = reset_sms(world, idempotency_key="pwreset:42")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = reset_sms(world, idempotency_key="pwreset:42")
    assert again.pk == first.pk and callbacks == []
    assert Notification.unscoped.filter(idempotency_key="pwreset:42").count() == 1
    assert len(sms_outbox) == 1
    assert send_pending() == {"sent": 0, "failed": 0}
    assert len(sms_outbox) == 1


def test_a_concurrent_duplicate_key_returns_the_first_row_and_keeps_the_transaction(
    world, sms_outbox, monkeypatch, django_capture_on_commit_callbacks
):
    from mutuelle.core.notifications import service

    first = reset_sms(world, idempotency_key="race")
    # Another transaction inserted the same key between our check and our insert.
    monkeypatch.setattr(service, "_existing", lambda key: None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = reset_sms(world, idempotency_key="race")
    assert again.pk == first.pk and callbacks == []
    # the caller's transaction is still usable
    assert Notification.unscoped.filter(idempotency_key="race").count() == 1


def test_a_gateway_failure_is_recorded_not_raised_and_retried_later(
    world, settings, sms_outbox, django_capture_on_commit_callbacks
):
    settings.MUTUELLE_SMS_BACKEND = BROKEN
    with django_capture_on_commit_callbacks(execute=True):
        n = reset_sms(world)  # does not raise
    n.refresh_from_db()
    assert n.status == Notification.Status.FAILED
    assert "operator said 503" in n.error and n.sent_at is None

    assert send_pending() == {"sent": 0, "failed": 1}  # still broken
    settings.MUTUELLE_SMS_BACKEND = MEMORY  # the operator is back
    assert send_pending() == {"sent": 1, "failed": 0}
    n.refresh_from_db()
    assert (n.status, n.error) == (Notification.Status.SENT, "")
    assert [m["text"] for m in sms_outbox] == [RESET_EN]


def test_a_misconfigured_gateway_is_a_failure_too(
    world, settings, django_capture_on_commit_callbacks
):
    settings.MUTUELLE_SMS_BACKEND = "mutuelle.nowhere.Gateway"
    with django_capture_on_commit_callbacks(execute=True):
        n = reset_sms(world)
    n.refresh_from_db()
    assert n.status == Notification.Status.FAILED and "nowhere" in n.error


def test_send_pending_sends_what_an_interrupted_commit_left_behind(
    world, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the process died after commit
        n = reset_sms(world)
    assert send_pending() == {"sent": 0, "failed": 0}  # too young: its own delivery may run
    assert send_pending(grace=timedelta(0)) == {"sent": 1, "failed": 0}
    assert Notification.unscoped.get(pk=n.pk).status == Notification.Status.SENT
    assert len(sms_outbox) == 1


def test_a_recipient_without_phone_is_a_failed_notification(
    world, sms_outbox, django_capture_on_commit_callbacks
):
    assert not world.cashier.phone
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        n = notify(
            channel="sms",
            template="password_reset",
            language="en",
            context={"manager": world.manager},
            user=world.cashier,
        )
    assert (n.status, n.error, callbacks) == (Notification.Status.FAILED, "no_recipient", [])
    assert sms_outbox == []
    assert send_pending() == {"sent": 0, "failed": 0}  # nothing to retry


def test_sms_uses_the_users_phone_and_language_by_default(
    world, sms_outbox, django_capture_on_commit_callbacks
):
    world.manager.language = "en"
    world.manager.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        n = notify(
            channel="sms",
            template="role_granted",
            user=world.manager,
            context={"role": "Mutual manager", "scope": "Mutuelle de Keur Massar"},
        )
    assert n.language == "en" and n.to == "+221770000001"
    assert sms_outbox == [
        {
            "id": "mem-1",
            "to": "+221770000001",
            "text": "You were given the role: Mutual manager (Mutuelle de Keur Massar).",
        }
    ]


def test_text_is_rendered_in_english_for_english(world):
    n = reset_sms(world, language="en")
    assert (n.language, n.body) == ("en", RESET_EN)


def test_text_is_rendered_in_french_for_french(world):
    n = reset_sms(world, language="fr")
    assert (n.language, n.body) == ("fr", RESET_FR)


def test_plain_text_is_not_html_escaped(world):
    n = notify(
        channel="in_app",
        template="job_finished",
        language="en",
        user=world.cashier,
        context={"job_label": "Import <N'Diaye & Fils>", "outcome": "ok"},
    )
    assert n.body == "Import <N'Diaye & Fils> finished: ok"


def test_an_actor_leaves_an_audit_row(world):
    n = notify(
        channel="in_app",
        template="job_finished",
        language="en",
        user=world.cashier,
        context={"job_label": "Backup", "outcome": "ok"},
        actor=world.manager,
    )
    event = AuditEvent.unscoped.get(action="notification.queued")
    assert event.actor == world.manager and event.object_id == str(n.uuid)
    assert event.data == {"channel": "in_app", "template": "job_finished"}


def test_programming_errors_do_raise(world):
    before = Notification.unscoped.count()
    with pytest.raises(ValueError):
        notify(channel="pigeon", template="job_finished", language="en", context={})
    with pytest.raises(ValueError):
        notify(channel="in_app", template="job_finished", language="en", context={})
    from django.template import TemplateDoesNotExist

    with pytest.raises(TemplateDoesNotExist):
        notify(channel="in_app", template="no_such_template", language="en", user=world.cashier)
    assert Notification.unscoped.count() == before


def test_get_gateway_reads_the_setting_at_call_time(settings, tmp_path):
    settings.MUTUELLE_SMS_BACKEND = MEMORY
    assert isinstance(get_gateway(), MemorySmsGateway)
    settings.MUTUELLE_SMS_BACKEND = "mutuelle.core.notifications.sms.FileSmsGateway"
    settings.MUTUELLE_SMS_OPTIONS = {"path": str(tmp_path / "elsewhere.jsonl")}
    gateway = get_gateway()
    assert isinstance(gateway, FileSmsGateway)
    gateway.send("+22177", "hello")
    assert (tmp_path / "elsewhere.jsonl").exists()


def test_the_package_exposes_notify_lazily():
    assert notifications.notify is notify and notifications.send_pending is send_pending
    with pytest.raises(AttributeError):
        notifications.nothing  # noqa: B018


@pytest.mark.parametrize(
    ("text", "expected_length"),
    [
        ("a" * MAX_SMS_CHARS, 459),  # three GSM segments: kept whole
        ("a" * 600, 459),  # cut, ending with "..."
        ("é" * 600, 459),  # é is in the GSM alphabet
        ("ê" * 600, 201),  # ê is not: UCS-2, 3 × 67
        ("ê" * 201, 201),
    ],
)
def test_sms_text_is_limited_to_three_segments(text, expected_length):
    out = truncate_sms(text)
    assert len(out) == expected_length
    assert out.endswith("...") == (len(text) > expected_length)


def test_gsm_extension_characters_count_twice():
    out = truncate_sms("€" * 300)  # 600 septets
    assert out.endswith("...") and len(out) == (459 - 3) // 2 + 3
