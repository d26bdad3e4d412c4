"""Request plumbing: refuse oversized bodies early, and know the pseudonymous shopper."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from configurator.identity import read_shopper, sign_shopper


class BodySizeLimitMiddleware:
    """413 for bodies over ATELIER_MAX_BODY_BYTES, before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.ATELIER_MAX_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": _("Invalid Content-Length header.")}, status=400)
        if length > limit:
            body = {"detail": _("The request body is too large (at most %(limit)s bytes).") % {"limit": limit}}
            return HttpResponse(json.dumps(body), status=413, content_type="application/json")
        return self.get_response(request)


class ShopperMiddleware:
    """Sets request.shopper_id from the signed cookie or the X-Atelier-Shopper header.

    A new id is only minted when a view asks for one (`ensure_shopper`), so browsing stores
    nothing; the cookie is then written on the way out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("X-Atelier-Shopper")
        request.shopper_from_header = header is not None
        request.shopper_id = read_shopper(header) or read_shopper(
            request.COOKIES.get(settings.ATELIER_SHOPPER_COOKIE)
        )
        request.shopper_is_new = False
        response = self.get_response(request)
        if request.shopper_is_new and request.shopper_id and not request.shopper_from_header:
            response.set_cookie(
                settings.ATELIER_SHOPPER_COOKIE,
                sign_shopper(request.shopper_id),
                max_age=settings.ATELIER_SHOPPER_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response


def ensure_shopper(request: HttpRequest):
    """The request's shopper id, minting (and later setting the cookie for) a new one if needed."""
    import uuid

    if getattr(request, "shopper_id", None) is None:
        request.shopper_id = uuid.uuid4()
        request.shopper_is_new = True
    return request.shopper_id
