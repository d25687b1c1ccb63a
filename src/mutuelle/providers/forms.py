from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mutuelle.benefits.models import CareLevel
from mutuelle.core.models import Place

from .actions import ConventionData
from .models import EpisodeType, Ownership, PaymentMode, ProviderType


def money(label, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, max_digits=18, decimal_places=2, min_value=0
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=80)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *ProviderType.choices]
    )
    level = forms.ChoiceField(
        label=_("Care level"),
        required=False,
        choices=[("", _("All levels")), *CareLevel.choices],
    )
    place = forms.ModelChoiceField(
        label=_("Place"), required=False, queryset=Place.unscoped.none(), empty_label=_("All")
    )

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        if places is not None:
            self.fields["place"].queryset = places


class ProfileForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=ProviderType.choices)
    ownership = forms.ChoiceField(label=_("Ownership"), choices=Ownership.choices)
    care_level = forms.ChoiceField(
        label=_("Care level"),
        required=False,
        choices=[("", _("The usual level of its type")), *CareLevel.choices],
    )
    contact_person = forms.CharField(label=_("Contact person"), required=False, max_length=120)
    address = forms.CharField(label=_("Address"), required=False, max_length=200)


class ConventionForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=64)
    start = forms.DateField(label=_("Start"), widget=DateInput())
    end = forms.DateField(label=_("End"), required=False, widget=DateInput())
    payment_mode = forms.ChoiceField(label=_("Payment mode"), choices=PaymentMode.choices)
    submission_days = forms.IntegerField(
        label=_("Submission deadline (days after care)"), min_value=1, max_value=3650, initial=30
    )
    payment_days = forms.IntegerField(
        label=_("Payment deadline (days)"), min_value=1, max_value=3650, initial=30
    )
    diagnosis_required = forms.BooleanField(label=_("Diagnosis required"), required=False)
    capitation_amount = money(_("Capitation per beneficiary per month"))
    packages: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Packages accepted (none ticked: all the packages of the mutual or union)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args, parties=None, providers=None, packages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["packages"].queryset = packages
        self.fields["packages"].label_from_instance = lambda p: f"{p.code} — {p.name(_lang())}"
        for value, label in EpisodeType.choices:
            self.fields[f"flat_{value}"] = money(_("Flat rate: %(type)s") % {"type": label})
        if parties is not None:
            self.fields["party"] = forms.ModelChoiceField(
                label=_("Mutual or union"), queryset=parties, empty_label=None
            )
            self.fields["provider"] = forms.ModelChoiceField(
                label=_("Provider"), queryset=providers, empty_label=None
            )
            self.order_fields(["party", "provider"])

    def data_of(self) -> ConventionData:
        d = self.cleaned_data
        return ConventionData(
            reference=d["reference"],
            start=d["start"],
            end=d["end"],
            payment_mode=d["payment_mode"],
            submission_days=d["submission_days"],
            payment_days=d["payment_days"],
            diagnosis_required=d["diagnosis_required"],
            capitation_amount=d["capitation_amount"],
            flat_rates={
                value: d[f"flat_{value}"]
                for value, _label in EpisodeType.choices
                if d.get(f"flat_{value}") is not None
            },
            packages=list(d["packages"]),
            notes=d["notes"],
        )

    @staticmethod
    def initial_of(convention) -> dict:
        initial = {
            name: getattr(convention, name)
            for name in (
                "reference",
                "start",
                "end",
                "payment_mode",
                "submission_days",
                "payment_days",
                "diagnosis_required",
                "capitation_amount",
                "notes",
            )
        }
        initial["packages"] = list(convention.packages.all())
        for rate in convention.flat_rates.all():
            initial[f"flat_{rate.episode_type}"] = rate.amount
        return initial


def _lang() -> str:
    return (get_language() or "fr")[:2]


class TariffLineForm(forms.Form):
    act: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Act"), queryset=None)
    package: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Package"), queryset=None, required=False, empty_label=_("Any package")
    )
    place = forms.CharField(
        label=_("Place code of the beneficiaries (empty: anywhere)"),
        required=False,
        max_length=32,
    )
    price = money(_("Price"), required=True)

    def __init__(self, *args, acts=None, packages=None, country="", **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country
        self.fields["act"].queryset = acts
        self.fields["act"].label_from_instance = lambda a: f"{a.code} — {a.name(_lang())}"
        self.fields["package"].queryset = packages
        self.fields["package"].label_from_instance = lambda p: f"{p.code} — {p.name(_lang())}"

    def clean_place(self):
        code = self.cleaned_data["place"].strip()
        if not code:
            return None
        place = (
            Place.unscoped.filter(country=self.country, code__in={code, code.upper()})
            .order_by("code")
            .first()
        )
        if place is None:
            raise forms.ValidationError(
                _("No place with code %(code)s in this country."), params={"code": code}
            )
        return place


class AdoptForm(forms.Form):
    effective_from = forms.DateField(label=_("In force from"), widget=DateInput())
    effective_to = forms.DateField(label=_("In force until"), required=False, widget=DateInput())


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or Excel (.xlsx) file"))


class AttachForm(forms.Form):
    number = forms.CharField(label=_("Membership number"), max_length=32)
    valid_from = forms.DateField(label=_("From"), widget=DateInput())
    valid_to = forms.DateField(label=_("Until"), required=False, widget=DateInput())


class EndForm(forms.Form):
    on = forms.DateField(label=_("Last day attached"), widget=DateInput())
