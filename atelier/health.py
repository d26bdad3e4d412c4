"""GET /health/: the database, cache, broker and worker, for operators and load balancers.

200 while the database answers (the site can serve pages, save, share and order, and record
events), with "degraded" when Redis, the broker or the worker is away (the site still works:
see the README); 503 when the database does not answer. Never a stack trace, and nothing more
than each check's name, state, time and error class.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from atelier.celery import app


def _timed(check: Callable[[], dict | None]) -> dict:
    started = time.perf_counter()
    try:
        detail = check() or {}
        result = {"ok": True, **detail}
    except Exception as exc:  # a check that fails is reported, never raised
        result = {"ok": False, "error": type(exc).__name__}
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


CHECKS = ("database", "cache", "broker", "worker")  # each is the function _<name> here


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
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
    return JsonResponse({"status": status, "checks": checks}, status=code)
