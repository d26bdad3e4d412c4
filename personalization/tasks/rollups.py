"""The report rollups, rebuilt by beat (every few minutes) or on demand."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import OperationalError


@shared_task(name="personalization.rollups_refresh", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def rollups_refresh(since: str | None = None) -> dict:
    """Recompute the rollups from `since` (an ISO date; default: yesterday). Idempotent, so a
    doubled or retried run is harmless; a lock error or a lost connection is retried."""
    from personalization.services.rollups import rollups_refresh as refresh

    result = refresh(since=date.fromisoformat(since) if since else None)
    return {
        "first_day": result.first_day.isoformat() if result.first_day else None,
        "daily_rows": result.daily_rows,
        "lineage_rows": result.lineage_rows,
        "reach_rows": result.reach_rows,
        "option_rows": result.option_rows,
        "depth_rows": result.depth_rows,
    }
