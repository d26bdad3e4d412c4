"""{% share_reach build %}: on a sharer's own design page, how many people opened their share,
remixed it and ordered from it (personalization.services.reach.share_reach). Counts only.

Configurator pages load this library; configurator code never imports personalization."""

from __future__ import annotations

import logging

from django import template

from personalization.services.reach import share_reach as counts_of

register = template.Library()
logger = logging.getLogger(__name__)


@register.inclusion_tag("personalization/share_reach.html")
def share_reach(build) -> dict:
    if not getattr(build, "is_shared", False):
        return {"reach": None}
    try:
        return {"reach": counts_of(build=build)}
    except Exception:  # the counts must never break the sharer's page
        logger.exception("share reach of %s failed", build.pk)
        return {"reach": None}
