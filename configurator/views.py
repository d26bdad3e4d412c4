"""Shopper pages. Thin: they call selectors and services and render templates."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from configurator import selectors


@require_GET
def home(request):
    return render(request, "configurator/home.html", {"products": selectors.product_list()})
