"""A Celery worker keeps its database connection from task to task, as a web process keeps it
from request to request, and drops it when Django would drop a request's."""

from __future__ import annotations

import time

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import connection

from atelier.celery import app
from personalization.tasks import profile_recompute

# SQLite's in-memory test database never really closes its connection.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def tasks_run(fixup: DjangoWorkerFixup, count: int) -> None:
    """What a worker does around `count` tasks: Celery's fixup and the signals' receivers."""
    for _ in range(count):
        fixup.on_task_prerun(sender=profile_recompute)
        task_prerun.send(sender=profile_recompute, task_id="t", task=profile_recompute, args=(), kwargs={})
        fixup.on_task_postrun(sender=profile_recompute)
        task_postrun.send(sender=profile_recompute, task_id="t", task=profile_recompute, args=(), kwargs={},
                          retval=None, state="SUCCESS")


def test_the_connection_lasts_across_tasks():
    connection.ensure_connection()
    raw = connection.connection
    tasks_run(DjangoWorkerFixup(app), 20)
    assert connection.connection is raw


def test_without_the_reuse_setting_celery_would_reconnect_for_every_task(monkeypatch):
    monkeypatch.setitem(app.conf, "CELERY_DB_REUSE_MAX", None)
    connection.ensure_connection()
    tasks_run(DjangoWorkerFixup(app), 1)
    assert connection.connection is None  # what the setting prevents


def test_a_connection_past_its_age_is_dropped_between_tasks_but_not_inside_a_callers_request():
    connection.ensure_connection()
    connection.close_at = time.monotonic() - 1  # older than CONN_MAX_AGE
    profile_recompute.push_request(is_eager=True)  # run in place: inside someone's request
    try:
        task_prerun.send(sender=profile_recompute, task_id="t", task=profile_recompute, args=(), kwargs={})
    finally:
        profile_recompute.pop_request()
    assert connection.connection is not None
    task_prerun.send(sender=profile_recompute, task_id="t", task=profile_recompute, args=(), kwargs={})
    assert connection.connection is None
