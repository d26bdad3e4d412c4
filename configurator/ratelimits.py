"""Rate limits (django-ratelimit) for what writes or draws: saves, shares, orders, client events,
preview renders, and share-code lookups that miss.

A scope has up to two limits in settings.ATELIER_RATELIMITS: "<scope>", counted per pseudonymous
shopper when the request carries one (else per client IP), and "<scope>_ip", a more generous
ceiling per IP (many shoppers behind one NAT; a client that drops its cookie to start over).
Over either limit the view answers 429 with Retry-After before it writes anything.

A limiter that cannot reach its cache lets the request through: the shop stays open when Redis
is away (GET /health/ says so), it just is not rate limited meanwhile.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
T = TypeVar("T")
logger = logging.getLogger(__name__)


class RateLimited(Exception):
    """Over a limit; retry_after is the number of seconds left in the window."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = max(1, int(retry_after))


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with ATELIER_RATELIMIT_PROXIES trusted proxies in front, the address the
    outermost of them saw (each proxy appends one to X-Forwarded-For; what comes before that is
    whatever the client sent). IPv6 counts per /64: one subscriber's whole network."""
    address = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.ATELIER_RATELIMIT_PROXIES
    if proxies:
        forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if forwarded:
            address = forwarded[-min(proxies, len(forwarded))]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def _shopper_or_ip(group: str, request: HttpRequest) -> str:
    shopper = getattr(request, "shopper_id", None)
    return f"shopper:{shopper}" if shopper else f"ip:{client_ip(request)}"


def _ip(group: str, request: HttpRequest) -> str:
    return f"ip:{client_ip(request)}"


_KEYS = (("", _shopper_or_ip), ("_ip", _ip))


def _usages(request: HttpRequest, scope: str, *, increment: bool) -> list[dict]:
    if not settings.ATELIER_RATELIMIT_ENABLED:
        return []
    usages = []
    for suffix, key in _KEYS:
        rate = settings.ATELIER_RATELIMITS.get(scope + suffix)
        if not rate:
            continue
        try:
            usage = get_usage(request, group=f"atelier.{scope}{suffix}", key=key, rate=rate, increment=increment)
        except Exception:  # the cache is away: serve the request rather than refuse everyone
            logger.warning("rate limit %s%s not checked: the cache did not answer", scope, suffix, exc_info=True)
            continue
        if usage is not None:
            usages.append(usage)
    return usages


def _enforce(usages: list[dict]) -> None:
    over = [usage["time_left"] for usage in usages if usage["should_limit"]]
    if over:
        raise RateLimited(max(over))


def limit(request: HttpRequest, scope: str) -> None:
    """Count one request against `scope`; RateLimited when that takes it over a limit."""
    _enforce(_usages(_plain(request), scope, increment=True))


def limit_by(request: HttpRequest, scope: str, value: str) -> None:
    """Count one request against `scope` keyed by `value` (say, a hash of the e-mail address a
    mail goes to) rather than by shopper or IP: RateLimited over settings.ATELIER_RATELIMITS[scope]."""
    request = _plain(request)
    rate = settings.ATELIER_RATELIMITS.get(scope)
    if not settings.ATELIER_RATELIMIT_ENABLED or not rate:
        return
    try:
        usage = get_usage(request, group=f"atelier.{scope}", key=lambda group, req: value, rate=rate, increment=True)
    except Exception:  # the cache is away: serve the request rather than refuse everyone
        logger.warning("rate limit %s not checked: the cache did not answer", scope, exc_info=True)
        return
    _enforce([usage] if usage is not None else [])


def lookup(request: HttpRequest, scope: str, find: Callable[[], T], misses: tuple[type[BaseException], ...]) -> T:
    """find(), where only a miss (one of `misses`) counts against `scope`: over the limit a miss
    is answered 429 instead of 404. A hit is always served: many visitors share an address (an
    office, a mobile network, a social network's link-preview crawler following erased shares),
    and with codes of 96 random bits a guesser finds no hit to tell apart anyway."""
    request = _plain(request)
    try:
        return find()
    except misses:
        _enforce(_usages(request, scope, increment=True))
        raise


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """429 with Retry-After: JSON {"detail"} for the API and htmx, a small page otherwise."""
    seconds = max(1, int(retry_after))
    message = ngettext(
        "Too many requests. Please wait %(seconds)d second and try again.",
        "Too many requests. Please wait %(seconds)d seconds and try again.",
        seconds,
    ) % {"seconds": seconds}
    if request.path.startswith("/api/") or getattr(request, "htmx", False):
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    add_never_cache_headers(response)
    return response


def _plain(request) -> HttpRequest:
    """The Django request, also when given a REST framework one."""
    return getattr(request, "_request", request)


def _request_in(args: tuple) -> HttpRequest:
    """The request among a view's arguments: first for a function view, second for a method."""
    for arg in args[:2]:
        if hasattr(arg, "META"):
            return _plain(arg)
    raise TypeError("ratelimited: no request among the view's arguments")


def ratelimited(scope: str | None = None, *, methods: Iterable[str] = UNSAFE):
    """For a view function or an API view's method: counts each request of `methods` against
    `scope` before the view runs, and answers 429 for RateLimited raised inside it (by `limit`
    or `lookup`, for what only sometimes counts: a render, a miss)."""
    counted = frozenset(m.upper() for m in methods)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            request = _request_in(args)
            try:
                if scope is not None and request.method in counted:
                    limit(request, scope)
                return view(*args, **kwargs)
            except RateLimited as refused:
                return too_many_requests(request, refused.retry_after)

        return wrapper

    return decorate
