"""The daily retention purge (beat: personalization.events_purge), and the erasure backstop
(beat: personalization.events_orphans_sweep)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(name="personalization.events_purge", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, OSError), retry_backoff=True, max_retries=3)
def events_purge() -> dict:
    """Delete events older than ATELIER_EVENT_RETENTION_DAYS and recompute the profiles that
    had some. Idempotent: a repeated or doubled run deletes nothing more."""
    from personalization.services.retention import events_purge as purge

    return purge().as_dict()


@shared_task(name="personalization.events_orphans_sweep", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, OSError), retry_backoff=True, max_retries=3)
def events_orphans_sweep() -> dict:
    """Delete events whose shopper no longer exists (erased). Idempotent."""
    from personalization.services.privacy import events_orphaned_delete

    return {"deleted": events_orphaned_delete()}
