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
        label=_("Date of care"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
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


MAX_DOCUMENT = 10 * 1024 * 1024  # a phone photo or a scanned PDF


def _not_too_large(upload) -> None:
    if upload.size > MAX_DOCUMENT:
        raise forms.ValidationError(_("The file is too large (10 MB at most)."))


def _document_field(label, required: bool) -> forms.FileField:
    """A photo or scan attached to a claim (a receipt, a certificate)."""
    return forms.FileField(
        label=label,
        required=required,
        validators=[_not_too_large],
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )


def _member_number_field() -> forms.CharField:
    """Typed or scanned (a USB scanner types a card's whole payload: hence the length)."""
    return forms.CharField(
        label=_("Membership number"),
        max_length=400,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )


def _day_field(label, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )


class ClaimForm(forms.Form):
    """The head of a claim; the lines are a formset (ClaimLineFormSet)."""

    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Organization.unscoped.none())
    number = _member_number_field()
    kind = forms.ChoiceField(label=_("Kind"), choices=())
    visit_type = forms.ChoiceField(label=_("Visit type"), choices=())
    care_from = _day_field(_("First day of care"))
    care_to = _day_field(_("Last day of care"), required=False)
    diagnoses = forms.CharField(
        label=_("Diagnoses (ICD-10)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "B50.9"}),
    )
    letter_number = forms.CharField(label=_("Guarantee letter"), max_length=32, required=False)
    external_reference = forms.CharField(label=_("Invoice number"), max_length=64, required=False)
    receipt = _document_field(
        _("Receipt (a member's reimbursement: photo of what they paid)"), required=False
    )
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, providers=(), **kwargs):
        from .models import ClaimKind, VisitType

        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Organization.unscoped.filter(
            pk__in=[p.pk for p in providers]
        ).order_by("name")
        self.only_provider = providers[0] if len(providers) == 1 else None
        if self.only_provider is not None:
            self.fields["provider"].initial = self.only_provider.pk
            self.fields["provider"].widget = forms.HiddenInput()
            self.fields["provider"].required = False
        self.fields["kind"].choices = [
            (k, v) for k, v in ClaimKind.choices if k != ClaimKind.CASH_BENEFIT
        ]
        self.fields["visit_type"].choices = VisitType.choices
        self.fields["care_from"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if not data.get("provider") and self.only_provider is not None:
            # A clerk of one provider always claims for it (the field is hidden).
            data["provider"] = self.only_provider
        start, end = data.get("care_from"), data.get("care_to")
        if start and end and end < start:
            self.add_error("care_to", _("The last day of care is before the first."))
        # (A receipt already refused, too large, is not asked for again.)
        missing = not data.get("receipt") and "receipt" not in self.errors
        if data.get("kind") == "reimbursement" and missing:
            self.add_error("receipt", _("A member's reimbursement needs the receipt."))
        return data


class ClaimLineForm(forms.Form):
    act_code = forms.CharField(
        label=_("Act code"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"list": "acts", "autocomplete": "off"}),
    )
    quantity = forms.IntegerField(label=_("Quantity"), required=False)
    unit_price = forms.DecimalField(
        label=_("Unit price"), max_digits=18, decimal_places=2, required=False
    )

    def clean(self):
        data = super().clean()
        filled = [data.get("act_code"), data.get("quantity"), data.get("unit_price")]
        if any(x not in (None, "") for x in filled) and any(x in (None, "") for x in filled):
            raise forms.ValidationError(_("Give the act code, the quantity and the unit price."))
        return data


ClaimLineFormSet = forms.formset_factory(ClaimLineForm, extra=6, max_num=60)


class CashBenefitForm(forms.Form):
    """A cash benefit recorded by the mutual's staff: who, which benefit, when, how many units
    (births, days of incapacity), and the evidence (death or birth certificate, sick note)."""

    number = _member_number_field()
    benefit = forms.ChoiceField(label=_("Cash benefit"), choices=())
    on = _day_field(_("Date of the event (death, birth, first day of incapacity)"))
    units = forms.IntegerField(
        label=_("Births or days of incapacity (1 for a funeral grant)"),
        min_value=1,
        max_value=366,
        initial=1,
    )
    evidence = _document_field(_("Evidence (photo or scan of the certificate)"), required=True)
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from mutuelle.benefits.models import CashBenefit

        super().__init__(*args, **kwargs)
        self.fields["benefit"].choices = CashBenefit.choices
        self.fields["on"].initial = timezone.localdate()
