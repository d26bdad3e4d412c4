"""Request plumbing: refuse oversized bodies early, and know the pseudonymous shopper."""

from __future__ import annotations

import io
from functools import cache

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from configurator.identity import read_shopper, sign_shopper


class BodySizeLimitMiddleware:
    """413 for bodies over ATELIER_MAX_BODY_BYTES, before anything reads them.

    A body sent without a Content-Length (Transfer-Encoding: chunked, which gunicorn decodes) is
    read here, at most one byte past the limit, and handed on with its length: Django on WSGI
    would otherwise read such a body as empty, whatever its size.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request.path_info)
        declared = request.META.get("CONTENT_LENGTH")
        try:
            length = int(declared or 0)
        except ValueError:
            length = -1
        if length < 0:
            return JsonResponse({"detail": _("Invalid Content-Length header.")}, status=400)
        if length > limit:
            return _too_large(limit)
        if not declared and _unsized_body(request, limit) > limit:
            return _too_large(limit)
        return self.get_response(request)


# A product package's upload page takes a package (ATELIER_PACKAGE_MAX_BYTES) and the form around it.
MULTIPART_SLACK = 64 * 1024


@cache
def _package_upload_path() -> str:
    return reverse("admin:configurator_product_import_package")


def body_limit(path: str) -> int:
    if path == _package_upload_path():
        return settings.ATELIER_PACKAGE_MAX_BYTES + MULTIPART_SLACK
    return settings.ATELIER_MAX_BODY_BYTES


def _too_large(limit: int) -> HttpResponse:
    body = {"detail": _("The request body is too large (at most %(limit)s bytes).") % {"limit": limit}}
    return JsonResponse(body, status=413)


def _unsized_body(request: HttpRequest, limit: int) -> int:
    """The size of a body that came without a Content-Length, read up to one byte past the
    limit (0 when there is none)."""
    stream = getattr(request, "_stream", None)
    if stream is not None and hasattr(stream, "seekable") and stream.seekable():  # ASGI: spooled already
        size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
        return size
    if "chunked" not in request.META.get("HTTP_TRANSFER_ENCODING", "").lower() or "wsgi.input" not in request.META:
        return 0
    data = request.META["wsgi.input"].read(limit + 1)
    request.META["CONTENT_LENGTH"] = str(len(data))
    request._stream = LimitedStream(io.BytesIO(data), len(data))
    return len(data)


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
        # A request that sends the header is known by it alone, never by the cookie as well: the
        # API waives CSRF for header requests (ShopperCookieCsrf), so a bad header must not fall
        # back to the cookie's ambient identity.
        token = header if header is not None else request.COOKIES.get(settings.ATELIER_SHOPPER_COOKIE)
        request.shopper_id = read_shopper(token)
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
