"""Issue #4 benchmarks of event capture, on gunicorn + PostgreSQL:

1. Option-click throughput with event capture on, against the same clicks with capture switched
   off (ATELIER_EVENT_CAPTURE=0), two servers on the same database, alternating rounds. The
   shoppers have consented, so every click writes its events. Target: capture adds <= 15%.
2. Batch ingest through POST /api/events/ (batches of 500, fresh idempotency keys), in rows per
   second, against a raw psycopg COPY of the same rows into the same table. Target ratio >= 0.3.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from datetime import UTC, datetime

from bench.common import Result
from bench.load import hammer
from bench.quote_http import alternate_loads

BATCH = 500


def consented_cookies(shopper_id: uuid.UUID) -> str:
    """The cookies of a shopper who accepted analytics and personalization on the banner (whose
    decision also wrote their Shopper row)."""
    from django.conf import settings

    from configurator.identity import sign_shopper
    from personalization.consent import COOKIE, Consents, consent_cookie_value
    from personalization.services import consent_set

    consent_set(shopper_id=shopper_id, analytics=True, personalization=True, marketing=False, source="bench")

    consent = consent_cookie_value(Consents(analytics=True, personalization=True, decided=True))
    shopper = sign_shopper(shopper_id)
    return f"{settings.ATELIER_SHOPPER_COOKIE}={shopper}; {COOKIE}={consent}; csrftoken=benchbenchbenchbenchbenchbench00"


def capture_overhead(on: str, off: str, seconds: float, connections: int = 8) -> list[Result]:
    """Clicks of shopper walks (bench.click_http) sent by consented shoppers to the server with
    capture on and to the one with capture off."""
    from bench.click_http import shopper_walk
    from configurator.demo.catalog import PRODUCTS
    from personalization.models import Event

    clicks, shoppers = [], []
    for n, product in enumerate(PRODUCTS):
        for lang in ("en", "nl"):
            shoppers.append(uuid.uuid4())
            cookie = consented_cookies(shoppers[-1])
            clicks += [(path, {**extra, "Cookie": cookie}) for path, extra in shopper_walk(on, product, 40, n, lang)]
    headers = {"HX-Request": "true", "Accept": "*/*"}
    before = Event.objects.count()
    def load(address: str):
        return lambda duration: hammer(address, "GET", clicks, None, connections=connections, seconds=duration,
                                       headers=headers)

    on_tput, off_tput, errors = alternate_loads(load(on), load(off), seconds=seconds)
    time.sleep(1)  # the last batches of the write-behind buffers
    written = Event.objects.count() - before
    forget(shoppers)
    overhead = 1 - on_tput / off_tput if off_tput else 1.0
    ok = overhead <= 0.15 and errors == 0 and written > 0
    note = (f"({len(clicks)} clicks of consented shoppers, {written} events written, {connections} connections, "
            f"{errors} errors; target: capture adds <= 15%)")
    return [Result(4, "option click with event capture vs capture off", on_tput, "req/s", off_tput,
                   on_tput / off_tput if off_tput else 0.0, "ratio >= 0.87 (adds <= 15%)", ok,
                   f"adds {overhead:.0%} {note}")]


def forget(shoppers: list[uuid.UUID]) -> None:
    """Remove the benchmark's shoppers and their events: runs must not pile up rows."""
    from personalization.models import ConsentChange, Event, Profile, Shopper

    Event.objects.filter(shopper_id__in=shoppers).delete()
    Profile.objects.filter(shopper_id__in=shoppers).delete()
    ConsentChange.objects.filter(shopper_id__in=shoppers).delete()
    Shopper.objects.filter(pk__in=shoppers).delete()


def _rows(count: int, shopper_id: uuid.UUID, product_id: int) -> list[dict]:
    now = datetime.now(UTC).isoformat()
    return [{
        "key": str(uuid.uuid4()), "type": "option_selected", "at": now, "product": product_id,
        "group": "wheels", "option": "r17_aero",
        "properties": {"previous": ["r16_standard"], "delta": "650.00", "price": "650.00", "cheapest": False},
    } for _ in range(count)]


def _ingest(address: str, batches: list[list[dict]], cookie: str, threads: int) -> tuple[float, int]:
    host, port = address.split(":")
    errors = 0
    lock = threading.Lock()
    queue = list(batches)

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        while True:
            with lock:
                if not queue:
                    break
                batch = queue.pop()
            body = json.dumps({"events": batch})
            conn.request("POST", "/api/events/", body=body, headers={
                "Content-Type": "application/json", "Cookie": cookie,
                "X-CSRFToken": "benchbenchbenchbenchbenchbench00",
            })
            response = conn.getresponse()
            payload = response.read()
            if response.status != 201 or json.loads(payload)["accepted"] != len(batch):
                with lock:
                    errors += 1
        conn.close()

    return _timed_threads(worker, threads), errors


def _copy(dsn: str, batches: list[list[dict]], shopper_id: uuid.UUID, threads: int) -> float:
    import psycopg

    columns = ("key", "type", "occurred_at", "recorded_at", "shopper_id", "product_id", "group", "option",
               "properties", "scores")
    lock = threading.Lock()
    queue = list(batches)

    def worker() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            while True:
                with lock:
                    if not queue:
                        break
                    batch = queue.pop()
                with conn.cursor() as cur, cur.copy(
                    f"COPY personalization_event ({', '.join(chr(34) + c + chr(34) for c in columns)}) FROM STDIN"
                ) as copy:
                    now = datetime.now(UTC)
                    for row in batch:
                        copy.write_row((row["key"], row["type"], row["at"], now, shopper_id, row["product"],
                                        row["group"], row["option"], json.dumps(row["properties"]), "{}"))

    return _timed_threads(worker, threads)


def _timed_threads(worker, threads: int) -> float:
    """Seconds until `threads` threads running `worker` are all done."""
    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - started


def ingest_vs_copy(address: str, dsn: str, batches: int = 40, threads: int = 2) -> list[Result]:
    from configurator.models import Product

    product_id = Product.objects.get(slug="city-car").pk
    shopper_id = uuid.uuid4()
    cookie = consented_cookies(shopper_id)
    _ingest(address, [_rows(BATCH, shopper_id, product_id) for _ in range(4)], cookie, threads)  # warm up
    _copy(dsn, [_rows(BATCH, shopper_id, product_id) for _ in range(4)], shopper_id, threads)
    api_seconds, errors = _ingest(address, [_rows(BATCH, shopper_id, product_id) for _ in range(batches)], cookie, threads)
    copy_seconds = _copy(dsn, [_rows(BATCH, shopper_id, product_id) for _ in range(batches)], shopper_id, threads)
    forget([shopper_id])
    rows = batches * BATCH
    api_rate, copy_rate = rows / api_seconds, rows / copy_seconds
    ratio = api_rate / copy_rate
    note = f"({rows} rows in batches of {BATCH}, {threads} clients each, {errors} errors)"
    return [Result(4, "batch ingest POST /api/events/ vs raw psycopg COPY", api_rate, "rows/s", copy_rate, ratio,
                   "ratio >= 0.3", ratio >= 0.3 and errors == 0, note)]
