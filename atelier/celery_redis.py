"""A workaround for Celery 5.7 / kombu 5.7 on the Redis broker: a worker that loses Redis while it
holds unacknowledged messages (acks late, or a countdown waiting) crashes instead of reconnecting.

On the connection loss the consumer first collects the connection, which drops the transport's
client, and then closes it; closing tries to put the held messages back, needs a client to do so
and raises AttributeError, which the consumer does not expect ("Unrecoverable error:
AttributeError: 'NoneType' object has no attribute 'hostname'"). Without a client there is no
Redis to write to anyway: the messages are still in Redis's unacked set, and the broker hands
them out again after the visibility timeout. So the restore is skipped, and the worker goes on
to reconnect. tests/faults/test_redis_outage.py stops Redis under a real worker to prove it.
"""

from __future__ import annotations

import logging

from kombu.transport import redis as redis_transport

logger = logging.getLogger(__name__)

_restore_unacked = redis_transport.QoS.restore_unacked


def _restore_unacked_unless_collected(self, client=None):
    if client is None and getattr(self.channel.connection, "client", None) is None:
        logger.warning("broker connection gone: %s unacknowledged message(s) come back after the visibility timeout",
                       len(self._delivered))
        self._delivered.clear()
        return None
    return _restore_unacked(self, client)


redis_transport.QoS.restore_unacked = _restore_unacked_unless_collected
