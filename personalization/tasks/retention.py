"""The daily retention purge (beat: personalization.events_purge), the erasure backstop
(beat: personalization.events_orphans_sweep) and, on PostgreSQL, the months of the event table
created ahead (beat: personalization.event_partitions_create)."""

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


@shared_task(name="personalization.event_partitions_create", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, OSError), retry_backoff=True, max_retries=3)
def event_partitions_create() -> dict:
    """Create the event table's partitions of this month and ATELIER_EVENT_PARTITIONS_AHEAD months
    after it that are missing (PostgreSQL; nothing on SQLite). Idempotent. A lock timeout is
    retried; a month not created in time costs nothing but speed (its events go to the default
    partition and move into the month once it exists)."""
    from personalization.services.partitions import event_partitions_create as create

    return {"created": create()}
