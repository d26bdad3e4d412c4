"""Segment membership: recomputed periodically (beat) for every active segment, and on demand
after a segment is saved or staff press "Materialize now". Materializing recomputes, so a doubled
or replayed message is harmless."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, OSError)


@shared_task(name="personalization.segment_materialize", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def segment_materialize(segment_id: int) -> dict:
    """Recompute one segment's members (a deleted segment or unreadable rules: nothing to do)."""
    from personalization.models import Segment
    from personalization.segments import RulesInvalid
    from personalization.services.segments import segment_materialize as materialize

    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None:
        return {"segment": segment_id, "missing": True}
    try:
        segment = materialize(segment=segment)
    except RulesInvalid as exc:  # permanent: retrying cannot fix the rules
        logger.warning("segment %s has invalid rules: %s", segment_id, exc)
        return {"segment": segment_id, "invalid": exc.errors}
    from personalization.tasks.audience import audience_segment_changed_soon

    audience_segment_changed_soon(segment_id)  # its audience syncs plan the change
    return {"segment": segment_id, "size": segment.size, "excluded_no_consent": segment.excluded_no_consent}


@shared_task(name="personalization.segments_materialize_all", acks_late=True)
def segments_materialize_all() -> dict:
    """Every active segment, one after the other (each in its own transaction)."""
    from personalization.models import Segment

    done, failed = 0, []
    for segment_id in Segment.objects.filter(active=True).order_by("pk").values_list("pk", flat=True):
        try:  # one broken segment must not stop the others
            segment_materialize.run(segment_id)
            done += 1
        except Exception:
            logger.exception("segment %s could not be materialized", segment_id)
            failed.append(segment_id)
    return {"segments": done, "failed": failed}


def segment_materialize_soon(segment_id: int) -> None:
    """Queue a materialization once the current transaction commits. If the broker is down the
    next beat run catches up."""
    from configurator.tasks import enqueue_on_commit

    enqueue_on_commit(segment_materialize, segment_id)
