"""The consent banner, for any shopper page: `{% load consent_tags %}{% consent_banner %}`.

It reads only the signed consent cookie (no database), and renders nothing once the shopper
has decided."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

from personalization.consent import consents_from_request

register = template.Library()


def purposes() -> list[dict[str, str]]:
    """The three purposes, each with a short explanation and what is stored for it."""
    days = settings.ATELIER_EVENT_RETENTION_DAYS
    return [
        {
            "code": "analytics",
            "name": _("Analytics"),
            "summary": _("We count which options and designs people choose, to improve our products."),
            "stored": _("Your choices in the configurator, as events under a random id, kept for at most "
                        "%(days)s days. Reports only show totals.") % {"days": days},
        },
        {
            "code": "personalization",
            "name": _("Personalization"),
            "summary": _("We learn from your choices why you buy (for example practical, status or "
                         "sustainability) and suggest designs and offers that fit you."),
            "stored": _("The same events, plus a motivation profile worked out from them. You can see "
                        "it on this page."),
        },
        {
            "code": "marketing",
            "name": _("Marketing"),
            "summary": _("We may include you in marketing audiences, for example an e-mail about a new "
                         "product that fits your style."),
            "stored": _("Your choice, and the audiences you belong to. Your e-mail address is only known "
                        "to us once you order."),
        },
    ]


@register.inclusion_tag("personalization/consent_banner.html", takes_context=True)
def consent_banner(context) -> dict:
    request = context.get("request")
    if request is None or context.get("hide_consent_banner"):
        return {"show": False}
    consents = consents_from_request(request)
    if consents.decided:
        return {"show": False}
    return {"show": True, "consent": consents, "purposes": purposes(), "next": request.get_full_path(),
            "csrf_token": context.get("csrf_token")}
