"""Log in with a user name, an email address or a phone number."""

from django.contrib.auth.backends import ModelBackend

from .models import User


class EmailOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = User.objects.get_by_login(username or kwargs.get("login", ""))
        if user is None:
            # Spend the same time as a real check so logins cannot be probed by timing.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def lockout_identity(request, credentials) -> str:
    """The name django-axes counts failures under: the account itself, however its login was
    typed (user name, email or phone, any case), so spelling variants give no extra guesses."""
    data = credentials or getattr(request, "POST", {}) or {}
    login = str(data.get("username") or "").strip()
    user = User.objects.get_by_login(login)
    return f"user:{user.pk}" if user is not None else login.lower()


def client_ip(request) -> str | None:
    """The client's address. Behind MUTUELLE_PROXY_COUNT trusted reverse proxies, the address
    they appended to X-Forwarded-For (a client can prepend anything; it cannot append)."""
    from django.conf import settings

    hops = settings.MUTUELLE_PROXY_COUNT
    if hops:
        chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [a for a in chain if a]
        if len(chain) >= hops:
            return chain[-hops]
    return request.META.get("REMOTE_ADDR")
