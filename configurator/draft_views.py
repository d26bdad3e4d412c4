"""The draft preview: staff open a product's unpublished catalog in the real studio.

Only staff who may see products in admin get these pages; anyone else gets a 404, exactly like a
product that does not exist, so the address tells nobody that a draft is there (no redirect to a
login page). Nothing is saved, shared or ordered from a draft, and its clicks record no events.
Pictures are drawn on request and stored nowhere (`Cache-Control: private, no-store`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from configurator.draft import Draft, draft_picture, product_draft
from configurator.findings import CatalogNames, finding_message
from configurator.models import Product
from configurator.previews import PreviewRefused, RenderUnavailable
from configurator.views import render_unavailable, step_answer, studio_answer, summary_answer


def may_preview(user) -> bool:
    """Staff who may see products in admin (the view or the change permission)."""
    return bool(user.is_active and user.is_staff and (
        user.has_perm("configurator.view_product") or user.has_perm("configurator.change_product")
    ))


def _product_or_404(request: HttpRequest, slug: str) -> Product:
    if not may_preview(request.user):
        raise Http404
    try:  # any product: a draft of one not yet published (or switched off) is what staff check first
        return Product.objects.select_related("current_version").get(slug=slug)
    except Product.DoesNotExist:
        raise Http404 from None


def banner(draft: Draft) -> dict:
    """What the draft banner and its findings show, in the active (the staff member's) language."""
    product = draft.version.product
    names = CatalogNames(draft.version.snapshot)
    return {
        "number": draft.version.number,
        "published": draft.published,
        "unchanged": draft.unchanged,
        "errors": [finding_message(f, names) for f in draft.errors],
        "warnings": [finding_message(f, names) for f in draft.warnings],
        "admin_url": reverse("admin:configurator_product_change", args=[product.pk]),
        "publish_url": f"{reverse('admin:configurator_product_publish')}?ids={product.pk}",
        "shop_url": reverse("configurator:studio", args=[product.slug]) if draft.published and product.is_active else "",
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def draft_studio(request: HttpRequest, slug: str) -> HttpResponse:
    product = _product_or_404(request, slug)
    if request.method == "POST":  # a save, share or order sent here: refused, nothing is stored
        return HttpResponseForbidden(
            _("Nothing can be saved, shared or ordered from a draft preview. Publish the catalog first."),
            content_type="text/plain; charset=utf-8",
        )
    draft = product_draft(product=product)
    if draft.catalog is None:
        return render(request, "configurator/draft_unreadable.html", {"draft": banner(draft), "product": product})
    return studio_answer(request, draft.catalog, draft.ref, draft=banner(draft))


@never_cache
@require_safe
def draft_summary(request: HttpRequest, slug: str) -> HttpResponse:
    """The draft's summary step alone, which studio.js asks for when the summary is opened."""
    return _draft_part(request, slug, summary_answer)


@never_cache
@require_safe
def draft_step(request: HttpRequest, slug: str) -> HttpResponse:
    """The draft's open step alone, which studio.js asks for when a step with conflicts is opened."""
    return _draft_part(request, slug, step_answer)


def _draft_part(request: HttpRequest, slug: str, answer: Callable[..., HttpResponse]) -> HttpResponse:
    draft = product_draft(product=_product_or_404(request, slug))
    if draft.catalog is None:
        raise Http404
    return answer(request, draft.catalog, draft.ref, reverse("configurator:draft", args=[slug]), draft=banner(draft))


@require_safe
def draft_preview(request: HttpRequest, slug: str, checksum: str, fingerprint: str, view: str | None = None,
                  zoom: bool = False) -> HttpResponse:
    """One view of a draft build as a JPEG, drawn now. An address of an older draft is a 404:
    the page it came from is out of date."""
    draft = product_draft(product=_product_or_404(request, slug))
    if draft.version.checksum != checksum:
        raise Http404(_("The draft has changed since: reload the preview."))
    try:
        data = draft_picture(draft, request.GET, fingerprint, view, zoom=zoom)
    except PreviewRefused:
        raise Http404(_("No such preview.")) from None
    except RenderUnavailable:
        return render_unavailable(request)
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response
