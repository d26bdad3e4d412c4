"""Write-behind for click events: a web process gathers its clicks' events in memory and a
background thread writes them in one INSERT per batch, within ATELIER_EVENT_FLUSH_SECONDS.

A synchronous INSERT per click would cost a database round trip and commit on every click; one
statement per batch costs a fraction of that per event. Guarantees:
- every key is written once (INSERT … ON CONFLICT DO NOTHING), so a retried batch never doubles;
- if the database is unreachable the events stay in memory (up to ATELIER_EVENT_BUFFER_MAX) and
  the batch is retried with backoff: a PostgreSQL restart loses nothing;
- a graceful stop of the process (deploy, SIGTERM) writes what is left before it exits;
- only a hard kill of a web process loses its unwritten clicks (at most one flush interval).
Build, share, remix and order events never go through here: they are written in the
transaction of the change they describe.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import uuid
from collections import deque

from django.conf import settings
from django.db import DataError, IntegrityError, close_old_connections, connection, transaction

logger = logging.getLogger(__name__)


class EventBuffer:
    def __init__(self) -> None:
        self._pending: deque[tuple[uuid.UUID, dict]] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self.dropped = 0
        self.failures = 0

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, shopper_id: uuid.UUID, items: list[dict]) -> None:
        if not items:
            return
        with self._lock:
            self._ensure_thread()
            self._pending.extend((shopper_id, item) for item in items)
            overflow = len(self._pending) - settings.ATELIER_EVENT_BUFFER_MAX
            if overflow > 0:  # the database has been away for long: keep the newest, say so
                for _ in range(overflow):
                    self._pending.popleft()
                self.dropped += overflow
                logger.error("event buffer full: dropped the %s oldest click events", overflow)
            if len(self._pending) >= settings.ATELIER_EVENT_FLUSH_BATCH:
                self._wake.set()

    def flush(self) -> int:
        """Write everything pending now (in batches); returns how many rows were new. On a
        database error the unwritten batch goes back to the front and the error is raised."""
        from personalization.services.events import events_write
        from personalization.tasks.profiles import profile_refresh_soon

        written = 0
        while True:
            with self._lock:
                batch = [self._pending.popleft() for _ in range(min(len(self._pending), 5000))]
            if not batch:
                return written
            try:
                written += events_write(batch)
            except (IntegrityError, DataError):
                written += self._write_one_by_one(batch)  # a bad row must not block the others
            except Exception:
                with self._lock:
                    self._pending.extendleft(reversed(batch))
                raise
            for shopper_id in {s for s, _item in batch}:
                profile_refresh_soon(shopper_id)

    def _write_one_by_one(self, batch: list[tuple[uuid.UUID, dict]]) -> int:
        """A batch the database refuses for its content (not for being away): each row alone,
        and a row that still fails is logged and dropped."""
        from personalization.services.events import events_write

        written = 0
        for row in batch:
            try:
                with transaction.atomic():
                    written += events_write([row])
            except (IntegrityError, DataError):
                self.dropped += 1
                logger.exception("dropped a click event the database refuses: %s", row[1].get("type"))
        return written

    def _ensure_thread(self) -> None:
        if os.getpid() != self._pid:  # forked: the parent's thread and events are not ours
            self._pending.clear()
            self._thread = None
            self._pid = os.getpid()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="atelier-event-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Write what is pending, end the thread and close its connection (tests, shutdown)."""
        thread = self._thread
        if thread is None:
            return
        self._stopping = True
        self._wake.set()
        thread.join(timeout=10)
        self._thread, self._stopping = None, False

    def _run(self) -> None:
        backoff = settings.ATELIER_EVENT_FLUSH_SECONDS
        while not self._stopping:
            self._wake.wait(backoff)
            self._wake.clear()
            try:
                self.flush()
                backoff = settings.ATELIER_EVENT_FLUSH_SECONDS
                close_old_connections()
            except Exception:
                self.failures += 1
                logger.warning("could not write %s click events; retrying", len(self._pending), exc_info=True)
                self._close()  # a fresh connection next time (the database may have restarted)
                backoff = min(backoff * 2, 5.0)
        self._close()

    @staticmethod
    def _close() -> None:
        try:
            connection.close()
        except Exception:
            logger.debug("closing the event writer's connection failed", exc_info=True)


buffer = EventBuffer()


@atexit.register
def _flush_at_exit() -> None:
    if os.getpid() != buffer._pid:
        return
    buffer.stop()  # the thread writes what it holds, and what is pending, before it ends
    if len(buffer):
        try:
            buffer.flush()
        except Exception:
            logger.exception("could not write %s click events at exit", len(buffer))
