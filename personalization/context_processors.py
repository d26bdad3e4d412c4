"""Template context of personalization for every page: the request's consents, read from the
signed cookie (no database)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from personalization.consent import consents_from_request


def consent(request: HttpRequest) -> dict:
    # Lazy: pages that never look at it (the admin, API docs) do not even read the cookie.
    return {"consent": SimpleLazyObject(lambda: consents_from_request(request))}
