"""The beat schedule, run inside the web process when there is no Celery beat.

`make run` has no broker: tasks run in-process (eager), and there is no `celery beat` to start the
periodic ones, so segments were never re-materialized, rollups never refreshed and the sweeps
never ran unless staff pressed a button. With ATELIER_PERIODIC_IN_PROCESS (on by default when
DEBUG is on and tasks run in-process, as under `make run`), the web process runs every entry of
CELERY_BEAT_SCHEDULE itself, in one background thread: once shortly after start, then at each
entry's interval. Every periodic task recomputes, so running one also in a real beat, or twice,
is harmless. With a broker and `make beat`, leave this off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

logger = logging.getLogger(__name__)

FIRST_RUN_AFTER = 5.0  # seconds: let the server come up before the first round


@dataclass
class Entry:
    name: str
    task: str
    every: float  # seconds
    due: float  # on the scheduler's clock
    kwargs: dict = field(default_factory=dict)  # the entry's "kwargs", as beat passes them


def _seconds(schedule) -> float | None:
    """An entry's interval: a number of seconds, a timedelta, or a Celery schedule with one."""
    if isinstance(schedule, (int, float)):
        return float(schedule)
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    run_every = getattr(schedule, "run_every", None)
    return run_every.total_seconds() if isinstance(run_every, timedelta) else None


class InProcessBeat:
    """Runs the entries of a beat schedule that are due, each as a plain in-process task call."""

    def __init__(self, schedule: dict, *, clock: Callable[[], float] = time.monotonic,
                 first_run_after: float = FIRST_RUN_AFTER) -> None:
        self.clock = clock
        start = clock() + first_run_after
        self.entries = []
        for name, spec in schedule.items():
            every = _seconds(spec.get("schedule"))
            if every is None or every <= 0:
                logger.warning("periodic entry %s has a schedule this runner cannot follow: skipped", name)
                continue
            self.entries.append(Entry(name, spec["task"], every, start, dict(spec.get("kwargs") or {})))

    def next_due(self) -> float:
        return min((entry.due for entry in self.entries), default=self.clock() + 3600)

    def tick(self) -> list[str]:
        """Runs every entry that is due now, and schedules its next run; returns their names. A
        task that fails is logged: its next run is its retry."""
        from atelier.celery import app

        ran = []
        for entry in self.entries:
            now = self.clock()
            if entry.due > now:
                continue
            entry.due = now + entry.every
            try:
                app.tasks[entry.task].apply(kwargs=entry.kwargs, throw=True)
            except Exception:
                logger.exception("periodic task %s (%s) failed", entry.name, entry.task)
            ran.append(entry.name)
        return ran

    def run(self, stop: threading.Event) -> None:
        from django.db import close_old_connections

        from atelier.celery import app

        # A web process imports only the task modules its code has used so far; a worker or beat
        # imports them all at start (autodiscovery), and so does this.
        app.loader.import_default_modules()
        while not stop.is_set():
            close_old_connections()
            try:
                self.tick()
            finally:
                close_old_connections()  # this thread's connection: not kept across the wait
            stop.wait(max(0.5, self.next_due() - self.clock()))


_started: threading.Event | None = None
_lock = threading.Lock()


def start_in_process_beat(schedule: dict | None = None) -> threading.Event | None:
    """Starts the runner once per process, in a daemon thread; returns the event that stops it
    (None if it was already running)."""
    global _started
    from django.conf import settings

    with _lock:
        if _started is not None:
            return None
        _started = threading.Event()
    beat = InProcessBeat(settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule)
    threading.Thread(target=beat.run, args=(_started,), name="atelier-periodic", daemon=True).start()
    logger.info("periodic tasks run in this process: %s", ", ".join(e.name for e in beat.entries))
    return _started
