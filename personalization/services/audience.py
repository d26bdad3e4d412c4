"""Audience sync: a segment pushed to an outside tool (an ad or CRM platform) as it changes.

The plan compares who the receiver should hold (members of the segment with marketing consent
and no Global Privacy Control) with who it was told about (SyncedMember), and writes the
difference as outbox rows (SyncDelivery) in the same transaction. The sender POSTs them one at a
time, oldest first per sync, signed with HMAC-SHA256 over the exact body, and retries a failure
with exponential backoff and jitter under the same delivery id (the receiver de-duplicates by it).

A delivery that is given up (MAX_ATTEMPTS) is undone in SyncedMember for every shopper whose
state no later delivery sets, so the next plan says it again against the audience as it is then:
a stale "added" is never replayed after a consent was withdrawn, and one dead spell of the
receiver does not block the sync for good. A paused (inactive) sync adds nobody but still sends
removals.

Redirects are not followed (a 3xx is a failure) and only http(s) URLs are accepted; the request
goes straight to the receiver, without the environment's proxy settings.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from personalization.models import (
    AudienceSync,
    DeliveryStatus,
    SegmentMembership,
    Shopper,
    SyncDelivery,
    SyncedMember,
)

logger = logging.getLogger(__name__)

CHUNK = 1000  # shoppers (added + removed) per delivery
MAX_ATTEMPTS = 10
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 6 * 3600.0
TIMEOUT_SECONDS = 5.0
SCHEMES = ("http", "https")
USER_AGENT = "Atelier-AudienceSync/1"


class UnsafeURL(ValueError):
    pass


def audience_url_check(url: str) -> str:
    """The receiver URL, if Atelier may POST to it: http or https with a host. Raises UnsafeURL."""
    parts = urlsplit(url or "")
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise UnsafeURL(url)
    return url


def email_sha256(email: str) -> str | None:
    """The address as ad and CRM tools match it: trimmed, lower case, SHA-256 in hex."""
    email = (email or "").strip().lower()
    return hashlib.sha256(email.encode()).hexdigest() if email else None


def audience_wanted(sync: AudienceSync, told: set[uuid.UUID]) -> set[uuid.UUID]:
    """Who the receiver should hold: members of the segment who consented to marketing now. A
    paused (inactive) sync adds nobody, but still removes whoever withdrew consent or was erased."""
    members = SegmentMembership.objects.filter(segment_id=sync.segment_id).values("shopper_id")
    consenting = Shopper.objects.filter(marketing=True, gpc=False)
    if not sync.active:
        ids = list(told)
        return {pk for start in range(0, len(ids), CHUNK)
                for pk in consenting.filter(pk__in=ids[start:start + CHUNK]).values_list("pk", flat=True)}
    return set(consenting.filter(pk__in=members).values_list("pk", flat=True))


def _added(ids: list[uuid.UUID]) -> list[dict]:
    emails = dict(Shopper.objects.filter(pk__in=ids).values_list("pk", "email"))
    return [{"id": str(pk), "email_sha256": email_sha256(emails.get(pk, ""))} for pk in ids]


def _payload(sync: AudienceSync, delivery_id: uuid.UUID, added: list[dict], removed: list[uuid.UUID],
             now: datetime) -> dict:
    return {
        "delivery_id": str(delivery_id),
        "audience": {"id": sync.pk, "name": sync.name},
        "segment": {"id": sync.segment_id, "name": sync.segment.name},
        "added": added,
        "removed": [{"id": str(pk)} for pk in removed],
        "created_at": now.isoformat(),
    }


def audience_sync_plan(*, sync: AudienceSync, now: datetime | None = None, chunk: int = CHUNK) -> list[SyncDelivery]:
    """Write the membership changes since the last plan as deliveries (at most `chunk` shoppers
    each, removals first) and record them as told. Nothing changed: nothing written. Returns the
    new deliveries, oldest first."""
    now = now or timezone.now()
    with transaction.atomic():
        # One plan per sync at a time (and never during an undo): the second one sees the first's rows.
        sync = AudienceSync.objects.select_for_update().select_related("segment").get(pk=sync.pk)
        told = set(SyncedMember.objects.filter(sync=sync).values_list("shopper_id", flat=True))
        wanted = audience_wanted(sync, told)
        changes = [(pk, False) for pk in sorted(told - wanted, key=str)]
        changes += [(pk, True) for pk in sorted(wanted - told, key=str)]
        deliveries = []
        for start in range(0, len(changes), chunk):
            part = changes[start:start + chunk]
            added = [pk for pk, is_added in part if is_added]
            removed = [pk for pk, is_added in part if not is_added]
            delivery_id = uuid.uuid4()
            deliveries.append(SyncDelivery.objects.create(
                sync=sync, delivery_id=delivery_id, payload=_payload(sync, delivery_id, _added(added), removed, now)))
            SyncedMember.objects.filter(sync=sync, shopper_id__in=removed).delete()
            SyncedMember.objects.bulk_create([SyncedMember(sync=sync, shopper_id=pk) for pk in added],
                                             ignore_conflicts=True)
    return deliveries


def delivery_body(delivery: SyncDelivery) -> bytes:
    """The exact bytes sent (and signed): compact UTF-8 JSON."""
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def delivery_signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff_seconds(attempts: int, rng: random.Random | None = None) -> float:
    """Exponential from BACKOFF_BASE_SECONDS after the first failure, capped, with jitter (50–100 %)
    so that many deliveries to one receiver that came back do not all retry at the same second."""
    delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return delay * (0.5 + 0.5 * (rng or random).random())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx becomes an HTTPError: the receiver URL must be the real one


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    audience_url_check(url)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked)
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


def _older_pending(delivery: SyncDelivery) -> bool:
    return SyncDelivery.objects.filter(sync_id=delivery.sync_id, status=DeliveryStatus.PENDING,
                                       pk__lt=delivery.pk).exists()


def audience_delivery_send(*, delivery: SyncDelivery, now: datetime | None = None,
                           rng: random.Random | None = None, timeout: float = TIMEOUT_SECONDS) -> bool:
    """POST one pending delivery. True when the receiver answered 2xx. A failure is retried later
    (next_attempt_at), and given up after MAX_ATTEMPTS. A delivery with an older one of its sync
    still pending is not sent (the order of deliveries is the order of changes)."""
    delivery = SyncDelivery.objects.select_related("sync").get(pk=delivery.pk)
    if delivery.status != DeliveryStatus.PENDING or _older_pending(delivery):
        return False
    sync = delivery.sync
    body = delivery_body(delivery)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Atelier-Delivery": str(delivery.delivery_id),
        "X-Atelier-Signature": delivery_signature(body, sync.secret),
        "X-Atelier-Timestamp": str(int(time.time())),
    }
    try:
        status = _post(sync.url, body, headers, timeout)
        error = "" if 200 <= status < 300 else f"HTTP {status}"
    except UnsafeURL:
        error = "refused: not an http(s) URL"
    except Exception as exc:  # the network or the receiver: retried later
        error = f"{type(exc).__name__}: {exc}"
    now = now or timezone.now()
    delivery.attempts += 1
    if not error:
        delivery.status, delivery.delivered_at, delivery.last_error, delivery.next_attempt_at = (
            DeliveryStatus.SENT, now, "", None)
        delivery.save(update_fields=["status", "delivered_at", "last_error", "next_attempt_at", "attempts"])
        return True
    logger.warning("audience sync %s: delivery %s failed (attempt %s): %s", sync.pk, delivery.delivery_id,
                   delivery.attempts, error)
    delivery.last_error = error[:300]
    if delivery.attempts >= MAX_ATTEMPTS:
        with transaction.atomic():
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            delivery.save(update_fields=["status", "next_attempt_at", "last_error", "attempts"])
            _undo(delivery)
    else:
        delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts, rng))
        delivery.save(update_fields=["next_attempt_at", "last_error", "attempts"])
    return False


def _ids(entries: Iterable[dict]) -> set[uuid.UUID]:
    return {uuid.UUID(entry["id"]) for entry in entries}


def _undo(delivery: SyncDelivery) -> None:
    """The receiver may never have got `delivery`: forget what it said, for the shoppers no later
    delivery of the sync speaks about, so that the next plan says it again (or, if the audience
    changed meanwhile, says nothing). Saying an addition or a removal twice is harmless."""
    sync = AudienceSync.objects.select_for_update().get(pk=delivery.sync_id)
    added, removed = _ids(delivery.payload.get("added", [])), _ids(delivery.payload.get("removed", []))
    for later in SyncDelivery.objects.filter(sync=sync, pk__gt=delivery.pk).exclude(
            status=DeliveryStatus.FAILED).values_list("payload", flat=True):
        spoken = _ids(later.get("added", [])) | _ids(later.get("removed", []))
        added -= spoken
        removed -= spoken
    SyncedMember.objects.filter(sync=sync, shopper_id__in=added).delete()
    SyncedMember.objects.bulk_create([SyncedMember(sync=sync, shopper_id=pk) for pk in removed], ignore_conflicts=True)


def audience_sync_send(*, sync: AudienceSync, now: datetime | None = None, rng: random.Random | None = None,
                       limit: int = 100) -> int:
    """Send the sync's due deliveries in order, stopping at the first that is not due or fails (and waits to be retried).
    Another worker holding the oldest one: nothing to do here. Returns how many were delivered."""
    sent = 0
    for _ in range(limit):
        at = now or timezone.now()
        head = (SyncDelivery.objects.filter(sync_id=sync.pk, status=DeliveryStatus.PENDING)
                .order_by("pk").values_list("pk", "next_attempt_at").first())
        if head is None or (head[1] is not None and head[1] > at):
            break
        with transaction.atomic():
            # The row lock keeps a second sender off this delivery (and so off the sync's queue).
            locked = SyncDelivery.objects.select_for_update(skip_locked=True).filter(
                pk=head[0], status=DeliveryStatus.PENDING).first()
            if locked is None:
                break
            if audience_delivery_send(delivery=locked, now=now, rng=rng):
                sent += 1
                continue
        if not SyncDelivery.objects.filter(pk=head[0], status=DeliveryStatus.FAILED).exists():
            break  # waiting for its next attempt (given up: the next one may go)
    return sent


def audience_deliveries_due(*, now: datetime | None = None, rng: random.Random | None = None) -> int:
    """Every sync with a pending delivery whose time has come: its queue, in order."""
    at = now or timezone.now()
    due = (SyncDelivery.objects.filter(status=DeliveryStatus.PENDING)
           .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))
           .values_list("sync_id", flat=True).distinct())
    sent = 0
    for sync in AudienceSync.objects.filter(pk__in=list(due)).order_by("pk"):
        sent += audience_sync_send(sync=sync, now=now, rng=rng)
    return sent


def audience_syncs_run(*, now: datetime | None = None) -> int:
    """Plan every sync (a paused one only for removals); returns how many deliveries were written."""
    return sum(len(audience_sync_plan(sync=sync, now=now)) for sync in AudienceSync.objects.all())


def audience_retry(*, sync: AudienceSync, now: datetime | None = None) -> int:
    """Staff: "Retry failed deliveries". What failed deliveries did not deliver is planned again
    (against the audience as it is now), and pending deliveries of the sync may go at once,
    without waiting out their backoff. Returns how many new deliveries were written."""
    planned = audience_sync_plan(sync=sync, now=now)
    SyncDelivery.objects.filter(sync=sync, status=DeliveryStatus.PENDING).update(next_attempt_at=None)
    return len(planned)


def audience_syncs_for_shopper(shopper_id: uuid.UUID) -> list[int]:
    """The syncs whose receiver holds this shopper (one index probe per sync)."""
    sync_ids = list(AudienceSync.objects.values_list("pk", flat=True))
    if not sync_ids:
        return []
    return list(SyncedMember.objects.filter(sync_id__in=sync_ids, shopper_id=shopper_id)
                .values_list("sync_id", flat=True))
