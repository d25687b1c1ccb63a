from decimal import Decimal

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .actions import LineSpec, VersionTerms
from .models import (
    Act,
    ActSex,
    AppliesTo,
    CareLevel,
    CashBenefit,
    Category,
    LineKind,
    PackageKind,
    Unit,
)


def money(label, required: bool = False, **extra) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, max_digits=18, decimal_places=2, min_value=0, **extra
    )


def act_label(act: Act) -> str:
    return f"{act.code} — {act.name((get_language() or 'fr')[:2])}"


def _blank(choices, label):
    return [("", label), *choices]


class ActForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=160)
    name_en = forms.CharField(label=_("Name (English)"), max_length=160)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    sex = forms.ChoiceField(label=_("Possible for"), choices=ActSex.choices)
    min_age = forms.IntegerField(
        label=_("Minimum age (years)"), required=False, min_value=0, max_value=130
    )
    max_age = forms.IntegerField(
        label=_("Maximum age (years)"), required=False, min_value=0, max_value=130
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, owners=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]
        elif owners is not None:
            self.fields["organization"] = forms.ModelChoiceField(
                label=_("Catalogue of"), queryset=owners, empty_label=None
            )
            self.order_fields(["organization", "code"])


class StarterForm(forms.Form):
    organization: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Install the starter catalogue for"), queryset=None, empty_label=None
    )

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = owners


class TermsForm(forms.Form):
    waiting_days = forms.IntegerField(
        label=_("Waiting period (days)"), min_value=0, max_value=3650, initial=90
    )
    ceiling_person = money(_("Annual ceiling per beneficiary"))
    ceiling_household = money(_("Annual ceiling per household"))
    deductible = money(_("Deductible per episode"), initial=0)
    exclusions = forms.CharField(
        label=_("Exclusions"),
        required=False,
        max_length=2000,
        help_text=_("Act codes or categories, separated by commas."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def terms(self) -> VersionTerms:
        data = self.cleaned_data
        return VersionTerms(
            waiting_days=data["waiting_days"],
            ceiling_person=data["ceiling_person"],
            ceiling_household=data["ceiling_household"],
            deductible=data["deductible"] or Decimal(0),
            exclusions=data["exclusions"].strip(),
            notes=data["notes"].strip(),
        )


class PackageForm(TermsForm):
    organization: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Owner"), queryset=None, empty_label=None
    )
    code = forms.CharField(label=_("Code"), max_length=16)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=PackageKind.choices)

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = owners
        self.order_fields(["organization", "code", "name_fr", "name_en", "kind"])


class LineForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of line"), choices=LineKind.choices)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=_blank(Category.choices, "—")
    )
    act = forms.ModelChoiceField(
        label=_("or a single act"), required=False, queryset=Act.unscoped.none()
    )
    cash_benefit = forms.ChoiceField(
        label=_("Cash benefit"), required=False, choices=_blank(CashBenefit.choices, "—")
    )
    rate = forms.DecimalField(
        label=_("Coverage rate (%)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
    )
    amount = money(
        _("or a fixed amount per unit"),
        help_text=_("For a cash benefit: its amount (per day for the daily allowance)."),
    )
    per_act_ceiling = money(_("Ceiling per act"))
    quantity_limit = forms.IntegerField(label=_("Quantity allowed"), required=False, min_value=1)
    period_days = forms.IntegerField(label=_("per period of (days)"), required=False, min_value=1)
    min_interval_days = forms.IntegerField(
        label=_("Minimum days between two acts"), required=False, min_value=1
    )
    waiting_days = forms.IntegerField(
        label=_("Waiting period (days)"),
        required=False,
        min_value=0,
        help_text=_("Empty: the version's waiting period."),
    )
    care_levels = forms.MultipleChoiceField(
        label=_("Allowed care levels"),
        required=False,
        choices=CareLevel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every level."),
    )
    referral_required = forms.BooleanField(label=_("Referral required"), required=False)
    authorization_required = forms.BooleanField(
        label=_("Prior authorization required"), required=False
    )
    applies_to = forms.ChoiceField(label=_("Applies to"), choices=AppliesTo.choices)
    children_under = forms.IntegerField(
        label=_("Children under (years)"), required=False, min_value=1, max_value=30
    )
    max_days = forms.IntegerField(
        label=_("Maximum days (daily allowance)"), required=False, min_value=1
    )

    def __init__(self, *args, acts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if acts is not None:
            self.fields["act"].queryset = acts
        self.fields["act"].label_from_instance = act_label

    def spec(self) -> LineSpec:
        data = self.cleaned_data
        care = data["kind"] == LineKind.CARE
        return LineSpec(
            kind=data["kind"],
            category=data["category"] if care else "",
            act=data["act"] if care else None,
            cash_benefit="" if care else data["cash_benefit"],
            rate=data["rate"] if care else None,
            amount=data["amount"],
            per_act_ceiling=data["per_act_ceiling"],
            quantity_limit=data["quantity_limit"],
            period_days=data["period_days"],
            min_interval_days=data["min_interval_days"],
            waiting_days=data["waiting_days"],
            care_levels=frozenset(data["care_levels"]),
            referral_required=data["referral_required"],
            authorization_required=data["authorization_required"],
            applies_to=data["applies_to"],
            children_under=data["children_under"],
            max_days=data["max_days"],
        )


class AdoptForm(forms.Form):
    effective_from = forms.DateField(
        label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    effective_to = forms.DateField(
        label=_("Until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


RELATIONSHIPS = [
    ("head", _("Head of household")),
    ("spouse", _("Spouse")),
    ("child", _("Child")),
    ("parent", _("Parent")),
    ("other", _("Other relative")),
]


class PreviewForm(forms.Form):
    act = forms.ModelChoiceField(label=_("Act"), queryset=Act.unscoped.none())
    tariff = money(_("Tariff"), required=True)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1000, initial=1)
    relationship = forms.ChoiceField(label=_("Beneficiary"), choices=RELATIONSHIPS)
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=[("F", _("Female")), ("M", _("Male"))],
        help_text=_("Only to check that the act is possible (e.g. a delivery)."),
    )
    age = forms.IntegerField(label=_("Age (years)"), min_value=0, max_value=130, initial=30)
    days_since_enrolment = forms.IntegerField(
        label=_("Days since enrolment"), min_value=0, initial=365
    )
    care_level = forms.ChoiceField(
        label=_("Care level"), required=False, choices=_blank(CareLevel.choices, "—")
    )
    referral = forms.BooleanField(label=_("Referred"), required=False)
    authorization = forms.BooleanField(label=_("Prior authorization given"), required=False)

    def __init__(self, *args, acts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if acts is not None:
            self.fields["act"].queryset = acts
        self.fields["act"].label_from_instance = act_label
