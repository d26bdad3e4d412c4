"""Request plumbing for idempotent saves and orders (the service is services/idempotency.py).

- The API takes an `Idempotency-Key` header (16 to 255 visible ASCII characters, e.g. a random
  UUID; the quoted form of the IETF draft is accepted too). Without it a request runs as before.
- An HTML form carries a one-time token (`{% once_input %}`): random, signed by the server, new on
  every page. The same token with the same fields is a retry (one save or order, the same
  redirect); with other fields (the page was used again after the back button) it is a new
  request.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable

from django.core import signing
from django.http import HttpRequest
from django.utils.translation import gettext as _

from configurator.services import Answer, idempotency_run

HEADER = "Idempotency-Key"
FORM_FIELD = "once"
_SALT = "atelier.form-once"
KEY_PATTERN = r"^[!-~]{16,255}$"  # visible ASCII (as documented in the OpenAPI schema)
_KEY = re.compile(KEY_PATTERN)
_NOT_HASHED = {"csrfmiddlewaretoken", FORM_FIELD}


class KeyInvalid(Exception):
    """A malformed Idempotency-Key, or a form token the server did not sign."""


def header_key(request: HttpRequest) -> str | None:
    """The request's Idempotency-Key, None without one; KeyInvalid for a malformed one."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"' and _KEY.fullmatch(value[1:-1]):
        return value[1:-1]  # the draft's quoted form: "…" is the same key
    if not _KEY.fullmatch(value):
        raise KeyInvalid(_("Send an Idempotency-Key of 16 to 255 visible ASCII characters, such as a random UUID."))
    return value


def form_token_new() -> str:
    return signing.Signer(salt=_SALT).sign(secrets.token_urlsafe(16))


def form_key(request: HttpRequest) -> str | None:
    """The key of a form post: its one-time token and a digest of its fields (see the module
    docstring). None for a post without a token; KeyInvalid for a token we did not make."""
    token = request.POST.get(FORM_FIELD, "")
    if not token:
        return None
    try:
        nonce = signing.Signer(salt=_SALT).unsign(token[:200])
    except signing.BadSignature:
        raise KeyInvalid(_("This form is out of date. Reload the page and try again.")) from None
    return f"{nonce}.{form_fingerprint(request)[:20]}"


def form_fingerprint(request: HttpRequest) -> str:
    fields = sorted((k, request.POST.getlist(k)) for k in request.POST if k not in _NOT_HASHED)
    return _digest(request.path, fields)


def api_fingerprint(request, data) -> str:
    """Path and parsed body (a retry may re-encode the same JSON)."""
    return _digest(request.method, request.path, data)


def _digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def once(request: HttpRequest, *, scope: str, key: str | None, fingerprint: str,
         action: Callable[[], Answer]) -> Answer:
    """`action()`, or with a key the answer of its first run (services.idempotency_run). A retry
    that came without the shopper's identity (the first answer, which set the cookie, was lost)
    gets that shopper back: the response sets the cookie again."""
    if key is None:
        return action()
    known = getattr(request, "shopper_id", None) and not getattr(request, "shopper_is_new", False)
    namespace = str(request.shopper_id) if known else ""
    answer = idempotency_run(scope=scope, namespace=namespace, key=key, fingerprint=fingerprint, action=action)
    if answer.replayed and not namespace and answer.owner_key is not None:
        request.shopper_id, request.shopper_is_new = answer.owner_key, True
    return answer
