"""Celery tasks of the motivation map: "rescore history with version N" and "learn a new map"."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)

# Each run works this long, then sends itself again: far below the task time limit, and a lost
# worker loses at most one slice (the job resumes from what is still unscored).
SLICE_SECONDS = 60.0


@shared_task(bind=True, name="personalization.rescore_history", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OSError, OperationalError), retry_backoff=True, max_retries=5)
def rescore_history(self, job_id: int) -> dict:
    """Rescore every event with the job's map version, in chunks, then recompute the profiles."""
    from personalization.services.motivations import rescore_fail, rescore_run

    try:
        finished = rescore_run(job_id=job_id, budget_seconds=SLICE_SECONDS)
    except (OSError, OperationalError):
        raise  # transient: retried
    except Exception as exc:
        logger.exception("rescore job %s failed", job_id)
        rescore_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        raise
    if not finished:
        self.apply_async((job_id,))
    return {"job": job_id, "finished": finished}


@shared_task(bind=True, name="personalization.map_learn", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OSError, OperationalError), retry_backoff=True, max_retries=5)
def map_learn(self, job_id: int) -> dict:
    """Learn a new map version from the stored choices: EM iterations in slices, then the proposal."""
    from personalization.services.learning import map_learning_fail, map_learning_run

    try:
        finished = map_learning_run(job_id=job_id, budget_seconds=SLICE_SECONDS)
    except (OSError, OperationalError):
        raise  # transient: retried
    except Exception as exc:
        logger.exception("map learning job %s failed", job_id)
        map_learning_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        raise
    if not finished:
        self.apply_async((job_id,))
    return {"job": job_id, "finished": finished}
