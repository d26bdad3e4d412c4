"""Campaign mailings go out in batches: each run sends one batch and queues the next, so a big
segment never holds a worker for long and a crash loses at most one batch's progress (a line is
marked sent only after its mail went). Lines that failed wait for their next attempt."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

TRANSIENT = (OperationalError, OSError)


@shared_task(name="personalization.mailing_send", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def mailing_send(mailing_id: int) -> dict:
    from personalization.models import Mailing
    from personalization.services.mailings import mailing_due, mailing_send_batch

    mailing = Mailing.objects.select_related("campaign").filter(pk=mailing_id).first()
    if mailing is None:
        return {"mailing": mailing_id, "missing": True}
    pending = mailing_send_batch(mailing=mailing)
    if mailing_due(mailing):  # the next batch; lines waiting for a retry are left to the sweep
        mailing_send.delay(mailing_id)
    return {"mailing": mailing_id, "pending": pending}


@shared_task(name="personalization.mailings_resume", acks_late=True)
def mailings_resume() -> dict:
    """Beat: every unfinished mailing with lines due (a retry's time has come, or a batch was lost
    with a worker) gets its next batch."""
    from personalization.models import Mailing, MailingStatus
    from personalization.services.mailings import mailing_due

    resumed = 0
    for mailing in Mailing.objects.exclude(status=MailingStatus.DONE):
        if mailing_due(mailing):
            mailing_send.delay(mailing.pk)
            resumed += 1
    return {"resumed": resumed}


def mailing_send_soon(mailing_id: int) -> None:
    from configurator.tasks import enqueue_on_commit

    enqueue_on_commit(mailing_send, mailing_id)
