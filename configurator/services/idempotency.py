"""Doing a request once: a save or an order retried with the same key gives one row and the first
answer. The key's row and the answer are written in the transaction of the change itself, so
either both are there or neither is."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from configurator.models import IdempotencyKey


class IdempotencyKeyReused(Exception):
    """The key was used before for another request (another path or body)."""


@dataclass(frozen=True)
class Answer:
    """What a request answered: an HTTP status and a JSON-ready body (for a form, what to redirect
    to), and the shopper it acted for."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)
    owner_key: uuid.UUID | None = None
    replayed: bool = False


def idempotency_run(*, scope: str, namespace: str, key: str, fingerprint: str, action: Callable[[], Answer]) -> Answer:
    """`action()` once per (scope, namespace, key), or the answer it gave the first time
    (replayed=True). A retry that arrives while the first attempt is still running waits for it
    (on PostgreSQL the key's unique index holds it until the first commits) and then gets its
    answer. If `action` raises, nothing is kept and a retry runs it again. Raises
    IdempotencyKeyReused for the key of another request."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(scope=scope, namespace=namespace, key=key,
                                                       fingerprint=fingerprint)
        except IntegrityError:
            record = IdempotencyKey.objects.get(scope=scope, namespace=namespace, key=key)
            if record.fingerprint != fingerprint:
                raise IdempotencyKeyReused() from None
            return Answer(record.status_code, json.loads(record.response), record.owner_key, replayed=True)
        answer = action()
        record.status_code, record.owner_key = answer.status, answer.owner_key
        record.response = json.dumps(answer.body, cls=DjangoJSONEncoder)
        record.save(update_fields=["status_code", "response", "owner_key"])
        return answer


def idempotency_keys_forget(*, owner_key: uuid.UUID) -> int:
    """Erasure: the remembered answers of a shopper's requests go (they tie the shopper id to
    builds and order numbers that erasure unlinks). Returns how many were deleted."""
    from django.db.models import Q

    deleted, _ = IdempotencyKey.objects.filter(Q(owner_key=owner_key) | Q(namespace=str(owner_key))).delete()
    return deleted


def idempotency_keys_purge(*, now=None) -> int:
    """Forget keys older than ATELIER_IDEMPOTENCY_KEY_HOURS (a retry comes within seconds or
    minutes; after that the same key starts a new request). Returns how many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.ATELIER_IDEMPOTENCY_KEY_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
