"""Choices made before consent: kept only in the shopper's browser session (a signed cookie that
expires when the browser closes, capped in size), never on the server. Once the shopper
consents, they are written as events (services.events.pending_attach)."""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse

COOKIE = "atelier_pending"
SALT = "atelier.pending"
MAX_ITEMS = 40  # the newest choices win; a cookie must stay well under 4 KB


def pending_read(request: HttpRequest) -> list[dict]:
    cached = getattr(request, "_atelier_pending", None)
    if cached is not None:
        return cached
    raw = request.COOKIES.get(COOKIE)
    items: list[dict] = []
    if raw:
        try:
            loaded = signing.loads(raw, salt=SALT)
            items = [i for i in loaded if isinstance(i, dict)] if isinstance(loaded, list) else []
        except signing.BadSignature:
            items = []
    request._atelier_pending = items
    return items


def pending_add(request: HttpRequest, items: list[dict]) -> None:
    """Queue `items` (plain event dicts) for the response's cookie."""
    if not items:
        return
    request._atelier_pending = (pending_read(request) + items)[-MAX_ITEMS:]
    request._atelier_pending_dirty = True


def pending_clear(request: HttpRequest) -> None:
    request._atelier_pending = []
    request._atelier_pending_dirty = True


def pending_write(request: HttpRequest, response: HttpResponse) -> None:
    """Called on the way out (middleware): store or drop the cookie if it changed."""
    if not getattr(request, "_atelier_pending_dirty", False):
        return
    items = request._atelier_pending
    if items:
        value = signing.dumps(items, salt=SALT, compress=True)
        # No max_age: a browser-session cookie, gone when the browser closes.
        response.set_cookie(COOKIE, value, httponly=True, samesite="Lax", secure=request.is_secure())
    else:
        response.delete_cookie(COOKIE, samesite="Lax")
