from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .roles import TWO_FACTOR_REQUIRED

# Everything the browser loads is served by Mutuelle: no CDN, no third-party origin.
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Referrer-Policy", "same-origin")
        response.setdefault("Permissions-Policy", "camera=(self), geolocation=()")
        return response


class RequireTwoFactorMiddleware:
    """In this order: a user with a confirmed device passes a one-time code; a holder of a
    TWO_FACTOR_REQUIRED role sets a device up; a user whose password was reset by a manager
    chooses a new one. Until then, only the page of that step (and logout, language) opens.

    The code comes before the password change: someone holding only a (stolen) password must
    not be able to change it and lock the real owner out."""

    ALWAYS = frozenset({"logout", "set_language"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            step = self._pending_step(user)
            view = self._view_name(request)
            if step and view not in self.ALWAYS | {step} and view is not None:
                if step == "two_factor_verify":
                    return redirect(f"{reverse(step)}?next={request.path}")
                return redirect(step)
        return self.get_response(request)

    @staticmethod
    def _pending_step(user) -> str | None:
        if not user.is_verified():
            if user.two_factor_enabled:
                return "two_factor_verify"
            if user.roles() & TWO_FACTOR_REQUIRED:
                return "two_factor_setup"
        if user.must_change_password:
            return "password_change"
        return None

    @staticmethod
    def _view_name(request) -> str | None:
        """The full view name ("admin:password_change" is not "password_change"); None for
        static files and unknown paths (404s stay 404s)."""
        if request.path.startswith(settings.STATIC_URL):
            return None
        from django.urls import Resolver404, resolve

        try:
            return resolve(request.path_info).view_name
        except Resolver404:
            return None
