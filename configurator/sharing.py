"""Share links with UTM tags for each network, the pictures offered for saving, and the embed
snippet of a shared build."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _

NETWORKS = ("x", "facebook", "pinterest", "whatsapp", "email", "copy", "native", "embed")
# The pictures a share page offers, in the order it lists them (configurator.render.social.FORMATS).
IMAGE_FORMATS = ("square", "story", "portrait", "card")
EMBED_WIDTH = 400  # the embed's iframe, unless an oEmbed consumer asks for less
EMBED_TEXT_HEIGHT = 150  # the name, price and button below the picture


def tagged(url: str, source: str, medium: str = "social") -> str:
    return f"{url}?{urlencode({'utm_source': source, 'utm_medium': medium, 'utm_campaign': 'share'})}"


def share_links(url: str, pin_url: str, title: str) -> list[dict[str, str]]:
    """Buttons for the share page. Copy and the Web Share API are done by a small script.
    Pinterest gets `pin_url`, the portrait picture: pins are tall."""
    text = _("My design: %(title)s") % {"title": title}
    return [
        {"network": "x", "label": "X", "href": "https://x.com/intent/post?" + urlencode({"text": text, "url": tagged(url, "x")})},
        {"network": "facebook", "label": "Facebook",
         "href": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": tagged(url, "facebook")})},
        {"network": "pinterest", "label": "Pinterest", "href": "https://pinterest.com/pin/create/button/?" + urlencode(
            {"url": tagged(url, "pinterest"), "media": pin_url, "description": text})},
        {"network": "whatsapp", "label": "WhatsApp",
         "href": "https://wa.me/?" + urlencode({"text": f"{text} {tagged(url, 'whatsapp')}"})},
        {"network": "email", "label": _("E-mail"),
         "href": f"mailto:?subject={quote(text)}&body={quote(tagged(url, 'email'))}"},
    ]


def image_filename(title: str, fmt: str, ext: str) -> str:
    """atelier-weekend-car-story.jpg: ASCII only, whatever the design is called."""
    stem = slugify(title)[:40].strip("-") or "design"
    return f"atelier-{stem}-{fmt}.{ext}"


def image_offers(image_url, title: str) -> list[dict[str, str]]:
    """The pictures to save, each with the network it suits. `image_url(fmt, download)` gives a
    picture's address (with download=True: saved as a file, not shown)."""
    from configurator.previews import social_image_type

    labels = {  # (the button, the picture's name for a screen reader, what it suits)
        "square": (_("Save for Instagram"), _("square"), _("A square picture for a post, 1080 × 1080")),
        "story": (_("Save for stories"), _("story"), _("Instagram, TikTok and WhatsApp stories, 1080 × 1920")),
        "portrait": (_("Save for Pinterest"), _("portrait"), _("A portrait picture, 1080 × 1350, also for Instagram")),
        "card": (_("Save the link picture"), _("link picture"), _("For X, Facebook and LinkedIn, 1200 × 630")),
    }
    offers = []
    for fmt in IMAGE_FORMATS:
        ext, content_type = social_image_type(fmt)
        label, name, hint = labels[fmt]
        offers.append({"format": fmt, "label": label, "name": name, "hint": hint, "url": image_url(fmt, False),
                       "download_url": image_url(fmt, True), "filename": image_filename(title, fmt, ext),
                       "type": content_type})
    return offers


def embed_size(canvas: tuple[int, int], maxwidth: int | None = None, maxheight: int | None = None) -> tuple[int, int]:
    """The embed's width and height: EMBED_WIDTH wide, the picture at its own proportions above
    the texts, and never larger than an oEmbed consumer's maxwidth and maxheight (the page inside
    adapts to any size)."""
    width = min(EMBED_WIDTH, maxwidth or EMBED_WIDTH)
    height = round(width * canvas[1] / canvas[0]) + EMBED_TEXT_HEIGHT
    return width, min(height, maxheight or height)


def embed_snippet(embed_url: str, title: str, width: int, height: int) -> str:
    """The iframe a site pastes. Sandboxed: no script, no access to the embedding page; links
    open a new window that leaves the sandbox (the share page, where a remix starts)."""
    return format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" loading="lazy" '
        'sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="strict-origin-when-cross-origin" '
        'style="border:0;max-width:100%"></iframe>',
        embed_url, width, height, title,
    )
