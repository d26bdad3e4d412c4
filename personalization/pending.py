"""Choices made before consent: kept only in the shopper's browser session (a signed cookie that
expires when the browser closes, capped in size), never on the server. Once the shopper
consents, they are written as events (services.events.pending_attach).

The cookie is read and rewritten on every click of an undecided visitor, so it is compact:
{"n": nonce, "c": counter, "e": [[seq, type, epoch seconds, product, build, group, option,
properties], …]}. Event keys are derived from the nonce and each item's sequence number, so
attaching the same cookie twice stores each choice once.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from django.core import signing
from django.http import HttpRequest, HttpResponse

COOKIE = "atelier_pending"
SALT = "atelier.pending"
MAX_ITEMS = 40  # the newest choices win; a cookie must stay well under 4 KB
KEYS = uuid.UUID("6f1c1f8e-3c1b-4a57-9a55-6d1f0c2b7e41")  # namespace of pending events' keys


def _state(request: HttpRequest) -> dict:
    cached = getattr(request, "_atelier_pending", None)
    if cached is not None:
        return cached
    state: dict = {"n": "", "c": 0, "e": []}
    raw = request.COOKIES.get(COOKIE)
    if raw and len(raw) < 4096:
        try:
            loaded = signing.loads(raw, salt=SALT)
        except signing.BadSignature:
            loaded = None
        if isinstance(loaded, dict) and isinstance(loaded.get("e"), list) and isinstance(loaded.get("n"), str):
            state = {"n": loaded["n"], "c": int(loaded.get("c") or 0),
                     "e": [e for e in loaded["e"] if isinstance(e, list) and len(e) == 8]}
    request._atelier_pending = state
    return state


def pending_read(request: HttpRequest) -> list[dict]:
    """The pending choices as event dicts (see capture.event_dict), oldest first."""
    state = _state(request)
    events = []
    for seq, type_, epoch, product, build, group, option, properties in state["e"]:
        try:
            at = datetime.fromtimestamp(int(epoch), tz=UTC).isoformat()
        except (TypeError, ValueError, OverflowError, OSError):
            continue
        events.append({
            "key": str(uuid.uuid5(KEYS, f"{state['n']}:{seq}")), "type": type_, "at": at, "product": product,
            "build": build, "group": group, "option": option, "properties": properties,
        })
    return events


def pending_add(request: HttpRequest, items: list[dict]) -> None:
    """Queue `items` (event dicts) for the response's cookie."""
    if not items:
        return
    state = _state(request)
    if not state["n"]:
        state["n"] = secrets.token_urlsafe(9)
    for item in items:
        state["c"] += 1
        at = item.get("at")
        epoch = int(datetime.fromisoformat(at).timestamp()) if isinstance(at, str) else int(datetime.now(UTC).timestamp())
        state["e"].append([state["c"], item["type"], epoch, item.get("product"), item.get("build"),
                           item.get("group") or "", item.get("option") or "", item.get("properties") or {}])
    state["e"] = state["e"][-MAX_ITEMS:]
    request._atelier_pending_dirty = True


def pending_clear(request: HttpRequest) -> None:
    request._atelier_pending = {"n": "", "c": 0, "e": []}
    request._atelier_pending_dirty = True


def pending_write(request: HttpRequest, response: HttpResponse) -> None:
    """Called on the way out (middleware): store or drop the cookie if it changed."""
    if not getattr(request, "_atelier_pending_dirty", False):
        return
    state = request._atelier_pending
    if state["e"]:
        # A few choices are not worth compressing (zlib would cost more than it saves).
        value = signing.dumps(state, salt=SALT, compress=len(state["e"]) > 3)
        # No max_age: a browser-session cookie, gone when the browser closes.
        response.set_cookie(COOKIE, value, httponly=True, samesite="Lax", secure=request.is_secure())
    elif request.COOKIES.get(COOKIE):
        response.delete_cookie(COOKIE, samesite="Lax")
