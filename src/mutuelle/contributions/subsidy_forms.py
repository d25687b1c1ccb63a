"""Forms of the subsidy screens. Amounts are typed as people type them ("1 500", "1500 F")
and read with the contributions' amount parser, in the organization's currency."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules
from .actions.errors import REASONS
from .models import Eligibility, PayerKind, SubsidyMode

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _amount(form: forms.Form, name: str, currency: str, required: bool = False):
    text = (form.cleaned_data.get(name) or "").strip()
    if not text:
        if required:
            form.add_error(name, REASONS["amount.required"])
        return None
    if text in ("0", "0,00", "0.00"):
        return rules.ZERO
    value, code = rules.amount_errors(text, currency)
    if code is not None:
        form.add_error(name, REASONS.get(code, code))
    return value


def _money_field(label, required=False, help_text=""):
    return forms.CharField(
        label=label,
        max_length=24,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class PayerForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=PayerKind.choices)
    contact = forms.CharField(label=_("Contact"), max_length=200, required=False)

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(o.pk, o.name) for o in organizations]


class ProgrammeForm(forms.Form):
    organization = forms.TypedChoiceField(
        label=_("For"),
        coerce=int,
        help_text=_("A mutual, or a union: then every mutual of the union."),
    )
    code = forms.SlugField(label=_("Code"), max_length=24)
    name = forms.CharField(label=_("Name"), max_length=120)
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("Until"), required=False, widget=DATE)
    budget = _money_field(_("Budget"), help_text=_("Leave empty for no limit."))
    is_permanent = forms.BooleanField(
        label=_("Permanent subsidy"),
        required=False,
        help_text=_("Temporary subsidies are left out of the net income ratio."),
    )
    mode = forms.ChoiceField(label=_("The programme pays"), choices=SubsidyMode.choices)
    rate = forms.DecimalField(
        label=_("Percentage"), max_digits=5, decimal_places=2, required=False, min_value=0
    )
    amount = _money_field(_("Fixed amount per period"))
    ratio = forms.DecimalField(
        label=_("Matching ratio (1 = one franc per franc paid)"),
        max_digits=6,
        decimal_places=2,
        required=False,
        min_value=0,
    )
    cap = _money_field(_("At most per household and period"))
    covers_fees = forms.BooleanField(
        label=_("Also pays entry, card and assembly fees"), required=False
    )
    eligibility = forms.ChoiceField(label=_("Who is eligible"), choices=Eligibility.choices)
    categories = forms.MultipleChoiceField(
        label=_("Ability-to-pay categories"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    names_on_statement = forms.BooleanField(
        label=_("The payer's contract allows names on its statements"), required=False
    )
    priority = forms.IntegerField(
        label=_("Order of application"),
        min_value=0,
        max_value=999,
        initial=10,
        help_text=_("Programmes with a smaller number are applied first."),
    )

    def __init__(self, *args, organizations=(), categories=(), currency="XOF", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["organization"].choices = [(o.pk, o.name) for o in organizations]
        self.fields["categories"].choices = list(categories)

    def clean(self):
        data = super().clean()
        for name in ("budget", "amount", "cap"):
            data[name] = _amount(self, name, self.currency)
        return data


class EnrolForm(forms.Form):
    household = forms.CharField(label=_("Household number"), max_length=32)
    member = forms.CharField(
        label=_("Membership number (empty: the whole household)"), max_length=32, required=False
    )
    start = forms.DateField(label=_("Enrolled from"), widget=DATE)
    evidence_reference = forms.CharField(label=_("Document reference"), max_length=120)
    evidence_date = forms.DateField(label=_("Document date"), widget=DATE)
    evidence_by = forms.CharField(label=_("Issued by"), max_length=120)


class ListUploadForm(forms.Form):
    mutual = forms.TypedChoiceField(label=_("Mutual"), coerce=int)
    start = forms.DateField(label=_("Enrolled from"), widget=DATE)
    file = forms.FileField(
        label=_("List (CSV or XLSX)"),
        help_text=_(
            "Columns: household number; membership number (empty for the whole household); "
            "document reference; document date; issued by."
        ),
    )

    def __init__(self, *args, mutuals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mutual"].choices = [(m.pk, m.name) for m in mutuals]


class PayerPaymentForm(forms.Form):
    mutual = forms.TypedChoiceField(label=_("Received by"), coerce=int)
    amount = _money_field(_("Amount received"), required=True)
    reference = forms.CharField(label=_("Bank reference"), max_length=64)
    received_on = forms.DateField(label=_("Received on"), widget=DATE)

    def __init__(self, *args, mutuals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mutual"].choices = [(m.pk, m.name) for m in mutuals]


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("Until"), widget=DATE)

    @classmethod
    def of(cls, request, today: date):
        form = cls(
            request.GET or None,
            initial={"start": date(today.year, 1, 1), "end": date(today.year, 12, 31)},
        )
        if (
            form.is_bound
            and form.is_valid()
            and form.cleaned_data["start"] <= form.cleaned_data["end"]
        ):
            return form, form.cleaned_data["start"], form.cleaned_data["end"]
        return cls(initial=form.initial), date(today.year, 1, 1), date(today.year, 12, 31)
