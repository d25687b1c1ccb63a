from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PaymentMethod
from .rules import MONEY_FIELDS


class PaymentForm(forms.Form):
    amount = forms.CharField(
        label=_("Amount received"),
        max_length=24,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "autofocus": True}
        ),
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


BASES = [
    ("person", _("Per person")),
    ("household", _("Per household")),
    ("size_bands", _("By household size")),
    ("ability", _("By ability to pay")),
    ("salary", _("Percentage of salary (occupational mutual)")),
]
PERIODICITIES = [
    ("month", _("Monthly")),
    ("quarter", _("Quarterly")),
    ("half", _("Half-yearly")),
    ("year", _("Yearly")),
    ("season", _("Once a year, from a season's start (e.g. after the harvest)")),
]


def _money(label, help_text=""):
    return forms.CharField(
        label=label,
        required=False,
        max_length=24,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class RuleForm(forms.Form):
    """A contribution rule as a manager types it. There is deliberately no field for sex,
    health or adults' age: the rule cannot select risks."""

    label = forms.CharField(label=_("Name of this version"), max_length=120)
    basis = forms.ChoiceField(label=_("Contributions are counted"), choices=BASES)
    periodicity = forms.ChoiceField(label=_("Due"), choices=PERIODICITIES, initial="year")
    season_start = forms.CharField(
        label=_("Season starts on (day/month)"),
        required=False,
        max_length=5,
        help_text=_("e.g. 15/11 for after the November harvest"),
    )
    amount = _money(_("Amount per period"), _("per person or per household"))
    dependant_amount = _money(_("Reduced amount for dependants (solidarity)"))
    child_amount = _money(_("Reduced amount for children (solidarity)"))
    child_age = forms.IntegerField(
        label=_("Children pay the reduced amount under the age of"), required=False, min_value=1
    )
    bands = forms.CharField(
        label=_("Amounts by household size"),
        required=False,
        help_text=_("e.g. 1-3: 9000; 4-6: 12000; 7+: 15000"),
    )
    ability_amounts = forms.CharField(
        label=_("Amounts by ability-to-pay category"),
        required=False,
        help_text=_("category codes, e.g. indigent: 0; low: 3000; middle: 6000"),
    )
    ability_per_person = forms.BooleanField(
        label=_("Ability amounts are per person (otherwise per household)"),
        required=False,
        initial=True,
    )
    salary_rate = forms.CharField(label=_("Percentage of salary"), required=False, max_length=12)
    salary_floor = _money(_("Salary floor"))
    salary_ceiling = _money(_("Salary ceiling"))
    entry_fee = _money(_("Entry fee (once per new member)"))
    card_fee = _money(_("Card fee (per card)"))
    assembly_fee = _money(_("General assembly fee (per household per year)"))

    def config(self, currency: str) -> dict:
        """The mapping that contributions.rules checks (malformed lists are passed on as text,
        which the rules refuse with their own reason)."""
        data = self.cleaned_data
        config: dict = {"basis": data["basis"], "currency": currency}
        if data["periodicity"] == "season":
            config["periodicity_kind"] = "year"
            day, _sep, month = (data.get("season_start") or "").partition("/")
            config["anchor_day"], config["anchor_month"] = day.strip(), month.strip()
        else:
            config["periodicity_kind"] = data["periodicity"]
        for name in MONEY_FIELDS:
            if value := (data.get(name) or "").replace(" ", "").replace("\u202f", ""):
                config[name] = value
        if data.get("child_age"):
            config["child_age"] = data["child_age"]
        if data.get("salary_rate"):
            config["salary_rate"] = data["salary_rate"].replace(",", ".")
        if text := data.get("bands", "").strip():
            config["bands"] = parse_bands(text)
        if text := data.get("ability_amounts", "").strip():
            config["ability_amounts"] = parse_pairs(text)
            config["ability_per_person"] = bool(data.get("ability_per_person"))
        return config

    @classmethod
    def initial_of(cls, label: str, config: dict) -> dict:
        initial = {"label": label, **{k: v for k, v in config.items() if k in cls.base_fields}}
        if config.get("periodicity_kind") == "year" and (
            str(config.get("anchor_month", 1)) != "1" or str(config.get("anchor_day", 1)) != "1"
        ):
            initial["periodicity"] = "season"
            initial["season_start"] = f"{config['anchor_day']}/{config['anchor_month']}"
        else:
            initial["periodicity"] = config.get("periodicity_kind", "year")
        if bands := config.get("bands"):
            initial["bands"] = "; ".join(
                f"{lo}{'+' if hi is None else f'-{hi}'}: {amount}" for lo, hi, amount in bands
            )
        if abilities := config.get("ability_amounts"):
            initial["ability_amounts"] = "; ".join(f"{k}: {v}" for k, v in abilities.items())
        return initial


def parse_bands(text: str):
    """ "1-3: 9000; 4-6: 12000; 7+: 15000" → [[1, 3, "9000"], [4, 6, "12000"], [7, None, "15000"]]
    (the text itself when it cannot be read: the rules then say how to write it)."""
    bands = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        sizes, sep, amount = part.partition(":")
        if not sep:
            return text
        sizes = sizes.strip()
        if sizes.endswith("+"):
            low, high = sizes[:-1], None
        else:
            low, _dash, high = sizes.partition("-")
            high = high or low
        if not low.strip().isdigit() or (high is not None and not str(high).strip().isdigit()):
            return text
        bands.append([int(low), None if high is None else int(high), amount.strip()])
    return bands


def parse_pairs(text: str):
    pairs = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        code, sep, amount = part.partition(":")
        if not sep:
            return text
        pairs[code.strip()] = amount.strip().replace(" ", "")
    return pairs


class BillingForm(forms.Form):
    period = forms.ChoiceField(label=_("Period to bill"))

    def __init__(self, *args, periods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(p, p) for p in periods]


class AdoptForm(forms.Form):
    effective_from = forms.DateField(
        label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"})
    )
