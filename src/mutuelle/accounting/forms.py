from django import forms
from django.utils.translation import gettext_lazy as _


class AccountForm(forms.Form):
    number = forms.CharField(label=_("Account number"), max_length=12)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120)


class PostingRuleForm(forms.Form):
    journal = forms.CharField(label=_("Journal"), max_length=8)
    debit = forms.CharField(label=_("Debit account"), max_length=12)
    credit = forms.CharField(label=_("Credit account"), max_length=12)


class ReverseForm(forms.Form):
    on = forms.DateField(
        label=_("Date of the reversal"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
