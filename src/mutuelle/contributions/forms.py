from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PaymentMethod


class PaymentForm(forms.Form):
    amount = forms.CharField(
        label=_("Amount received"),
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    method = forms.ChoiceField(
        label=_("Paid by"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH
    )
    reference = forms.CharField(
        label=_("Transaction reference (mobile money, bank)"), max_length=64, required=False
    )
    key = forms.UUIDField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        method = data.get("method")
        if (
            method in (PaymentMethod.MOBILE_MONEY, PaymentMethod.BANK)
            and not data.get("reference", "").strip()
        ):
            self.add_error("reference", _("The operator's or bank's reference is required."))
        return data


class TillForm(forms.Form):
    counted = forms.CharField(
        label=_("Cash counted in the till"),
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class BookletForm(forms.Form):
    code = forms.CharField(label=_("Booklet code"), max_length=24)
    first = forms.IntegerField(label=_("First receipt number"), min_value=1)
    last = forms.IntegerField(label=_("Last receipt number"), min_value=1)


class CorrectionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
