"""While the database does not answer, say so: 503 with Retry-After, never a stack trace.

PostgreSQL can restart (an upgrade, a failover) while shoppers click. A request that needs it
then gets an honest "try again in a moment": an HTML page for pages, {"detail": ...} for the
API and htmx. Nothing is served from the database here, so the page renders without it (no
context processors: they may read the session or the user). Once PostgreSQL is back, the next
request reconnects (CONN_HEALTH_CHECKS), so the site recovers without a restart.

A view's database error arrives in process_exception. One raised by a middleware inside this
one (the session or the user, on the way in or out) has already become Django's 500 by the time
it gets here, so got_request_exception marks the request and that 500 is replaced.
"""

from __future__ import annotations

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
UNAVAILABLE = (OperationalError, InterfaceError)
_MARK = "_atelier_database_unavailable"


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc`, or an exception it was raised from, says the database cannot be reached."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, UNAVAILABLE):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return (request.path.startswith("/api/") or request.headers.get("HX-Request") == "true"
            or ("application/json" in accept and "text/html" not in accept))


def unavailable_response(request: HttpRequest, *, detail: str | None = None, template: str = "503.html",
                         retry_after: int = RETRY_AFTER_SECONDS) -> HttpResponse:
    """503 with Retry-After: {"detail": ...} for the API and htmx, else `template` (a page that
    stands alone: no context processors, no images)."""
    if _wants_json(request):
        detail = detail or _("The service is briefly unavailable. Please try again in a few seconds.")
        response: HttpResponse = JsonResponse({"detail": detail}, status=503)
    else:
        html = render_to_string(template, {"retry_after": retry_after, "LANGUAGE_CODE": get_language()})
        response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


@receiver(got_request_exception, dispatch_uid="atelier.database_unavailable")
def _remember(sender, request: HttpRequest | None = None, **kwargs) -> None:
    """Django is about to answer 500 for an uncaught exception: note whether the database was
    the cause (sys.exc_info() is the exception being handled)."""
    if request is not None and database_unavailable(sys.exc_info()[1]):
        setattr(request, _MARK, True)


class DatabaseUnavailableMiddleware:
    """Sits above every middleware that may touch the database (sessions, auth, messages)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 500 and getattr(request, _MARK, False):
            logger.warning("database unavailable during %s %s: answered 503", request.method, request.path)
            return unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_unavailable(exception):
            return None
        logger.warning("database unavailable during %s %s (%s): answered 503", request.method, request.path,
                       type(exception).__name__)
        return unavailable_response(request)
