from io import BytesIO

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import actions, audit
from ..forms import LoginForm, OtpForm
from ..models import User


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        language = form.get_user().language
        response.set_cookie("django_language", language, samesite="Lax")
        return response


@require_POST
def set_language(request):
    """Django's language switch, remembered on the account too: notifications (SMS, email)
    reach each person in the language they chose."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        actions.set_language(request.user, language)
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        User.objects.filter(pk=self.request.user.pk).update(must_change_password=False)
        audit.record(self.request.user, "user.password_changed", self.request.user)
        messages.success(self.request, _("Your password was changed."))
        return response


def _qr_svg(uri: str) -> str:
    out = BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True)
    return out.getvalue().decode()


@login_required
def two_factor_setup(request):
    """Set up a TOTP device: show its QR code, confirm it with a first code."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    device = None
    if confirmed:
        # Never offer a second device to a session that has not passed the first one.
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    else:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = OtpForm(request.POST or None)
    if device and request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                User.objects.filter(pk=user.pk).update(two_factor_enabled=True)
                audit.record(user, "user.two_factor_enabled", user)
            otp_login(request, device)
            messages.success(request, _("Two-step verification is on."))
            return redirect("home")
        form.add_error("token", _("This code is not valid. Check your phone's clock and retry."))
    context = {"form": form, "confirmed": confirmed}
    if device:
        context["qr"] = _qr_svg(device.config_url)
        context["secret"] = device.bin_key.hex()
    return render(request, "core/two_factor_setup.html", context)


@login_required
def two_factor_verify(request):
    form = OtpForm(request.POST or None)
    next_url = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "/"
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
            if device.verify_token(token):
                otp_login(request, device)
                return redirect(next_url)
        form.add_error("token", _("This code is not valid. Check your phone's clock and retry."))
    return render(request, "core/two_factor_verify.html", {"form": form})
