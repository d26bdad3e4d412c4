"""Shoppers and their consent."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
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


def shopper_records_events(*, shopper_id: uuid.UUID, cookie_consented: bool) -> bool:
    """Whether events may be stored for this shopper: consent to analytics or personalization,
    from their cookie (then their row must still exist: staff may have erased it) or, for an app
    sending X-Atelier-Shopper without the cookie, from their row."""
    if cookie_consented:
        return shopper_known(shopper_id)
    return Shopper.objects.filter(pk=shopper_id).filter(Q(analytics=True) | Q(personalization=True)).exists()


def consent_decide(*, shopper_id: uuid.UUID | None, analytics: bool, personalization: bool, marketing: bool,
                   source: str, gpc: bool, language: str, pending: list[dict]) -> Shopper | None:
    """The banner's or the Privacy page's decision: recorded (consent_set) and, when events may
    now be stored, the choices made before it (`pending`) attached, in one transaction."""
    from personalization.services.events import pending_attach

    if shopper_id is None:
        return None
    with transaction.atomic():
        shopper = consent_set(shopper_id=shopper_id, analytics=analytics, personalization=personalization,
                              marketing=marketing, source=source, gpc=gpc, language=language)
        if shopper is not None and (analytics or personalization) and pending:
            if not analytics:  # where a share page's visitor came from is for analytics only
                pending = [_without_visit_source(item) for item in pending]
            pending_attach(shopper_id=shopper.pk, items=pending)
    return shopper


VISIT_SOURCE = ("referrer", "utm_source", "utm_medium", "utm_campaign", "channel")


def _without_visit_source(item: dict) -> dict:
    """A pending share_viewed event without the channel, referrer and UTM tags of the visit (see
    personalization.receivers.on_share_viewed); any other event as it is."""
    if item.get("type") != "share_viewed" or not isinstance(item.get("properties"), dict):
        return item
    return {**item, "properties": {k: v for k, v in item["properties"].items() if k not in VISIT_SOURCE}}


def shopper_collected_delete(shopper_id: uuid.UUID) -> tuple[int, int, int]:
    """Delete what was collected under consent to analytics or personalization: events, profile,
    segment memberships (withdrawal keeps the row with the choice and its audit trail; erasure
    then deletes those too). Returns how many of each were deleted."""
    from personalization.models import Event, Profile, SegmentMembership

    events, _ = Event.objects.filter(shopper_id=shopper_id).delete()
    profile, _ = Profile.objects.filter(shopper_id=shopper_id).delete()
    memberships, _ = SegmentMembership.objects.filter(shopper_id=shopper_id).delete()
    return events, profile, memberships


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
    if shopper is not None and shopper.marketing and not shopper.gpc and not (
            marketing and (analytics or personalization)):
        from personalization.tasks.audience import audience_shopper_left_soon

        audience_shopper_left_soon(shopper_id)  # marketing withdrawn, or segments left: audience syncs remove them
    if shopper is not None and not (analytics or personalization):
        shopper_collected_delete(shopper_id)
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
