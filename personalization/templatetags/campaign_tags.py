"""{% campaign "home_hero" %}, {% campaign "product_banner" product=... %} and
{% campaign "starting_build" product=... %}: the shopper's campaign for a placement, or nothing.

Configurator pages load this library; configurator code never imports personalization."""

from __future__ import annotations

import logging

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language

from personalization.models import Placement
from personalization.services.campaigns import campaign_content, campaign_for

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag(takes_context=True)
def campaign(context, placement: str, product=None) -> str:
    request = context.get("request")
    if request is None or placement not in Placement.values:
        return ""
    try:
        found = campaign_for(request, placement, product)
    except Exception:  # a broken campaign must never break the shop's page
        logger.exception("campaign for %s failed", placement)
        return ""
    if found is None:
        return ""
    language = get_language() or "en"
    return render_to_string(f"personalization/campaign_{placement}.html", {
        "campaign": found.campaign,
        "variant": found.variant,
        "content": campaign_content(found.variant, language),
        "click_url": reverse("personalization:campaign-click", args=[found.campaign.pk]),
        "build": found.campaign.starting_build,
    }, request=request)
