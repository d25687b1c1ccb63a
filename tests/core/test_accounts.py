import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from mutuelle.core import actions
from mutuelle.core.models import AuditEvent

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "login", ["manager", "manager@example.org", "+221770000001", "77 000 00 01"]
)
def test_it_logs_in_by_user_name_email_or_phone(client, world, login):
    if login == "77 000 00 01":  # a phone typed without its country code does not match
        response = client.post(reverse("login"), {"username": login, "password": PASSWORD})
        assert response.status_code == 200 and "_auth_user_id" not in client.session
        return
    response = client.post(reverse("login"), {"username": login, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.manager.pk)


def test_it_locks_the_pair_of_user_and_address_not_the_office(client, world):
    for _ in range(5):
        client.post(
            reverse("login"), {"username": "manager", "password": "wrong"}, REMOTE_ADDR="10.0.0.1"
        )
    locked = client.post(
        reverse("login"), {"username": "manager", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert locked.status_code == 429
    # A colleague in the same office (same address) still logs in.
    ok = client.post(
        reverse("login"), {"username": "cashier", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert ok.status_code == 302


def test_a_reset_password_must_be_changed_at_next_login(client, world):
    temporary = actions.reset_password(world.manager, world.cashier)
    assert AuditEvent.unscoped.filter(action="user.password_reset").exists()
    client.post(reverse("login"), {"username": "cashier", "password": temporary})
    assert client.get(reverse("home")).url == reverse("password_change")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": temporary,
            "new_password1": "Baobab-2026-solide",
            "new_password2": "Baobab-2026-solide",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_platform_admins_must_set_up_two_factor(client, world):
    client.force_login(world.admin)
    response = client.get(reverse("organization_list"))
    assert response.url == reverse("two_factor_setup")
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=world.admin)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    assert client.post(reverse("two_factor_setup"), {"token": code}).status_code == 302
    assert client.get(reverse("organization_list")).status_code == 200
    # A new session must pass the code again.
    client.logout()
    client.post(reverse("login"), {"username": "admin", "password": PASSWORD})
    assert reverse("two_factor_verify") in client.get(reverse("home")).url


def test_the_language_switch_speaks_english(client, world):
    client.force_login(world.manager)
    assert "Bienvenue" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Welcome" in client.get(reverse("home")).content.decode()
    world.manager.refresh_from_db()
    assert world.manager.language == "en"  # remembered for SMS and email too


def test_a_manager_creates_a_user_and_grants_a_role_on_screen(client, world):
    client.force_login(world.manager)
    response = client.post(
        reverse("user_create"),
        {
            "full_name": "Seynabou Diouf",
            "username": "seynabou",
            "phone": "+221 76 111 22 33",
            "email": "",
            "language": "fr",
            "home_organization": world.mutual_a.pk,
        },
    )
    assert response.status_code == 200
    password = response.context["password"]
    user = response.context["target"]
    client.post(
        reverse("grant_create", args=[user.uuid]),
        {
            "role": "cashier",
            "scope": "organization",
            "organization": world.mutual_a.pk,
        },
    )
    assert user.roles() == {"cashier"}
    other = client.post(
        reverse("grant_create", args=[user.uuid]),
        {
            "role": "cashier",
            "scope": "organization",
            "organization": world.mutual_b.pk,
        },
    )
    assert other.status_code == 302 and user.grants.count() == 1
    client.logout()
    assert (
        client.post(
            reverse("login"), {"username": "+221761112233", "password": password}
        ).status_code
        == 302
    )


def test_a_new_user_name_cannot_shadow_someone_elses_login(client, world):
    client.force_login(world.manager_b)
    for username in ["manager@example.org", "+221770000001", "221770000001"]:
        response = client.post(
            reverse("user_create"),
            {
                "full_name": "X",
                "username": username,
                "language": "fr",
                "home_organization": world.mutual_b.pk,
            },
        )
        assert response.status_code == 200 and response.context["form"].errors["username"]
    clash = client.post(
        reverse("user_create"),
        {
            "full_name": "X",
            "username": "xx",
            "email": "MANAGER@example.org",
            "language": "fr",
            "home_organization": world.mutual_b.pk,
        },
    )
    assert clash.context["form"].errors["email"]  # a message, not a server error


def test_read_only_roles_cannot_cancel_jobs(client, world):
    from mutuelle.core import jobs

    job = jobs.start("core.backup", actor=world.manager, organization=world.mutual_a)
    for reader in (world.auditor, world.cashier):
        client.force_login(reader)
        assert client.post(reverse("job_cancel", args=[job.uuid])).status_code in (403, 404)
    job.refresh_from_db()
    assert not job.cancel_requested


def test_spelling_a_login_differently_gives_no_extra_guesses(client, world):
    for login in ["manager", "MANAGER", "manager@example.org", "+221770000001", "Manager"]:
        client.post(
            reverse("login"), {"username": login, "password": "wrong"}, REMOTE_ADDR="10.0.0.9"
        )
    locked = client.post(
        reverse("login"),
        {"username": "manager@EXAMPLE.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )
    assert locked.status_code == 429


def test_behind_a_proxy_the_forwarded_address_counts(settings, rf):
    from mutuelle.core.auth import client_ip

    settings.MUTUELLE_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 41.82.10.7", REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == "41.82.10.7"  # the spoofable first entry is ignored
    settings.MUTUELLE_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"


def test_a_password_alone_opens_nothing_when_a_device_is_set_up(client, world):
    device = TOTPDevice.objects.create(user=world.manager, confirmed=True)
    world.manager.__class__.objects.filter(pk=world.manager.pk).update(
        two_factor_enabled=True, must_change_password=True
    )
    client.post(reverse("login"), {"username": "manager", "password": PASSWORD})
    for path in [reverse("password_change"), "/admin/password_change/", reverse("home")]:
        response = client.get(path)
        assert response.status_code == 302 and reverse("two_factor_verify") in response.url
    assert client.get(reverse("two_factor_setup")).status_code == 302
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    client.post(reverse("two_factor_verify"), {"token": code})
    # Verified: now the forced password change comes.
    assert client.get(reverse("home")).url == reverse("password_change")
