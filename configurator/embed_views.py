"""Embeds of a shared design: the read-only view other sites frame, and the oEmbed endpoint
(https://oembed.com) that tells blogs, chat tools and CMSs how to show a share link.

The embed is the only page that may be framed, by any site (ATELIER_EMBED_FRAME_ANCESTORS), under
a policy of its own (ATELIER_EMBED_CSP: no script at all, images and styles from this site only,
no form). Every other page keeps `frame-ancestors 'none'` and `X-Frame-Options: DENY`. A design
staff have hidden, or one that is no longer shared, is neither embedded nor described, also not
for its owner: an embed is public by nature."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.request import split_domain_port
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from configurator.i18n import LANGUAGE_CODES, activate_query_language, current_language
from configurator.models import Build
from configurator.ratelimits import ratelimited
from configurator.render.compose import canvas_size
from configurator.share_views import design_title, image_url, shared_or_404
from configurator.sharing import embed_size, embed_snippet
from configurator.snapshot import catalog_for
from configurator.studio import build_summary

THUMBNAIL_SIZE = (1200, 630)  # the card
MAX_DIMENSION_DIGITS = 9  # maxwidth/maxheight beyond this are not sizes
CACHE_AGE = 3600


def _embeddable(build: Build) -> bool:
    return build.is_shared and not build.is_hidden


def _framed(response: HttpResponse) -> HttpResponse:
    """The embed's own policy (read when answering, so settings may change it) instead of the
    site's, and no X-Frame-Options: frame-ancestors says who may frame it."""
    response._csp_config = settings.ATELIER_EMBED_CSP
    return response


@xframe_options_exempt
@require_safe
@ratelimited()
def embed(request: HttpRequest, code: str) -> HttpResponse:
    """The design's picture, name and price, and "Make it yours", which opens its share page in
    a new window (a remix is a POST there: following a link changes nothing)."""
    activate_query_language(request)
    try:
        build = shared_or_404(request, code)
    except Http404:
        build = None
    if build is None or not _embeddable(build):
        status = 404 if build is None else 410
        return _framed(render(request, "configurator/embed_gone.html", status=status))
    lang = current_language()
    share_url = request.build_absolute_uri(reverse("shared", args=[build.share_code]))
    context = {
        "build": build, "title": design_title(build), "summary": build_summary(build),
        "page_url": f"{share_url}?lang={lang}&utm_source=embed&utm_medium=embed&utm_campaign=share",
    }
    return _framed(render(request, "configurator/embed.html", context))


class _Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def _dimension(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_DIMENSION_DIGITS or int(raw) < 1:
        raise _Refused(400, _("%(name)s must be a whole number of pixels, at least 1.") % {"name": name})
    return int(raw)


def _own_host(request: HttpRequest) -> str:
    """This site's host name as urlsplit gives one: lower case, no port, no IPv6 brackets."""
    return split_domain_port(request.get_host())[0].strip("[]")


def _named_build(request: HttpRequest, url: str) -> tuple[Build, str | None]:
    """The shared design a share link names, and the language the link asks for; 404 for a link
    that is not one of this site's share pages, or whose design is not shared or is hidden."""
    if not url:
        raise _Refused(400, _("Give the address of a shared design as url."))
    if len(url) > 2000:
        raise _Refused(404, _("No shared design has this address."))
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise _Refused(404, _("No shared design has this address.")) from None
    if parts.scheme not in ("http", "https") or not host or host != _own_host(request):
        raise _Refused(404, _("No shared design has this address."))
    try:
        match = resolve(parts.path)
    except Resolver404:
        match = None
    if match is None or match.url_name not in ("shared", "shared-embed"):
        raise _Refused(404, _("No shared design has this address."))
    try:
        build = shared_or_404(request, match.kwargs["code"])
    except Http404:
        raise _Refused(404, _("No shared design has this address.")) from None
    if not _embeddable(build):
        raise _Refused(404, _("No shared design has this address."))
    lang = (parse_qs(parts.query).get("lang") or [None])[0]
    return build, lang if lang in LANGUAGE_CODES else None


def _oembed(request: HttpRequest) -> dict:
    fmt = request.GET.get("format", "json")
    if fmt != "json":
        raise _Refused(501, _("Only the json format is offered."))
    maxwidth, maxheight = _dimension(request, "maxwidth"), _dimension(request, "maxheight")
    build, lang = _named_build(request, request.GET.get("url", ""))
    lang = lang or activate_query_language(request)
    with translation.override(lang):
        width, height = embed_size(canvas_size(catalog_for(build.catalog_version_id)), maxwidth, maxheight)
        title = design_title(build)
        src = request.build_absolute_uri(reverse("shared-embed", args=[build.share_code])) + f"?lang={lang}"
        answer = {
            "version": "1.0", "type": "rich", "title": title, "provider_name": "Atelier",
            "provider_url": request.build_absolute_uri("/"), "cache_age": CACHE_AGE,
            "html": embed_snippet(src, title, width, height), "width": width, "height": height,
        }
    # The thumbnail must respect maxwidth and maxheight too: the card when it fits, else none.
    if (maxwidth or THUMBNAIL_SIZE[0]) >= THUMBNAIL_SIZE[0] and (maxheight or THUMBNAIL_SIZE[1]) >= THUMBNAIL_SIZE[1]:
        answer.update(thumbnail_url=image_url(request, build, "card", lang), thumbnail_width=THUMBNAIL_SIZE[0],
                      thumbnail_height=THUMBNAIL_SIZE[1])
    return answer


@require_safe
@ratelimited()
def oembed(request: HttpRequest) -> HttpResponse:
    """GET /oembed/?url=<share link>&format=json[&maxwidth=&maxheight=]: a "rich" oEmbed answer
    whose html is the embed's iframe. 404 for an address that is no shared design of this site,
    501 for any format but json, 400 for a size that is no positive whole number."""
    try:
        response = JsonResponse(_oembed(request), json_dumps_params={"ensure_ascii": False})
        patch_cache_control(response, public=True, max_age=CACHE_AGE)
    except _Refused as refused:
        response = JsonResponse({"detail": refused.detail}, status=refused.status)
    # Public data, no cookies needed: a consumer's page may read it from its own script.
    response["Access-Control-Allow-Origin"] = "*"
    return response
