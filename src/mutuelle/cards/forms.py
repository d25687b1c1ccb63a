from django import forms
from django.utils.translation import gettext_lazy as _

from mutuelle.core.models import Place

from . import pdf
from .models import RevokeReason

LAYOUT_CHOICES = [
    (pdf.CR80, _("Card printer (CR80, one card per page)")),
    (pdf.A4, _("A4 sheets of 10 cards, with cut marks")),
]
# A reason a staff member may give (RENEWED is the system's own, for expired cards).
STAFF_REASONS = [(v, label) for v, label in RevokeReason.choices if v != RevokeReason.RENEWED]


class LayoutForm(forms.Form):
    layout = forms.ChoiceField(label=_("Layout"), choices=LAYOUT_CHOICES, initial=pdf.CR80)


class RevokeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=STAFF_REASONS)


class VillageForm(forms.Form):
    place = forms.ModelChoiceField(label=_("Village or place"), queryset=Place.unscoped.none())
    layout = forms.ChoiceField(label=_("Layout"), choices=LAYOUT_CHOICES, initial=pdf.A4)

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        if places is not None:
            self.fields["place"].queryset = places


class DesignForm(forms.Form):
    """A mutual's card design: logo, validity, the line printed at the foot of the card."""

    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG or JPEG; it is resized to 400 pixels at most, transparency is kept."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    validity_months = forms.IntegerField(
        label=_("Validity of a card (months)"),
        required=False,
        min_value=1,
        max_value=120,
        help_text=_("Empty: the platform's default."),
    )
    footer = forms.CharField(
        label=_("Text at the foot of the card"),
        required=False,
        max_length=120,
        help_text=_("Empty: “Personal card. If found, please return it to the mutual.”"),
    )
