"""Fault: Redis (the cache and the broker) stops while shoppers click, save, share and order.

The site keeps answering (no 5xx), every acknowledged save, share and order is in PostgreSQL
with its event, and what could not be queued meanwhile (profiles, social cards, rollups) is
caught up by the beat sweeps on the worker within a minute of Redis coming back (periods are
shortened here through the environment: ATELIER_SWEEP_SECONDS, ATELIER_ROLLUPS_SECONDS); every
order's confirmation e-mail goes out exactly once."""

from __future__ import annotations

import time
from collections import Counter

from tests.faults.checks import (
    confirmations_sent,
    event_counts,
    expected_events,
    health,
    missing_acknowledged,
    rollup_gap,
    shares_without_cards,
    stale_profiles,
)
from tests.faults.load import Load
from tests.faults.services import wait_for

OUTAGE_SECONDS = 10
CATCH_UP_SECONDS = 60


def test_a_redis_outage_under_load_loses_nothing_and_the_work_catches_up(stack):
    apps = stack.apps
    address = apps.gunicorn(workers=2)
    apps.worker(supervised=True)  # as production runs it: Celery can exit when Redis comes back
    apps.beat()
    assert wait_for(lambda: health(address)[1]["status"] == "ok", timeout=20), health(address)

    load = Load(address, shoppers=4).start()
    time.sleep(4)
    before_outage = (len(load.tally.shares), len(load.tally.orders), load.tally.clicks)
    stack.redis.stop()
    time.sleep(2)
    code, report = health(address)
    assert code == 200 and report["status"] == "degraded", report
    assert not report["checks"]["cache"]["ok"] and not report["checks"]["broker"]["ok"]
    assert report["checks"]["worker"] == {"ok": False, "error": "BrokerUnavailable", "ms": 0.0}
    assert report["checks"]["database"]["ok"]
    time.sleep(OUTAGE_SECONDS - 2)
    during_outage = (len(load.tally.shares), len(load.tally.orders), load.tally.clicks)
    stack.redis.start()
    back = time.monotonic()
    time.sleep(3)
    tally = load.stop()

    # Shoppers noticed nothing: no 5xx, no dropped connection, and work got done in the outage.
    assert not tally.server_errors(), (tally.server_errors(), tally.problems[:5])
    assert all(d > b for d, b in zip(during_outage, before_outage, strict=True)), (before_outage, during_outage)
    assert missing_acknowledged(stack, tally) == {"saves": 0, "shares": 0, "orders": 0}
    # Every event the load produced is in PostgreSQL once (clicks go through the write-behind buffer).
    expected = expected_events(tally)
    assert wait_for(lambda: event_counts(stack) == expected, timeout=10), (event_counts(stack), expected)

    # The queued work catches up: profiles, social cards of shares made in the outage, rollups,
    # and the confirmation e-mail of every order (once each).
    confirmed = Counter(tally.orders)

    def caught_up() -> bool:
        return (not stale_profiles(stack) and not shares_without_cards(stack) and not rollup_gap(stack)
                and confirmations_sent(stack) == confirmed)

    assert wait_for(caught_up, timeout=CATCH_UP_SECONDS - (time.monotonic() - back), interval=1), (
        f"stale profiles {stale_profiles(stack)}, shares without cards {shares_without_cards(stack)}, "
        f"rollups vs events {rollup_gap(stack)}, "
        f"orders unconfirmed {set(confirmed) - set(confirmations_sent(stack))}, "
        f"confirmed twice {[n for n, k in confirmations_sent(stack).items() if k > 1]}")
    assert event_counts(stack) == expected  # no duplicates from replays either
    assert confirmations_sent(stack) == confirmed
    code, report = health(address)
    assert code == 200 and report["status"] == "ok", report
