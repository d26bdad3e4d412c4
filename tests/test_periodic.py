"""Periodic work without Celery beat (`make run`): the web process runs the beat schedule itself,
so segments refresh without staff pressing "Materialize now"."""

from __future__ import annotations

import threading
import uuid

import pytest

from atelier.periodic import InProcessBeat, start_in_process_beat


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.django_db
def test_segments_are_materialized_without_anyone_pressing_a_button(settings):
    from personalization.models import Motivation, Profile, Segment, Shopper

    status = Motivation.objects.create(code="status", name_en="Status", name_nl="Status")
    segment = Segment.objects.create(name="Status buyers", purpose="personalization", rules={
        "op": "and", "items": [{"kind": "dominant", "motivation": "status"}],
    })
    buyer = Shopper.objects.create(id=uuid.uuid4(), personalization=True)
    Profile.objects.create(shopper=buyer, dominant=status, scores={"status": 1.0})
    assert not segment.memberships.exists()

    clock = Clock()
    beat = InProcessBeat(settings.CELERY_BEAT_SCHEDULE, clock=clock, first_run_after=5)
    assert beat.tick() == []  # nothing before the first round
    clock.now += 5
    ran = beat.tick()
    assert set(ran) == set(settings.CELERY_BEAT_SCHEDULE)  # every entry of the schedule, once
    assert list(segment.memberships.values_list("shopper_id", flat=True)) == [buyer.pk]

    newcomer = Shopper.objects.create(id=uuid.uuid4(), personalization=True)
    Profile.objects.create(shopper=newcomer, dominant=status, scores={"status": 1.0})
    assert beat.tick() == []  # not due again yet
    clock.now += 15 * 60
    assert "segments-materialize" in beat.tick()
    assert set(segment.memberships.values_list("shopper_id", flat=True)) == {buyer.pk, newcomer.pk}


def test_each_entry_runs_at_its_own_interval_with_its_arguments(monkeypatch):
    ran: list[str] = []
    given: list[tuple[str, dict | None]] = []

    class Task:
        def __init__(self, name: str) -> None:
            self.name = name

        def apply(self, kwargs: dict | None = None, throw: bool = False) -> None:
            ran.append(self.name)
            given.append((self.name, kwargs))
            if self.name == "broken":
                raise RuntimeError("a failing task is logged, and the others still run")

    from atelier.celery import app

    monkeypatch.setattr(app, "_tasks", {name: Task(name) for name in ("fast", "slow", "broken")}, raising=False)
    monkeypatch.setattr(type(app), "tasks", property(lambda self: self._tasks))
    clock = Clock()
    beat = InProcessBeat({
        "fast": {"task": "fast", "schedule": 60.0},
        "slow": {"task": "slow", "schedule": 600},
        "broken": {"task": "broken", "schedule": 60.0},
        "cron": {"task": "fast", "schedule": object()},  # not an interval: skipped
        "slow-full": {"task": "slow", "schedule": 3600, "kwargs": {"full": True}},
    }, clock=clock, first_run_after=0)
    for _ in range(11):
        beat.tick()
        clock.now += 60
    assert ran.count("fast") == 11 and ran.count("broken") == 11 and ran.count("slow") == 3
    assert given.count(("slow", {"full": True})) == 1 and given.count(("slow", {})) == 2


def test_the_runner_starts_once_per_process(monkeypatch):
    import atelier.periodic as periodic

    monkeypatch.setattr(periodic, "_started", None)
    stop = start_in_process_beat({})
    try:
        assert isinstance(stop, threading.Event)
        assert start_in_process_beat({}) is None
        assert any(t.name == "atelier-periodic" for t in threading.enumerate())
    finally:
        stop.set()


def test_make_run_turns_it_on_and_the_test_settings_do_not():
    """On by default only with DEBUG and in-process tasks, which is what `make run` sets."""
    import subprocess
    import sys

    code = "from django.conf import settings; import django; django.setup(); print(settings.ATELIER_PERIODIC_IN_PROCESS)"

    def flag(**env) -> str:
        import os

        environ = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "CELERY_BROKER_URL", "DATABASE_URL")}
        environ.update(DJANGO_SETTINGS_MODULE="atelier.settings", SECRET_KEY="x" * 50, **env)
        return subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True,
                              check=True).stdout.strip()

    assert flag(DEBUG="1") == "True"
    assert flag(DEBUG="1", CELERY_BROKER_URL="redis://127.0.0.1:1/0") == "False"
    assert flag() == "False"
