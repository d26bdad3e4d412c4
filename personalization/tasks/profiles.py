"""Celery tasks of personalization. Each takes ids, recomputes (never increments) and calls one
service; they are enqueued after commit, and a periodic sweep redoes anything a lost message
or a broker outage left behind."""

from __future__ import annotations

import logging
import uuid

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from configurator.lru import LRU

logger = logging.getLogger(__name__)

# Shoppers whose profile refresh this process queued in the last PROFILE_DEBOUNCE_SECONDS:
# a burst of clicks queues one refresh, which runs once the burst is over.
_queued: LRU[bool] = LRU(50_000, ttl=settings.ATELIER_PROFILE_DEBOUNCE_SECONDS)


def profile_refresh_soon(shopper_id: uuid.UUID) -> None:
    """Queue a recompute of the shopper's profile after the current transaction commits,
    debounced per shopper. If the broker is down nothing is lost: profiles_sweep catches up."""
    from configurator.tasks import enqueue_on_commit

    key = str(shopper_id)
    # A burst of clicks queues one refresh: this process remembers what it queued, and the
    # shared cache (Redis in production) makes it one across every web process. If the cache
    # cannot answer, the refresh is queued (a refresh too many costs little).
    if _queued.add(key, True) and cache.add(f"profile-refresh:{key}", 1, settings.ATELIER_PROFILE_DEBOUNCE_SECONDS) \
            is not False:
        def forget() -> None:
            _queued.discard(key)
            cache.delete(f"profile-refresh:{key}")

        enqueue_on_commit(profile_recompute, key, countdown=settings.ATELIER_PROFILE_DEBOUNCE_SECONDS,
                          on_failure=forget)


# Acknowledged on receipt, not late: a recompute is short, idempotent, and the beat sweep redoes any
# that a lost worker dropped. Its many short runs then stay out of the late acknowledgement that
# kombu's Redis transport can fail on across a broker reconnect, which stopped a worker in the
# Redis outage fault test (AttributeError in ack after "Restoring unacknowledged messages").
@shared_task(name="personalization.profile_recompute", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def profile_recompute(shopper_id: str) -> dict:
    """Bring one shopper's profile up to date with their events (idempotent): the new events
    only, or all of them when the profile cannot be brought forward."""
    from personalization.services.profiles import profile_refresh

    profile = profile_refresh(shopper_id=uuid.UUID(shopper_id))
    return {"shopper": shopper_id, "events": profile.event_count if profile else 0}


@shared_task(name="personalization.profiles_sweep", acks_late=True, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=3)
def profiles_sweep(full: bool = False) -> dict:
    """Periodic (beat): recompute profiles that are behind their shopper's events (of shoppers
    with recent events; `full`: of every shopper, daily), and drop those of shoppers who
    withdrew personalization consent."""
    from personalization.services.profiles import profiles_sweep as sweep

    return sweep(full=bool(full))
