"""Celery tasks of the configurator. Each takes ids, loads its rows and calls one service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone

from configurator.models import Build

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args, countdown: float | None = None, on_failure=None) -> None:
    """Send `task` after the current transaction commits (after `countdown` seconds, if given).
    If the broker is unreachable the work is not lost: every such task has a sweep or periodic
    run that redoes it (social cards, order confirmations, profiles, segments); `on_failure`
    runs then."""

    def send() -> None:
        try:
            task.delay(*args) if countdown is None else task.apply_async(args, countdown=countdown)
        except Exception as exc:  # the broker is away (no traceback per request during an outage)
            logger.warning("could not enqueue %s%r (%s: %s); the fallback will do the work", task.name, args,
                           type(exc).__name__, exc)
            if on_failure is not None:
                on_failure()

    transaction.on_commit(send)


@shared_task(name="configurator.health_ping", ignore_result=False)
def health_ping() -> dict:
    """Proves a worker is alive and reaches the database (used by health checks and tests)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"db": connection.vendor, "at": timezone.now().isoformat()}


@shared_task(name="configurator.social_card_render", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def social_card_render(build_id: str) -> list[str]:
    """Render a shared build's social cards (one per language). Idempotent: a replay replaces
    the cached files. A build deleted meanwhile is simply skipped. Storage that cannot take the
    card (a full disk) is not retried here: the sweep or the card's first reader draws it later."""
    from configurator.previews import RenderUnavailable, social_cards_fetch

    build = Build.objects.filter(pk=build_id).first()
    if build is None or not build.is_shared:
        return []
    try:
        return [row.file.name for row in social_cards_fetch(build=build)]
    except RenderUnavailable as exc:
        logger.warning("social cards of %s not stored (%s); the sweep or a reader draws them later", build_id, exc)
        return []


@shared_task(name="configurator.social_cards_sweep", acks_late=True, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=3)
def social_cards_sweep() -> dict:
    """Periodic (beat): render the cards of recent shares that could not queue their own render
    (the broker was away). Idempotent."""
    from configurator.services.social_cards import social_cards_sweep as sweep

    return {"rendered": sweep()}


@shared_task(name="configurator.renders_evict", acks_late=True)  # its next run is its retry
def renders_evict() -> dict:
    """Periodic (beat), and soon after a render could not be stored: keep the rendered files
    within ATELIER_RENDER_QUOTA_BYTES, least recently used out first. Idempotent."""
    from configurator.services.renders import renders_evict as evict

    report = evict()
    return {"files": report.files, "bytes": report.bytes, "evicted": report.evicted}


@shared_task(name="configurator.order_confirmations_sweep", acks_late=True)  # its next run is its retry
def order_confirmations_sweep() -> dict:
    """Periodic (beat): send the order confirmations that could not be queued (the broker was
    away). Each order is sent once (see order_confirmation_send)."""
    from configurator.services.orders import order_confirmations_sweep as sweep

    return {"sent": sweep()}


@shared_task(name="configurator.order_confirmation_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def order_confirmation_email(order_id: str) -> bool:
    """E-mail the shopper their order confirmation, in the language they ordered in."""
    from configurator.services.orders import order_confirmation_send

    return order_confirmation_send(order_id=order_id)


@shared_task(name="configurator.idempotency_keys_purge", acks_late=True)  # its next run is its retry
def idempotency_keys_purge() -> dict:
    """Periodic (beat): forget idempotency keys older than ATELIER_IDEMPOTENCY_KEY_HOURS."""
    from configurator.services.idempotency import idempotency_keys_purge as purge

    return {"deleted": purge()}


@shared_task(name="configurator.design_link_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def design_link_email(build_id: str, email: str, language: str, origin: str) -> bool:
    """E-mail a private link to a design ("E-mail me this design"), in the shopper's language.
    The address comes with the task because it is stored nowhere. A lost task is not redone:
    the shopper sees no mail and asks again."""
    from configurator.services.design_links import design_link_send

    return design_link_send(build_id=build_id, email=email, language=language, origin=origin)
