"""Shopper forms. They check the shape of the input; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from configurator.delivery import CITY_MAX, DELIVERY_COUNTRIES, LINE_MAX, POSTAL_MAX


def _country_choices() -> list[tuple[str, str]]:
    """The countries Atelier delivers to, named and sorted in the shopper's language."""
    return sorted(((code, countries.name(code)) for code in DELIVERY_COUNTRIES), key=lambda choice: choice[1])


class OrderForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    # A callable: the names are looked up (and sorted) in the shopper's language at each render.
    # Given `countries` itself, Django lists it once, at import, in English.
    country = forms.ChoiceField(label=_("Country"), choices=_country_choices)
    # The shape only; configurator.delivery checks the address for its country (in the service).
    address_line1 = forms.CharField(label=_("Street and number"), max_length=LINE_MAX,
                                    widget=forms.TextInput(attrs={"autocomplete": "address-line1"}))
    address_line2 = forms.CharField(label=_("Address line 2 (optional)"), max_length=LINE_MAX, required=False,
                                    widget=forms.TextInput(attrs={"autocomplete": "address-line2"}))
    postal_code = forms.CharField(label=_("Postal code"), max_length=POSTAL_MAX + 4,
                                  widget=forms.TextInput(attrs={"autocomplete": "postal-code"}))
    city = forms.CharField(label=_("City"), max_length=CITY_MAX,
                           widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    region = forms.CharField(label=_("State (US only)"), max_length=2, required=False,
                             widget=forms.TextInput(attrs={"autocomplete": "address-level1", "size": 2}))
    marketing_opt_in = forms.BooleanField(
        label=_("Yes, send me news and offers by e-mail (you can unsubscribe at any time)."), required=False
    )


class DesignEmailForm(forms.Form):
    """"E-mail me this design" on a build's page: where to send the private link."""

    email = forms.EmailField(label=_("Your e-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class DesignLinkForm(forms.Form):
    """Opening an e-mailed link: the address it was sent to, typed again."""

    email = forms.EmailField(label=_("The e-mail address this link was sent to"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))


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
