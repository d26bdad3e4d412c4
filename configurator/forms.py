"""Shopper forms. They check the shape of the input; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField


class OrderForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    country = LazyTypedChoiceField(label=_("Country"), choices=countries)
    marketing_opt_in = forms.BooleanField(
        label=_("Yes, send me news and offers by e-mail (you can unsubscribe at any time)."), required=False
    )
