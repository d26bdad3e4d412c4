"""The header's language switch.

Django's `set_language` turns the page's address into the chosen language's by resolving it
(`translate_url`), and resolving a language-prefixed path only works in that path's own
language: `/en/...` resolves while English is active, not while Dutch is. On `/i18n/setlang/`
(no prefix) the active language comes from the browser, so on `/en/...` in a Dutch browser,
choosing Nederlands sent the shopper back to the English page (and the reverse). Here the
address is resolved in its own language first.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.i18n import set_language as django_set_language


def language_of(url: str) -> str | None:
    """The language of a path's prefix (`/nl/...` -> "nl"), or None for a path without one."""
    return translation.get_language_from_path(urlsplit(url or "").path)


def without_language_query(url: str) -> str:
    """`url` without its `?lang=`: an address without a prefix (a share page) may name its
    language in the query, which would otherwise outvote the language just chosen."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    return urlunsplit(parts._replace(query=urlencode(query)))


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's view, with the address to return to resolved in the language it is written in."""
    data = request.POST if request.method == "POST" else request.GET
    next_url = data.get("next", "")
    own = language_of(next_url)
    if own is None:
        if "lang=" in urlsplit(next_url).query:
            data = data.copy()
            data["next"] = without_language_query(next_url)
            if request.method == "POST":
                request.POST = data
            else:
                request.GET = data
        return django_set_language(request)
    with translation.override(own):
        return django_set_language(request)
