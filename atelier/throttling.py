"""Admin login throttling (django-axes; settings.AXES_*): the page a locked-out login gets."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
    """The address failures count against, read like the rate limits' (ATELIER_RATELIMIT_PROXIES;
    IPv6 per /64). None when there is none (a request made in code, e.g. force_login): axes
    stores it in an IP column, which PostgreSQL checks."""
    from configurator.ratelimits import client_ip as address_of

    address = address_of(request)
    return None if address == "unknown" else address


def login_locked_out(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """429 with Retry-After and a page that says why and what to do, in the admin's look."""
    seconds = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds()))
    context = {
        **admin.site.each_context(request),
        "title": "",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": max(1, round(seconds / 60)),
    }
    response = render(request, "admin/login_locked.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
