"""Share links with UTM tags for each network, and the page data of a shared build."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.utils.translation import gettext as _

NETWORKS = ("x", "facebook", "pinterest", "whatsapp", "email", "copy", "native")


def tagged(url: str, source: str) -> str:
    return f"{url}?{urlencode({'utm_source': source, 'utm_medium': 'social', 'utm_campaign': 'share'})}"


def share_links(url: str, card_url: str, title: str) -> list[dict[str, str]]:
    """Buttons for the share page. Copy and the Web Share API are done by a small script."""
    text = _("My design: %(title)s") % {"title": title}
    return [
        {"network": "x", "label": "X", "href": "https://x.com/intent/post?" + urlencode({"text": text, "url": tagged(url, "x")})},
        {"network": "facebook", "label": "Facebook",
         "href": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": tagged(url, "facebook")})},
        {"network": "pinterest", "label": "Pinterest", "href": "https://pinterest.com/pin/create/button/?" + urlencode(
            {"url": tagged(url, "pinterest"), "media": card_url, "description": text})},
        {"network": "whatsapp", "label": "WhatsApp",
         "href": "https://wa.me/?" + urlencode({"text": f"{text} {tagged(url, 'whatsapp')}"})},
        {"network": "email", "label": _("E-mail"),
         "href": f"mailto:?subject={quote(text)}&body={quote(tagged(url, 'email'))}"},
    ]
