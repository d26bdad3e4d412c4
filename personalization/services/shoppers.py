"""Shoppers and their consent."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from configurator.lru import LRU
from personalization.models import ConsentChange, Shopper

# Whether a shopper id has a row, per process for ATELIER_LOCAL_CACHE_SECONDS: a browser whose
# shopper was erased by staff still sends its old cookies, and its clicks must not be stored.
_known: LRU[bool] = LRU(100_000, ttl=settings.ATELIER_LOCAL_CACHE_SECONDS)


def shopper_known(shopper_id: uuid.UUID) -> bool:
    return _known.get(shopper_id, lambda: Shopper.objects.filter(pk=shopper_id).exists())


def shopper_forget(shopper_id: uuid.UUID | None = None) -> None:
    """Drop what this process remembers about a shopper (all shoppers without an id)."""
    if shopper_id is None:
        _known.clear()
    else:
        _known.discard(shopper_id)


def _forget_collected(shopper_id: uuid.UUID) -> None:
    """Consent to both analytics and personalization withdrawn: what was collected under it goes
    (events, profile, segment memberships); the row keeps the choice and its audit trail."""
    from personalization.models import Event, Profile, SegmentMembership

    Event.objects.filter(shopper_id=shopper_id).delete()
    Profile.objects.filter(shopper_id=shopper_id).delete()
    SegmentMembership.objects.filter(shopper_id=shopper_id).delete()


def shopper_for_owner(owner_key: uuid.UUID | None) -> Shopper | None:
    if owner_key is None:
        return None
    return Shopper.objects.filter(pk=owner_key).first()


@transaction.atomic
def consent_set(*, shopper_id: uuid.UUID, analytics: bool, personalization: bool, marketing: bool,
                source: str, gpc: bool = False, language: str = "") -> Shopper | None:
    """Record the shopper's choice per purpose (marketing stays off under GPC). A shopper who
    grants nothing and has no row yet gets none: nothing about them is stored."""
    marketing = marketing and not gpc
    shopper = Shopper.objects.select_for_update().filter(pk=shopper_id).first()
    if shopper is None and not (analytics or personalization or marketing):
        return None
    now = timezone.now()
    if shopper is not None and not (analytics or personalization):
        _forget_collected(shopper_id)
    if shopper is None:
        shopper = Shopper(id=shopper_id)
    shopper.analytics, shopper.personalization, shopper.marketing = analytics, personalization, marketing
    shopper.gpc = gpc
    shopper.consent_updated_at = now
    shopper.last_seen_at = now
    if language:
        shopper.language = language[:8]
    shopper.save()
    transaction.on_commit(lambda: shopper_forget(shopper_id))
    ConsentChange.objects.create(shopper=shopper, analytics=analytics, personalization=personalization,
                                 marketing=marketing, source=source[:20])
    return shopper
