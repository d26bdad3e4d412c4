"""The share page of a design, its pictures for every network, and remixing it. Thin: the
pictures are drawn by configurator.previews, the page's links come from configurator.sharing."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from configurator import selectors, services, signals
from configurator.i18n import LANGUAGE_CODES, activate_query_language
from configurator.models import Build
from configurator.moderation_views import gone_unless_owner, viewer_owns
from configurator.previews import RenderUnavailable, rendered_open, social_image_fetch, social_image_type
from configurator.ratelimits import limit as ratelimit
from configurator.ratelimits import lookup, ratelimited
from configurator.render.compose import canvas_size
from configurator.render.social import FORMATS
from configurator.sharing import embed_size, embed_snippet, image_filename, image_offers, share_links, tagged
from configurator.snapshot import catalog_for
from configurator.studio import build_summary
from configurator.views import _owner, render_unavailable


def shared_or_404(request: HttpRequest, code: str) -> Build:
    """Only lookups that miss count (against share_miss): guessing codes gets a client 429."""
    try:
        return lookup(request, "share_miss", lambda: selectors.build_get_shared(share_code=code[:40]), (Build.DoesNotExist,))
    except Build.DoesNotExist:
        raise Http404 from None


def design_title(build: Build) -> str:
    return build.name or build.product.name


def image_url(request: HttpRequest, build: Build, fmt: str, lang: str, *, download: bool = False) -> str:
    """The absolute address of a social picture of `build` in `lang` (downloaded as a file with
    `download`)."""
    name = "shared-card" if fmt == "card" else "shared-image"
    args = [build.share_code] if fmt == "card" else [build.share_code, fmt]
    return request.build_absolute_uri(reverse(name, args=args)) + f"?lang={lang}" + ("&download=1" if download else "")


@require_safe
@ratelimited()
def shared(request: HttpRequest, code: str) -> HttpResponse:
    build = shared_or_404(request, code)
    if gone := gone_unless_owner(request, build):
        return gone
    lang = activate_query_language(request)
    summary = build_summary(build)
    url = request.build_absolute_uri(reverse("shared", args=[build.share_code]))
    # The card and the page's own address name its language, so a link preview matches the page.
    card_url = image_url(request, build, "card", lang)
    title = design_title(build)
    embed_url = request.build_absolute_uri(reverse("shared-embed", args=[build.share_code])) + f"?lang={lang}"
    oembed_url = request.build_absolute_uri(reverse("oembed")) + f"?url={quote(f'{url}?lang={lang}', safe='')}&format=json"
    context = {
        "build": build, "summary": summary, "share_url": url, "card_url": card_url, "title": title,
        "page_url": f"{url}?lang={lang}", "languages": [(code, f"{url}?lang={code}") for code in LANGUAGE_CODES],
        "links": share_links(url, image_url(request, build, "portrait", lang), title),
        "images": image_offers(lambda fmt, download: image_url(request, build, fmt, lang, download=download), title),
        "native_url": tagged(url, "native"), "copy_url": tagged(url, "copy"),
        "embed_code": embed_snippet(embed_url, title, *embed_size(canvas_size(catalog_for(build.catalog_version_id)))),
        "oembed_url": oembed_url, "is_owner": viewer_owns(request, build),
        "plan": services.build_rebase_plan(build=build) if build.is_stale else None,
    }
    response = render(request, "configurator/shared.html", context)
    if request.method == "GET" and not context["is_owner"]:  # a HEAD (a link checker) is no view
        signals.share_viewed.send(sender=Build, request=request, build=build)
    return response


@require_safe
@ratelimited()
def shared_image(request: HttpRequest, code: str, fmt: str = "card") -> HttpResponse:
    """A social picture of a shared design (configurator.render.social.FORMATS): shown, or with
    ?download=1 saved under a readable file name. Drawn once per language, name and price."""
    if fmt not in FORMATS or (fmt == "card") != (request.resolver_match.url_name == "shared-card"):
        raise Http404
    build = shared_or_404(request, code)
    if gone := gone_unless_owner(request, build):
        return gone
    language = activate_query_language(request)
    try:
        image = rendered_open(lambda redraw: social_image_fetch(
            build=build, language=language, fmt=fmt, redraw=redraw,
            before_render=lambda: ratelimit(request, "render"),
        ))
    except RenderUnavailable:
        return render_unavailable(request)
    ext, content_type = social_image_type(fmt)
    download = request.GET.get("download") == "1"
    response = FileResponse(image, content_type=content_type, as_attachment=download,
                            filename=image_filename(design_title(build), fmt, ext) if download else "")
    patch_cache_control(response, public=True, max_age=3600)
    return response


@require_POST
@ratelimited("save")
def shared_remix(request: HttpRequest, code: str) -> HttpResponse:
    source = shared_or_404(request, code)
    if gone := gone_unless_owner(request, source):
        return gone
    activate_query_language(request)  # the studio opens in the language of the page remixed from
    owner = _owner(request, create=True)
    current = request.POST.get("current") == "1" and source.is_stale
    remix = (services.build_remix_current if current else services.build_remix)(source=source, owner=owner)
    summary = build_summary(remix)
    messages.success(request, _("This is your own copy now: change anything you like."))
    return redirect(f"{reverse('configurator:studio', args=[remix.product.slug])}?{summary.preview.query}&b={remix.pk}")
