"""Shopper forms. They check the shape of the input; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries


def _country_choices() -> list[tuple[str, str]]:
    return [(country.code, country.name) for country in countries]


class OrderForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    # A callable: the names are looked up (and sorted) in the shopper's language at each render.
    # Given `countries` itself, Django lists it once, at import, in English.
    country = forms.ChoiceField(label=_("Country"), choices=_country_choices)
    marketing_opt_in = forms.BooleanField(
        label=_("Yes, send me news and offers by e-mail (you can unsubscribe at any time)."), required=False
    )


class ReportForm(forms.Form):
    """A visitor's report of a shared design (configurator.moderation_views)."""

    reason = forms.ChoiceField(label=_("What is wrong with this design?"), widget=forms.RadioSelect, choices=())
    details = forms.CharField(
        label=_("Anything else we should know? (optional)"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
    )

    def __init__(self, *args, **kwargs) -> None:
        from configurator.models import ReportReason

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = ReportReason.choices

    def clean_details(self) -> str:
        details = self.cleaned_data["details"]
        if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in details):
            raise forms.ValidationError(_("Please remove the control characters."))
        return details
