from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mutuelle.lib.countries import COUNTRIES
from mutuelle.lib.phone import normalize_phone

from .models import Organization, OrgKind, User
from .roles import Role, Scope


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Email, phone or user name"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("Wrong login or password. Check both and try again."),
        "inactive": _("This account is disabled. Ask your manager."),
    }


class OtpForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class UserCreateForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        # Starts with a letter and holds no "@": a user name can never be mistaken for
        # somebody else's email or phone number at login.
        validators=[
            RegexValidator(
                r"^[^\W\d_][\w.-]*$", _("Letters, digits and . - _ only, starting with a letter.")
            )
        ],
        help_text=_("Letters, digits and . - _ only, e.g. awa.diop"),
    )
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("fr", "Français"), ("en", "English")]
    )
    home_organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.unscoped.none()
    )

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_organization"].queryset = organizations

    def clean_username(self):
        value = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=value).exists():
            raise forms.ValidationError(_("This user name is taken."))
        return value

    def clean_email(self):
        value = (self.cleaned_data.get("email") or "").lower()
        if (
            value
            and User.objects.filter(Q(email__iexact=value) | Q(username__iexact=value)).exists()
        ):
            raise forms.ValidationError(_("This login is already used by another account."))
        return value

    def clean_phone(self):
        raw = self.cleaned_data.get("phone") or ""
        value = normalize_phone(raw)
        if raw and len(value.lstrip("+")) < 6:
            raise forms.ValidationError(_("Enter the number with its country code, e.g. +221..."))
        if value and User.objects.filter(phone=value).exists():
            raise forms.ValidationError(_("This login is already used by another account."))
        return value


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    scope = forms.ChoiceField(label=_("Scope"), choices=Scope.choices)
    organization = forms.ModelChoiceField(
        label=_("Organization or provider"), queryset=Organization.unscoped.none(), required=False
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=[("", "—")] + sorted((c, n[0]) for c, n in COUNTRIES.items()),
        required=False,
    )

    def __init__(self, *args, organizations=None, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if roles is not None:
            self.fields["role"].choices = [(v, lbl) for v, lbl in Role.choices if v in roles]

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope in (Scope.ORGANIZATION, Scope.PROVIDER) and not data.get("organization"):
            self.add_error("organization", _("Choose the organization or provider."))
        if scope == Scope.COUNTRY and not data.get("country"):
            self.add_error("country", _("Choose the country."))
        return data


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "kind",
            "code",
            "name",
            "country",
            "currency",
            "time_zone",
            "language",
            "phone",
            "email",
        ]

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, lbl) for k, lbl in OrgKind.choices if k in kinds]
        self.fields["country"] = forms.ChoiceField(
            label=_("Country"), choices=sorted((c, n[0]) for c, n in COUNTRIES.items())
        )
