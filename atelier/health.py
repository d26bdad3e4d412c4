"""GET /health/: the database, cache, broker, worker and storage, for operators and load balancers.

200 while the database answers (the site can serve pages, save, share and order, and record
events), with "degraded" when Redis, the broker, the worker or the storage of rendered images is
away or full (the site still works: see the README); 503 when the database does not answer.
Never a stack trace. The public sees only that status; staff (logged in) and monitoring (the
header "Authorization: Bearer <ATELIER_HEALTH_TOKEN>") also see each check's state, time and
error class (or errno name), and the worker count.

HEAD /health/ is the load balancer's check (README, "Scaling out"): the same status code, from the
database alone. The other checks can only turn "ok" into "degraded", which is still 200, and the
worker check waits out a broadcast ping (half a second of a web process) on every poll.
"""

from __future__ import annotations

import errno
import hmac
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from atelier.celery import app
from atelier.storage import error_code, free_bytes, storage_problem


def _timed(check: Callable[[], dict | None]) -> dict:
    started = time.perf_counter()
    try:
        detail = check() or {}
        result = {"ok": True, **detail}
    except Exception as exc:  # a check that fails is reported, never raised
        result = {"ok": False, "error": error_code(exc)}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    cache.set("atelier:health", "1", 10)
    if cache.get("atelier:health") != "1":
        raise RuntimeError("the cache does not keep what it is given")


def _broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "in-process"}
    with app.connection_for_write() as conn:
        # One attempt, no back-off: a load balancer polling this must get its answer quickly.
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=1)
    return {"mode": "broker"}


def _worker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "in-process"}
    replies = app.control.ping(timeout=0.5)
    if not replies:
        raise TimeoutError("no worker answered")
    return {"workers": len(replies)}


def _storage() -> dict:
    """Cheap: a statvfs of MEDIA_ROOT's file system and a look at the last failed write (a
    render that could not be stored, in any process, within a minute). No write per poll."""
    problem = storage_problem()  # "ENOSPC", "EROFS", ...
    if problem is not None:
        raise OSError(getattr(errno, problem, None), "storage")
    free = free_bytes()
    return {} if free is None else {"free_mb": free // 2**20}


CHECKS = ("database", "cache", "broker", "worker", "storage")  # each is the function _<name> here


def _may_see_details(request: HttpRequest) -> bool:
    token = settings.ATELIER_HEALTH_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    try:
        return request.user.is_staff  # (reads the session: the database)
    except Exception:  # the database is down: no staff can be recognised, the public answer it is
        return False


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    if request.method == "HEAD":
        # Headers as a GET's (a HEAD has no body), without waiting out the worker's ping.
        response = HttpResponse(status=200 if _timed(_database)["ok"] else 503, content_type="application/json")
        patch_vary_headers(response, ("Authorization", "Cookie"))
        return response
    checks: dict[str, dict] = {}
    for name in CHECKS:
        if name == "worker" and not checks["broker"]["ok"]:
            # No broker, no way to reach a worker: say so at once instead of waiting out a ping.
            checks[name] = {"ok": False, "error": "BrokerUnavailable", "ms": 0.0}
        else:
            checks[name] = _timed(globals()[f"_{name}"])
    if not checks["database"]["ok"]:
        status, code = "down", 503
    elif all(c["ok"] for c in checks.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    body = {"status": status, "checks": checks} if _may_see_details(request) else {"status": status}
    response = JsonResponse(body, status=code)
    patch_vary_headers(response, ("Authorization", "Cookie"))
    return response
