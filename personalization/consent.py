"""Consent per purpose, read on every request without touching the database.

The shopper's choice lives in the signed `atelier_consent` cookie (and, once given, on their
Shopper row, which is what segments, the API and the services read). `Sec-GPC: 1` always turns
marketing off. Without consent for analytics or personalization nothing about the shopper is
stored on the server: their choices wait in a signed browser-session cookie (see pending.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from configurator.lru import LRU
from personalization.models import Purpose

COOKIE = "atelier_consent"
SALT = "atelier.consent"
PURPOSES = tuple(Purpose.values)


@dataclass(frozen=True)
class Consents:
    analytics: bool = False
    personalization: bool = False
    marketing: bool = False
    decided: bool = False  # the shopper made a choice (the banner is not shown again)
    gpc: bool = False

    @property
    def records_events(self) -> bool:
        """Events are stored for analytics (reports) or personalization (profiles)."""
        return self.analytics or self.personalization

    def allows(self, purpose: str) -> bool:
        return bool(getattr(self, purpose, False))

    def granted(self) -> frozenset[str]:
        return frozenset(p for p in PURPOSES if self.allows(p))


NONE = Consents()


def gpc(request: HttpRequest) -> bool:
    return request.headers.get("Sec-GPC", "").strip() == "1"


# A checked cookie's grants, per process for a minute: the same browser sends the same cookie on
# every click, and checking its signature each time is the costliest part of reading it.
_checked: LRU[frozenset[str] | None] = LRU(20_000, ttl=60)


def cookie_grants(request: HttpRequest) -> frozenset[str] | None:
    """The purposes the consent cookie grants, as the shopper chose them (GPC not applied);
    None when there is no valid cookie (no decision yet)."""
    raw = request.COOKIES.get(COOKIE)
    if not raw or len(raw) > 512:
        return None
    return _checked.get(raw, lambda: _grants(raw))


def _grants(raw: str) -> frozenset[str] | None:
    try:
        value = signing.loads(raw, salt=SALT, max_age=settings.ATELIER_CONSENT_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(value, str):
        return None
    return frozenset(value.split(",")) & frozenset(PURPOSES)


def consents_from_request(request: HttpRequest) -> Consents:
    """The request's consents: from the signed cookie, with marketing off under GPC. Cached on
    the request."""
    cached = getattr(request, "_atelier_consents", None)
    if cached is not None:
        return cached
    signals_gpc = gpc(request)
    granted = cookie_grants(request)
    if granted is not None:
        consents = Consents(
            analytics="analytics" in granted, personalization="personalization" in granted,
            marketing="marketing" in granted and not signals_gpc, decided=True, gpc=signals_gpc,
        )
    else:
        consents = Consents(gpc=signals_gpc)
    request._atelier_consents = consents
    return consents


def consent_cookie_value(consents: Consents) -> str:
    return signing.dumps(",".join(sorted(consents.granted())), salt=SALT, compress=False)


def set_consent_cookie(response: HttpResponse, request: HttpRequest, consents: Consents) -> None:
    response.set_cookie(
        COOKIE, consent_cookie_value(consents), max_age=settings.ATELIER_CONSENT_MAX_AGE,
        httponly=True, samesite="Lax", secure=request.is_secure(),
    )
    request._atelier_consents = consents
