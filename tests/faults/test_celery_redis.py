"""atelier/celery_redis.py: a worker whose Redis connection was collected (the consumer does
that first when Redis goes away) closes it without raising. The state is set up by hand, as the
consumer leaves it (the crash was intermittent under real load). That the held messages then come
back after the visibility timeout is kombu's own behaviour, not checked here; in the Redis outage
script (an empty Redis restarted) the sweeps are what redo the work.

Without the workaround, Celery 5.7 and kombu 5.7 raise AttributeError here and the worker
exits ("Unrecoverable error"); the fault script saw it when Redis stopped under load."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import redis as redis_client
from kombu import Connection, Exchange, Queue

import atelier.celery_redis  # noqa: F401 (the workaround under test)
from tests.conftest import missing_service
from tests.faults.services import Redis, missing_binaries


@pytest.fixture
def throwaway_redis():
    if any("redis" in m for m in missing_binaries()):
        missing_service("redis-server")
    with tempfile.TemporaryDirectory(prefix="atelier-redis-") as root:
        server = Redis(Path(root))
        server.start()
        try:
            yield server
        finally:
            server.stop()


def test_closing_a_collected_channel_after_redis_went_away_does_not_raise(throwaway_redis):
    url = throwaway_redis.url(0)
    queue = Queue("q", Exchange("q"), "q")
    connection = Connection(url)
    with connection.Producer() as producer:
        producer.publish({"job": 1}, exchange=queue.exchange, routing_key="q", declare=[queue])
    channel = connection.default_channel
    held = []
    consumer = connection.Consumer(queue, callbacks=[lambda body, message: held.append(body)], channel=channel)
    consumer.qos(prefetch_count=1)
    consumer.consume()
    connection.drain_events(timeout=5)
    assert held == [{"job": 1}]  # delivered, not acknowledged: the worker holds it
    assert redis_client.Redis.from_url(url).hlen("unacked") == 1  # and Redis knows, for the visibility timeout

    throwaway_redis.stop()
    # The state the crash's traceback shows: the consumer collected the connection (the transport
    # lost its client) before closing the channel, which had no connection pool left.
    channel.connection.client = None
    channel._pool = None
    channel.close()  # must not raise (Celery would exit with "Unrecoverable error")
    assert channel.closed and not channel.qos._delivered
