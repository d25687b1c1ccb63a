from django import forms
from django.utils.translation import gettext_lazy as _


class AccountForm(forms.Form):
    number = forms.CharField(label=_("Account number"), max_length=12)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120)
