"""Celery tasks of the configurator. Each takes ids, loads its rows and calls one service."""

from __future__ import annotations

from celery import shared_task
from django.db import connection
from django.utils import timezone


@shared_task(name="configurator.health_ping", ignore_result=False)
def health_ping() -> dict:
    """Proves a worker is alive and reaches the database (used by health checks and tests)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"db": connection.vendor, "at": timezone.now().isoformat()}
