"""Fault: PostgreSQL restarts while shoppers click, save, share and order.

While it is down, a request that needs it gets a clear 503 with Retry-After: an HTML page for
pages, {"detail": ...} for the API and htmx, never a stack trace. Once it is back the same
gunicorn workers serve again (no restart: CONN_HEALTH_CHECKS reconnects), and nothing that was
acknowledged is lost: every save, share and order that got its success answer exists, and so
does every click event, including those the write-behind buffer held during the outage."""

from __future__ import annotations

import time
from pathlib import Path

import requests

from tests.faults.checks import event_counts, expected_events, health, missing_acknowledged
from tests.faults.load import CLICKS, Load, Shopper, Tally
from tests.faults.services import wait_for

OUTAGE_SECONDS = 8


def _children(pid: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def _assert_unavailable_page(address: str) -> None:
    """What a browser, an API client and htmx get while the database is down."""
    page = requests.get(f"http://{address}/en/", timeout=10)
    assert page.status_code == 503 and page.headers["Content-Type"].startswith("text/html")
    assert int(page.headers["Retry-After"]) > 0
    assert "<h1>Back in a moment</h1>" in page.text and "Traceback" not in page.text

    api = requests.get(f"http://{address}/api/products/", timeout=10)
    assert api.status_code == 503 and int(api.headers["Retry-After"]) > 0
    assert set(api.json()) == {"detail"}

    htmx = requests.get(f"http://{address}/en/", headers={"HX-Request": "true"}, timeout=10)
    assert htmx.status_code == 503 and set(htmx.json()) == {"detail"}
    for response in (page, api, htmx):
        assert "OperationalError" not in response.text and "psycopg" not in response.text


def test_a_postgres_restart_under_load_answers_503_and_loses_nothing_acknowledged(stack):
    apps = stack.apps
    apps.env["ATELIER_LOCAL_CACHE_SECONDS"] = "30"  # (5 by default) outlasts stopping PostgreSQL on a busy CI machine
    address = apps.gunicorn(workers=2)
    apps.worker()
    assert wait_for(lambda: health(address)[1]["status"] == "ok", timeout=20), health(address)
    gunicorn = apps.processes["gunicorn"]
    web_workers = _children(gunicorn.pid)

    load = Load(address, shoppers=4).start()
    time.sleep(4)
    # A shopper who is configuring when PostgreSQL goes away keeps clicking: the web processes
    # that served them remember them (for ATELIER_LOCAL_CACHE_SECONDS), so their clicks answer
    # and the events wait in the write-behind buffer.
    regular = Shopper(address, Tally(), 0)
    assert regular.consent()
    for turn in range(6):
        assert regular.click(CLICKS[turn % len(CLICKS)])
    stack.pg.stop("fast")
    down_at = time.monotonic()
    for turn in range(10):
        regular.click(CLICKS[turn % len(CLICKS)])
    assert regular.tally.clicks > 6, regular.tally.statuses  # some clicks were acknowledged in the outage
    code, report = health(address)
    assert code == 503 and report["status"] == "down" and not report["checks"]["database"]["ok"], report
    _assert_unavailable_page(address)
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))
    stack.pg.start()

    # Back without restarting anything: the same gunicorn workers answer again.
    assert wait_for(lambda: health(address)[1]["status"] == "ok", timeout=30), health(address)
    acknowledged_before = len(load.tally.saves)
    time.sleep(4)
    tally = load.stop()
    assert len(tally.saves) > acknowledged_before  # shoppers save again after the restart
    assert gunicorn.poll() is None and _children(gunicorn.pid) == web_workers

    # The outage answered 503 and nothing worse (no 500, no dropped connection).
    assert not tally.server_errors(allowed=frozenset({503})), (tally.server_errors(), tally.problems[:5])
    assert sum(n for (_step, status), n in tally.statuses.items() if status == 503) > 0
    # Nothing acknowledged is lost: saves, shares and orders, and every event (clicks included).
    assert missing_acknowledged(stack, tally) == {"saves": 0, "shares": 0, "orders": 0}
    expected = expected_events(tally) + expected_events(regular.tally)
    assert wait_for(lambda: event_counts(stack) == expected, timeout=15), (event_counts(stack), expected)
