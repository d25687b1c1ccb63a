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
    """Holders of TWO_FACTOR_REQUIRED roles, and users who set up a device, must pass a
    one-time code before anything but the two-factor pages and logout.

    Also sends users whose password was reset by a manager to change it first."""

    ALLOWED = ("two_factor_setup", "two_factor_verify", "logout", "set_language", "password_change")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not self._exempt(request):
            if user.must_change_password:
                return redirect("password_change")
            if not user.is_verified():
                if user.two_factor_enabled:
                    return redirect(f"{reverse('two_factor_verify')}?next={request.path}")
                if user.roles() & TWO_FACTOR_REQUIRED:
                    return redirect("two_factor_setup")
        return self.get_response(request)

    def _exempt(self, request) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        match = getattr(request, "resolver_match", None)
        if match is None:
            from django.urls import Resolver404, resolve

            try:
                match = resolve(request.path_info)
            except Resolver404:
                return True
        return match.url_name in self.ALLOWED
