"""Audience sync: a plan after each materialization of the sync's segment and after a shopper it
holds withdraws marketing consent (or is erased), then its deliveries go out; beat sends what is
due every minute (retries whose time has come) and re-plans every sync as a backstop. Plans
recompute the difference and sends go oldest first, so a doubled or replayed task is harmless."""

from __future__ import annotations

import uuid

from celery import shared_task
from django.db import OperationalError

TRANSIENT = (OperationalError,)


@shared_task(name="personalization.audience_sync_plan", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def audience_sync_plan(sync_id: int) -> dict:
    """Plan one sync and send its due deliveries (a paused sync plans removals only)."""
    from personalization.models import AudienceSync
    from personalization.services.audience import audience_sync_plan as plan
    from personalization.services.audience import audience_sync_send

    sync = AudienceSync.objects.filter(pk=sync_id).first()
    if sync is None:
        return {"sync": sync_id, "missing": True}
    planned = plan(sync=sync)
    return {"sync": sync_id, "planned": len(planned), "sent": audience_sync_send(sync=sync)}


@shared_task(name="personalization.audience_syncs_run", acks_late=True)
def audience_syncs_run() -> dict:
    """Beat backstop: every sync is planned (changes that came by another road)."""
    from personalization.services.audience import audience_syncs_run as run

    return {"planned": run()}


@shared_task(name="personalization.audience_deliveries_due", acks_late=True)
def audience_deliveries_due() -> dict:
    """Beat: pending deliveries whose (re)try time has come, oldest first per sync."""
    from personalization.services.audience import audience_deliveries_due as due

    return {"sent": due()}


def audience_sync_plan_soon(sync_id: int) -> None:
    from configurator.tasks import enqueue_on_commit

    enqueue_on_commit(audience_sync_plan, sync_id)


def audience_segment_changed_soon(segment_id: int) -> None:
    """The segment's membership was recomputed: plan its active syncs."""
    from personalization.models import AudienceSync

    for sync_id in AudienceSync.objects.filter(segment_id=segment_id, active=True).values_list("pk", flat=True):
        audience_sync_plan_soon(sync_id)


def audience_shopper_left_soon(shopper_id: uuid.UUID) -> None:
    """The shopper withdrew marketing consent or was erased: the syncs whose receiver holds them
    plan (and send) the removal once this transaction commits. Looked up now, before an erasure
    could make the shopper unfindable; the beat re-plan is the backstop."""
    from personalization.services.audience import audience_syncs_for_shopper

    for sync_id in audience_syncs_for_shopper(shopper_id):
        audience_sync_plan_soon(sync_id)
