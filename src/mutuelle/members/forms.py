from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from mutuelle.core.models import Organization, Place
from mutuelle.lib.phone import normalize_phone

from .models import AbilityCategory, IdDocument, RegisterSettings, Relationship, Sex, Status


class HouseholdDetailsForm(forms.Form):
    """What enrolment asks of a household and a correction may change."""

    place = forms.ModelChoiceField(
        label=_("Village or place"), queryset=Place.unscoped.none(), required=False
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(label=_("Household phone"), max_length=32, required=False)
    ability = forms.ModelChoiceField(
        label=_("Ability to pay"), queryset=AbilityCategory.unscoped.none(), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean_phone(self):
        return normalize_phone(self.cleaned_data.get("phone") or "")


class HouseholdForm(HouseholdDetailsForm):
    field_order = ["mutual"]
    mutual = forms.ModelChoiceField(label=_("Mutual"), queryset=Organization.unscoped.none())
    all_members_listed = forms.BooleanField(
        label=_("Every member of the household is listed (the statutes enrol whole households)"),
        required=False,
    )

    def __init__(self, *args, mutuals=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mutual"].queryset = mutuals
        whole = RegisterSettings.unscoped.filter(organization__in=mutuals, whole_household=True)
        if mutuals is None or not whole.exists():
            del self.fields["all_members_listed"]
        if mutuals is not None and mutuals.count() == 1:
            self.fields["mutual"].initial = mutuals.first()
            self.fields["mutual"].widget = forms.HiddenInput()
        countries = {m.country for m in mutuals} if mutuals is not None else set()
        self.fields["place"].queryset = Place.unscoped.filter(country__in=countries).order_by(
            "name"
        )
        self.fields["ability"].queryset = AbilityCategory.unscoped.filter(organization__in=mutuals)


class PersonForm(forms.Form):
    given_names = forms.CharField(label=_("Given names"), max_length=120)
    family_name = forms.CharField(label=_("Family name"), max_length=80)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    relationship = forms.ChoiceField(label=_("Relationship"), choices=Relationship.choices)
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    birth_year = forms.IntegerField(
        label=_("or estimated year"), required=False, min_value=1900, max_value=2100
    )
    id_document_type = forms.ChoiceField(
        label=_("Identity document"), choices=[("", "—"), *IdDocument.choices], required=False
    )
    id_document_number = forms.CharField(label=_("Document number"), max_length=40, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("birth_date") and not data.get("birth_year"):
            self.add_error("birth_year", _("Give the date of birth or at least the year."))
        if data.get("birth_date") and data["birth_date"] > date.today():
            self.add_error("birth_date", _("The date of birth is in the future."))
        return data

    def clean_phone(self):
        return normalize_phone(self.cleaned_data.get("phone") or "")


PersonFormSet = forms.formset_factory(PersonForm, extra=0, min_num=1, validate_min=True)


class StatusForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=64, required=False)

    def clean_on(self):
        value = self.cleaned_data["on"]
        if value > date.today():
            raise forms.ValidationError(_("The date is in the future."))
        return value


class BirthForm(forms.Form):
    given_names = forms.CharField(label=_("Given names"), max_length=120)
    family_name = forms.CharField(label=_("Family name"), max_length=80)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )


class DeathForm(forms.Form):
    date_of_death = forms.DateField(
        label=_("Date of death"), widget=forms.DateInput(attrs={"type": "date"})
    )


class HouseholdEditForm(HouseholdDetailsForm):
    def __init__(self, *args, household, **kwargs):
        mutual = household.organization
        kwargs.setdefault(
            "initial",
            {
                "place": household.place_id,
                "address": household.address,
                "phone": household.phone,
                "ability": household.ability_id,
                "notes": household.notes,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = Place.unscoped.filter(country=mutual.country).order_by(
            "name"
        )
        self.fields["ability"].queryset = AbilityCategory.unscoped.filter(organization=mutual)


class PersonEditForm(PersonForm):
    """The person's details (the relationship changes through household-life actions)."""

    photo = forms.FileField(
        label=_("Photo (camera or file)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "user"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["relationship"]


class RegisterSettingsForm(forms.Form):
    dependant_age_limit = forms.IntegerField(
        label=_("Age at which children stop being dependants"),
        required=False,
        min_value=1,
        max_value=40,
        help_text=_("Empty: children stay dependants whatever their age."),
    )
    whole_household = forms.BooleanField(
        label=_("The statutes enrol whole households (no member joins or leaves alone)"),
        required=False,
    )


class CategoryForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.SlugField(label=_("Code"), max_length=32)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=80)
    name_en = forms.CharField(label=_("Name (English)"), max_length=80)
    is_indigent = forms.BooleanField(label=_("Indigent (subsidy eligible)"), required=False)


CategoryFormSet = forms.formset_factory(CategoryForm, extra=1, can_delete=True)
