from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core.models import Organization

PHOTO_MAX_BYTES = 12 * 1024 * 1024


class EligibilityForm(forms.Form):
    number = forms.CharField(
        label=_("Membership number or card"),
        max_length=400,
        required=False,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    photo = forms.FileField(label=_("Or a photo of the card"), required=False)
    care_date = forms.DateField(
        label=_("Date of care"), widget=forms.DateInput(attrs={"type": "date"})
    )
    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=Organization.unscoped.none(), required=False
    )
    method = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_date"].initial = timezone.localdate()
        ids = [p.pk for p in providers]
        self.fields["provider"].queryset = Organization.unscoped.filter(pk__in=ids)
        if len(ids) == 1:
            self.fields["provider"].initial = ids[0]
            self.fields["provider"].widget = forms.HiddenInput()
        elif ids:
            self.fields["provider"].required = True
        else:
            del self.fields["provider"]

    def clean_care_date(self):
        day = self.cleaned_data["care_date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date of care cannot be in the future."))
        return day

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and photo.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("The photo is too large (at most 12 MB)."))
        return photo

    def clean(self):
        data = super().clean()
        if not data.get("number", "").strip() and not data.get("photo"):
            raise forms.ValidationError(
                _("Type or scan the membership number, or send a photo of the card.")
            )
        return data
